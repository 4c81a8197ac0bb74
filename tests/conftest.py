"""Shared fixtures: an app on a fresh database built by the real migrations, with the demo people.

The database is a SQLite file, or with TEST_DATABASE_URL=postgresql+psycopg://… a PostgreSQL database cloned from a
template migrated once per session (and per pytest-xdist worker): see tests/bases.py.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

# Settings must not touch the developer's instance/ folder.
os.environ.setdefault("INSTANCE_DIR", tempfile.mkdtemp(prefix="ts-ase-instance-"))
os.environ.setdefault("SECRET_KEY", "cle-de-test-uniquement")

from flask import Flask  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.register import demo_people  # noqa: E402
from tests.bases import TEST_DATABASE_URL, Modele, Serveur, base_vierge, sur_postgresql  # noqa: E402
from tests.dates import aujourdhui  # noqa: E402
from tests.gabarits import CACHE  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent

# Every app of the tests compiles each template once per process, not once per app (see tests/gabarits.py).
Flask.jinja_options = {**Flask.jinja_options, "bytecode_cache": CACHE}


@pytest.fixture(scope="session")
def serveur_pg() -> Iterator[Serveur | None]:
    """The PostgreSQL server of TEST_DATABASE_URL, or None (SQLite files)."""
    if not sur_postgresql():
        yield None
        return
    serveur = Serveur(TEST_DATABASE_URL)
    yield serveur
    serveur.fin_de_session()


@pytest.fixture(autouse=True)
def _bases_du_test(serveur_pg: Serveur | None) -> Iterator[None]:
    """On PostgreSQL, the databases cloned during a test are dropped after it."""
    if serveur_pg is None:
        yield
        return
    serveur_pg.du_test = []
    yield
    serveur_pg.fin_de_test()


@pytest.fixture(scope="session")
def migrated_db(serveur_pg: Serveur | None, tmp_path_factory: pytest.TempPathFactory) -> Modele:
    """One database migrated with Alembic; each test gets a copy (`migrated_db.copie(dossier)`)."""
    url = base_vierge(serveur_pg, tmp_path_factory.mktemp("db"))
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        db.engine.dispose()  # a PostgreSQL template must have no open connection
    return Modele(url, serveur_pg)


@pytest.fixture
def app(migrated_db: Modele, tmp_path: Path):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": migrated_db.copie(tmp_path),
                      "DOCUMENTS_DIR": tmp_path / "documents", "MAIL_DOSSIER": tmp_path / "courriels"})
    result = app.test_cli_runner().invoke(args=["demo-charger"])
    assert result.exit_code == 0, result.output
    yield app


@pytest.fixture
def client(app):
    return app.test_client()


@dataclass(frozen=True)
class Demo:
    numero_etranger: str
    mot_de_passe: str
    date_placement: date


@pytest.fixture
def demo() -> dict[str, Demo]:
    """The demo people by case: 'CAS_1', 'CAS_2', 'CAS_3', 'NON_ELIGIBLE', 'SANS_COMPTE' (dates from today)."""
    people = [p for _, p in demo_people(aujourdhui())]
    keys = ["CAS_1", "CAS_2", "CAS_3", "NON_ELIGIBLE", "SANS_COMPTE"]
    return {k: Demo(p.numero_etranger, p.mot_de_passe, p.date_placement) for k, p in zip(keys, people, strict=True)}


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, "no CSRF token in the page"
    return match.group(1)


def task_id(html: str) -> str:
    match = re.search(r'name="task_id" value="([^"]+)"', html)
    assert match, "no task id in the page"
    return match.group(1)


@pytest.fixture
def smtp():
    """A real local SMTP server; the `app` fixture is pointed at it by `app_smtp`."""
    from tests.smtp import ServeurSMTP

    serveur = ServeurSMTP().demarrer()
    yield serveur
    serveur.arreter()


@pytest.fixture
def app_smtp(app, smtp):
    """The app, sending its mail to the local SMTP server (no TLS, no login)."""
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp.port, SMTP_TLS="aucun", SMTP_TIMEOUT=5)
    return app
