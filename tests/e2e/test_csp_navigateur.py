"""The Content-Security-Policy in a real headless Chromium (issue 9, « Headers »): the home page, the login and the
step pages (step 2 and its union fields, step 3 and its file sent at once) raise no CSP violation nor console
message, with the DSFR as installed and with the plain stylesheet only; the DSFR starts under the policy and its
phone menu (360 px) opens."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import verifier_accessibilite
from tests.e2e.test_depot_navigateur import remplir_etape_2
from tests.e2e.test_notifications_navigateur import se_connecter
from tests.web.helpers import PNG_1PX, login, post_step, start_draft, step1_for

pytestmark = [pytest.mark.e2e, pytest.mark.feature("F-48")]

TELEPHONE_360 = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2, "is_mobile": True,
                 "has_touch": True}
SANS_DSFR = "no DSFR served (app/static/dsfr absent: licence not accepted, or this test's plain-stylesheet " \
            "variant): the app shows its plain stylesheet and loads no DSFR script, nothing DSFR-specific to check"

# Each violation is handed to Python at once (a page about to be left could not be read afterwards).
ECOUTE_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (e) => {
  window.signalerViolationCsp([e.effectiveDirective, e.blockedURI || "(inline)",
                               (e.sourceFile || "") + ":" + e.lineNumber, location.pathname].join(" | "));
}, true);
"""


@dataclass
class Observateur:
    """What a page of this test reported: CSP violations (DOM events) and every console message."""

    violations: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)

    def page(self, fabrique: Callable[..., Page], **options) -> Page:
        page = fabrique(**options)
        page.context.expose_function("signalerViolationCsp", lambda violation: self.violations.append(violation))
        page.context.add_init_script(ECOUTE_VIOLATIONS)
        page.on("console", lambda m: self.console.append(f"{m.type}: {m.text} ({page.url})"))
        return page

    def verifier(self) -> None:
        assert not self.violations, "CSP violations:\n  " + "\n  ".join(self.violations)
        # The DSFR announces itself at level « log » (version, scheme, start); its warnings and errors use other
        # levels and are kept, as is anything else.
        autres = [m for m in self.console if not m.startswith("log: %cdsfr : ")]
        assert not autres, "console messages:\n  " + "\n  ".join(autres)


@pytest.fixture(params=["dsfr-tel-qu-installe", "feuille-simple"])
def dsfr(request: pytest.FixtureRequest, app, tmp_path: Path) -> bool:
    """The app's static files as installed, or a copy without the DSFR (the plain stylesheet); True when the DSFR
    is served."""
    if request.param == "feuille-simple":
        statique = tmp_path / "static-sans-dsfr"
        shutil.copytree(app.static_folder, statique, ignore=shutil.ignore_patterns("dsfr"))
        app.static_folder = str(statique)
    return (Path(app.static_folder) / "dsfr" / "dsfr.min.css").is_file()


@pytest.fixture
def observateur() -> Observateur:
    return Observateur()


def _brouillon_a_l_etape_2(app, person) -> str:
    """The draft made by the test client up to step 2 (same account: the browser finds it)."""
    client = app.test_client()
    assert login(client, person.numero_etranger, person.mot_de_passe).status_code == 302
    url = start_draft(client)
    assert post_step(client, url, **step1_for("CAS_3")).status_code == 302
    return url


@pytest.mark.feature("F-48")
def test_accueil_et_etapes_sans_violation_de_la_csp(app, dsfr, new_page, observateur, demo) -> None:
    person = demo["CAS_3"]
    url = _brouillon_a_l_etape_2(app, person)
    page = observateur.page(new_page, viewport={"width": 1280, "height": 900})

    reponse = page.goto("/")
    assert "script-src 'self'" in reponse.headers["content-security-policy"]
    expect(page.get_by_role("heading", name="Vos démarches")).to_be_visible()
    expect(page.locator("body.sans-dsfr")).to_have_count(0 if dsfr else 1)
    verifier_accessibilite(page, "accueil")
    se_connecter(page, person)

    # Step 2: the union fields follow the family situation (static/js/situation-familiale.js).
    page.goto(url)
    expect(page.get_by_role("heading", name=re.compile(r"^Motif de séjour\s+Étape 2 sur 5$"))).to_be_visible()
    verifier_accessibilite(page, "étape 2")
    situation = page.get_by_label(re.compile(r"^Quelle est votre situation familiale actuelle \?"))
    union = page.locator("#union")
    situation.select_option(label="Célibataire")
    expect(union).to_be_hidden()
    situation.select_option(label="Marié(e)")
    expect(union).to_be_visible()
    remplir_etape_2(page, person, "CAS_3")
    expect(union).to_be_hidden()
    page.get_by_role("button", name="Enregistrer et poursuivre >", exact=True).click()

    # Step 3: a file chosen is sent at once (static/js/envoi-immediat.js).
    expect(page.get_by_role("heading", name=re.compile(r"Étape 3 sur 5$"))).to_be_visible()
    champ = page.locator("input.fr-upload").first
    page.wait_for_load_state("load")
    with page.expect_navigation():
        champ.set_input_files({"name": "piece-csp.png", "mimeType": "image/png", "buffer": PNG_1PX})
    expect(page.get_by_role("button", name="SUPPRIMER PIECE-CSP.PNG")).to_be_visible()
    verifier_accessibilite(page, "étape 3, un fichier envoyé")
    page.wait_for_load_state("load")

    observateur.verifier()


