"""Argon2id at OWASP's parameters (F-47): new hashes use them, and a hash made with older parameters (argon2-cffi's
default, 64 MiB, t=3, p=4, which the app used before) is replaced at the next successful login, through the real
login pages. The app under test runs with the production parameters (the tests/web fixture's cheap ones removed)."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher, extract_parameters
from sqlalchemy import select

from app import mots_de_passe
from app.extensions import db
from app.models import Agent, Compte, Personne
from tests.web.agent_outils import NORD, login_agent
from tests.web.helpers import login

pytestmark = pytest.mark.feature("F-47")

ANCIEN = PasswordHasher(time_cost=3, memory_cost=64 * 1024, parallelism=4)


@pytest.fixture
def app_owasp(app):
    app.config.pop("ARGON2_PARAMETRES", None)
    return app


def _parametres(empreinte: str) -> tuple[int, int, int]:
    p = extract_parameters(empreinte)
    return p.memory_cost, p.time_cost, p.parallelism


def _compte(numero: str) -> Compte:
    return db.session.scalar(select(Compte).join(Personne).where(Personne.numero_etranger == numero))


def test_nouvelle_empreinte_aux_parametres_owasp(app_owasp):
    with app_owasp.app_context():
        empreinte = mots_de_passe.hacher("Un-Mot-De-Passe-1!")
    assert empreinte.startswith("$argon2id$")
    assert _parametres(empreinte) == (19 * 1024, 2, 1)


def test_usager_aux_anciens_parametres_se_connecte_et_son_empreinte_est_remplacee(app_owasp, demo):
    personne = demo["CAS_1"]
    with app_owasp.app_context():
        _compte(personne.numero_etranger).mot_de_passe = ANCIEN.hash(personne.mot_de_passe)
        db.session.commit()
    client = app_owasp.test_client()

    response = login(client, personne.numero_etranger, "Mauvais-Mot-1!")
    assert response.status_code == 200 and "Identifiant ou mot de passe incorrect." in response.get_data(as_text=True)
    with app_owasp.app_context():
        assert _parametres(_compte(personne.numero_etranger).mot_de_passe) == (64 * 1024, 3, 4)  # a failure keeps it

    response = login(client, personne.numero_etranger, personne.mot_de_passe)
    assert response.status_code == 302 and response.location == "/"
    with app_owasp.app_context():
        nouvelle = _compte(personne.numero_etranger).mot_de_passe
    assert _parametres(nouvelle) == (19 * 1024, 2, 1)
    assert PasswordHasher().verify(nouvelle, personne.mot_de_passe)

    # The upgraded hash is current: the next login keeps it as it is.
    autre = app_owasp.test_client()
    assert login(autre, personne.numero_etranger, personne.mot_de_passe).status_code == 302
    with app_owasp.app_context():
        assert _compte(personne.numero_etranger).mot_de_passe == nouvelle


def test_agent_aux_anciens_parametres_se_connecte_et_son_empreinte_est_remplacee(app_owasp):
    with app_owasp.app_context():
        agent = db.session.scalar(select(Agent).where(Agent.email == NORD.email))
        agent.mot_de_passe = ANCIEN.hash(NORD.mot_de_passe)
        db.session.commit()
    response = login_agent(app_owasp.test_client(), NORD)
    assert response.status_code == 302 and response.location == "/agent/demandes"
    with app_owasp.app_context():
        agent = db.session.scalar(select(Agent).where(Agent.email == NORD.email))
        assert _parametres(agent.mot_de_passe) == (19 * 1024, 2, 1)
        assert PasswordHasher().verify(agent.mot_de_passe, NORD.mot_de_passe)
