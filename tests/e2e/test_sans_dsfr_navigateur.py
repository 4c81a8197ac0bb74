"""A newcomer's first look (issue 12, « The first look without the DSFR »): `make run` without the DSFR's licence
serves the plain stylesheet (css/sans-dsfr.css). The home page, the login page and a step page (blank, then
refused) at 1280 and 360 px: skip links out of sight until focused, one header block with no stray « Menu » or
« Fermer », no sideways scrolling on a phone, buttons drawn as buttons, labels above their fields, axe-core clean.
Screenshots are kept in the test's tmp dir (pytest's basetemp) for a human look."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import verifier_accessibilite
from tests.e2e.test_notifications_navigateur import se_connecter
from tests.web.helpers import login, post_step, start_draft, step1_for

pytestmark = [pytest.mark.e2e, pytest.mark.feature("F-19")]

ECRANS = {"1280": {"width": 1280, "height": 900}, "360": {"width": 360, "height": 740}}
BLEU_DSFR = "rgb(0, 0, 145)"


@pytest.fixture
def sans_dsfr(app, tmp_path: Path) -> None:
    """The app's static files without the DSFR, as on a fresh clone whose licence was not accepted."""
    statique = tmp_path / "static-sans-dsfr"
    shutil.copytree(app.static_folder, statique, ignore=shutil.ignore_patterns("dsfr"))
    app.static_folder = str(statique)


def _brouillon_a_l_etape_2(app, person) -> str:
    client = app.test_client()
    assert login(client, person.numero_etranger, person.mot_de_passe).status_code == 302
    url = start_draft(client)
    assert post_step(client, url, **step1_for("CAS_3")).status_code == 302
    return url


def _verifier_apparence(page: Page, largeur: int, etat: str, dossier: Path) -> None:
    """What a newcomer would notice at a glance, then axe-core; a full-page screenshot for a human look."""
    page.wait_for_load_state("load")
    page.screenshot(path=dossier / f"{etat}-{largeur}.png", full_page=True)
    expect(page.locator("body")).to_have_class(re.compile(r"\bsans-dsfr\b"))
    assert page.locator("link[href*='/dsfr/'], script[src*='/dsfr/']").count() == 0  # no DSFR asked for

    # No horizontal scrolling: everything fits the screen's width.
    debord = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert debord <= 0, f"{etat} at {largeur} px: the page is {debord} px wider than the screen"

    # The header is one block: the service's name and its tools inside one box, no phone menu that cannot open.
    entete = page.locator("header.fr-header")
    for nom in ("Menu", "Fermer"):
        expect(page.get_by_role("button", name=nom, exact=True)).to_have_count(0)
    boite = entete.bounding_box()
    assert boite and boite["height"] < (140 if largeur >= 768 else 260), f"{etat}: header {boite}"
    titre = entete.locator(".fr-header__service-title").bounding_box()
    outils = entete.locator(".fr-header__tools").bounding_box()
    for partie in (titre, outils):
        assert partie and boite["y"] <= partie["y"] and partie["y"] + partie["height"] <= boite["y"] + boite["height"]
    if largeur >= 768:  # the tools on the title's row, at its right
        assert outils["x"] > titre["x"] + titre["width"] and outils["y"] < titre["y"] + titre["height"]

    # Skip links: above the page until focused (not a bulleted list at the top).
    lien = page.get_by_role("link", name="Contenu", exact=True)
    cache = lien.bounding_box()
    assert cache and cache["y"] + cache["height"] <= 0, f"{etat}: the skip link is visible unfocused ({cache})"

    # Buttons look like buttons: the main action filled in the DSFR's blue, white text; the others outlined.
    for bouton in page.locator("main .fr-btn:visible").all():
        style = bouton.evaluate("""e => { const s = getComputedStyle(e);
            return {fond: s.backgroundColor, texte: s.color, bord: s.borderTopStyle + " " + s.borderTopWidth,
                    classes: e.className}; }""")
        if not re.search(r"fr-btn--(secondary|tertiary)", style["classes"]) and not bouton.is_disabled():
            assert style["fond"] == BLEU_DSFR and style["texte"] == "rgb(255, 255, 255)", style
        else:
            assert style["fond"] != "rgba(0, 0, 0, 0)" and style["bord"] != "none 0px", style

    verifier_accessibilite(page, f"{etat} at {largeur} px without the DSFR")


