"""The draft's steps in English in a real headless Chromium (F-18): English chosen in the header on step 1, then
steps 1 to 4 driven by the visible English labels only — a refused form, real files, the ephoto number — to the
deposit and its confirmation; axe-core on each page state (F-19)."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import verifier_accessibilite
from tests.e2e.test_parcours_navigateur import bouton, champ, cocher, groupe_date, jusqu_a_l_etape_1, se_connecter
from tests.web import fichiers

pytestmark = pytest.mark.e2e

POURSUIVRE = "Save and continue >"
L_ASE = "Date child welfare services (ASE) took you into care"
L_ENTREE = "Date you entered France"
L_SITUATION = "What is your family situation now?"
L_ENFANTS = "Do you have children who depend on you?"
POLYGAMIE = "Do not live in France in a polygamous marriage, even if my home country allows it."
SANCTIONS = "I know the criminal penalties for anyone who makes a false statement."
DOCUMENTS_CAS_3 = {
    "Proof of nationality": "passeport.png",
    "Proof of identity": "identite.pdf",
    "Proof of address less than 6 months old": "domicile.jpg",
    "Court decision placing you with child welfare services (Aide Sociale à l'Enfance, ASE)": "placement.pdf",
    "Proof of work or training": "contrat.pdf",
    "Your ties with the family still in your home country": "liens.pdf",
    "Integration into French society": "insertion.pdf",
}


def expect_etape(page: Page, numero: int, titre: str) -> None:
    """The stepper, in English: the step's title (the diagram's, translated) and « Step n of 5 »."""
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name=re.compile(rf"^{re.escape(titre)}\s+Step {numero} of 5$"))).to_be_visible()
    verifier_accessibilite(page, f"step {numero} (English)")


def remplir_date(page: Page, libelle: str, jour: int, mois: str, annee: int) -> None:
    groupe = groupe_date(page, libelle)
    groupe.get_by_label("Day", exact=True).fill(str(jour))
    groupe.get_by_label("Month", exact=True).select_option(label=mois)
    groupe.get_by_label("Year", exact=True).fill(str(annee))


def joindre(page: Page, titre: str, fichier: Path) -> None:
    champ_fichier = page.get_by_label(re.compile(rf"^Attach a file for “{re.escape(titre)}”"))
    expect(champ_fichier).to_be_attached()
    page.wait_for_load_state("load")  # the script that sends the chosen file at once
    with page.expect_navigation():
        champ_fichier.set_input_files(str(fichier))
    expect(bouton(page, f"DELETE {fichier.name.upper()}")).to_be_visible()


@pytest.mark.feature("F-18")
@pytest.mark.feature("F-19")
@pytest.mark.feature("F-07")
@pytest.mark.feature("F-08")
@pytest.mark.feature("F-10")
@pytest.mark.feature("F-11")
@pytest.mark.feature("F-12")
def test_les_etapes_en_anglais_jusqu_au_depot(page: Page, demo, tmp_path: Path) -> None:
    person = demo["CAS_3"]
    se_connecter(page, person.numero_etranger, person.mot_de_passe)
    jusqu_a_l_etape_1(page)
    page.get_by_role("navigation", name="Langue").get_by_role("link", name="English").click()

    # Step 1, now in English: the same step, the same form.
    expect_etape(page, 1, "Personal information")
    expect(page.get_by_role("heading", name="CIVIL STATUS")).to_be_visible()
    page.get_by_label(re.compile(r"^Address \*")).fill("20 Rue Nationale")  # not « Address line 2 »
    for libelle, valeur in {"Postcode": "59800", "Town": "Lille", "Phone": "06 12 34 56 78"}.items():
        champ(page, libelle).fill(valeur)
    bouton(page, POURSUIVRE).click()

    # Step 2 refused: the summary has the focus, the title says « Error: », each message is next to its field.
    expect_etape(page, 2, "Reason for your stay")
    bouton(page, POURSUIVRE).click()
    resume = page.get_by_role("alert").filter(has_text=re.compile(r"The page has \d+ errors"))
    expect(resume).to_be_focused()
    expect(page).to_have_title(re.compile(r"^Error: Step 2 of 5 — Reason for your stay"))
    jour = groupe_date(page, L_ASE).get_by_label("Day", exact=True)
    expect(jour).to_have_accessible_description(f"The field “{L_ASE}” is required.")
    message = f"You must tick the statement “{SANCTIONS}”"
    expect(page.locator("#attestation_sanctions-erreur").get_by_text(message, exact=True)).to_be_visible()
    expect(resume.get_by_role("link", name=message)).to_have_attribute("href", "#attestation_sanctions")
    verifier_accessibilite(page, "step 2 refused (English)")

    placement, entree = person.date_placement, person.date_placement - timedelta(days=60)
    mois = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
            "November", "December")
    remplir_date(page, L_ASE, placement.day, mois[placement.month - 1], placement.year)
    remplir_date(page, L_ENTREE, entree.day, mois[entree.month - 1], entree.year)
    champ(page, L_SITUATION).select_option(label="Single")
    cocher(page, "No", "radio", dans=page.get_by_role("group", name=re.compile(re.escape(L_ENFANTS))))
    cocher(page, POLYGAMIE)
    cocher(page, SANCTIONS)
    bouton(page, POURSUIVRE).click()

    # Step 3: the DMN's documents in English, real files, the ephoto number.
    expect_etape(page, 3, "Supporting documents")
    expect(page.locator(".choix-fichier__bouton").first).to_have_text("Choose a file")  # not the browser's words
    for titre, nom in DOCUMENTS_CAS_3.items():
        chemin = tmp_path / nom
        chemin.write_bytes(fichiers.pdf() if nom.endswith(".pdf") else
                           fichiers.png() if nom.endswith(".png") else fichiers.jpeg())
        joindre(page, titre, chemin)
    champ(page, "ephoto number (22 characters)").fill("1234 5678 9012 3456 7890 12")
    bouton(page, "Confirm the ephoto number").click()
    expect(page.get_by_text("1234567890123456789012")).to_be_visible()
    verifier_accessibilite(page, "step 3 filled (English)")
    bouton(page, POURSUIVRE).click()

    # Step 4: the summary in English, then the deposit.
    expect_etape(page, 4, "Submitting the application")
    recapitulatif = page.locator("#recapitulatif")
    expect(recapitulatif).to_contain_text("Single")
    expect(recapitulatif).to_contain_text(POLYGAMIE)
    bouton(page, "Submit the application >").click()

    expect_etape(page, 5, "Confirmation")
    expect(page.get_by_text("Your application has been saved and you will receive an acknowledgement of receipt.")
           ).to_be_visible()
    expect(page.get_by_text(re.compile(r"Application no\.: \d{19} — submitted on"))).to_be_visible()
    expect(page.get_by_role("link", name="Open my application receipt (PDF, in French)")).to_be_visible()
