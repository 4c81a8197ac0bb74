"""Login, session and logout (F-03); slowing down repeated attempts (F-01, F-02, F-03)."""

from __future__ import annotations

import re

import pytest

from tests.comptes_outils import AWA, AWA_EMAIL, ajouter_au_registre, demander_creation, demander_oubli, lisible
from tests.conftest import csrf_token
from tests.web.helpers import get_text, login, text

INCORRECT = "Identifiant ou mot de passe incorrect."
TROP = re.compile(r"Trop de tentatives en peu de temps\. Pour protéger votre compte, veuillez patienter : "
                  r"réessayez dans (\d+) minutes?\.")


def _en_francais_429(response, au_plus_minutes: int) -> None:
    assert response.status_code == 429
    page = text(response)
    match = TROP.search(page)
    assert match, page[-1500:]
    assert 1 <= int(match.group(1)) <= au_plus_minutes
    assert 0 < int(response.headers["Retry-After"]) <= au_plus_minutes * 60
    assert "Too Many Requests" not in page


@pytest.mark.feature("F-03")
def test_page_de_connexion(client):
    page = lisible(client.get("/connexion"))
    for libelle in ("Vous avez déjà un compte", "Identifiant *", "Mot de passe *", "Mot de passe oublié ?",
                    "S'identifier", "FranceConnect est la solution proposée par l'État pour sécuriser et simplifier "
                    "la connexion à vos services en ligne.", "S'identifier avec FranceConnect",
                    "Qu'est-ce que FranceConnect ?", "Première visite ?", "Créer votre compte"):
        assert libelle in page, libelle


@pytest.mark.feature("F-03")
def test_identifiants_corrects_la_personne_est_connectee(client, demo):
    person = demo["CAS_1"]
    response = login(client, f" {person.numero_etranger[:4]} {person.numero_etranger[4:]} ", person.mot_de_passe)
    assert response.status_code == 302 and response.location == "/"
    page = get_text(client, "/mes-demandes")
    assert "Mineur ETRANGER" in page and "Se déconnecter" in page


@pytest.mark.feature("F-03")
@pytest.mark.parametrize("cas", ["mauvais_mot_de_passe", "identifiant_inconnu", "identifiant_mal_forme",
                                 "mot_de_passe_d_un_autre"])
def test_mauvaise_paire_meme_message_sans_dire_laquelle(client, demo, cas):
    person, autre = demo["CAS_3"], demo["CAS_1"]
    identifiant, mot_de_passe = {
        "mauvais_mot_de_passe": (person.numero_etranger, "Mauvais-Mot-1!"),
        "identifiant_inconnu": ("1234567890", person.mot_de_passe),
        "identifiant_mal_forme": ("abc", person.mot_de_passe),
        "mot_de_passe_d_un_autre": (person.numero_etranger, autre.mot_de_passe),
    }[cas]
    response = login(client, identifiant, mot_de_passe)
    assert response.status_code == 200
    page = text(response)
    assert INCORRECT in page
    assert "inconnu" not in page.lower() and "n'existe pas" not in page
    assert mot_de_passe not in response.get_data(as_text=True)
    assert client.get("/mes-demandes").status_code == 302


@pytest.mark.feature("F-03")
def test_compte_en_attente_ne_peut_pas_se_connecter(app, client):
    """Created but the link not used yet: no password, so no login (and the same message)."""
    app.config["URL_BASE"] = "http://localhost"
    ajouter_au_registre(app)
    demander_creation(client)
    for essai in ("", "n'importe-quoi", "Bienvenue-2026!"):
        page = client.get("/connexion").get_data(as_text=True)
        response = client.post("/connexion", data={"csrf_token": csrf_token(page),
                                                   "identifiant": AWA["numero_etranger"], "mot_de_passe": essai})
        assert response.status_code == 200
    assert client.get("/mes-demandes").status_code == 302


@pytest.mark.feature("F-03")
def test_la_session_est_renouvelee_a_la_connexion(client, demo):
    person = demo["CAS_3"]
    client.get("/connexion")
    with client.session_transaction() as session:
        session["depose_par_un_tiers"] = "valeur plantée avant la connexion"
    login(client, person.numero_etranger, person.mot_de_passe)
    with client.session_transaction() as session:
        assert "depose_par_un_tiers" not in session
        assert session.get("_user_id")


