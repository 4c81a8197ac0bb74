"""Administrators (F-48, defect « applications no agent can ever see »): an application deposited in a department
that no agent serves, or in incident, is listed on /agent/administration, never lost; administrators read it, the
prefecture agents instruct it; everybody else is turned away from the page."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from app import agents
from app.extensions import db
from app.models import Agent, Demande
from tests.comptes_outils import lisible
from tests.conftest import csrf_token
from tests.web.agent_outils import NORD, demande_id, login_agent
from tests.web.helpers import deposit, login, text

pytestmark = pytest.mark.feature("F-48")

ADMIN = next(a for a in agents.DEMO if a.administrateur)
PAS_ADMINISTRATEUR = "Cette page est réservée aux administrateurs de l'espace agent."


def section(response, ident: str) -> str:
    page = response.get_data(as_text=True)
    match = re.search(rf'<section id="{ident}".*?</section>', page, re.S)
    assert match, f"no section {ident}"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(0)))


@pytest.fixture
def ajaccio(app, demo):
    """A CAS 3 application deposited at 20000 Ajaccio: Corse-du-Sud (2A), where no agent is attached."""
    usager = app.test_client()
    _, confirmation = deposit(usager, demo["CAS_3"], "CAS_3", code_postal="20000", ville="Ajaccio",
                              code_insee="2A004")
    ident = demande_id(confirmation)
    with app.app_context():
        demande = db.session.get(Demande, ident)
        assert (demande.numero[:4], demande.departement) == ("2001", "2A")
        return {"id": ident, "numero": demande.numero}


@pytest.fixture
def admin(app):
    client = app.test_client()
    assert login_agent(client, ADMIN).status_code == 302
    return client


def test_une_demande_d_un_departement_sans_agent_est_montree_aux_administrateurs(app, ajaccio, admin):
    # The administrator has no queue of their own: their home is the administration page.
    assert admin.get("/agent/demandes").location == "/agent/administration"
    response = admin.get("/agent/administration")
    assert response.status_code == 200
    liste = section(response, "sans-prefecture")
    assert ajaccio["numero"] in liste and "2A" in liste and "Demande à examiner" in liste
    assert f'href="/agent/demandes/{ajaccio["id"]}"' in response.get_data(as_text=True)
    # It opens read-only: no « Prendre en charge », and taking it is refused.
    page = admin.get(f"/agent/demandes/{ajaccio['id']}")
    assert page.status_code == 200
    assert "en tant qu'administrateur, vous la consultez en lecture seule" in text(page)
    assert "/prendre" not in page.get_data(as_text=True)
    response = admin.post(f"/agent/demandes/{ajaccio['id']}/prendre",
                          data={"csrf_token": csrf_token(page.get_data(as_text=True))}, follow_redirects=True)
    assert "Cette demande ne relève pas de vos préfectures : vous pouvez la consulter, pas la prendre en charge." \
        in lisible(response)
    with app.app_context():
        assert db.session.get(Demande, ajaccio["id"]).agent_id is None


def test_l_agent_du_nord_ne_la_voit_pas(app, ajaccio):
    nord = app.test_client()
    login_agent(nord, NORD)
    assert ajaccio["numero"] not in nord.get("/agent/demandes?etat=toutes").get_data(as_text=True)
    assert nord.get(f"/agent/demandes/{ajaccio['id']}").status_code == 404


def test_elle_quitte_la_liste_quand_un_agent_sert_son_departement(app, ajaccio, admin):
    result = app.test_cli_runner().invoke(args=["agent-creer", "agent.corse@prefecture.example.org", "--nom", "PAOLI",
                                                "--prenom", "Ange", "--departement", "2a", "--generer-mot-de-passe"])
    assert result.exit_code == 0, result.output
    assert ajaccio["numero"] not in section(admin.get("/agent/administration"), "sans-prefecture")
    # Deactivated, the agent serves it no more: it comes back.
    with app.app_context():
        db.session.scalar(select(Agent).where(Agent.email == "agent.corse@prefecture.example.org")).actif = False
        db.session.commit()
    assert ajaccio["numero"] in section(admin.get("/agent/administration"), "sans-prefecture")


def test_les_demandes_en_incident_avec_leur_erreur(app, demo, admin):
    usager = app.test_client()
    _, confirmation = deposit(usager, demo["CAS_1"], "CAS_1")  # 59800 Lille: a served department
    ident = demande_id(confirmation)
    with app.app_context():
        demande = db.session.get(Demande, ident)
        demande.incident = "JSONDecodeError: <état illisible> ligne 1"
        demande.incident_le = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
        numero = demande.numero
        db.session.commit()
    response = admin.get("/agent/administration")
    incidents = section(response, "incidents")
    assert numero in incidents and "02/03/2026 à 10:30" in incidents
    assert "JSONDecodeError: &lt;état illisible&gt; ligne 1" in response.get_data(as_text=True)  # escaped
    assert numero not in section(response, "sans-prefecture")
    assert f'href="/agent/demandes/{ident}"' in response.get_data(as_text=True)


def test_page_refusee_a_qui_n_est_pas_administrateur(app, demo):
    anonyme = app.test_client()
    response = anonyme.get("/agent/administration")
    assert response.status_code == 302 and response.location.split("?")[0] == "/agent/connexion"
    nord = app.test_client()
    login_agent(nord, NORD)
    response = nord.get("/agent/administration")
    assert response.status_code == 403 and PAS_ADMINISTRATEUR in text(response)
    assert 'href="/agent/administration"' not in nord.get("/agent/demandes").get_data(as_text=True)
    usager = app.test_client()
    login(usager, demo["CAS_1"].numero_etranger, demo["CAS_1"].mot_de_passe)
    response = usager.get("/agent/administration")
    assert response.status_code == 403 and "Cette page est réservée aux agents de préfecture." in text(response)


def test_agent_creer_un_administrateur(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["agent-creer", "chef@prefecture.example.org", "--nom", "CHEF", "--prenom", "Alix"])
    assert result.exit_code != 0
    assert "Indiquez au moins un département (--departement 59), ou --administrateur." in result.output
    result = runner.invoke(args=["agent-creer", "chef@prefecture.example.org", "--nom", "CHEF", "--prenom", "Alix",
                                 "--administrateur", "--generer-mot-de-passe"])
    assert result.exit_code == 0, result.output
    assert "Agent créé : Alix CHEF <chef@prefecture.example.org>, aucune préfecture, administrateur" in result.output
    with app.app_context():
        agent = db.session.scalar(select(Agent).where(Agent.email == "chef@prefecture.example.org"))
        assert agent.administrateur and agent.departements == set()


def test_demo_charger_affiche_l_administrateur(app):
    result = app.test_cli_runner().invoke(args=["demo-charger"])
    assert result.exit_code == 0, result.output
    assert re.search(rf"{re.escape(ADMIN.email)} +mot de passe {re.escape(ADMIN.mot_de_passe)} +"
                     r".* — administrateur : demandes d'un département sans agent et incidents", result.output)
