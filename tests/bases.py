"""The test databases: SQLite files, or PostgreSQL databases when TEST_DATABASE_URL is set (F-47).

A `Modele` is a database built once per session (migrated, or migrated with the demo people) that each test clones:
a copy through SQLite's backup API on SQLite (WAL: see copier_sqlite), `CREATE DATABASE … TEMPLATE …` on PostgreSQL
(a file-level copy done by the server, a few tens of milliseconds). PostgreSQL names carry the pytest-xdist worker
and the process id, so parallel workers and parallel runs on one server never share a database. The clones made
during a test are dropped after it; those made by wider fixtures, and the templates, at the end of the session.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from itertools import count
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, Engine, make_url

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "").strip()


def sur_postgresql() -> bool:
    return TEST_DATABASE_URL.startswith("postgresql")


class Serveur:
    """The PostgreSQL server of TEST_DATABASE_URL: creates and drops this session's databases."""

    def __init__(self, url: str) -> None:
        self.url: URL = make_url(url)
        prefixe = f"ts_{os.environ.get('PYTEST_XDIST_WORKER', 'seul')}_{os.getpid()}"
        self.prefixe = "".join(c if c.isalnum() else "_" for c in prefixe).lower()
        self._numero = count(1)
        self._admin: Engine | None = None
        self.du_test: list[str] | None = None  # clones made by the running test (None: outside a test)
        self.de_session: list[str] = []

    @property
    def admin(self) -> Engine:
        # CREATE/DROP DATABASE cannot run inside a transaction.
        if self._admin is None:
            self._admin = create_engine(self.url, isolation_level="AUTOCOMMIT", pool_size=1)
        return self._admin

    def nom(self, suffixe: str = "") -> str:
        return f"{self.prefixe}_{suffixe or next(self._numero)}"

    def url_de(self, nom: str) -> str:
        return self.url.set(database=nom).render_as_string(hide_password=False)

    def creer(self, nom: str, modele: str | None = None, de_session: bool = False) -> str:
        """A new database (a clone of `modele`); dropped after the running test, or at the session's end."""
        with self.admin.connect() as connexion:
            connexion.execute(text(f'CREATE DATABASE "{nom}"' + (f' TEMPLATE "{modele}"' if modele else "")))
        (self.de_session if de_session or self.du_test is None else self.du_test).append(nom)
        return self.url_de(nom)

    def supprimer(self, nom: str) -> None:
        # FORCE: the test's app may still hold pooled connections to it.
        with self.admin.connect() as connexion:
            connexion.execute(text(f'DROP DATABASE IF EXISTS "{nom}" WITH (FORCE)'))

    def fin_de_test(self) -> None:
        for nom in reversed(self.du_test or []):
            self.supprimer(nom)
        self.du_test = None

    def fin_de_session(self) -> None:
        for nom in reversed(self.de_session):
            self.supprimer(nom)
        if self._admin is not None:
            self._admin.dispose()


class Modele:
    """A database built once, cloned by each test that needs one."""

    def __init__(self, url: str, serveur: Serveur | None) -> None:
        self.url = url
        self.serveur = serveur

    @property
    def chemin(self) -> Path:
        """The SQLite file (for tests about SQLite itself)."""
        assert self.serveur is None, "a PostgreSQL template has no file: use copie()"
        return Path(make_url(self.url).database)

    def __fspath__(self) -> str:
        # Older tests copy the model as a file; on PostgreSQL they must call copie() instead.
        return str(self.chemin)

    def copie(self, dossier: Path, nom: str = "test.db") -> str:
        """URL of a new database holding this one's content: `dossier/nom` on SQLite, a clone on PostgreSQL."""
        if self.serveur is None:
            copier_sqlite(self.chemin, dossier / nom)
            return f"sqlite:///{dossier / nom}"
        return self.serveur.creer(self.serveur.nom(), modele=make_url(self.url).database)

    def derive(self, dossier: Path, suffixe: str) -> Modele:
        """A new model, copied from this one, for a session fixture to fill (then `fige()` it)."""
        if self.serveur is None:
            return Modele(self.copie(dossier, f"{suffixe}.db"), None)
        nom = self.serveur.nom(suffixe)
        return Modele(self.serveur.creer(nom, modele=make_url(self.url).database, de_session=True), self.serveur)


def copier_sqlite(source: Path, cible: Path) -> None:
    """A consistent copy of a SQLite file: in WAL mode (app/extensions.py) recent commits may still be in
    `source-wal` only, which a plain file copy would leave behind; the backup API reads them through SQLite."""
    cible.unlink(missing_ok=True)
    with closing(sqlite3.connect(source)) as de, closing(sqlite3.connect(cible)) as vers:
        de.backup(vers)


def base_vierge(serveur: Serveur | None, dossier: Path) -> str:
    """URL of a new empty database for the session's migrated model."""
    if serveur is None:
        return f"sqlite:///{dossier / 'modele.db'}"
    return serveur.creer(serveur.nom("modele"), de_session=True)
