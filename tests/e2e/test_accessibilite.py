"""axe-core in the browser tests (F-19): the helper `verifier_accessibilite` (tests/e2e/conftest.py) injects axe-core
from tools/essais under the pages' CSP and fails on any WCAG 2.1 A/AA violation with a readable list. Here: it does
catch a violation, it runs under the CSP without breaking it, and the pages before login are clean with the DSFR as
installed and with the plain stylesheet. The other browser tests call it at each page state they visit."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import verifier_accessibilite

pytestmark = [pytest.mark.e2e, pytest.mark.feature("F-19")]


@pytest.fixture(params=["dsfr-tel-qu-installe", "feuille-simple"])
def presentation(request: pytest.FixtureRequest, app, tmp_path: Path) -> str:
    """The static files as installed (the DSFR when its licence was accepted), or a copy without the DSFR."""
    if request.param == "feuille-simple":
        statique = tmp_path / "static-sans-dsfr"
        shutil.copytree(app.static_folder, statique, ignore=shutil.ignore_patterns("dsfr"))
        app.static_folder = str(statique)
    return request.param


def test_une_violation_est_signalee_lisiblement(page, browser_log) -> None:
    """The helper can fail: a field without a label and an image without text are reported, by rule and element."""
    page.goto("/connexion")
    verifier_accessibilite(page, "connexion")
    # The image's 404 is awaited here, so that it is logged before the log is cleared below (not after).
    with page.expect_response("**/favicon-absente.png"):
        page.evaluate("""() => {
            const champ = document.createElement("input"); champ.id = "champ-sans-libelle";
            const image = document.createElement("img"); image.id = "image-sans-texte";
            image.src = "/favicon-absente.png";
            document.querySelector("main").append(champ, image); }""")
    with pytest.raises(pytest.fail.Exception) as echec:
        verifier_accessibilite(page, "connexion modifiée")
    message = str(echec.value)
    assert "violation(s) on connexion modifiée" in message
    assert "label: Form elements must have labels" in message and "#champ-sans-libelle" in message
    assert "image-alt" in message and "#image-sans-texte" in message
    # The image this test added on purpose is not a fault of the pages.
    browser_log.failed_resources.clear()


def test_axe_s_execute_sous_la_csp(page) -> None:
    """axe-core is evaluated by the browser driver, not as an inline <script> (which the CSP blocks): the policy stays
    as served and no CSP violation is raised (browser_log would report it)."""
    reponse = page.goto("/")
    assert "script-src 'self'" in reponse.headers["content-security-policy"]
    verifier_accessibilite(page, "accueil")
    assert page.evaluate("() => typeof axe.run") == "function"
    assert page.locator("script:not([src])").count() == 0


@pytest.mark.feature("F-03")
@pytest.mark.feature("F-04")
@pytest.mark.parametrize("largeur", [1280, 360])
def test_pages_avant_connexion(app, presentation, new_page, largeur: int) -> None:
    """The pages a newcomer sees first, refused forms included, at both widths."""
    page = new_page(viewport={"width": largeur, "height": 900})
    for chemin in ("/", "/connexion", "/creer-mon-compte", "/mot-de-passe-oublie"):
        page.goto(chemin)
        verifier_accessibilite(page, f"{chemin} ({presentation}, {largeur} px)")
    page.goto("/connexion")
    page.get_by_role("button", name="S'identifier", exact=True).click()
    expect(page.locator("#erreurs")).to_be_visible()
    verifier_accessibilite(page, f"connexion refusée ({presentation}, {largeur} px)")
