"""Flask extensions, created once and bound in create_app()."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import event
from sqlalchemy.engine import URL
from sqlalchemy.orm import DeclarativeBase

from .ecriture_sqlite import prendre_le_verrou_au_flush


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()
login_manager = LoginManager()


def fichier_sqlite(url: URL) -> bool:
    """A SQLite database in a file (not `:memory:` nor a shared in-memory URI)."""
    if url.get_backend_name() != "sqlite":
        return False
    base = url.database or ""
    return base not in ("", ":memory:") and "mode=memory" not in base and not base.startswith("file::memory:")


def _wal(dbapi_connection: Any, _record: Any) -> None:
    # WAL: readers never block the writer's commit nor the reverse, and a commit appends to the log instead of
    # rewriting pages. synchronous=NORMAL: no fsync per commit (only at checkpoints); a power cut may lose the last
    # commits, never corrupt the base. Both pragmas run outside any transaction (pysqlite opens one at the first DML).
    curseur = dbapi_connection.cursor()
    curseur.execute("PRAGMA journal_mode=WAL")
    curseur.execute("PRAGMA synchronous=NORMAL")
    curseur.close()


def regler_sqlite(app: Flask) -> None:
    """Every connection to a SQLite file uses WAL with synchronous=NORMAL (nothing for PostgreSQL or `:memory:`)."""
    with app.app_context():
        for engine in db.engines.values():
            if fichier_sqlite(engine.url):
                event.listen(engine, "connect", _wal)
                prendre_le_verrou_au_flush()