def _focaliser_le_lien_d_evitement(page: Page) -> None:
    page.locator("body").focus()
    page.keyboard.press("Tab")
    lien = page.get_by_role("link", name="Contenu", exact=True)
    expect(lien).to_be_focused()
    boite = lien.bounding_box()
    assert boite and boite["y"] >= 0 and boite["height"] > 0, f"the focused skip link is out of sight ({boite})"
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#contenu$"))


@pytest.mark.feature("F-04")
@pytest.mark.feature("F-03")
@pytest.mark.feature("F-08")
@pytest.mark.parametrize("largeur", ECRANS)
def test_premier_regard_sans_dsfr(app, sans_dsfr, new_page, demo, largeur: str, tmp_path: Path) -> None:
    person = demo["CAS_3"]
    url = _brouillon_a_l_etape_2(app, person)
    dossier = tmp_path / "captures"
    dossier.mkdir()
    # The same size as the screen tests elsewhere; a phone at 360 px, touch included.
    options = {"viewport": ECRANS[largeur]}
    if largeur == "360":
        options.update(device_scale_factor=2, is_mobile=True, has_touch=True)
    page = new_page(**options)

    page.goto("/")
    expect(page.get_by_role("heading", name="Vos démarches", level=1)).to_be_visible()
    _verifier_apparence(page, int(largeur), "accueil", dossier)
    _focaliser_le_lien_d_evitement(page)
    # Tiles as cards: a border, side by side on a wide screen, one under the other on a phone.
    tuiles = page.locator(".fr-tile")
    assert tuiles.first.evaluate("e => getComputedStyle(e).borderBottomStyle") == "solid"
    premiere, deuxieme = tuiles.nth(0).bounding_box(), tuiles.nth(1).bounding_box()
    if largeur == "1280":
        assert premiere["y"] == deuxieme["y"] and deuxieme["x"] > premiere["x"] + premiere["width"]
    else:
        assert deuxieme["y"] >= premiere["y"] + premiere["height"]
    # The whole card is the link's target.
    page.locator(".fr-tile").nth(1).click(position={"x": 10, "y": deuxieme["height"] - 12})
    expect(page).to_have_url(re.compile(r"titre-de-sejour"))  # (the login page first, then the situation)

    page.goto("/connexion")
    _verifier_apparence(page, int(largeur), "connexion", dossier)
    libelle = page.locator("label[for='identifiant']").bounding_box()
    champ = page.get_by_label(re.compile(r"^Identifiant")).bounding_box()
    assert libelle["y"] + libelle["height"] <= champ["y"] + 1, "the label is not above its field"
    assert page.locator(".fr-hint-text").first.evaluate("e => getComputedStyle(e).display") == "block"
    if largeur == "1280":
        se_connecter(page, person)
    else:  # on a phone the header's tools wrap under the title: the same form, the same button
        page.get_by_label(re.compile(r"^Identifiant")).fill(person.numero_etranger)
        page.get_by_label(re.compile(r"^Mot de passe")).fill(person.mot_de_passe)
        page.get_by_role("button", name="S'identifier", exact=True).click()
        expect(page.locator(".fr-header__tools").get_by_role("button", name="Se déconnecter")).to_be_visible()

    page.goto(url)
    expect(page.get_by_role("heading", name=re.compile(r"Étape 2 sur 5"))).to_be_visible()
    _verifier_apparence(page, int(largeur), "etape-2", dossier)
    page.get_by_role("button", name="Enregistrer et poursuivre >", exact=True).click()
    resume = page.locator("#erreurs")
    expect(resume).to_be_visible()
    _verifier_apparence(page, int(largeur), "etape-2-refusee", dossier)
    # Errors are set apart: the summary framed in red, each field's message in red.
    assert resume.evaluate("e => getComputedStyle(e).borderLeftColor") == "rgb(206, 5, 0)"
    assert page.locator("main .fr-error-text").first.evaluate("e => getComputedStyle(e).color") == "rgb(206, 5, 0)"
    for nom in ("accueil", "connexion", "etape-2", "etape-2-refusee"):
        assert (dossier / f"{nom}-{largeur}.png").stat().st_size > 0
