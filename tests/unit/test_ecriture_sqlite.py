"""SQLite's write lock, taken by retrying every millisecond (app/ecriture_sqlite.py, F-47): a waiting writer gets it
once free, and still fails with the usual « database is locked » when its busy timeout has passed."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.exc import OperationalError

from app.ecriture_sqlite import commencer_ecriture

pytestmark = pytest.mark.feature("F-47")


@pytest.fixture
def base(tmp_path: Path):
    fichier = tmp_path / "base.db"
    with sqlite3.connect(fichier) as c:
        c.execute("PRAGMA journal_mode = wal")
        c.execute("CREATE TABLE t (x INTEGER)")
    autre = sqlite3.connect(fichier, isolation_level=None, check_same_thread=False)
    engine = create_engine(f"sqlite:///{fichier}", connect_args={"timeout": 0.3})
    yield engine, autre
    autre.close()
    engine.dispose()


def test_le_verrou_est_pris_des_que_l_autre_ecrivain_le_rend(base) -> None:
    engine, autre = base
    autre.execute("BEGIN IMMEDIATE")
    threading.Timer(0.1, autre.commit).start()  # within the 0.3 s busy timeout
    with engine.connect() as connexion:
        commencer_ecriture(connexion)
        assert connexion.connection.dbapi_connection.in_transaction
        connexion.exec_driver_sql("INSERT INTO t VALUES (1)")
        connexion.commit()
        assert connexion.exec_driver_sql("PRAGMA busy_timeout").scalar() == 300  # given back to the connection
    assert autre.execute("SELECT count(*) FROM t").fetchone() == (1,)


def test_un_verrou_jamais_rendu_echoue_au_bout_du_delai_d_attente(base) -> None:
    engine, autre = base
    autre.execute("BEGIN IMMEDIATE")
    with engine.connect() as connexion:
        with pytest.raises(OperationalError, match="database is locked"):
            commencer_ecriture(connexion)
        assert not connexion.connection.dbapi_connection.in_transaction
        assert connexion.exec_driver_sql("PRAGMA busy_timeout").scalar() == 300
    autre.rollback()


def test_une_connexion_deja_en_transaction_garde_la_sienne(base) -> None:
    engine, _autre = base
    with engine.connect() as connexion:
        connexion.exec_driver_sql("INSERT INTO t VALUES (2)")  # pysqlite's implicit BEGIN: already writing
        commencer_ecriture(connexion)  # no second BEGIN (« cannot start a transaction within a transaction »)
        connexion.commit()
        assert connexion.exec_driver_sql("SELECT count(*) FROM t").scalar() == 1
