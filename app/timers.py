"""The timer driver: fires the BPMN timers whose time has come (e.g. the complement answer deadline).

Only the applications whose indexed column `Demande.prochain_timer` has passed are loaded — never a
scan of every workflow. Several workers share them (F-47), batch by batch, in one process:

1. claim: one statement marks up to LOT due applications with the end of a short lease
   (`Demande.delai_reserve_jusqua`, DELAIS_RESERVATION seconds) and returns their ids — an
   `UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED) RETURNING` on PostgreSQL, the same under SQLite's
   write lock (BEGIN IMMEDIATE). Another worker skips claimed rows until their lease ends; a worker killed
   mid-batch thus leaves its unfired claims to the others after the lease;
2. fire: each application in its own transaction of the store, which clears the lease in the same commit;
3. what did not fire (changed meanwhile, failed, nothing to fire) keeps its lease for the rest of the sweep,
   so a sweep never takes it twice; `delais-declencher` releases it at the end (the next run retries it), the
   worker lets the lease run out (a failing application is retried every DELAIS_RESERVATION seconds).

A timer never fires twice, even when a lease ends while its worker still works. On PostgreSQL firing happens
under the application's row lock (SELECT … FOR UPDATE) on a state reloaded under that lock, and a fired timer
is no longer waiting in that state: the second worker finds nothing to fire. On SQLite, whose lock is the whole
database's, the engine fires on the state read before the lock (the store's `optimiste` open), the lock is taken
at the first write, and the save's versioned UPDATE refuses a state that another worker saved meanwhile: the
whole transaction, audit lines included, is rolled back and nothing is recorded twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from flask import current_app, has_app_context
from sqlalchemy import or_, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from . import clock
from .ecriture_sqlite import commencer_ecriture
from .models import Demande
from .workflow.engine import WorkflowStateError
from .workflow.store import DemandeStore

LOT = 100
ATTENTES_DU_VERROU = 10  # SQLite: busy timeouts waited in a row for the write lock before giving up (5 min)
RESERVATION = 120.0  # seconds; DELAIS_RESERVATION overrides it. Far longer than a batch (about 1 s).
_DEMANDE = Demande.__table__  # plain UPDATEs: the lease is not the workflow's state, no version bump


@dataclass
class Bilan:
    """What one sweep did: applications whose timers fired, those with nothing left to fire, those skipped
    (changed meanwhile: next pass) and failures (rolled back, retried on the next pass)."""

    declenches: list[int] = field(default_factory=list)
    sans_effet: list[int] = field(default_factory=list)  # already fired by another driver, or not yet due
    ignores: list[int] = field(default_factory=list)
    erreurs: dict[int, str] = field(default_factory=dict)
    lots: int = 0  # batches claimed

    @property
    def reserves(self) -> int:
        return len(self.declenches) + len(self.sans_effet) + len(self.ignores) + len(self.erreurs)


def maintenant() -> datetime:
    """SpiffWorkflow compares due times with the machine's real UTC time, so the driver does too
    (AUJOURDHUI, which pins the day shown to people, must not make a timer fire early or late)."""
    return datetime.now(UTC)


def _dues(now: datetime, libre_a: datetime) -> list:
    """Due, not claimed by a live lease, not in incident (failing again at every pass, an application in incident
    would hold back the others of its batch; it comes back once it loads again, its incident cleared then)."""
    return [Demande.prochain_timer.is_not(None), Demande.prochain_timer <= now, Demande.incident.is_(None),
            or_(Demande.delai_reserve_jusqua.is_(None), Demande.delai_reserve_jusqua < libre_a)]


def echues(session: Session, now: datetime, lot: int = LOT) -> list[int]:
    """The ids of applications with a timer due at `now` and free to claim, oldest first (indexed column)."""
    return list(session.scalars(
        select(Demande.id).where(*_dues(now, maintenant()))
        .order_by(Demande.prochain_timer, Demande.id).limit(lot)
    ))


def _verrou_sqlite(session: Session) -> None:
    """SQLite: take the write lock (BEGIN IMMEDIATE) unless already in a transaction; nothing on PostgreSQL.

    Another worker's sweep chains its transactions back to back; `commencer_ecriture` retries every millisecond,
    yet under a long burst a busy timeout may still pass. Writes are serialized anyway, so it waits again (up to
    ATTENTES_DU_VERROU timeouts) rather than failing."""
    for essai in range(ATTENTES_DU_VERROU):
        try:
            commencer_ecriture(session.connection())  # nothing on PostgreSQL or within a transaction
            return
        except OperationalError as err:
            if "locked" not in str(err) or essai == ATTENTES_DU_VERROU - 1:
                raise
            session.rollback()


def reserver(session: Session, now: datetime, lot: int, reservation: float) -> tuple[list[int], datetime]:
    """Claim up to `lot` applications due at `now` until the returned end of lease, in one committed statement."""
    session.rollback()
    _verrou_sqlite(session)  # the write lock first: the choice and the claim are one step
    postgres = session.connection().dialect.name == "postgresql"
    debut = maintenant()
    bail = debut + timedelta(seconds=reservation)
    choix = (select(Demande.id).where(*_dues(now, debut))
             .order_by(Demande.prochain_timer, Demande.id).limit(lot))
    if postgres:
        choix = choix.with_for_update(skip_locked=True)  # rows another worker is claiming (or firing) are skipped
    ids = list(session.execute(
        update(_DEMANDE).where(_DEMANDE.c.id.in_(choix.scalar_subquery()))
        .values(delai_reserve_jusqua=bail).returning(_DEMANDE.c.id)
    ).scalars())
    session.commit()
    return sorted(ids), bail


def liberer(session: Session, ids: list[int], bail: datetime) -> None:
    """Give back claims not fired, if still ours (a lease that ended may have been taken over meanwhile)."""
    _verrou_sqlite(session)
    for debut in range(0, len(ids), 500):
        session.execute(update(_DEMANDE).where(_DEMANDE.c.id.in_(ids[debut:debut + 500]),
                                               _DEMANDE.c.delai_reserve_jusqua == bail)
                        .values(delai_reserve_jusqua=None))
    session.commit()


def _declencher(session: Session, store: DemandeStore, demande_id: int, bail: datetime, bilan: Bilan) -> bool:
    """Fire one application's due timers in its own transaction, which clears the lease; True when they fired."""
    try:
        with store.open(demande_id, clock.today(), optimiste=True) as instance:
            demande = instance.demande
            avant = demande.etat  # the state saved last (the store keeps it equal to the workflow's)
            instance.fire_due_timers()
            apres = instance.status().etat  # what the save writes (read here: after the commit it is expired)
            demande.delai_reserve_jusqua = None  # in the commit that records the firing
    except WorkflowStateError:
        bilan.ignores.append(demande_id)  # changed meanwhile (another driver, an answer): next pass
        return False
    except Exception as err:  # a failing handler must not hold back the other applications
        bilan.erreurs[demande_id] = f"{type(err).__name__}: {err}"
        return False
    if apres != avant:
        bilan.declenches.append(demande_id)
        return True
    # Nothing fired (another driver did, or not due for the engine): claimed again so that this sweep skips it.
    session.execute(update(_DEMANDE).where(_DEMANDE.c.id == demande_id).values(delai_reserve_jusqua=bail))
    session.commit()
    bilan.sans_effet.append(demande_id)
    return False


def declencher_les_delais(session: Session, store: DemandeStore, now: datetime | None = None,
                          lot: int = LOT, lots: int | None = None, reservation: float | None = None,
                          rendre: bool = True) -> Bilan:
    """Fire every timer due at `now` (default: the start), batch after batch, one transaction per application.

    `lots` caps the number of batches (the worker takes one, then its mail). With `rendre`, what did not fire is
    released at the end for the next run; otherwise its lease runs out (the worker's back-off).
    """
    now = (now or maintenant()).astimezone(UTC)
    if reservation is None:
        reservation = float(current_app.config.get("DELAIS_RESERVATION", RESERVATION)) if has_app_context() \
            else RESERVATION
    bilan = Bilan()
    gardes: list[tuple[list[int], datetime]] = []
    try:
        while lots is None or bilan.lots < lots:
            ids, bail = reserver(session, now, lot, reservation)
            if not ids:
                break
            bilan.lots += 1
            gardes.append(([i for i in ids if not _declencher(session, store, i, bail, bilan)], bail))
    finally:
        if rendre:
            session.rollback()
            for ids, bail in gardes:
                if ids:
                    liberer(session, ids, bail)
    return bilan
