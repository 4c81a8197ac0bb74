"""F-05: the preamble « Votre démarche en ligne » and « Je continue »."""

from __future__ import annotations

import pytest

from tests.conftest import csrf_token
from tests.web.helpers import get_text, login, start_draft

CINQ_ETAPES = ["1. Informations personnelles", "2. Motif de séjour", "3. Justificatifs", "4. Dépôt de la demande",
               "5. Confirmation"]


@pytest.fixture
def connecte(client, demo):
    person = demo["CAS_3"]
    login(client, person.numero_etranger, person.mot_de_passe)
    return client


@pytest.mark.feature("F-05")
def test_preambule_textes_et_cinq_etapes(connecte):
    page = get_text(connecte, "/titre-de-sejour/preambule")
    assert "Votre démarche en ligne" in page
    assert "DÉPOSEZ VOTRE DEMANDE EN 5 ÉTAPES" in page
    positions = [page.index(etape) for etape in CINQ_ETAPES]
    assert positions == sorted(positions)
    assert "Je continue" in page


@pytest.mark.feature("F-05")
def test_preambule_lien_photographes_vient_de_la_configuration(app, connecte):
    app.config["URL_PHOTOGRAPHES"] = "https://photographes.example.org/carte?dep=59"
    page = get_text(connecte, "/titre-de-sejour/preambule")
    assert 'href="https://photographes.example.org/carte?dep=59"' in page
    assert "carte de géolocalisation" in page


@pytest.mark.feature("F-05")
def test_je_continue_commence_puis_reprend_le_meme_brouillon(connecte):
    premiere = start_draft(connecte)
    assert "Étape 1 sur 5" in get_text(connecte, premiere)
    page = get_text(connecte, "/titre-de-sejour/preambule")
    response = connecte.post("/titre-de-sejour/commencer", data={"csrf_token": csrf_token(page)})
    assert response.status_code == 302 and response.location == premiere
    assert get_text(connecte, "/mes-demandes").count("Reprendre") == 1
