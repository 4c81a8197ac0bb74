"""Both sides in real browsers (issue 6): the applicant deposits; the agent takes the file, marks the
nationality proof invalid and sends the complement; the applicant opens the notification, replaces the
file and sends; the agent accepts; the applicant downloads the attestation."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from tests.e2e.test_agent_navigateur import _se_connecter_agent
from tests.e2e.test_parcours_navigateur import (
    POURSUIVRE,
    bouton,
    expect_etape,
    jusqu_a_l_etape_1,
    remplir_etape_1,
    remplir_etape_2,
    remplir_etape_3,
    se_connecter,
)
from tests.web import fichiers

pytestmark = pytest.mark.e2e
OBSERVATION = "Veuillez fournir une copie lisible de votre passeport."


def _examiner(agent: Page, non_valide: str | None) -> None:
    """Every document « Valide » but one, then the next step."""
    expect(agent.get_by_role("button", name="Valider l'examen")).to_be_visible()  # the page is there before .all()
    for piece in agent.locator("#examen .piece").all():
        if not piece.locator("input[type=radio]").count():
            continue
        if piece.get_attribute("id") == f"piece-{non_valide}":
            piece.locator("label").filter(has_text=re.compile(r"^\s*Non valide\s*$")).click()
            piece.get_by_label(re.compile(r"^Observation")).fill(OBSERVATION)
        else:
            piece.locator("label").filter(has_text=re.compile(r"^\s*Valide\s*$")).click()
    suite = "Demander un complément à l'usager" if non_valide else "Passer à la décision"
    agent.locator("label").filter(has_text=suite).click()
    agent.get_by_role("button", name="Valider l'examen").click()


@pytest.mark.feature("F-14")
@pytest.mark.feature("F-15")
@pytest.mark.feature("F-16")
@pytest.mark.feature("F-32")
@pytest.mark.feature("F-33")
@pytest.mark.feature("F-34")
def test_du_depot_a_l_attestation_entre_usager_et_agent(new_page, demo, tmp_path: Path) -> None:
    usager, agent = new_page(), new_page()
    person = demo["CAS_3"]

    # The applicant deposits.
    se_connecter(usager, person.numero_etranger, person.mot_de_passe)
    jusqu_a_l_etape_1(usager)
    remplir_etape_1(usager)
    bouton(usager, POURSUIVRE).click()
    remplir_etape_2(usager, person.date_placement.strftime("%d/%m/%Y"),
                    (person.date_placement - timedelta(days=60)).strftime("%d/%m/%Y"))
    bouton(usager, POURSUIVRE).click()
    expect_etape(usager, 3, "Justificatifs")
    remplir_etape_3(usager, tmp_path)
    bouton(usager, POURSUIVRE).click()
    bouton(usager, "Déposer la demande >").click()
    expect_etape(usager, 5, "Confirmation")
    numero = re.search(r"\d{19}", usager.get_by_text(re.compile(r"N° de la demande : \d{19}")).inner_text()).group(0)

    # The agent of the Nord takes it and asks for a complement on the nationality proof.
    _se_connecter_agent(agent)
    agent.locator("#file tbody tr").filter(has_text=numero).get_by_role("link").first.click()
    agent.get_by_role("button", name="Prendre en charge").click()
    _examiner(agent, "nationalite")
    expect(agent.locator("#etat")).to_have_text("Complément demandé : notification pas encore lue")

    # The applicant opens the notification (the acknowledgement), replaces the file and sends.
    usager.goto("/notifications")
    usager.get_by_role("link", name="Demande de complément non lue").click()
    expect(usager.get_by_text(OBSERVATION)).to_be_visible()
    nationalite = usager.locator("#piece-nationalite")
    nationalite.locator("label").filter(has_text="Mettre à jour le Document").click()
    nouveau = tmp_path / "passeport-lisible.png"
    nouveau.write_bytes(fichiers.image("PNG", (60, 40)))
    nationalite.get_by_label(re.compile("Joindre un nouveau fichier")).set_input_files(str(nouveau))
    expect(usager.locator("#piece-nationalite").get_by_role("link", name="passeport-lisible.png")).to_be_visible()
    usager.get_by_role("button", name="Valider et envoyer", exact=True).click()
    expect(usager.get_by_text("Votre réponse a bien été envoyée à l'agent en charge de votre dossier.")).to_be_visible()

    # The agent sees the answer, accepts.
    agent.reload()
    expect(agent.locator("#etat")).to_have_text("Demande à examiner")
    expect(agent.get_by_text("passeport-lisible.png").first).to_be_visible()
    _examiner(agent, None)
    expect(agent.locator("#etat")).to_have_text("Décision à prendre")
    agent.locator("label").filter(has_text=re.compile(r"^\s*Favorable\s*$")).click()
    agent.get_by_role("button", name="Enregistrer la décision").click()
    expect(agent.locator("#etat")).to_have_text("Demande acceptée")

    # The applicant downloads the attestation.
    usager.goto("/notifications")
    usager.get_by_role("link", name="Notification de décision non lue").click()
    with usager.expect_download() as telechargement:
        usager.get_by_role("link", name="TÉLÉCHARGER LE DOCUMENT").click()
    chemin = tmp_path / "attestation.pdf"
    telechargement.value.save_as(chemin)
    texte = " ".join(p.extract_text() for p in PdfReader(str(chemin)).pages)
    assert "ATTESTATION DE DÉCISION FAVORABLE" in texte and numero in texte
    usager.goto("/mes-demandes")
    expect(usager.get_by_role("row").filter(has_text=numero)).to_contain_text("Demande acceptée")
    expect(usager.locator("#historique")).to_contain_text("Carte de séjour temporaire")