@pytest.mark.feature("F-03")
def test_cookie_de_session_httponly_samesite_et_secure_derriere_https(app, demo):
    person = demo["CAS_3"]
    client = app.test_client()
    login(client, person.numero_etranger, person.mot_de_passe)
    cookie = client.get_cookie("session")
    assert cookie.http_only and cookie.same_site == "Lax" and not cookie.secure

    app.config["SESSION_COOKIE_SECURE"] = True
    secure = app.test_client()
    page = secure.get("/connexion", base_url="https://localhost")
    secure.post("/connexion", base_url="https://localhost", data={
        "csrf_token": csrf_token(page.get_data(as_text=True)), "identifiant": person.numero_etranger,
        "mot_de_passe": person.mot_de_passe})
    cookie = secure.get_cookie("session", domain="localhost")
    assert cookie.secure and cookie.http_only and cookie.same_site == "Lax"


@pytest.mark.feature("F-03")
def test_deconnexion(client, demo):
    person = demo["CAS_3"]
    login(client, person.numero_etranger, person.mot_de_passe)
    page = client.get("/mes-demandes").get_data(as_text=True)
    assert client.post("/deconnexion", data={}).status_code == 400  # CSRF on the logout form too
    response = client.post("/deconnexion", data={"csrf_token": csrf_token(page)})
    assert response.status_code == 302 and response.location == "/"
    assert "Vous êtes déconnecté(e)." in get_text(client, "/")
    assert client.get("/mes-demandes").status_code == 302
    with client.session_transaction() as session:
        assert "_user_id" not in session


# --- Slowing down -----------------------------------------------------------------------------------------------


@pytest.mark.feature("F-03")
def test_echecs_repetes_pour_un_identifiant_ralentis(app, client, demo):
    person, autre = demo["CAS_3"], demo["CAS_1"]
    for _ in range(5):
        assert INCORRECT in text(login(client, person.numero_etranger, "Mauvais-Mot-1!"))
    # From this address the 6th attempt is refused before the password is even checked, the right one too
    # (from another address its owner still logs in: tests/web/test_limites.py).
    _en_francais_429(login(client, person.numero_etranger, person.mot_de_passe), 15)
    assert client.get("/mes-demandes").status_code == 302
    # Another identifiant is not blocked by those failures (same address, far under its own limit).
    assert login(client, autre.numero_etranger, autre.mot_de_passe).status_code == 302
    # A success does not count: a person who logs in often is never slowed down.
    for _ in range(8):
        assert login(app.test_client(), autre.numero_etranger, autre.mot_de_passe).status_code == 302


@pytest.mark.feature("F-03")
def test_echecs_repetes_depuis_une_adresse_ralentis(client, demo):
    person = demo["CAS_3"]
    ailleurs = {"environ_base": {"REMOTE_ADDR": "203.0.113.9"}}
    for i in range(30):
        page = client.get("/connexion", **ailleurs).get_data(as_text=True)
        response = client.post("/connexion", data={"csrf_token": csrf_token(page), "identifiant": f"59000000{i:02d}",
                                                   "mot_de_passe": "Mauvais-Mot-1!"}, **ailleurs)
        assert response.status_code == 200
    page = client.get("/connexion", **ailleurs).get_data(as_text=True)
    response = client.post("/connexion", data={"csrf_token": csrf_token(page), "identifiant": person.numero_etranger,
                                               "mot_de_passe": person.mot_de_passe}, **ailleurs)
    _en_francais_429(response, 15)
    # From another address the person logs in.
    assert login(client, person.numero_etranger, person.mot_de_passe).status_code == 302


@pytest.mark.feature("F-01")
def test_creations_repetees_pour_une_adresse_email_ralenties(app, client):
    ajouter_au_registre(app)
    for _ in range(5):
        assert demander_creation(client, numero="1234567890").status_code == 302
    _en_francais_429(demander_creation(client), 60)
    # A typo (invalid form) does not count, and another address is not blocked.
    assert demander_creation(client, email="autre@example.org", confirmation="x@example.org").status_code == 422
    assert demander_creation(client, email="autre@example.org").status_code == 302


@pytest.mark.feature("F-01")
def test_creations_repetees_depuis_une_adresse_ip_ralenties(app, client):
    ailleurs = {"environ_base": {"REMOTE_ADDR": "198.51.100.7"}}
    for i in range(30):
        assert demander_creation(client, email=f"jeune{i}@example.org", numero="1234567890",
                                 **ailleurs).status_code == 302
    _en_francais_429(demander_creation(client, email=AWA_EMAIL, **ailleurs), 60)


@pytest.mark.feature("F-02")
def test_mots_de_passe_oublies_repetes_ralentis(client, demo):
    person = demo["CAS_3"]
    for _ in range(3):
        assert demander_oubli(client, person.numero_etranger).status_code == 302
    _en_francais_429(demander_oubli(client, person.numero_etranger), 60)
    assert demander_oubli(client, demo["CAS_1"].numero_etranger).status_code == 302
