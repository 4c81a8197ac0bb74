"""One application's path (F-43) and the coverage page (F-45) in a real headless Chromium: bpmn-js draws the
application's version under the CSP with the elements passed, the one it waits at and the flows taken marked; the
agent reaches it from the review page on a phone; the coverage page marks the flow no test took."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page, expect

from app.extensions import db
from tests.e2e.conftest import verifier_accessibilite
from tests.e2e.test_csp_navigateur import Observateur
from tests.e2e.test_processus_navigateur import ANALYSTE, _se_connecter
from tests.web import instruction
from tests.web.agent_outils import NORD
from tests.web.helpers import deposit

pytestmark = pytest.mark.e2e


@pytest.fixture
def observateur() -> Observateur:
    return Observateur()


def _en_attente_de_lecture(app, demo) -> int:
    """A deposited application for which the agent asked a complement: it waits for the notification to be read."""
    url, _ = deposit(app.test_client(), demo["CAS_3"], "CAS_3")
    ident = instruction.demande_id(url)
    instruction.examiner(app, ident, {"domicile": "Plus de six mois."})
    assert instruction.ligne(app, ident).element == "attente_lecture"
    return ident


def _marque(page: Page, element_id: str, classe: str):
    return page.locator(f"#diagramme-parcours .djs-element.{classe}[data-element-id='{element_id}']")


def _chemin_dessine(page: Page) -> None:
    expect(page.locator("#diagramme-parcours[data-pret='oui']")).to_be_attached()
    expect(_marque(page, "attente_lecture", "actuel")).to_have_count(1)
    for passe in ("informations_personnelles", "depot", "examiner_demande", "notifier_complement"):
        expect(_marque(page, passe, "passe")).to_have_count(1)
    for flux in ("f_b11", "f_examen", "f_vers_complement", "f_attente_lecture"):
        expect(_marque(page, flux, "flux-pris")).to_have_count(1)
    for pas_pris in ("f_vers_decision", "f_lue", "f_abandon"):
        expect(_marque(page, pas_pris, "flux-pris")).to_have_count(0)
    for pas_passe in ("decider", "repondre_complement", "demande_acceptee"):
        expect(page.locator(f"#diagramme-parcours .djs-element.passe[data-element-id='{pas_passe}']")).to_have_count(0)


@pytest.mark.feature("F-43")
def test_l_analyste_voit_le_parcours_surligne(app, demo, new_page, observateur: Observateur) -> None:
    ident = _en_attente_de_lecture(app, demo)
    page = observateur.page(new_page, viewport={"width": 1280, "height": 900})
    _se_connecter(page, "/analyste/connexion", *ANALYSTE)
    with app.app_context():
        version_id = instruction.ligne(app, ident).version_processus_id
    page.goto(f"/analyste/versions/{version_id}/elements/attente_lecture")
    verifier_accessibilite(page, "demandes à un élément (analyste)")
    page.locator("#demandes-element tbody tr").first.get_by_role("link").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Parcours de la demande \d{19}$"), level=1)).to_be_visible()
    _chemin_dessine(page)
    expect(page.locator("#legende")).to_contain_text("Élément où la demande attend")
    expect(page.locator("#elements-passes li.actuel")).to_have_text(re.compile(r"^Complément demandé"))
    expect(page.locator("#table-chronologie tbody tr").first).to_contain_text("Brouillon de demande créé")
    verifier_accessibilite(page, "parcours d'une demande (analyste)")
    observateur.verifier()


@pytest.mark.feature("F-43")
def test_l_agent_ouvre_le_parcours_depuis_la_revue_sur_un_telephone(app, demo, new_page,
                                                                    observateur: Observateur) -> None:
    ident = _en_attente_de_lecture(app, demo)
    page = observateur.page(new_page, viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    _se_connecter(page, "/agent/connexion", NORD.email, NORD.mot_de_passe)
    expect(page.get_by_role("heading", name="File des demandes", level=1)).to_be_visible()
    page.goto(f"/agent/demandes/{ident}")
    page.get_by_role("link", name="Parcours de la demande", exact=True).click()
    expect(page.get_by_role("heading", name=re.compile(r"^Parcours de la demande n° \d{19}$"))).to_be_visible()
    _chemin_dessine(page)
    # Nothing wider than the phone: no sideways scrolling, every event and element of the path within the screen.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    expect(page.locator("#table-chronologie td").first).to_be_visible()
    assert page.evaluate("""Array.from(document.querySelectorAll('#table-chronologie td, #elements-passes li'))
        .every(e => e.getBoundingClientRect().left >= 0 && e.getBoundingClientRect().right <= window.innerWidth)""")
    verifier_accessibilite(page, "parcours d'une demande (agent, téléphone)")
    observateur.verifier()


@pytest.mark.feature("F-45")
def test_la_couverture_marque_le_flux_qu_aucun_test_ne_prend(app, new_page, tmp_path,
                                                           observateur: Observateur) -> None:
    with app.app_context():
        version = app.extensions["demandes"].catalog.current_version(db.session)
        texte = next(t for n, t in version.fichiers.items() if n.endswith(".bpmn"))
        empreinte = version.empreinte
    tous = re.findall(r'<bpmn:sequenceFlow id="([^"]+)"', texte)
    releve = tmp_path / "couverture.json"
    releve.write_text(json.dumps({"empreinte": empreinte, "flux": [f for f in tous if f != "f_lue"]}),
                      encoding="utf-8")
    app.config["COUVERTURE_FICHIER"] = releve

    page = observateur.page(new_page, viewport={"width": 1280, "height": 900})
    _se_connecter(page, "/analyste/connexion", *ANALYSTE)
    page.get_by_role("navigation", name="Espace analyste").get_by_role("link", name="Couverture des tests").click()
    expect(page.get_by_role("heading", name="Couverture des tests du processus", level=1)).to_be_visible()
    expect(page.locator("#diagramme-couverture[data-pret='oui']")).to_be_attached()
    marques = page.locator("#diagramme-couverture .djs-element.non-pris")
    expect(marques).to_have_count(1)
    expect(marques).to_have_attribute("data-element-id", "f_lue")
    expect(page.locator("#flux-non-pris tbody tr")).to_have_count(1)
    expect(page.locator("#flux-non-pris tbody tr")).to_contain_text("f_lue")
    verifier_accessibilite(page, "couverture des tests (analyste)")
    observateur.verifier()
