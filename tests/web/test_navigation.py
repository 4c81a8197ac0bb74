"""F-06: the stepper and the four buttons of every step."""

from __future__ import annotations

from datetime import date

import pytest

from tests.conftest import csrf_token
from tests.web.helpers import (
    NAV_BUTTONS,
    STEP1,
    buttons,
    get_text,
    input_date,
    input_value,
    is_checked,
    login,
    post_step,
    selected_option,
    start_draft,
    step2,
    step3_fields,
    text,
    to_step2,
    to_step3,
)


def step_buttons(page: str) -> list[str]:
    """The buttons of the step; the navigation row is the last four."""
    return buttons(page)


@pytest.mark.feature("F-06")
def test_stepper_et_boutons_sur_chaque_etape(client, demo):
    person = demo["CAS_3"]
    login(client, person.numero_etranger, person.mot_de_passe)
    url = start_draft(client)
    saisies = [STEP1, step2(person.date_placement.isoformat(), ["polygamie", "sanctions"]), None]
    for numero, saisie in enumerate(saisies, start=1):
        page = get_text(client, url)
        assert f"Étape {numero} sur 5" in page
        assert step_buttons(page)[-4:] == NAV_BUTTONS
        assert post_step(client, url, **(saisie or step3_fields(page))).status_code == 302
    page = get_text(client, url)
    assert "Étape 4 sur 5" in page
    assert step_buttons(page)[-4:] == NAV_BUTTONS[:3] + ["Déposer la demande >"]
    response = post_step(client, url)
    assert "Étape 5 sur 5" in get_text(client, response.location)


@pytest.mark.feature("F-06")
def test_revenir_depuis_l_etape_1_mene_au_preambule_et_garde_la_saisie(client, demo):
    person = demo["CAS_3"]
    login(client, person.numero_etranger, person.mot_de_passe)
    url = start_draft(client)
    response = post_step(client, url, action="precedent", adresse="3 rue du Port", ville="Brest")
    assert response.status_code == 302 and response.location.endswith("/titre-de-sejour/preambule")
    assert start_draft(client) == url
    page = get_text(client, url)
    assert input_value(page, "adresse") == "3 rue du Port" and input_value(page, "ville") == "Brest"


@pytest.mark.feature("F-06")
def test_revenir_garde_les_donnees_des_deux_etapes(client, demo):
    person = demo["CAS_3"]
    url = to_step3(client, person, "CAS_3")
    post_step(client, url, action="precedent")
    page = get_text(client, url)
    assert "Étape 2 sur 5" in page
    assert input_date(page, "date_prise_en_charge_ase") == person.date_placement
    assert is_checked(page, "attestation_polygamie") and is_checked(page, "attestation_sanctions")
    post_step(client, url, action="precedent", date_entree_france="2019-03-04")
    page = get_text(client, url)
    assert "Étape 1 sur 5" in page
    assert input_value(page, "adresse") == STEP1["adresse"] and input_value(page, "ville") == "Lille"
    assert input_value(page, "telephone") == "0101010101"
    post_step(client, url, **STEP1)
    page = get_text(client, url)
    assert "Étape 2 sur 5" in page
    assert input_date(page, "date_entree_france") == date(2019, 3, 4)


@pytest.mark.feature("F-06")
def test_revenir_sans_valider_garde_ce_qui_etait_tape_a_l_etape_2(client, demo):
    person = demo["CAS_3"]
    url = to_step2(client, person, "CAS_3")
    post_step(client, url, action="precedent", date_entree_france="2018-05-06", situation_familiale="Divorcé(e)")
    assert post_step(client, url, **STEP1).status_code == 302
    page = get_text(client, url)
    assert input_date(page, "date_entree_france") == date(2018, 5, 6)
    assert selected_option(page, "situation_familiale") == "Divorcé(e)"


@pytest.mark.feature("F-06")
def test_quitter_puis_je_continue_reprend_a_la_derniere_etape_avec_la_saisie(client, demo):
    person = demo["CAS_3"]
    url = to_step2(client, person, "CAS_3")
    response = post_step(client, url, action="quitter", date_entree_france="2017-02-03", pays_union="Tunisie")
    assert response.status_code == 302
    page = get_text(client, response.location)
    assert "Votre saisie est sauvegardée" in page
    assert client.get("/mes-demandes").location.startswith("/connexion")
    login(client, person.numero_etranger, person.mot_de_passe)
    assert start_draft(client) == url
    page = get_text(client, url)
    assert "Étape 2 sur 5" in page
    assert input_date(page, "date_entree_france") == date(2017, 2, 3) and input_value(page, "pays_union") == "Tunisie"


@pytest.mark.feature("F-06")
@pytest.mark.feature("F-13")
def test_quitter_puis_reprendre_depuis_mes_demandes(client, demo):
    person = demo["CAS_1"]
    login(client, person.numero_etranger, person.mot_de_passe)
    url = start_draft(client)
    post_step(client, url, action="quitter", adresse="12 quai de la Loire", telephone="06 11 22 33 44")
    login(client, person.numero_etranger, person.mot_de_passe)
    page = get_text(client, "/mes-demandes")
    assert f'href="{url}">Reprendre</a>' in page
    page = get_text(client, url)
    assert "Étape 1 sur 5" in page
    assert input_value(page, "adresse") == "12 quai de la Loire"
    assert input_value(page, "telephone") == "06 11 22 33 44"


@pytest.mark.feature("F-06")
def test_abandonner_demande_confirmation_puis_non_reprend(client, demo):
    person = demo["CAS_3"]
    url = to_step2(client, person, "CAS_3")
    response = post_step(client, url, action="abandonner", pays_union="Italie")
    assert response.status_code == 302 and response.location == f"{url}/abandonner"
    page = get_text(client, response.location)
    assert "Oui, abandonner la demande" in page
    assert f'href="{url}">Non, reprendre ma demande</a>' in page
    page = get_text(client, url)
    assert "Étape 2 sur 5" in page and input_value(page, "pays_union") == "Italie"


@pytest.mark.feature("F-06")
def test_abandonner_puis_oui_la_demande_ne_s_ouvre_plus(client, demo):
    person = demo["CAS_3"]
    url = to_step2(client, person, "CAS_3")
    confirm_url = post_step(client, url, action="abandonner").location
    page = get_text(client, confirm_url)
    response = client.post(confirm_url, data={"csrf_token": csrf_token(page)})
    assert response.location == f"{url}/abandonnee"
    assert "Demande abandonnée" in get_text(client, response.location)
    for response in (client.get(url, follow_redirects=True),
                     client.post(url, data={"csrf_token": csrf_token(page), "action": "poursuivre"},
                                 follow_redirects=True)):
        assert "Demande abandonnée" in text(response) and "Étape" not in text(response)
    assert "Reprendre" not in get_text(client, "/mes-demandes")
    assert start_draft(client) != url
