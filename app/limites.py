"""Slowing down repeated attempts (F-48), with counters shared by every web process.

A rule allows `nombre` attempts per `fenetre` (a fixed window) for one key: an address, or an address and
an identifier, so that a stranger's failures on someone's identifier never lock its owner out from
another address. An attempt takes its place in each counter *before* the work is done, so that several
workers cannot all pass a check that none of them has counted yet; it gives its places back when it must
not count (a correct password).

The counters live in the application's database (table `limite`: one atomic INSERT … ON CONFLICT DO
UPDATE per counter, on SQLite and PostgreSQL), unless RATELIMIT_STORAGE_URI names a storage of the `limits`
library (`redis://hôte:6379`, or `memory://` for a single process).
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Protocol

from flask import current_app, request
from limits.storage import Storage, storage_from_string
from sqlalchemy import Connection, case, delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from .extensions import db
from .models import Limite

BASE = "base://"


@dataclass(frozen=True)
class Regle:
    """At most `nombre` attempts per `fenetre` for one key; `nom` keeps each rule's counters apart."""

    nom: str
    nombre: int
    fenetre: timedelta

    @property
    def secondes(self) -> int:
        return int(self.fenetre.total_seconds())

    def cle(self, *valeurs: str) -> str:
        """The counter's key: the values hashed, so that no identifier or address is stored in clear."""
        empreinte = hashlib.sha256("\x1f".join(v.strip().lower() for v in valeurs).encode()).hexdigest()[:40]
        return f"{self.nom}:{empreinte}"


Place = tuple[str, Regle]


class TropDeTentatives(Exception):
    """A counter is full: the attempt is refused, and may be made again in `secondes`."""

    def __init__(self, secondes: int) -> None:
        super().__init__(secondes)
        self.secondes = secondes


class Compteurs(Protocol):
    def prendre(self, places: Sequence[Place], session: Session | None = None) -> int | None:
        """Take one place in each counter: None, or (nothing taken) the seconds until the full one frees."""

    def rendre(self, places: Sequence[Place], session: Session | None = None) -> None:
        """Give the places back."""


@dataclass
class Reservation:
    """The places an attempt took."""

    places: list[Place] = field(default_factory=list)

    def rendre(self, session: Session | None = None) -> None:
        """The attempt does not count after all; with `session`, only if that session's transaction commits."""
        compteurs().rendre(self.places, session)
        self.places.clear()


def reserver(*limites: tuple[Regle, tuple[str, ...]], session: Session | None = None) -> Reservation:
    """A place in the counter of each (rule, key values), or TropDeTentatives with nothing taken.

    Without `session`, the places are taken and committed at once, on a connection of their own: call it
    before the request writes anything (on SQLite, a write of the request would hold the lock it waits for).
    With `session` (database counters only), they are taken in that session's transaction.
    """
    places = [(regle.cle(*valeurs), regle) for regle, valeurs in limites]
    attente = compteurs().prendre(places, session)
    if attente is not None:
        raise TropDeTentatives(attente)
    return Reservation(places)


def place_libre(regle: Regle, *valeurs: str, session: Session | None = None) -> bool:
    """Take a place if there is one, refusing nothing (for a limit the visitor must not notice)."""
    return compteurs().prendre([(regle.cle(*valeurs), regle)], session) is None


def adresse_du_client() -> str:
    """The client's address as counted: the peer's (X-Forwarded-For only through ProxyFix, when configured);
    an IPv6 address counts as its /64 network, which one subscriber holds whole."""
    adresse = request.remote_addr or ""
    try:
        ip = ipaddress.ip_address(adresse)
    except ValueError:
        return adresse
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def compteurs() -> Compteurs:
    """The counters of the current app, created on first use; none at all with RATELIMIT_ENABLED=False (a
    setting for benchmarks and fuzzing, kept from Flask-Limiter)."""
    app = current_app._get_current_object()
    if not app.config.get("RATELIMIT_ENABLED", True):
        return SansLimite()
    if "limites" not in app.extensions:
        uri = app.config.get("RATELIMIT_STORAGE_URI") or BASE
        app.extensions["limites"] = CompteursEnBase() if uri == BASE else CompteursLimits(storage_from_string(uri))
    return app.extensions["limites"]


def _attente(expire: float, maintenant: float, regle: Regle) -> int:
    return min(max(1, math.ceil(expire - maintenant)), regle.secondes)


class CompteursEnBase:
    """Counters in table `limite` of the current app's database, shared by all its processes."""

    def prendre(self, places: Sequence[Place], session: Session | None = None) -> int | None:
        if session is not None:
            return self._prendre(session.connection(), places)
        with db.engine.begin() as connexion:
            return self._prendre(connexion, places)

    def rendre(self, places: Sequence[Place], session: Session | None = None) -> None:
        if session is not None:
            self._rendre(session.connection(), places)
            return
        with db.engine.begin() as connexion:
            self._rendre(connexion, places)

    def _prendre(self, connexion: Connection, places: Sequence[Place]) -> int | None:
        table, maintenant = Limite.__table__, time.time()
        connexion.execute(delete(table).where(table.c.expire <= maintenant))  # windows that are over
        dialecte = postgresql if connexion.dialect.name == "postgresql" else sqlite
        prises: list[Place] = []
        for cle, regle in places:
            perime = table.c.expire <= maintenant
            # One statement: the counter is created, restarted (window over) or incremented if not full.
            insertion = dialecte.insert(table).values(cle=cle, compte=1, expire=maintenant + regle.secondes)
            insertion = insertion.on_conflict_do_update(
                index_elements=[table.c.cle],
                set_={"compte": case((perime, 1), else_=table.c.compte + 1),
                      "expire": case((perime, maintenant + regle.secondes), else_=table.c.expire)},
                where=or_(perime, table.c.compte < regle.nombre),
            )
            if connexion.execute(insertion.returning(table.c.compte)).first() is None:
                self._rendre(connexion, prises)
                expire = connexion.scalar(select(table.c.expire).where(table.c.cle == cle)) or maintenant
                return _attente(expire, maintenant, regle)
            prises.append((cle, regle))
        return None

    def _rendre(self, connexion: Connection, places: Sequence[Place]) -> None:
        table = Limite.__table__
        cles = [cle for cle, _regle in places]
        # One statement for distinct counters (a login gives two places back); a counter taken twice, once per place.
        groupes = [cles] if len(set(cles)) == len(cles) else [[cle] for cle in cles]
        for groupe in groupes if cles else []:
            connexion.execute(update(table).where(table.c.cle.in_(groupe), table.c.compte > 0,
                                                  table.c.expire > time.time()).values(compte=table.c.compte - 1))


class SansLimite:
    """Every place is free."""

    def prendre(self, places: Sequence[Place], session: Session | None = None) -> int | None:
        return None

    def rendre(self, places: Sequence[Place], session: Session | None = None) -> None:
        return None


class CompteursLimits:
    """Counters in a storage of the `limits` library (redis, memcached, memory…), from RATELIMIT_STORAGE_URI."""

    def __init__(self, stockage: Storage) -> None:
        self.stockage = stockage

    def prendre(self, places: Sequence[Place], session: Session | None = None) -> int | None:
        prises: list[Place] = []
        for cle, regle in places:
            prises.append((cle, regle))
            if self.stockage.incr(cle, regle.secondes, 1) > regle.nombre:
                attente = _attente(self.stockage.get_expiry(cle), time.time(), regle)
                self.rendre(prises)
                return attente
        return None

    def rendre(self, places: Sequence[Place], session: Session | None = None) -> None:
        for cle, regle in places:
            self.stockage.incr(cle, regle.secondes, -1)
