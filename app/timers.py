"""The timer driver: fires the BPMN timers whose time has come (e.g. the complement answer deadline).

Only the applications whose indexed column `Demande.prochain_timer` has passed are loaded — never a
scan of every workflow. Each one is fired in its own transaction of the store (row lock on
PostgreSQL, version check everywhere): if two drivers run at once, the second is refused by the
version check (or finds nothing left to fire once it gets the lock) and skips that application.
Run by `flask worker` on every pass, and by `flask delais-declencher` for cron.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import clock
from .models import Demande
from .workflow.engine import WorkflowStateError
from .workflow.store import DemandeStore

LOT = 100


@dataclass
class Bilan:
    """What one pass did: applications whose timers fired, those with nothing left to fire, those skipped
    (changed meanwhile: next pass) and failures (rolled back, retried on the next pass)."""

    declenches: list[int] = field(default_factory=list)
    sans_effet: list[int] = field(default_factory=list)  # already fired by another driver, or not yet due
    ignores: list[int] = field(default_factory=list)
    erreurs: dict[int, str] = field(default_factory=dict)


def maintenant() -> datetime:
    """SpiffWorkflow compares due times with the machine's real UTC time, so the driver does too
    (AUJOURDHUI, which pins the day shown to people, must not make a timer fire early or late)."""
    return datetime.now(UTC)


def echues(session: Session, now: datetime, lot: int = LOT) -> list[int]:
    """The ids of applications with a timer due at `now`, oldest first (indexed column only). An application in
    incident (its workflow cannot be loaded) is left out: failing again at every pass, it would hold back the others
    of its batch; it comes back once it loads again (its incident is cleared then)."""
    return list(session.scalars(
        select(Demande.id).where(Demande.prochain_timer.is_not(None), Demande.prochain_timer <= now,
                                 Demande.incident.is_(None))
        .order_by(Demande.prochain_timer, Demande.id).limit(lot)
    ))


def declencher_les_delais(session: Session, store: DemandeStore, now: datetime | None = None,
                          lot: int = LOT) -> Bilan:
    """Fire the due timers of at most `lot` applications, one transaction each."""
    now = (now or maintenant()).astimezone(UTC)
    bilan = Bilan()
    ids = echues(session, now, lot)
    session.rollback()  # the list was read; each application is then loaded under its own lock
    for demande_id in ids:
        try:
            with store.open(demande_id, clock.today()) as instance:
                avant = instance.status().etat
                instance.fire_due_timers()
                bouge = instance.status().etat != avant
        except WorkflowStateError:
            bilan.ignores.append(demande_id)  # changed meanwhile (another driver, an answer): next pass
            continue
        except Exception as err:  # a failing handler must not hold back the other applications
            bilan.erreurs[demande_id] = f"{type(err).__name__}: {err}"
            continue
        (bilan.declenches if bouge else bilan.sans_effet).append(demande_id)
    return bilan
