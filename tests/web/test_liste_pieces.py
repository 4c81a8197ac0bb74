"""« Télécharger la liste des pièces justificatives » (F-23): a real PDF drawn from the step 3 table."""

from __future__ import annotations

import io
import re
import shutil

import pytest
from pypdf import PdfReader

from app import create_app
from tests.conftest import ROOT
from tests.web.helpers import STEP1, login, post_step, start_draft, step2

URL = "/titre-de-sejour/liste-des-pieces-justificatives.pdf"
ANNEXE = [  # every document title of the seed's Annexe 1, and its groups
    "INFORMATIONS PERSONNELLES", "Justificatif de nationalité", "Photographie d'identité récente",
    "DOMICILE", "Justificatif de domicile datant de moins de 6 mois",
    "MOTIF DE SÉJOUR",
    "Décision de placement par l'autorité judiciaire au service de l'Aide Sociale à l'Enfance (ASE)",
    "Justificatifs d'activité professionnelle", "Nature des liens avec la famille restée dans le pays d'origine",
    "Insertion dans la société française",
]


def texte_pdf(data: bytes) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return re.sub(r"\s+", " ", text)


@pytest.mark.feature("F-23")
@pytest.mark.feature("F-05")
def test_le_preambule_propose_la_liste_en_pdf(client, demo):
    login(client, demo["CAS_3"].numero_etranger, demo["CAS_3"].mot_de_passe)
    page = client.get("/titre-de-sejour/preambule").get_data(as_text=True)
    assert f'href="{URL}"' in page and "Télécharger la liste des pièces justificatives" in page


@pytest.mark.feature("F-23")
def test_le_pdf_contient_chaque_document_de_l_annexe(client):
    response = client.get(URL)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = texte_pdf(response.data)
    assert "Liste des documents justificatifs à fournir" in text
    assert "Vous devez respecter les formats suivants : .jpg, .pdf, .png, .bmp, .tiff" in text
    for titre in ANNEXE:
        assert titre in text, titre
    # The union of the two lists of the seed for the nationality proof (FEATURES.md, F-23).
    for item in ["Passeport ;", "ou carte nationale d'identité ;", "ou certificat de nationalité de moins de 6 mois ;",
                 "ou attestation consulaire ;", "ou carte consulaire."]:
        assert item in text, item
    assert "Uniquement pour : CAS 1 : usager mineur non émancipé." in text
    assert "Uniquement pour : CAS 2 : usager mineur émancipé." in text


@pytest.mark.feature("F-23")
@pytest.mark.feature("F-22")
def test_une_ligne_changee_dans_la_table_change_l_etape_3_et_le_pdf(app, tmp_path, demo):
    shutil.copytree(ROOT / "bpmn", tmp_path / "bpmn")
    shutil.copytree(ROOT / "dmn", tmp_path / "dmn")
    table = tmp_path / "dmn" / "pieces_justificatives.dmn"
    ancien, nouveau = "Justificatifs d'activité professionnelle", "Justificatifs d'activité professionnelle ou scolaire"
    text = table.read_text(encoding="utf-8")
    assert text.count(f'"{ancien}"') == 1
    table.write_text(text.replace(f'"{ancien}"', f'"{nouveau}"'), encoding="utf-8")
    modified = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                           "DOCUMENTS_DIR": tmp_path / "documents", "BPMN_DIR": tmp_path / "bpmn",
                           "DMN_DIR": tmp_path / "dmn"})
    client = modified.test_client()
    assert nouveau in texte_pdf(client.get(URL).data)
    person = demo["CAS_3"]
    login(client, person.numero_etranger, person.mot_de_passe)
    url = start_draft(client)
    post_step(client, url, **STEP1)
    post_step(client, url, **step2(person.date_placement.isoformat(), ["polygamie", "sanctions"]))
    page = client.get(url).get_data(as_text=True).replace("&#39;", "'")
    assert "Étape 3 sur 5" in page and nouveau in page
