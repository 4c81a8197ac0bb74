"""Deposit in a real headless Chromium (F-11, F-12, F-13, F-24): CAS 1 and CAS 2 from step 1 to the downloaded
confirmation PDF, then « Mes demandes en cours »; « Modifier » on the summary; « Précédent » after the deposit."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from tests.e2e.test_parcours_navigateur import (
    POURSUIVRE,
    bouton,
    champ,
    cocher,
    expect_date,
    expect_etape,
    joindre,
    jusqu_a_l_etape_1,
    remplir_date,
    remplir_etape_1,
    se_connecter,
)
from tests.web import fichiers
from tests.web.helpers import ATTESTATIONS, LIBELLES

pytestmark = pytest.mark.e2e

L_ENFANTS = "Avez-vous des enfants à votre charge ?"
EMANCIPE = "Je suis un mineur (+16 ans) émancipé"


def remplir_etape_2(page: Page, person, case: str) -> None:
    remplir_date(page, "Date de prise en charge par l'ASE", person.date_placement.strftime("%d/%m/%Y"))
    remplir_date(page, "Date d'entrée en France", (person.date_placement - timedelta(days=60)).strftime("%d/%m/%Y"))
    champ(page, "Quelle est votre situation familiale actuelle ?").select_option(label="Célibataire")
    cocher(page, "Non", "radio", dans=page.get_by_role("group", name=re.compile(re.escape(L_ENFANTS))))
    for code in ATTESTATIONS[case]:
        cocher(page, LIBELLES[code])


def remplir_etape_3(page: Page, dossier: Path) -> list[str]:
    """A real file chosen for every document the page asks for (its list depends on the case); the ephoto number."""
    libelles = page.locator("input[type=file]").evaluate_all("els => els.map(e => e.labels[0].innerText)")
    titres = [re.search(r"« (.+?) »", libelle, re.S).group(1) for libelle in libelles]
    assert titres, "step 3 asks for no file"
    for numero, titre in enumerate(titres):
        chemin = dossier / f"piece{numero}.pdf"
        chemin.write_bytes(fichiers.pdf())
        joindre(page, titre, chemin)
    champ(page, "Numéro ephoto (22 chiffres)").fill("1234 5678 9012 3456 7890 12")
    bouton(page, "Confirmer le numéro ephoto").click()
    expect(page.get_by_text("1234567890123456789012")).to_be_visible()
    return titres


def texte_pdf(contenu: bytes) -> str:
    return re.sub(r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(io.BytesIO(contenu)).pages))


@pytest.mark.feature("F-11")
@pytest.mark.feature("F-12")
@pytest.mark.feature("F-13")
@pytest.mark.feature("F-24")
@pytest.mark.parametrize(("case", "nom"), [("CAS_1", "Prénom : MINEUR"), ("CAS_2", "Prénom : AÏSSATOU")])
def test_de_l_etape_1_au_pdf_telecharge_puis_mes_demandes(page: Page, demo, tmp_path: Path, case: str,
                                                             nom: str) -> None:
    person = demo[case]
    se_connecter(page, person.numero_etranger, person.mot_de_passe)
    jusqu_a_l_etape_1(page)
    remplir_etape_1(page)
    if case == "CAS_2":
        cocher(page, EMANCIPE)
    bouton(page, POURSUIVRE).click()
    expect_etape(page, 2, "Motif de séjour")
    remplir_etape_2(page, person, case)
    bouton(page, POURSUIVRE).click()
    expect_etape(page, 3, "Justificatifs")
    titres = remplir_etape_3(page, tmp_path)
    bouton(page, POURSUIVRE).click()

    # Step 4: the summary, with every document's file, and « Modifier » back to step 2 and forward again.
    expect_etape(page, 4, "Dépôt de la demande")
    recapitulatif = page.locator("#recapitulatif")
    for titre in titres:
        expect(recapitulatif).to_contain_text(titre)
    champ(page, "Observations à destination de l'administration").fill("Je suis suivie par l'ASE du Nord.")
    page.get_by_role("button", name="Modifier l'étape 2 : Motif de séjour").click()
    expect_etape(page, 2, "Motif de séjour")
    expect_date(page, "Date de prise en charge par l'ASE", person.date_placement.strftime("%d/%m/%Y"))
    expect(page.get_by_role("group", name=re.compile(re.escape(L_ENFANTS))).get_by_role("radio", name="Non")) \
        .to_be_checked()
    bouton(page, POURSUIVRE).click()
    expect_etape(page, 3, "Justificatifs")
    bouton(page, POURSUIVRE).click()
    expect_etape(page, 4, "Dépôt de la demande")
    expect(champ(page, "Observations à destination de l'administration")) \
        .to_have_value("Je suis suivie par l'ASE du Nord.")
    bouton(page, "Déposer la demande >").click()

    # Step 5: the seed's text, the PDF link, the social-cover notice.
    expect_etape(page, 5, "Confirmation")
    expect(page.get_by_role("heading", name="Votre demande a bien été enregistrée et vous allez recevoir un accusé "
                                            "de réception.")).to_be_visible()
    numero = re.search(r"\d{19}", page.get_by_text(re.compile(r"N° de la demande : \d{19}")).inner_text()).group(0)
    expect(page.get_by_role("link", name="ameli.fr")).to_have_attribute("href", "https://www.ameli.fr")
    lien = page.get_by_role("link", name="J'ouvre ma confirmation de dépôt de demande (PDF)")
    reponse = page.request.get(lien.get_attribute("href"))
    assert reponse.ok and reponse.headers["content-type"] == "application/pdf"
    pdf = reponse.body()
    assert pdf.startswith(b"%PDF-")
    texte = texte_pdf(pdf)
    assert f"N° de la demande : {numero}" in texte and nom in texte
    assert f"Identifiant (N° étranger) : {person.numero_etranger}" in texte

    # « Précédent » of the browser: the deposited state, not the old step 4 form.
    page.go_back()
    expect_etape(page, 5, "Confirmation")
    expect(bouton(page, "Déposer la demande >")).to_have_count(0)

    # « Mes demandes en cours »: the number, the state, and the same PDF downloaded.
    page.get_by_role("link", name="Mes demandes en cours").click()
    expect(page.get_by_role("heading", name="Mes demandes en cours", level=1)).to_be_visible()
    ligne = page.get_by_role("row").filter(has_text=numero)
    expect(ligne).to_have_count(1)
    expect(ligne).to_contain_text("Demande de vie privée et familiale")
    expect(ligne).to_contain_text(re.compile(r"Demande envoyée : le \d{2}/\d{2}/\d{4} à \d{2}:\d{2}"))
    with page.expect_download() as telechargement:
        ligne.get_by_role("link", name="TÉLÉCHARGER LA CONFIRMATION DE DÉPÔT").click()
    download = telechargement.value
    assert download.suggested_filename == f"confirmation-de-depot-{numero}.pdf"
    assert Path(download.path()).read_bytes() == pdf
