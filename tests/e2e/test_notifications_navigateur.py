"""The applicant's side of the instruction in a real headless Chromium (F-14, F-15, F-16): the bell and its
menu, « Mes Notifications », the complement answered (one document maintained, one replaced by a file
chosen on the page), the decision and its attestation downloaded. The deposit is made by the test
client and the agent's tasks through the store (the agent's pages are tested in test_agent_navigateur)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from tests.web.helpers import PNG_1PX
from tests.web.instruction import decider_favorable, deposee, examiner, ligne

pytestmark = pytest.mark.e2e


def se_connecter(page: Page, person) -> None:
    page.goto("/connexion")
    page.get_by_label(re.compile(r"^Identifiant")).fill(person.numero_etranger)
    page.get_by_label(re.compile(r"^Mot de passe")).fill(person.mot_de_passe)
    page.get_by_role("button", name="S'identifier", exact=True).click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()


def _radio(page: Page, section, libelle: str) -> None:
    section.locator("label").filter(has_text=libelle).click()
    expect(section.get_by_role("radio", name=libelle)).to_be_checked()


@pytest.mark.feature("F-14")
@pytest.mark.feature("F-15")
@pytest.mark.feature("F-16")
def test_usager_repond_au_complement_puis_telecharge_l_attestation(app, page: Page, demo, tmp_path) -> None:
    person = demo["CAS_3"]
    demande = deposee(app.test_client(), person)
    examiner(app, demande, {"nationalite": "Veuillez fournir une copie lisible de votre passeport.",
                            "identite": "Copie partielle."})

    se_connecter(page, person)
    outils = page.locator(".fr-header__tools")  # (the DSFR copies these links into the phone menu)
    cloche = outils.get_by_label("Mes notifications : 1 non lue")
    expect(cloche).to_be_visible()
    expect(outils.locator(".cloche__menu")).to_be_hidden()
    cloche.click()
    menu = outils.locator(".cloche__menu")
    expect(menu.get_by_role("link", name=re.compile("Demande de complément"))).to_be_visible()
    menu.get_by_role("link", name="Voir toutes mes notifications").click()
    expect(page.get_by_role("heading", name="Mes Notifications", level=1)).to_be_visible()
    page.get_by_role("link", name="Demande de complément non lue").click()

    expect(page.get_by_role("heading", name="Demande de complément", level=1)).to_be_visible()
    echeance = " ".join(page.locator("#echeance").inner_text().split())
    assert re.search(r"vous avez jusqu'au \d{2}/\d{2}/\d{4} à \d{2}:\d{2} pour répondre\.$", echeance), echeance
    assert ligne(app, demande).etat == "repondre_complement"  # the opening reached the process
    nationalite, identite = page.locator("#piece-nationalite"), page.locator("#piece-identite")
    # Until an answer is chosen, neither the reasons nor the upload are shown.
    expect(nationalite.get_by_label(re.compile("raisons du maintien"))).to_be_hidden()
    _radio(page, nationalite, "Maintenir le Document")
    nationalite.get_by_label(re.compile("raisons du maintien")).fill("La copie comporte 2 pages")
    _radio(page, identite, "Mettre à jour le Document")
    expect(identite.get_by_label(re.compile("raisons du maintien"))).to_be_hidden()
    # A file chosen is sent at once; what was typed stays.
    identite.get_by_label(re.compile("Joindre un nouveau fichier")).set_input_files(
        {"name": "acte-complet.png", "mimeType": "image/png", "buffer": PNG_1PX})
    expect(page.locator("#piece-identite").get_by_role("link", name="acte-complet.png")).to_be_visible()
    expect(page.locator("#piece-nationalite").get_by_label(re.compile("raisons du maintien"))) \
        .to_have_value("La copie comporte 2 pages")
    page.get_by_label("Message à l'agent :").fill("Voici l'acte complet.")
    page.get_by_role("button", name="Valider et envoyer", exact=True).click()
    expect(page.get_by_text("Votre réponse a bien été envoyée à l'agent en charge de votre dossier.")).to_be_visible()
    assert ligne(app, demande).etat == "examiner_demande"

    examiner(app, demande)
    decider_favorable(app, demande)
    page.goto("/")
    outils.get_by_label("Mes notifications : 1 non lue").click()
    outils.locator(".cloche__menu").get_by_role("link", name=re.compile("Notification de décision")).click()
    expect(page.locator("#decision-favorable")).to_contain_text(
        "a été acceptée. Un nouveau titre de séjour est en cours de fabrication")
    with page.expect_download() as telechargement:
        page.get_by_role("link", name="TÉLÉCHARGER LE DOCUMENT").click()
    chemin = tmp_path / "attestation.pdf"
    telechargement.value.save_as(chemin)
    texte = " ".join(p.extract_text() for p in PdfReader(str(chemin)).pages)
    assert "ATTESTATION DE DÉCISION FAVORABLE" in texte and ligne(app, demande).numero in texte
    page.get_by_role("link", name="RETOUR A TOUTES MES NOTIFICATIONS").first.click()
    expect(page.get_by_role("link", name="Demande de complément répondue")).to_be_visible()
    expect(page.get_by_role("link", name="Notification de décision lue")).to_be_visible()
