"""SQLite files in WAL mode (issue 13): readers and the writer no longer wait for one another, commits do not fsync."""

from __future__ import annotations

import sqlite3
import time
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from app import create_app
from app.extensions import db, fichier_sqlite
from tests.bases import Modele, copier_sqlite, sur_postgresql

pytestmark = pytest.mark.feature("F-47")
fichier = pytest.mark.skipif(sur_postgresql(), reason="the test bases are PostgreSQL ones: no SQLite file to check")


@pytest.mark.parametrize(("url", "wal"), [
    ("sqlite:////srv/titre-sejour/titre_sejour.db", True), ("sqlite:///instance/titre_sejour.db", True),
    ("sqlite://", False), ("sqlite:///:memory:", False), ("sqlite:///file::memory:?cache=shared", False),
    ("postgresql+psycopg://postgres@127.0.0.1:5432/titre_sejour", False),
])
def test_seuls_les_fichiers_sqlite_passent_en_wal(url: str, wal: bool) -> None:
    assert fichier_sqlite(make_url(url)) is wal


@fichier
def test_une_base_fichier_est_en_wal_sans_fsync_a_chaque_commit(migrated_db: Modele, tmp_path: Path) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": migrated_db.copie(tmp_path)})
    with app.app_context():
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL
        assert db.session.execute(text("PRAGMA busy_timeout")).scalar() == 30_000  # a writer still waits 30 s
        db.session.remove()
        db.engine.dispose()


def test_une_base_en_memoire_garde_son_journal() -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with app.app_context():
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "memory"


@fichier
def test_un_lecteur_ne_bloque_plus_le_commit_d_un_ecrivain(migrated_db: Modele, tmp_path: Path) -> None:
    """In the old rollback journal, a commit waited for every open read to end (here: 30 s, then « locked »)."""
    url = migrated_db.copie(tmp_path)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context(), db.engine.connect() as lecteur:
        lecteur.exec_driver_sql("BEGIN")
        assert lecteur.exec_driver_sql("SELECT count(*) FROM compteur").scalar() == 0  # read lock held
        debut = time.monotonic()
        with db.engine.begin() as ecrivain:
            ecrivain.exec_driver_sql("INSERT INTO compteur (cle, valeur) VALUES ('essai', 1)")
        assert time.monotonic() - debut < 1
        # The reader keeps its snapshot until its transaction ends.
        assert lecteur.exec_driver_sql("SELECT count(*) FROM compteur").scalar() == 0
        lecteur.rollback()
        assert lecteur.exec_driver_sql("SELECT valeur FROM compteur WHERE cle = 'essai'").scalar() == 1
    with app.app_context():
        db.engine.dispose()


@fichier
def test_la_copie_d_une_base_prend_ce_qui_est_encore_dans_le_journal(migrated_db: Modele, tmp_path: Path) -> None:
    """While a connection stays open, commits live in `base.db-wal`: a file copy of `base.db` alone would lose them."""
    source = Path(migrated_db.copie(tmp_path, "source.db").removeprefix("sqlite:///"))
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{source}"})
    with app.app_context(), db.engine.connect() as ouverte:
        ouverte.exec_driver_sql("INSERT INTO compteur (cle, valeur) VALUES ('essai', 7)")
        ouverte.commit()
        assert source.with_name("source.db-wal").stat().st_size > 0
        copier_sqlite(source, tmp_path / "copie.db")
        with closing(sqlite3.connect(tmp_path / "copie.db")) as copie:
            assert copie.execute("SELECT valeur FROM compteur WHERE cle = 'essai'").fetchone() == (7,)
    with app.app_context():
        db.engine.dispose()
