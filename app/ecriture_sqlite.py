"""SQLite's write lock taken at once (BEGIN IMMEDIATE), and handed over within a millisecond between writers.

pysqlite's busy timeout waits by sleeping in growing steps (1, 2, 5… up to 100 ms) between attempts. A writer that
chains short transactions (a timer worker fires one application per transaction) takes the lock again a few
milliseconds after releasing it, so a sleeping rival seldom finds it free: two timer workers were measured using 1.2
of 2 cores, barely faster than one. Here a waiting writer tries again at least every millisecond, with the busy
timeout turned off for its attempts, until the connection's own busy timeout has passed; the last attempt is made
through SQLAlchemy, so a lock never obtained raises its usual « database is locked » OperationalError.

Every ORM flush that begins a write takes the lock this way too (`avant_flush`), rather than through pysqlite's
implicit BEGIN and the sleeping busy handler: the timer driver's optimistic firing (see workflow/store.py) takes
the lock at its first write.
"""

from __future__ import annotations

import sqlite3
import time
from typing import Any

from sqlalchemy import Connection, event
from sqlalchemy.orm import Session

PAS_MAX = 0.001  # seconds between two attempts, at most
PAS_MIN = 0.0001


def commencer_ecriture(connection: Connection) -> None:
    """SQLite: BEGIN IMMEDIATE unless the connection is already in a transaction. Nothing on another database."""
    brute = connection.connection.dbapi_connection
    if connection.dialect.name != "sqlite" or brute.in_transaction:
        return
    attente_ms = brute.execute("PRAGMA busy_timeout").fetchone()[0]
    brute.execute("PRAGMA busy_timeout = 0")
    try:
        fin, pas = time.monotonic() + attente_ms / 1000, PAS_MIN
        while time.monotonic() < fin:
            try:
                brute.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as err:
                if "locked" not in str(err):
                    break  # reported by SQLAlchemy's attempt below, as any database error
            time.sleep(pas)
            pas = min(pas * 2, PAS_MAX)
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    finally:
        brute.execute(f"PRAGMA busy_timeout = {int(attente_ms)}")


def avant_flush(session: Session, _contexte: Any, _instances: Any) -> None:
    commencer_ecriture(session.connection())


def prendre_le_verrou_au_flush() -> None:
    """Every session's flush begins its write with `commencer_ecriture` (once per process)."""
    if not event.contains(Session, "before_flush", avant_flush):
        event.listen(Session, "before_flush", avant_flush)
