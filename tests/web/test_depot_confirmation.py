"""F-11 step 4 « Dépôt de la demande » and F-12 step 5 « Confirmation »."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Demande
from tests.conftest import csrf_token, task_id
from tests.web.helpers import (
    deposit,
    field_error,
    get_text,
    paris_today,
    post_step,
    text,
    to_depot,
)


def numeros(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(Demande.numero).where(Demande.numero.is_not(None))))


@pytest.mark.feature("F-11")
def test_depot_textes_et_recapitulatif_des_etapes_1_et_2(client, demo):
    person = demo["CAS_3"]
    url = to_depot(client, person, "CAS_3", complement="Appartement 4")
    page = get_text(client, url)
    assert "Étape 4 sur 5" in page
    assert "Je confirme le dépôt définitif de ma demande." in page
    assert "Observations à destination de l'administration" in page
    assert "Déposer la demande >" in page
    recap = page[page.index('id="recapitulatif"'):]
    for attendu in ("DCEM", "Étranger", "20 Rue Nationale, Appartement 4, 59800 Lille, FRANCE", "0101010101",
                    f"{person.numero_etranger}@demo.example.org", person.date_placement.strftime("%d/%m/%Y"),
                    "15/01/2020", "Célibataire",
                    "Ne pas vivre en France en état de polygamie, même si mon pays d'origine l'autorise."):
        assert attendu in recap, attendu


@pytest.mark.feature("F-11")
@pytest.mark.feature("F-07")
def test_etat_civil_et_email_forges_ignores(client, demo):
    person = demo["CAS_3"]
    url = to_depot(client, person, "CAS_3", nom_naissance="FAUX", email="pirate@example.org")
    recap = get_text(client, url)
    assert "FAUX" not in recap and "pirate@example.org" not in recap
    assert "DCEM" in recap


@pytest.mark.feature("F-11")
def test_observations_de_plus_de_2000_caracteres_refusees(app, client, demo):
    url = to_depot(client, demo["CAS_3"], "CAS_3")
    response = post_step(client, url, observations="a" * 2001)
    page = text(response)
    assert response.status_code == 422
    message = field_error(page, "observations")
    assert "« Observations à destination de l'administration »" in message and "2000 caractères" in message
    assert "a" * 2001 in page
    assert numeros(app) == []
    assert post_step(client, url, observations="é" * 2000).location.endswith("/confirmation")


@pytest.mark.feature("F-11")
def test_apres_depot_rejouer_le_formulaire_montre_la_confirmation_sans_second_numero(app, client, demo):
    person = demo["CAS_3"]
    url = to_depot(client, person, "CAS_3")
    page = client.get(url).get_data(as_text=True)
    data = {"csrf_token": csrf_token(page), "task_id": task_id(page), "action": "poursuivre", "observations": "x"}
    first = client.post(url, data=data)
    assert first.location.endswith("/confirmation")
    replay = client.post(url, data=data, follow_redirects=True)
    assert replay.status_code == 200
    assert "Votre demande a bien été enregistrée" in text(replay)
    again = client.get(url, follow_redirects=True)
    assert again.status_code == 200 and "Votre demande a bien été enregistrée" in text(again)
    for action in ("precedent", "abandonner", "quitter"):
        response = client.post(url, data=dict(data, action=action), follow_redirects=True)
        assert response.status_code == 200 and "Votre demande a bien été enregistrée" in text(response), action
    assert len(numeros(app)) == 1


@pytest.mark.feature("F-11")
def test_apres_depot_abandon_impossible(client, demo):
    url, confirmation = deposit(client, demo["CAS_3"], "CAS_3")
    page = get_text(client, confirmation)
    response = client.post(f"{url}/abandonner", data={"csrf_token": csrf_token(page)}, follow_redirects=True)
    assert "Votre demande a bien été enregistrée" in text(response)
    assert "Demande abandonnée" not in text(response)


@pytest.mark.feature("F-12")
def test_confirmation_textes_et_numero(client, demo):
    _, confirmation = deposit(client, demo["CAS_3"], "CAS_3")
    page = get_text(client, confirmation)
    assert "Étape 5 sur 5" in page
    assert "Votre demande a bien été enregistrée" in page
    assert "Vous devez obligatoirement avoir une couverture sociale" in page
    assert 'href="https://www.ameli.fr"' in page and "ameli.fr" in page
    numero = re.search(r"N° de la demande : <strong>(\d+)</strong>", page).group(1)
    assert re.fullmatch(rf"5901{paris_today():%Y%m%d}\d{{7}}", numero), numero


@pytest.mark.feature("F-12")
@pytest.mark.parametrize(("code_postal", "departement"), [("75011", "75"), ("13001", "13"), ("01000", "01")])
def test_numero_commence_par_le_departement_du_code_postal(client, demo, code_postal, departement):
    _, confirmation = deposit(client, demo["CAS_1"], "CAS_1", code_postal=code_postal)
    numero = re.search(r"N° de la demande : <strong>(\d+)</strong>", get_text(client, confirmation)).group(1)
    assert len(numero) == 19
    assert numero.startswith(f"{departement}01{paris_today():%Y%m%d}")


@pytest.mark.feature("F-12")
def test_deux_demandeurs_meme_jour_meme_departement_numeros_differents(app, demo):
    for case in ("CAS_1", "CAS_3"):
        deposit(app.test_client(), demo[case], case)
    found = numeros(app)
    assert len(found) == 2 and len(set(found)) == 2


@pytest.mark.feature("F-11")
def test_saisie_avec_balises_html_echappee_dans_le_recapitulatif(client, demo):
    url = to_depot(client, demo["CAS_3"], "CAS_3", complement="<script>alert(1)</script>")
    page = client.get(url).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
