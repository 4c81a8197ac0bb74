"""The process view in a real headless Chromium (F-43): bpmn-js draws the current version under the CSP, each
element shows the number of applications waiting there (as in the database), and a badge leads to their list; the
agent's view counts only their prefectures' applications; a diagram that cannot be read says so in the page."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.extensions import db
from app.models import Demande
from tests.e2e.conftest import verifier_accessibilite
from tests.e2e.test_csp_navigateur import Observateur
from tests.web.agent_outils import NORD, PARIS
from tests.web.helpers import deposit, login, start_draft

pytestmark = [pytest.mark.e2e, pytest.mark.feature("F-43")]

ANALYSTE = ("analyste@demo.example.org", "Demo-Analyste-1!")


@pytest.fixture
def observateur() -> Observateur:
    return Observateur()


def _demandes(app, demo) -> None:
    """Two deposited applications and one draft, by the test client (the applicant's walk is tested elsewhere)."""
    for cas in ("CAS_3", "CAS_2"):
        deposit(app.test_client(), demo[cas], cas)
    client = app.test_client()
    assert login(client, demo["CAS_1"].numero_etranger, demo["CAS_1"].mot_de_passe).status_code == 302
    start_draft(client)


def _en_base(app) -> Counter:
    with app.app_context():
        version = app.extensions["demandes"].catalog.current_version(db.session)
        return Counter(db.session.scalars(select(Demande.element).where(
            Demande.version_processus_id == version.id)).all())


def _numeros(app) -> list[str]:
    with app.app_context():
        return [n for n in db.session.scalars(select(Demande.numero)).all() if n]


def _se_connecter(page: Page, url: str, email: str, mot_de_passe: str) -> None:
    page.goto(url)
    page.get_by_label(re.compile(r"^Adresse email")).fill(email)
    page.get_by_label(re.compile(r"^Mot de passe")).fill(mot_de_passe)
    page.get_by_role("button", name="Se connecter", exact=True).click()


def _diagramme_dessine(page: Page) -> None:
    expect(page.locator("#diagramme[data-pret='oui']")).to_be_attached()
    expect(page.locator("#diagramme svg").first).to_be_visible()
    expect(page.locator("#diagramme .djs-element[data-element-id='examiner_demande']")).to_be_attached()


def test_l_analyste_voit_les_demandes_sur_le_diagramme(app, demo, new_page, observateur: Observateur) -> None:
    _demandes(app, demo)
    attendus = _en_base(app)
    assert attendus["examiner_demande"] == 2 and attendus["informations_personnelles"] == 1

    page = observateur.page(new_page, viewport={"width": 1280, "height": 900})
    _se_connecter(page, "/analyste/connexion", *ANALYSTE)
    verifier_accessibilite(page, "espace analyste")
    page.get_by_role("navigation", name="Espace analyste").get_by_role("link", name="Diagramme et positions").click()
    expect(page.get_by_role("heading", name="Diagramme et positions des demandes", level=1)).to_be_visible()
    _diagramme_dessine(page)
    verifier_accessibilite(page, "diagramme et positions (analyste)")

    badge = page.locator("#diagramme a.diagramme-badge[href$='/elements/examiner_demande']")
    expect(badge).to_have_text(str(attendus["examiner_demande"]))
    expect(badge).to_have_attribute("aria-label", "2 demandes à « Demande à examiner »")
    expect(page.locator("#diagramme a.diagramme-badge[href$='/elements/informations_personnelles']")).to_have_text(
        str(attendus["informations_personnelles"]))
    expect(page.locator("#diagramme a.diagramme-badge")).to_have_count(len(attendus))
    # The accessible table says the same.
    ligne = page.locator("#positions tbody tr", has_text="examiner_demande")
    expect(ligne).to_contain_text("Demande à examiner")
    expect(ligne.get_by_role("link")).to_have_text("2")

    badge.click()
    expect(page.get_by_role("heading", name="Demandes à « Demande à examiner »", level=1)).to_be_visible()
    lignes = page.locator("#demandes-element tbody tr")
    expect(lignes).to_have_count(2)
    for numero in _numeros(app):
        expect(page.locator("#demandes-element")).to_contain_text(numero)
    verifier_accessibilite(page, "demandes à un élément (analyste)")
    observateur.verifier()


def test_l_agent_voit_les_demandes_de_sa_prefecture(app, demo, new_page, observateur: Observateur) -> None:
    _demandes(app, demo)
    page = observateur.page(new_page, viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    _se_connecter(page, "/agent/connexion", NORD.email, NORD.mot_de_passe)
    expect(page.get_by_role("heading", name="File des demandes", level=1)).to_be_visible()
    page.goto("/agent/processus")
    _diagramme_dessine(page)
    verifier_accessibilite(page, "processus (agent, téléphone)")
    badge = page.locator("#diagramme a.diagramme-badge[href$='/elements/examiner_demande']")
    expect(badge).to_have_text("2")
    # The draft is no agent's business.
    expect(page.locator("#diagramme a.diagramme-badge")).to_have_count(1)
    page.goto(badge.get_attribute("href"))
    expect(page.locator("#demandes-element tbody tr")).to_have_count(2)
    verifier_accessibilite(page, "demandes à un élément (agent, téléphone)")
    page.locator("#demandes-element tbody tr").first.get_by_role("link").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Demande n° \d{19}$"))).to_be_visible()

    paris = observateur.page(new_page, viewport={"width": 1280, "height": 900})
    _se_connecter(paris, "/agent/connexion", PARIS.email, PARIS.mot_de_passe)
    paris.get_by_role("link", name="Processus", exact=True).click()
    _diagramme_dessine(paris)
    expect(paris.locator("#diagramme .diagramme-badge")).to_have_count(0)
    observateur.verifier()


def test_un_diagramme_illisible_est_signale(app, new_page) -> None:
    page = new_page(viewport={"width": 1280, "height": 900})
    page.route(re.compile(r".*/fichiers/bpmn/.*"), lambda route: route.fulfill(
        status=200, content_type="application/xml", body="<ceci n'est pas du BPMN"))
    _se_connecter(page, "/analyste/connexion", *ANALYSTE)
    page.goto("/analyste/processus")
    alerte = page.get_by_role("alert")
    expect(alerte).to_contain_text("Le diagramme n'a pas pu être affiché.")
    expect(page.locator("#diagramme[data-pret='erreur']")).to_be_attached()
    expect(page.locator("#positions")).to_be_visible()
    verifier_accessibilite(page, "diagramme illisible (analyste)")
