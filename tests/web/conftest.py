"""Speed for tests/web: the demo people are loaded once per session, each test gets a copy of that database.

Same contract as the `app` fixture of tests/conftest.py (a fresh database, SQLite or PostgreSQL, built by the real
migrations, with the demo people loaded by the real `flask demo-charger` command), but the command
runs once instead of once per test, and the demo passwords are re-hashed with cheap Argon2 parameters
so that every login (through the real /connexion view and the real Argon2 check) takes milliseconds.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from app import agents, create_app
from app.extensions import db
from app.models import Agent, Compte, Personne
from app.register import demo_people
from tests.bases import Modele
from tests.dates import aujourdhui

CHEAP = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
# The app under test takes these as its current parameters (app/mots_de_passe.py): logins verify CHEAP hashes without
# upgrading them at each login.
CHEAP_PARAMETRES = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}


@pytest.fixture(scope="session")
def demo_db(migrated_db: Modele, tmp_path_factory: pytest.TempPathFactory) -> Modele:
    """The migrated database with the demo people; each test gets a copy (`demo_db.copie(dossier)`)."""
    demo = migrated_db.derive(tmp_path_factory.mktemp("demo"), "demo")
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": demo.url})
    result = app.test_cli_runner().invoke(args=["demo-charger"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        for _, person in demo_people(aujourdhui()):
            if person.mot_de_passe is None:
                continue
            compte = db.session.scalar(
                select(Compte).join(Personne).where(Personne.numero_etranger == person.numero_etranger)
            )
            compte.mot_de_passe = CHEAP.hash(person.mot_de_passe)
        for demo_agent in agents.DEMO:
            agent = db.session.scalar(select(Agent).where(Agent.email == demo_agent.email))
            agent.mot_de_passe = CHEAP.hash(demo_agent.mot_de_passe)
        db.session.commit()
        db.engine.dispose()  # a PostgreSQL template must have no open connection
    return demo


@pytest.fixture
def app(demo_db: Modele, tmp_path: Path):
    yield create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": demo_db.copie(tmp_path),
                      "DOCUMENTS_DIR": tmp_path / "documents", "MAIL_DOSSIER": tmp_path / "courriels",
                      "ARGON2_PARAMETRES": CHEAP_PARAMETRES})
