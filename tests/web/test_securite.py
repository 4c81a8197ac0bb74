"""Access control and robustness of the step pages (F-06), login (F-03)."""

from __future__ import annotations

import pytest

from tests.conftest import csrf_token, task_id
from tests.web.helpers import (
    STEP1,
    get_text,
    input_date,
    input_value,
    login,
    post_step,
    start_draft,
    step2,
    text,
    to_depot,
    to_step2,
)

FLASH_CSRF = "Votre formulaire a expiré ou n'a pas pu être vérifié"
FLASH_PERIME = "Cette page n'était plus à jour"


@pytest.mark.feature("F-06")
@pytest.mark.parametrize("url", ["/demandes/1", "/titre-de-sejour/preambule", "/mes-demandes", "/titre-de-sejour",
                                 "/demandes/1/abandonner", "/demandes/1/confirmation"])
def test_non_connecte_redirige_vers_la_connexion(client, url):
    response = client.get(url)
    assert response.status_code == 302 and response.location.startswith("/connexion")
    assert "Veuillez vous identifier pour accéder à cette page." in get_text(client, response.location)


@pytest.mark.feature("F-03")
@pytest.mark.feature("F-06")
def test_apres_connexion_retour_a_la_page_demandee(client, demo):
    person = demo["CAS_3"]
    connexion = client.get("/mes-demandes").location
    page = client.get(connexion).get_data(as_text=True)
    response = client.post(connexion, data={"csrf_token": csrf_token(page), "identifiant": person.numero_etranger,
                                            "mot_de_passe": person.mot_de_passe})
    assert response.status_code == 302 and response.location == "/mes-demandes"


@pytest.mark.feature("F-05")
def test_je_continue_sans_jeton_csrf_page_francaise_et_aucun_brouillon(client, demo):
    person = demo["CAS_3"]
    login(client, person.numero_etranger, person.mot_de_passe)
    response = client.post("/titre-de-sejour/commencer", data={})
    assert response.status_code == 400
    assert "Formulaire expiré" in text(response) and "Bad Request" not in text(response)
    assert "Vous n'avez aucune demande en cours." in get_text(client, "/mes-demandes")


@pytest.mark.feature("F-03")
@pytest.mark.feature("F-06")
def test_mauvais_mot_de_passe_et_identifiant_inconnu_meme_message(client, demo):
    person = demo["CAS_3"]
    reponses = [login(client, person.numero_etranger, "Mauvais-1!"), login(client, "1234567890", person.mot_de_passe)]
    for response in reponses:
        assert response.status_code == 200
        assert "Identifiant ou mot de passe incorrect." in text(response)
    assert client.get("/mes-demandes").status_code == 302


@pytest.mark.feature("F-06")
def test_brouillon_d_un_autre_demandeur_404(app, demo):
    autre = app.test_client()
    login(autre, demo["CAS_1"].numero_etranger, demo["CAS_1"].mot_de_passe)
    url = start_draft(autre)
    client = app.test_client()
    person = demo["CAS_3"]
    login(client, person.numero_etranger, person.mot_de_passe)
    token = csrf_token(get_text(client, "/titre-de-sejour/preambule"))
    assert client.get(url).status_code == 404
    for suffixe in ("", "/abandonner", "/abandonnee", "/confirmation"):
        assert client.get(url + suffixe).status_code == 404, suffixe
    for suffixe in ("", "/abandonner"):
        response = client.post(url + suffixe, data={"csrf_token": token, "action": "abandonner", **STEP1})
        assert response.status_code == 404, suffixe
    assert "Étape 1 sur 5" in get_text(autre, url)
    assert input_value(get_text(autre, url), "adresse") == ""
    assert url not in get_text(client, "/mes-demandes")


@pytest.mark.feature("F-06")
@pytest.mark.parametrize("jeton", ["forge", None], ids=["forge", "absent"])
def test_csrf_forge_ou_absent_rien_n_est_enregistre(client, demo, jeton):
    person = demo["CAS_3"]
    login(client, person.numero_etranger, person.mot_de_passe)
    url = start_draft(client)
    page = client.get(url).get_data(as_text=True)
    data = {"task_id": task_id(page), "action": "poursuivre", **STEP1, "ville": "Forgeville"}
    if jeton:
        data["csrf_token"] = jeton
    response = client.post(url, data=data)
    assert response.status_code == 302 and response.location == url
    page = get_text(client, url)
    assert FLASH_CSRF in page
    assert "Étape 1 sur 5" in page
    assert input_value(page, "ville") == ""
    assert "Forgeville" not in page


