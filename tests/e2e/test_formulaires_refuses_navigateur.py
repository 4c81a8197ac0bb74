"""Refused forms and uploads in a real Chromium, as a keyboard or screen-reader user meets them (F-19): the focus
lands on the error summary after a refused submit, and back on the document after an upload; the file picker
speaks French whatever the browser's language."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_parcours_navigateur import (
    L_ENTREE,
    POURSUIVRE,
    bouton,
    expect_etape,
    jusqu_a_l_etape_1,
    remplir_date,
    remplir_etape_1,
    remplir_etape_2,
    se_connecter,
)
from tests.web import fichiers

pytestmark = pytest.mark.e2e


def expect_focus_sur_le_resume(page: Page) -> None:
    expect(page).to_have_title(re.compile(r"^Erreur : "))
    resume = page.locator("#erreurs")
    expect(resume).to_have_attribute("role", "alert")
    expect(resume).to_be_focused()


@pytest.mark.feature("F-19")
@pytest.mark.feature("F-07")
@pytest.mark.feature("F-08")
@pytest.mark.feature("F-10")
def test_focus_sur_le_resume_puis_sur_le_document_televerse(page: Page, demo, tmp_path: Path) -> None:
    person = demo["CAS_3"]
    se_connecter(page, person.numero_etranger, person.mot_de_passe)
    jusqu_a_l_etape_1(page)

    # Step 1 refused: the summary has the focus; its link takes the focus to the field.
    bouton(page, POURSUIVRE).click()
    expect_etape(page, 1, "Informations personnelles")
    expect_focus_sur_le_resume(page)
    page.locator("#erreurs").get_by_role("link", name="Le champ « Adresse » est obligatoire.").click()
    expect(page.locator("#adresse")).to_be_focused()
    remplir_etape_1(page)
    bouton(page, POURSUIVRE).click()

    # Step 2: an impossible date is refused in French; the summary's link leads to its « Jour ».
    expect_etape(page, 2, "Motif de séjour")
    remplir_etape_2(page, person.date_placement.strftime("%d/%m/%Y"), "31/02/2015")
    bouton(page, POURSUIVRE).click()
    expect_focus_sur_le_resume(page)
    message = "La « Date d'entrée en France » n'existe pas : il n'y a pas de 31 février 2015."
    page.locator("#erreurs").get_by_role("link", name=message).click()
    expect(page.locator("#date_entree_france-jour")).to_be_focused()
    remplir_date(page, L_ENTREE, (person.date_placement - timedelta(days=60)).strftime("%d/%m/%Y"))
    bouton(page, POURSUIVRE).click()

    # Step 3: the French file picker; after an upload the page comes back to that document, focused.
    expect_etape(page, 3, "Justificatifs")
    identite = page.locator("#piece-identite")
    expect(identite.get_by_text("Choisir un fichier", exact=True)).to_be_visible()
    expect(identite.get_by_text("Aucun fichier sélectionné", exact=True)).to_be_visible()
    champ = page.get_by_label(re.compile(r"^Joindre un fichier pour « Justificatif d'identité »"))
    expect(champ).to_have_accessible_description(re.compile("Aucun fichier sélectionné"))
    fichier = tmp_path / "acte.png"
    fichier.write_bytes(fichiers.png())
    page.wait_for_load_state("load")
    with page.expect_navigation():
        champ.set_input_files(str(fichier))
    expect(page).to_have_url(re.compile(r"#piece-identite$"))
    expect(bouton(page, "SUPPRIMER ACTE.PNG")).to_be_visible()
    expect(identite).to_be_focused()
    # The keyboard goes on from the document, not from the top of the page.
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="acte.png")).to_be_focused()

    # « Enregistrer et poursuivre » with documents missing: a summary that leads to each missing document.
    bouton(page, POURSUIVRE).click()
    expect_focus_sur_le_resume(page)
    lien = page.locator("#erreurs").get_by_role(
        "link", name="Joignez au moins un fichier pour « Justificatif de nationalité ».")
    lien.click()
    expect(page.get_by_label(re.compile(r"^Joindre un fichier pour « Justificatif de nationalité »"))).to_be_focused()
