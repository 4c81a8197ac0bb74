"""Agents' accounts and login (F-30): the `flask agent-creer` command, the demo agents, « Espace agent »."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Agent
from tests.conftest import csrf_token
from tests.web.agent_outils import NORD, PARIS, login_agent
from tests.web.helpers import get_text, login, text

INCORRECT = "Identifiant ou mot de passe incorrect."

pytestmark = pytest.mark.feature("F-30")


def test_page_de_connexion_agent(client):
    page = get_text(client, "/agent/connexion")
    for libelle in ("Espace agent", "Adresse email *", "Mot de passe *", "Se connecter",
                    "Cet espace est réservé aux agents des préfectures."):
        assert libelle in page, libelle


def test_agent_se_connecte_voit_ses_liens_et_se_deconnecte(client):
    response = login_agent(client, NORD)
    assert response.status_code == 302 and response.location == "/agent/demandes"
    page = get_text(client, "/agent/demandes")
    for libelle in ("File des demandes", "Camille MARTIN", "Se déconnecter"):
        assert libelle in page, libelle
    assert "Mes demandes" not in page  # the applicant's links are not there
    response = client.post("/agent/deconnexion", data={"csrf_token": csrf_token(client.get("/agent/demandes")
                                                                               .get_data(as_text=True))})
    assert response.status_code == 302 and response.location == "/agent/connexion"
    assert "Vous êtes déconnecté(e)." in get_text(client, "/agent/connexion")
    response = client.get("/agent/demandes")
    assert response.status_code == 302 and response.location.startswith("/agent/connexion?next=")


def test_apres_connexion_retour_a_la_page_agent_demandee(client):
    response = client.get("/agent/demandes?tri=nom")
    assert response.status_code == 302 and "/agent/connexion" in response.location
    page = client.get(response.location).get_data(as_text=True)
    response = client.post(response.location, data={"csrf_token": csrf_token(page), "email": NORD.email,
                                                     "mot_de_passe": NORD.mot_de_passe})
    assert response.status_code == 302 and response.location == "/agent/demandes?tri=nom"


@pytest.mark.parametrize("cas", ["mauvais_mot_de_passe", "adresse_inconnue", "mot_de_passe_d_un_autre_agent",
                                 "identifiants_d_un_usager"])
def test_mauvaise_paire_meme_message_neutre(client, demo, cas):
    usager = demo["CAS_1"]
    email, mot_de_passe = {
        "mauvais_mot_de_passe": (NORD.email, "Mauvais-Mot-1!"),
        "adresse_inconnue": ("personne@demo.example.org", NORD.mot_de_passe),
        "mot_de_passe_d_un_autre_agent": (NORD.email, PARIS.mot_de_passe),
        "identifiants_d_un_usager": (usager.numero_etranger, usager.mot_de_passe),
    }[cas]
    page = client.get("/agent/connexion").get_data(as_text=True)
    response = client.post("/agent/connexion", data={"csrf_token": csrf_token(page), "email": email,
                                                     "mot_de_passe": mot_de_passe})
    assert response.status_code == 200
    assert INCORRECT in text(response)
    assert client.get("/agent/demandes").status_code == 302


def test_un_agent_ne_se_connecte_pas_sur_la_page_des_usagers(client):
    assert INCORRECT in text(login(client, NORD.email, NORD.mot_de_passe))


def test_echecs_repetes_ralentis_comme_pour_les_usagers(client):
    for _ in range(5):
        assert INCORRECT in text(login_agent(client, NORD, "Mauvais-Mot-1!"))
    response = login_agent(client, NORD)
    assert response.status_code == 429
    assert re.search(r"Trop de tentatives en peu de temps\..*réessayez dans \d+ minutes?\.", text(response))
    # Another agent is not blocked; a success never counts.
    assert login_agent(client, PARIS).status_code == 302


def test_agent_inactif_ne_se_connecte_plus_et_perd_sa_session(app, client):
    assert login_agent(client, NORD).status_code == 302
    with app.app_context():
        db.session.scalar(select(Agent).where(Agent.email == NORD.email)).actif = False
        db.session.commit()
    assert client.get("/agent/demandes").status_code == 302
    assert INCORRECT in text(login_agent(client, NORD))


# --- The command ----------------------------------------------------------------------------------------------------


def test_agent_creer_mot_de_passe_demande(app, client):
    result = app.test_cli_runner().invoke(
        args=["agent-creer", "Lea.Dupont@Prefecture.example.org", "--nom", "DUPONT", "--prenom", "Léa",
              "--departement", "62", "--departement", "2a"],
        input="Secret-Agent-1!\nSecret-Agent-1!\n")
    assert result.exit_code == 0, result.output
    assert "Agent créé : Léa DUPONT <lea.dupont@prefecture.example.org>, préfecture(s) du département 2A, 62" \
        in result.output
    assert "Secret-Agent-1!" not in result.output
    with app.app_context():
        agent = db.session.scalar(select(Agent).where(Agent.email == "lea.dupont@prefecture.example.org"))
        assert agent.departements == {"62", "2A"}
        assert agent.mot_de_passe.startswith("$argon2")
    page = client.get("/agent/connexion").get_data(as_text=True)
    response = client.post("/agent/connexion", data={"csrf_token": csrf_token(page),
                                                     "email": "lea.dupont@prefecture.example.org",
                                                     "mot_de_passe": "Secret-Agent-1!"})
    assert response.status_code == 302


def test_agent_creer_mot_de_passe_genere_affiche_une_fois(app, client):
    result = app.test_cli_runner().invoke(
        args=["agent-creer", "paul@prefecture.example.org", "--nom", "MARTIN", "--prenom", "Paul",
              "--departement", "974", "--generer-mot-de-passe"])
    assert result.exit_code == 0, result.output
    mot_de_passe = re.search(r"Mot de passe \(affiché une seule fois, à transmettre à l'agent\) : (\S+)",
                             result.output).group(1)
    assert result.output.count(mot_de_passe) == 1
    page = client.get("/agent/connexion").get_data(as_text=True)
    response = client.post("/agent/connexion", data={"csrf_token": csrf_token(page),
                                                     "email": "paul@prefecture.example.org",
                                                     "mot_de_passe": mot_de_passe})
    assert response.status_code == 302


@pytest.mark.parametrize("arguments, entree, message", [
    (["--departement", "20"], "Secret-Agent-1!\nSecret-Agent-1!\n", "« 20 » n'est pas un code de département"),
    (["--departement", "59"], "faible\nfaible\n", "Le mot de passe doit faire au moins 8 caractères."),
])
def test_agent_creer_refuse_avec_la_raison(app, arguments, entree, message):
    result = app.test_cli_runner().invoke(
        args=["agent-creer", "x@prefecture.example.org", "--nom", "X", "--prenom", "Y", *arguments], input=entree)
    assert result.exit_code != 0
    assert message in result.output
    with app.app_context():
        assert db.session.scalar(select(Agent).where(Agent.email == "x@prefecture.example.org")) is None


def test_agent_creer_refuse_une_adresse_deja_prise(app):
    result = app.test_cli_runner().invoke(
        args=["agent-creer", NORD.email.upper(), "--nom", "X", "--prenom", "Y", "--departement", "59",
              "--generer-mot-de-passe"])
    assert result.exit_code != 0
    assert f"Un agent existe déjà avec l'adresse {NORD.email}." in result.output


def test_demo_charger_affiche_les_agents_de_demonstration(app):
    result = app.test_cli_runner().invoke(args=["demo-charger"])
    assert result.exit_code == 0, result.output
    assert "Agents de démonstration (espace agent : /agent/connexion" in result.output
    for agent in (NORD, PARIS):
        assert agent.email in result.output and agent.mot_de_passe in result.output
    with app.app_context():  # loaded twice: still one row each, with their prefectures
        agents = db.session.scalars(select(Agent).order_by(Agent.email)).all()
        assert [(a.email, a.departements, a.administrateur) for a in agents] == [
            ("admin@demo.example.org", set(), True), (NORD.email, {"59"}, False), (PARIS.email, {"75"}, False)]