@pytest.mark.feature("F-06")
def test_csrf_forge_a_l_etape_2_garde_ce_qui_etait_enregistre(client, demo):
    person = demo["CAS_3"]
    url = to_step2(client, person, "CAS_3")
    page = client.get(url).get_data(as_text=True)
    response = client.post(url, data={"csrf_token": "x", "task_id": task_id(page), "action": "precedent"},
                           follow_redirects=True)
    page = text(response)
    assert FLASH_CSRF in page and "Étape 2 sur 5" in page
    post_step(client, url, action="precedent")
    assert input_value(get_text(client, url), "ville") == "Lille"


@pytest.mark.feature("F-06")
def test_task_id_perime_apres_retour_dans_un_autre_onglet(client, demo):
    person = demo["CAS_3"]
    url = to_step2(client, person, "CAS_3")
    onglet_a = client.get(url).get_data(as_text=True)
    post_step(client, url, action="precedent")  # onglet B : retour à l'étape 1
    data = {"csrf_token": csrf_token(onglet_a), "task_id": task_id(onglet_a), "action": "poursuivre",
            **step2(person.date_placement.isoformat(), ["polygamie", "sanctions"], date_entree_france="2015-05-05")}
    response = client.post(url, data=data)
    assert response.status_code == 302 and response.location == url
    page = get_text(client, url)
    assert FLASH_PERIME in page and "Étape 1 sur 5" in page
    post_step(client, url, **STEP1)
    page = get_text(client, url)
    assert "Étape 2 sur 5" in page and input_value(page, "date_entree_france-jour") == "" \
        and input_date(page, "date_entree_france") is None


@pytest.mark.feature("F-06")
def test_task_id_perime_apres_avoir_avance_dans_un_autre_onglet(client, demo):
    person = demo["CAS_3"]
    login(client, person.numero_etranger, person.mot_de_passe)
    url = start_draft(client)
    onglet_a = client.get(url).get_data(as_text=True)
    post_step(client, url, **STEP1)
    data = {"csrf_token": csrf_token(onglet_a), "task_id": task_id(onglet_a), "action": "poursuivre",
            **STEP1, "ville": "Tourcoing"}
    page = text(client.post(url, data=data, follow_redirects=True))
    assert FLASH_PERIME in page and "Étape 2 sur 5" in page
    post_step(client, url, action="precedent")
    assert input_value(get_text(client, url), "ville") == "Lille"


@pytest.mark.feature("F-06")
def test_demande_inexistante_page_404_en_francais(client, demo):
    person = demo["CAS_3"]
    login(client, person.numero_etranger, person.mot_de_passe)
    for url in ("/demandes/999999", "/demandes/999999/confirmation", "/une-page-qui-n-existe-pas"):
        response = client.get(url)
        assert response.status_code == 404
        page = text(response)
        assert "Page introuvable" in page and "n'existe pas ou ne vous est pas accessible" in page
        assert "Not Found" not in page


@pytest.mark.feature("F-06")
@pytest.mark.parametrize("url", ["/deconnexion", "/titre-de-sejour/commencer"])
def test_get_d_une_adresse_reservee_au_post_page_en_francais(client, demo, url):
    person = demo["CAS_3"]
    login(client, person.numero_etranger, person.mot_de_passe)
    response = client.get(url, follow_redirects=True)
    page = text(response)
    assert 'lang="fr"' in page and "Method Not Allowed" not in page, (response.status_code, page[:200])


@pytest.mark.feature("F-06")
@pytest.mark.feature("F-11")
def test_csrf_forge_au_depot_aucun_numero(client, demo):
    person = demo["CAS_3"]
    url = to_depot(client, person, "CAS_3")
    page = client.get(url).get_data(as_text=True)
    response = client.post(url, data={"csrf_token": "x", "task_id": task_id(page), "action": "poursuivre"},
                           follow_redirects=True)
    page = text(response)
    assert FLASH_CSRF in page and "Étape 4 sur 5" in page
    assert "Brouillon" in get_text(client, "/mes-demandes")


@pytest.mark.feature("F-06")
def test_csrf_forge_sur_la_confirmation_d_abandon_le_brouillon_reste(client, demo):
    person = demo["CAS_3"]
    url = to_step2(client, person, "CAS_3")
    response = client.post(post_step(client, url, action="abandonner").location, data={"csrf_token": "x"})
    assert response.status_code == 400 and "Formulaire expiré" in text(response)
    assert "Étape 2 sur 5" in get_text(client, url)
