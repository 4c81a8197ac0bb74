"""The agent's side in a real headless Chromium (F-30 to F-34): log in, the queue, take the application, see its
documents in the page (an image and a PDF), mark the nationality proof invalid and send the complement; then, on
another application, decide favourably and open the attestation."""

from __future__ import annotations

import io
import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import verifier_accessibilite
from tests.web import fichiers
from tests.web.agent_outils import NORD
from tests.web.helpers import deposit, post_step, step3_fields, to_step3

pytestmark = pytest.mark.e2e


def _deposer(app, demo, cas: str, pdf_identite: bool = False) -> None:
    """The applicant's deposit, by the test client (the browser walk of the applicant is tested elsewhere)."""
    client = app.test_client()
    if not pdf_identite:
        deposit(client, demo[cas], cas)
        return
    url = to_step3(client, demo[cas], cas)
    champs = step3_fields(client.get(url).get_data(as_text=True))
    champs["fichier_identite"] = (io.BytesIO(fichiers.pdf()), "acte-naissance.pdf")
    assert post_step(client, url, **champs).status_code == 302
    assert post_step(client, url, observations="").status_code == 302


def _se_connecter_agent(page: Page) -> None:
    page.goto("/agent/demandes")
    expect(page.get_by_role("heading", name="Espace agent")).to_be_visible()
    verifier_accessibilite(page, "connexion agent")
    page.get_by_label(re.compile(r"^Adresse email")).fill(NORD.email)
    page.get_by_label(re.compile(r"^Mot de passe")).fill(NORD.mot_de_passe)
    page.get_by_role("button", name="Se connecter", exact=True).click()
    expect(page.get_by_role("heading", name="File des demandes", level=1)).to_be_visible()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
    expect(page.get_by_text("Camille MARTIN").first).to_be_visible()
    verifier_accessibilite(page, "file des demandes")


@pytest.mark.feature("F-30")
@pytest.mark.feature("F-31")
@pytest.mark.feature("F-32")
@pytest.mark.feature("F-33")
def test_agent_examine_et_demande_un_complement(app, page: Page, demo) -> None:
    _deposer(app, demo, "CAS_1", pdf_identite=True)
    _se_connecter_agent(page)
    ligne = page.locator("#file tbody tr").first
    expect(ligne).to_contain_text("ETRANGER")
    expect(ligne).to_contain_text("Demande à examiner")
    ligne.get_by_role("link").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Demande n° \d{19}$"))).to_be_visible()
    expect(page.get_by_text("Prenez-la en charge pour agir.")).to_be_visible()
    verifier_accessibilite(page, "demande à prendre en charge")
    page.get_by_role("button", name="Prendre en charge").click()
    expect(page.get_by_text("Vous avez pris la demande en charge.")).to_be_visible()

    # The documents are shown in the page: the image is decoded, the PDF is loaded in its frame.
    nationalite = page.locator("#piece-nationalite")
    image = nationalite.locator("img.apercu-image")
    image.scroll_into_view_if_needed()
    expect(image).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    cadre = page.locator("#piece-identite iframe.apercu-pdf")
    cadre.scroll_into_view_if_needed()
    expect(cadre).to_be_visible()
    source = cadre.get_attribute("src")
    with page.expect_response(lambda r: r.url.endswith(source)) as reponse:
        page.evaluate("f => { f.src = f.src; }", cadre.element_handle())
    assert reponse.value.status == 200 and reponse.value.headers["content-type"] == "application/pdf"
    verifier_accessibilite(page, "examen des pièces")

    # « Non valide » for the nationality proof, everything else valid, then the complement.
    for piece in page.locator("#examen .piece").all():
        if piece.get_attribute("id") == "piece-nationalite":
            piece.locator("label").filter(has_text=re.compile(r"^\s*Non valide\s*$")).click()
            piece.get_by_label(re.compile(r"^Observation")).fill("Veuillez fournir une copie lisible de votre "
                                                                  "passeport.")
        elif piece.locator("input[type=radio]").count():
            piece.locator("label").filter(has_text=re.compile(r"^\s*Valide\s*$")).click()
    page.locator("label").filter(has_text="Demander un complément à l'usager").click()
    page.get_by_label(re.compile(r"^Message à l'usager")).fill("Merci.")
    page.get_by_role("button", name="Valider l'examen").click()
    expect(page.get_by_text(re.compile(r"La demande de complément a été envoyée à l'usager"))).to_be_visible()
    expect(page.locator("#etat")).to_have_text("Complément demandé : notification pas encore lue")
    expect(page.locator("#complement-1")).to_contain_text("Veuillez fournir une copie lisible de votre passeport.")
    verifier_accessibilite(page, "complément envoyé")

    page.get_by_role("link", name="File des demandes").first.click()
    expect(page.locator("#file tbody tr").first).to_contain_text("Complément demandé : notification pas encore lue")


@pytest.mark.feature("F-34")
def test_agent_decide_favorablement(app, page: Page, demo) -> None:
    _deposer(app, demo, "CAS_3")
    _se_connecter_agent(page)
    page.locator("#file tbody tr").first.get_by_role("button", name="Prendre en charge").click()
    page.locator("#file tbody tr").first.get_by_role("link").click()
    expect(page.get_by_role("button", name="Valider l'examen")).to_be_visible()  # the page is there before .all()
    for radio in page.locator("#examen label").filter(has_text=re.compile(r"^\s*Valide\s*$")).all():
        radio.click()
    page.locator("label").filter(has_text="Passer à la décision").click()
    page.get_by_role("button", name="Valider l'examen").click()
    expect(page.locator("#etat")).to_have_text("Décision à prendre")

    # Refused without a reason: the French message next to the field.
    page.locator("label").filter(has_text=re.compile(r"^\s*Défavorable\s*$")).click()
    page.get_by_role("button", name="Enregistrer la décision").click()
    expect(page.get_by_text("Le champ « Motif du refus » est obligatoire.").first).to_be_visible()
    verifier_accessibilite(page, "décision refusée")

    page.locator("label").filter(has_text=re.compile(r"^\s*Favorable\s*$")).click()
    expect(page.get_by_label(re.compile(r"^Début de validité"))).not_to_have_value("")
    page.get_by_role("button", name="Enregistrer la décision").click()
    expect(page.locator("#etat")).to_have_text("Demande acceptée")
    verifier_accessibilite(page, "demande acceptée")
    with page.context.expect_page() as nouvelle:
        page.get_by_role("link", name="Attestation de décision favorable (PDF)").click()
    attestation = nouvelle.value
    attestation.wait_for_load_state()
    assert re.search(r"/agent/demandes/\d+/attestation\.pdf$", attestation.url)