@pytest.mark.feature("F-48")
def test_un_script_en_ligne_injecte_est_bloque_et_signale(app, dsfr, new_page, observateur, browser_log) -> None:
    """The policy is enforced and this test's listener hears it: an injected inline script does not run."""
    page = observateur.page(new_page, viewport={"width": 1280, "height": 900})
    page.goto("/")
    page.evaluate("""() => { const s = document.createElement("script");
                              s.textContent = "window.injecte = true"; document.body.appendChild(s); }""")
    assert page.evaluate("() => window.injecte === undefined")
    for _ in range(100):  # the event is queued, then handed over: up to 5 s
        if observateur.violations:
            break
        page.wait_for_timeout(50)
    assert any(v.startswith("script-src-elem | inline") for v in observateur.violations), observateur.violations
    refus = [m for m in browser_log.console_errors if "violates the following Content Security Policy" in m]
    assert refus and any("violates the following Content Security Policy" in m for m in observateur.console)
    # The error this test provoked on purpose is not a fault of the pages (browser_log fails a test on errors).
    browser_log.console_errors[:] = [m for m in browser_log.console_errors if m not in refus]


@pytest.mark.feature("F-48")
def test_le_dsfr_demarre_sous_la_csp(app, new_page, observateur) -> None:
    """Only where the DSFR is installed (its licence accepted, as in CI): the plain stylesheet has no DSFR to start."""
    if not (Path(app.static_folder) / "dsfr" / "dsfr.min.css").is_file():
        pytest.skip(SANS_DSFR)
    page = observateur.page(new_page, viewport={"width": 1280, "height": 900})
    page.goto("/connexion")
    expect(page.locator("html")).to_have_attribute("data-fr-js", "true")  # its module ran
    expect(page.get_by_role("heading", level=1)).to_have_css("font-family", re.compile(r"^Marianne"))
    page.evaluate("() => document.fonts.ready")
    assert page.evaluate("() => [...document.fonts].some(f => f.family.includes('Marianne') && f.status === 'loaded')")
    # An icon (a mask image file) and a data: SVG of dsfr.min.css (the checkbox tick) are drawn.
    icone = page.locator(".fr-icon-account-circle-line").first
    assert "account-circle-line.svg" in icone.evaluate("e => getComputedStyle(e, '::before').maskImage "
                                                       "|| getComputedStyle(e, '::before').webkitMaskImage")
    observateur.verifier()


@pytest.mark.feature("F-48")
def test_le_menu_du_telephone_s_ouvre(app, dsfr, new_page, observateur) -> None:
    page = observateur.page(new_page, **TELEPHONE_360)
    page.goto("/")
    if not dsfr:
        # The plain stylesheet keeps the header links on the page: reachable without a menu.
        expect(page.locator(".fr-header__tools").get_by_role("link", name="Se connecter")).to_be_visible()
        verifier_accessibilite(page, "accueil sur téléphone")
        observateur.verifier()
        return
    expect(page.locator("html")).to_have_attribute("data-fr-js", "true")
    menu = page.locator("#menu-modal")
    expect(menu.get_by_role("link", name="Se connecter")).to_be_hidden()
    page.get_by_role("button", name="Menu", exact=True).tap()
    expect(menu).to_have_class(re.compile(r"\bfr-modal--opened\b"))
    expect(menu.get_by_role("link", name="Se connecter")).to_be_visible()
    verifier_accessibilite(page, "menu du téléphone ouvert")
    menu.get_by_role("button", name="Fermer").tap()
    expect(menu.get_by_role("link", name="Se connecter")).to_be_hidden()
    observateur.verifier()
