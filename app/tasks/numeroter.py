"""Operator `numeroter`: the application number of F-26, given at deposit.

19 ASCII digits: department of the applicant's address (2) + « 01 » + deposit date AAAAMMJJ +
a 7-digit sequence per department and day, taken from a counter row under lock.
The department comes from the postal code by app/departements.py (Corsica « 20 », overseas « 97 »: the 3-digit
department does not fit the 2-digit field), which also gives the prefecture that instructs the application.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from .. import clock, departements
from ..models import Compteur


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
    dept = departements.du_code_postal(code_postal)
    sequence = next_value(ctx.session, f"demande:{dept.numero}:{jour}")
    demande.numero = f"{dept.numero}01{jour}{sequence:07d}"
    demande.departement = dept.prefecture
    demande.deposee_le = moment
    return {"numero": demande.numero, "deposee_le": moment.isoformat()}
