"""Publishing from the browser, in a real headless Chromium (F-45): an analyst opens a draft, replaces the BPMN
file by one whose gateway condition calls `__import__`, « Vérifier » lists the error (file, label, id) in an error
summary that takes the focus, and « Publier » is refused with its reasons; the draft's file opens in the modeler and
« Enregistrer le brouillon » stores it. No CSP violation, no console error."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from app.extensions import db
from app.models import BrouillonProcessus
from tests.e2e.conftest import verifier_accessibilite
from tests.e2e.test_csp_navigateur import Observateur

pytestmark = [pytest.mark.e2e, pytest.mark.feature("F-45")]

ANALYSTE = ("analyste@demo.example.org", "Demo-Analyste-1!")
BPMN = "bpmn/demande_titre_sejour_ase.bpmn"


def _connecter(page: Page, url: str) -> None:
    page.goto(f"{url}/analyste/connexion")
    page.get_by_label(re.compile(r"^Adresse email")).fill(ANALYSTE[0])
    page.get_by_label(re.compile(r"^Mot de passe")).fill(ANALYSTE[1])
    verifier_accessibilite(page, "connexion analyste")
    page.get_by_role("button", name="Se connecter", exact=True).click()
    expect(page.get_by_role("heading", name="Espace analyste")).to_be_visible()
    verifier_accessibilite(page, "espace analyste")


def _nouveau_brouillon(page: Page, url: str) -> None:
    page.goto(f"{url}/analyste/brouillons")
    verifier_accessibilite(page, "brouillons")
    page.get_by_role("button", name="Nouveau brouillon").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Brouillon n° \d+$"))).to_be_visible()
    verifier_accessibilite(page, "brouillon ouvert")


def test_une_erreur_est_listee_et_la_publication_refusee(app, live_server, new_page, tmp_path):
    observateur = Observateur()
    page = observateur.page(new_page, viewport={"width": 1280, "height": 900})
    _connecter(page, live_server.url)
    _nouveau_brouillon(page, live_server.url)
    with app.app_context():
        bpmn = db.session.scalars(db.select(BrouillonProcessus)).one().fichiers[BPMN]
    fichier = tmp_path / "demande_titre_sejour_ase.bpmn"
    fichier.write_text(bpmn.replace('>suite == "complement"<', ">__import__(&#39;os&#39;).system(&#39;x&#39;)<"),
                       encoding="utf-8")
    page.get_by_label(f"Remplacer par un fichier : {BPMN}").set_input_files(str(fichier))
    page.get_by_role("button", name=f"Remplacer {BPMN}").click()
    expect(page.get_by_text(f"« {BPMN} » remplacé. Vérifiez le brouillon.")).to_be_visible()
    verifier_accessibilite(page, "fichier remplacé")

    page.get_by_role("button", name="Vérifier", exact=True).click()
    erreurs = page.locator("#erreurs")
    expect(erreurs).to_be_focused()
    expect(erreurs).to_contain_text("La vérification a trouvé 1 problème")
    expect(erreurs).to_contain_text(f"{BPMN} — « demande de complément » (f_vers_complement) : la condition "
                                    "(« __import__('os').system('x') »)")
    expect(page).to_have_title(re.compile(r"^Erreurs : Brouillon n° \d+"))
    verifier_accessibilite(page, "vérification en erreur")

    page.get_by_role("button", name="Publier", exact=True).click()
    expect(erreurs).to_be_focused()
    expect(erreurs.get_by_role("heading", name="Publication refusée")).to_be_visible()
    expect(erreurs).to_contain_text("La vérification trouve 1 problème")
    expect(erreurs).to_contain_text("Les tests du processus n'ont pas été lancés sur ce brouillon.")
    verifier_accessibilite(page, "publication refusée")
    observateur.verifier()

    page.set_viewport_size({"width": 360, "height": 740})  # the page still reads on a phone
    assert page.evaluate("document.documentElement.scrollWidth") <= 360 + 1
    verifier_accessibilite(page, "publication refusée, téléphone")


def test_le_modeleur_enregistre_le_fichier_du_brouillon(app, live_server, new_page):
    observateur = Observateur()
    page = observateur.page(new_page, viewport={"width": 1280, "height": 900})
    _connecter(page, live_server.url)
    _nouveau_brouillon(page, live_server.url)
    page.get_by_role("link", name=f"Modifier dans le modeleur : {BPMN}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(rf"^Brouillon n° \d+ : {re.escape(BPMN)}$"))
    expect(page.locator("[data-modeleur] svg").first).to_be_visible()
    verifier_accessibilite(page, "modeleur BPMN")
    page.get_by_role("button", name="Enregistrer le brouillon").click()
    expect(page.get_by_text("Brouillon enregistré", exact=True)).to_be_visible()
    verifier_accessibilite(page, "modeleur : brouillon enregistré")
    with app.app_context():
        brouillon = db.session.scalars(db.select(BrouillonProcessus)).one()
        assert brouillon.verification == []  # the check ran at the save, on the modeler's export
    observateur.verifier()
