"""Operator `numeroter`: the application number of F-26, given at deposit.

19 digits: department of the applicant's address (2) + « 01 » + deposit date AAAAMMJJ +
a 7-digit sequence per department and day, taken from a counter row under lock.
Department from the postal code: its first two digits; Corsica (20xxx) gives « 20 »; overseas
(97xxx, 98xxx) gives « 97 » / « 98 » (the 3-digit department does not fit the 2-digit field).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from .. import clock
from ..models import Compteur


def departement(code_postal: str) -> str:
    code = (code_postal or "").strip()
    if len(code) != 5 or not code.isdigit():
        raise ValueError(f"code postal invalide : {code_postal!r}")
    return code[:2]


def departement_prefecture(code_postal: str) -> str:
    """The department whose prefecture is competent: « 2A »/« 2B » in Corsica, 971…976 overseas."""
    code = (code_postal or "").strip()
    if code.startswith("20"):
        return "2A" if int(code) < 20200 else "2B"
    if code[:2] in ("97", "98"):
        return code[:3]
    return departement(code)


def next_value(session: Any, key: str) -> int:
    """Increment a named counter atomically (row lock held until commit)."""
    dialect_insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(dialect_insert(Compteur).values(cle=key, valeur=0).on_conflict_do_nothing())
    return session.execute(
        update(Compteur).where(Compteur.cle == key).values(valeur=Compteur.valeur + 1).returning(Compteur.valeur)
    ).scalar_one()


def handle(ctx: Any, code_postal: str) -> dict[str, Any]:
    demande = ctx.demande
    if demande.numero:  # already numbered: a replay must not take a second number
        return {"numero": demande.numero}
    moment = clock.now()
    jour = ctx.today.strftime("%Y%m%d")
    dept = departement(code_postal)
    sequence = next_value(ctx.session, f"demande:{dept}:{jour}")
    demande.numero = f"{dept}01{jour}{sequence:07d}"
    demande.departement = departement_prefecture(code_postal)
    demande.deposee_le = moment
    return {"numero": demande.numero, "deposee_le": moment.isoformat()}
