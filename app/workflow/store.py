"""Applications and their workflows in the database: one transaction per action.

load → act → engine steps → save happens under a row lock (PostgreSQL) and a version check
(every database), and the plain columns that lists read are written in the same commit.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, scoped_session
from sqlalchemy.orm.exc import StaleDataError

from ..ecriture_sqlite import commencer_ecriture
from ..models import Compte, Demande, EtatProcessus, Evenement, VersionProcessus, utcnow
from . import contrat, migration
from .engine import SERIALIZER_VERSION, Engine, ReadyTask, Releve, Status, WorkflowStateError
from .migration import Verdict
from .parcours import Parcours
from .specs import ProcessBundle, read_process_files
from .verification import Code, charger

log = logging.getLogger(__name__)
INCIDENT_MAX = 500


class DemandeEnIncident(Exception):
    """The application's workflow cannot be loaded (corrupt state, unknown serializer, unreadable version).

    Recorded on the application (`Demande.incident`, `incident_le`) in its own transaction before this is raised:
    views show the application as « en incident » instead of a 500, and no other application is affected.
    """

    def __init__(self, demande_id: int, raison: str) -> None:
        super().__init__(raison)
        self.demande_id, self.raison = demande_id, raison


@dataclass
class TaskContext:
    """What a service handler may use: the application, the session, the day, and a list of
    callables run only once the transaction has committed (e.g. deleting files)."""

    demande: Demande
    session: Session
    today: date
    apres_commit: list[Callable[[], None]] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)

    def service_rendu(self, operateur: str, parametres: dict[str, Any], resultat: Any, tache: str) -> None:
        """A service task ran (the engine calls this): operator, parameters and a summary of the result (F-42)."""
        journaliser(self.session, self.demande.id, "systeme", "service_execute",
                    {"tache": tache, "operateur": operateur, "parametres": _resume(parametres),
                     "resultat": _resume(resultat if isinstance(resultat, dict) else {"valeur": resultat})})


class ProcessCatalog:
    """Every process version this app can run, checked against the contract and parsed once, by hash.

    The files read at start (`self.current`) are checked at start (ProcessusRefuse lists every problem); a stored
    version is checked when an application of that version is first loaded. The version NEW applications take is
    not necessarily those files: it is the one activated last (`current_version`), read from the database on each
    use, so that a version published from the analysts' workspace (F-45) is seen by every web process at once.
    """

    def __init__(self, bpmn_dir: Path, dmn_dir: Path, code: Code) -> None:
        self.code, self.handlers = code, code.traitements
        self.current = charger(read_process_files(bpmn_dir, dmn_dir), code)
        self._engines: dict[str, Engine] = {self.current.content_hash: Engine(self.current, self.handlers)}
        self._par_id: dict[int, Engine] = {}  # a stored version never changes: its engine, by id (see engine_de)
        self._fichiers_actives = False

    @property
    def current_engine(self) -> Engine:
        """The engine of the files read at start; for what new applications take, see current_version."""
        return self._engines[self.current.content_hash]

    def engine(self, version: VersionProcessus) -> Engine:
        if version.empreinte not in self._engines:
            bundle = charger(dict(version.fichiers), self.code, version.processus, version_enregistree=True)
            self._engines[version.empreinte] = Engine(bundle, self.handlers)
        return self._engines[version.empreinte]

    def engine_de(self, session: Session, version_id: int) -> Engine:
        """The engine of the stored version `version_id`. Only its hash is read when that engine is built already:
        the files (a large JSON column) are read and parsed only the first time, not at every load; then not even
        the hash (a version's row is never changed nor deleted: its hash names its files): one query less per load."""
        if version_id in self._par_id:
            return self._par_id[version_id]
        empreinte = session.scalar(select(VersionProcessus.empreinte).where(VersionProcessus.id == version_id))
        if empreinte is not None and empreinte in self._engines:
            engine = self._engines[empreinte]
        else:
            engine = self.engine(session.get(VersionProcessus, version_id))
        self._par_id[version_id] = engine
        return engine

    def _valeurs_des_fichiers(self) -> dict[str, Any]:
        return {"empreinte": self.current.content_hash, "processus": self.current.process_id,
                "fichiers": self.current.files, "creee_le": utcnow(), "activee_le": utcnow(), "origine": "fichiers"}

    def activer_fichiers(self, bind: Any) -> bool:
        """The files read at start become the current version if their hash is new; a known hash keeps its date
        (restarting on the same files does not undo a publication). In its own transaction on `bind` (an Engine),
        once per process, at the first use of the current version; False when that failed (SQLite busy…): the
        caller then inserts in its own transaction, and the next use tries again.

        Insert-or-nothing in one statement: several processes starting at once on new files all want to create it.
        """
        if self._fichiers_actives:
            return True
        try:
            with bind.begin() as connexion:
                dialect_insert = pg_insert if connexion.dialect.name == "postgresql" else sqlite_insert
                connexion.execute(dialect_insert(VersionProcessus).values(**self._valeurs_des_fichiers())
                                  .on_conflict_do_nothing(index_elements=["empreinte"]))
                connexion.execute(update(VersionProcessus).where(  # a row stored before versions were activated
                    VersionProcessus.empreinte == self.current.content_hash, VersionProcessus.activee_le.is_(None),
                ).values(activee_le=utcnow()))
        except SQLAlchemyError as err:
            log.info("version des fichiers non activée pour l'instant : %s", err)
            return False
        self._fichiers_actives = True
        return True

    def current_version(self, session: Session) -> VersionProcessus:
        """The version new applications take: the one activated last (one query on the indexed `activee_le`).

        Running applications keep their own version (`Demande.version_processus_id`).
        """
        if not self._fichiers_actives and not self.activer_fichiers(session.get_bind()):
            # Could not commit on its own (SQLite busy): inside the caller's transaction instead.
            dialect_insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
            session.execute(dialect_insert(VersionProcessus).values(**self._valeurs_des_fichiers())
                            .on_conflict_do_nothing(index_elements=["empreinte"]))
        return session.scalars(
            select(VersionProcessus).where(VersionProcessus.activee_le.is_not(None))
            .order_by(VersionProcessus.activee_le.desc(), VersionProcessus.id.desc()).limit(1)
        ).one()

    def current_bundle(self, session: Session) -> ProcessBundle:
        """The parsed files of the current version (what pages state before an application exists)."""
        return self.engine(self.current_version(session)).bundle


class Instance:
    """One application's workflow, loaded for one action."""

    def __init__(self, demande: Demande, engine: Engine, wf: Any, context: TaskContext) -> None:
        self._releve: Releve | None = None
        self.demande, self.engine, self.wf = demande, engine, wf
        self.etat_processus: EtatProcessus | None = None  # its row, once loaded (DemandeStore.open)
        self.session, self.today, self.apres_commit = context.session, context.today, context.apres_commit

    # `status()` walks the whole task tree: it is kept, with the data and timers the same walk finds (`Releve`), from
    # one change of the workflow to the next (the timers' log, the save and the caller all ask for it). Every change
    # goes through this class, which forgets it; so does setting `wf` or `engine`. Code that changes `wf` in place from
    # outside (a migration) calls `oublier_statut`.
    @property
    def wf(self) -> Any:
        return self._wf

    @wf.setter
    def wf(self, wf: Any) -> None:
        self._wf, self._releve = wf, None

    @property
    def engine(self) -> Engine:
        return self._engine

    @engine.setter
    def engine(self, engine: Engine) -> None:
        self._engine, self._releve = engine, None

    def oublier_statut(self) -> None:
        self._releve = None

    @property
    def bundle(self) -> ProcessBundle:
        """The application's own process version (what its pages state: steps, deadlines…)."""
        return self.engine.bundle

    def ready(self, lane: str) -> list[ReadyTask]:
        return self.engine.ready_tasks(self.wf, lane)

    def tache(self, task_id: str) -> ReadyTask | None:
        """The READY user task `task_id` as it stands now (after `update_ready`), or None."""
        return next((t for t in self.engine.ready_tasks(self.wf) if t.id == task_id), None)

    def update_ready(self, task_id: str, values: dict[str, Any]) -> None:
        """Keep values on a READY user task without completing it (files and numbers given on a page)."""
        self._releve = None
        self.engine.update_ready(self.wf, task_id, values)

    def data(self) -> dict[str, Any]:
        return dict(self.releve().donnees)  # a copy: the caller's changes stay out of the kept one

    def complete(self, task_id: str, values: dict[str, Any], acteur: str) -> None:
        # Logged before the engine runs, so that the step precedes what it causes (service tasks, mails) in the
        # audit log's id order; due timers fire first (and are logged) as the engine would, and may end the task.
        self.fire_due_timers()
        task = self._ready_by_id(task_id)
        modifiees = sorted(k for k, v in values.items() if task.data.get(k) != v)  # against the task's data before
        self._log(acteur, "etape_validee", {"tache": task.name, "formulaire": task.form, "valeurs": _jsonable(values),
                                            "modifiees": modifiees})
        if task.form == contrat.DECIDER.cle and values.get("decision"):
            gardees = ("titre_debut", "titre_fin", "montant_taxe") if values["decision"] == "favorable" \
                else ("motif_refus",)
            self._log(acteur, "decision", _jsonable({"decision": values["decision"],
                                                     **{k: values.get(k) for k in gardees}}))
        self._releve = None
        self.engine.complete(self.wf, task_id, values, self.today, delais=False)

    def back(self, task_id: str, acteur: str) -> bool:
        self._releve = None
        moved = self.engine.back(self.wf, task_id)
        if moved:
            self._log(acteur, "etape_precedente", {"depuis": self._ready_by_id_or_none(task_id)})
        return moved

    def back_to(self, etape: int, lane: str, acteur: str) -> bool:
        """« Modifier » on the summary: go back step by step until `lane`'s ready task is step `etape`.

        Each move is one « Revenir à l'étape précédente » (values kept, logged); only earlier steps can be asked.
        """
        ready = self.ready(lane)
        if not ready or not 0 < etape < ready[0].etape:
            return False
        while ready and ready[0].etape > etape:
            if not self.back(ready[0].id, acteur):
                break
            ready = self.ready(lane)
        return bool(ready) and ready[0].etape == etape

    def situation_changee(self) -> bool:
        """Whether the draft's situation, decided again today, differs (F-20; nothing is changed). Not decided again
        on the day the waiting step's data was given: drafts are resumed on another day."""
        return self.engine.reverifier(self.wf, self.today, autre_jour_seulement=True) is not None

    def reprendre(self, acteur: str) -> bool:
        """The draft resumed on another day (F-20): if the diagram's check at deposit, made today, finds the case
        changed, go back to the first step whose content changed (values kept, as « Revenir ») and give it the day's
        decisions; the pages then show « Votre situation a changé ». False when nothing changed."""
        verification = self.engine.reverifier(self.wf, self.today)
        ready = self.ready(contrat.USAGER)
        if verification is None or not ready:
            return False
        depuis = ready[0].etape
        if verification.etape < depuis:
            self.back_to(verification.etape, contrat.USAGER, acteur)
        for task in self.ready(contrat.USAGER):
            self.update_ready(task.id, verification.valeurs)
        avant = verification.valeurs.get(contrat.SITUATION_DU_BROUILLON) or {}
        self._log("systeme", "situation_changee", {"depuis_etape": depuis, "vers_etape": verification.etape,
                                                    "cas_avant": avant.get("cas"),
                                                    "cas_apres": verification.valeurs.get("cas")})
        return True

    def abandon(self, acteur: str) -> None:
        self._releve = None
        self.engine.abandon(self.wf, {"par": acteur})
        self._log(acteur, "demande_abandonnee", {})

    def status(self) -> Status:
        return self.releve().statut

    def releve(self) -> Releve:
        if self._releve is None:
            self._releve = self.engine.releve(self.wf)
        return self._releve

    def message(self, name: str, payload: dict[str, Any], acteur: str) -> None:
        self._releve = None
        self.engine.send_message(self.wf, name, payload)
        self._log(acteur, f"message:{name}", _jsonable(payload))

    def parcours(self) -> Parcours:
        """Where the application went and stands in its diagram (elements, flows), as plain bpmn ids (F-43)."""
        return self.engine.parcours(self.wf)

    def fire_due_timers(self) -> None:
        if not self._un_delai_peut_etre_echu():
            return  # no timer to fire: the engine would walk the whole task tree to find none
        before = self.status().etat
        self._releve = None
        self.engine.fire_due_timers(self.wf)
        if self.status().etat != before:
            self._log("systeme", "delai_echu", {"avant": before, "apres": self.status().etat})

    def _un_delai_peut_etre_echu(self) -> bool:
        """Whether a waiting timer may be due: the earliest one's time, saved with the workflow (`prochain_timer`,
        see DemandeStore._save), has passed — by the clock the engine's timers read, not the app's pinned day."""
        prochain = self.demande.prochain_timer
        if prochain is None:
            return False
        return (prochain if prochain.tzinfo else prochain.replace(tzinfo=UTC)) <= datetime.now(UTC)

    def _ready_by_id(self, task_id: str) -> ReadyTask:
        for task in self.engine.ready_tasks(self.wf):
            if task.id == task_id:
                return task
        raise WorkflowStateError("cette étape n'est plus à faire")

    def _ready_by_id_or_none(self, task_id: str) -> str | None:
        return next((t.name for t in self.engine.ready_tasks(self.wf) if t.id == task_id), None)

    def _log(self, acteur: str, nature: str, detail: dict[str, Any]) -> None:
        journaliser(self.session, self.demande.id, acteur, nature, detail)


def _commit_sans_relire(session: Session) -> None:
    """Commit, keeping the loaded rows as they are: they hold what was just written, and the page that follows (a
    redirect after the action) would otherwise read the application again at its first attribute."""
    reelle = session() if isinstance(session, scoped_session) else session  # the setting is the Session's own
    avant, reelle.expire_on_commit = reelle.expire_on_commit, False
    try:
        reelle.commit()
    finally:
        reelle.expire_on_commit = avant


def journaliser(session: Session, demande_id: int, acteur: str, nature: str, detail: dict[str, Any]) -> None:
    """One event of the application's history (`Evenement`); every row goes through `journaliser_ensemble`."""
    journaliser_plusieurs(session, demande_id, acteur, nature, [detail])


def journaliser_plusieurs(session: Session, demande_id: int, acteur: str, nature: str,
                          details: list[dict[str, Any]]) -> None:
    """Events of one nature at once, in the action's transaction (see `journaliser_ensemble`)."""
    journaliser_ensemble(session, demande_id, [ligne_de_journal(acteur, nature, detail) for detail in details])


LigneDeJournal = tuple[str, str, dict[str, Any]]


def ligne_de_journal(acteur: str, nature: str, detail: dict[str, Any]) -> LigneDeJournal:
    """One event for `journaliser_ensemble` (named, so that the check of the natures' labels finds its nature)."""
    return acteur, nature, detail


def journaliser_ensemble(session: Session, demande_id: int, lignes: list[LigneDeJournal]) -> None:
    """Events (`ligne_de_journal`) at once, in this order, in the action's transaction. A plain INSERT (one
    statement for them all), not ORM objects: the log is append-only and nothing reads its ids back, so no RETURNING
    per row (a third of the cost). Written at once, after the session flushes what is pending (the application row
    first)."""
    if lignes:
        session.execute(insert(Evenement.__table__), [
            {"demande_id": demande_id, "acteur": acteur, "nature": nature, "detail": _jsonable(detail)}
            for acteur, nature, detail in lignes])


def _resume(valeurs: dict[str, Any]) -> dict[str, Any]:
    """Plain values only, texts cut short: a result's numbers, ids and hashes, never a document's bytes."""
    return {str(k): (v[:200] if isinstance(v, str) else v) for k, v in _jsonable(valeurs).items()
            if v is None or isinstance(v, str | int | float | bool)}


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in values.items()}


@dataclass
class _Prelu:
    """An application's workflow read before the write lock (DemandeStore._prelire)."""

    version: int
    context: TaskContext
    engine: Engine
    wf: Any
    etat: EtatProcessus


def _demande_et_etat(session: Session, demande_id: int) -> tuple[Demande | None, EtatProcessus | None]:
    """The application as the request read it, if it did (checked under the lock), and its state read afresh; in
    one statement when the application was not read yet (the timer driver: a statement is a good part of a firing)."""
    lue = session.identity_map.get(session.identity_key(Demande, demande_id))
    if lue is not None:
        return lue, session.get(EtatProcessus, demande_id, populate_existing=True)
    ligne = session.execute(
        select(Demande, EtatProcessus).outerjoin(EtatProcessus, EtatProcessus.demande_id == Demande.id)
        .where(Demande.id == demande_id).execution_options(populate_existing=True)).one_or_none()
    return (None, None) if ligne is None else (ligne[0], ligne[1])


def _lecture_avant_verrou(session: Session) -> bool:
    """SQLite, with nothing begun nor pending in the session: the workflow may be read before the write lock."""
    connection = session.connection()
    return (connection.dialect.name == "sqlite" and not connection.connection.dbapi_connection.in_transaction
            and not (session.new or session.dirty or session.deleted))


def _begin_write(session: Session) -> None:
    """On SQLite, take the database's write lock before reading the application (BEGIN IMMEDIATE).

    pysqlite begins a transaction only at the first write: two actions on one application (a
    double-clicked « Déposer la demande >») would both read it, both start the work (number, PDF, mail)
    and the second would only fail at the version check (see _stale). Locked first, the second waits (busy
    timeout, see config.engine_options) and then reads what the first committed. PostgreSQL locks
    the row instead (SELECT … FOR UPDATE). A caller that has already written keeps its transaction.
    """
    commencer_ecriture(session.connection())


class _MigrationRefusee(Exception):
    """Unwinds DemandeStore.migrer's transaction: the instance changed in memory is not saved."""

    def __init__(self, verdict: Verdict) -> None:
        super().__init__("; ".join(verdict.raisons))
        self.verdict = verdict


def _stale(err: BaseException | None) -> bool:
    """The version check refused the save: err is, or was caused by, a StaleDataError."""
    seen = set()
    while err is not None and id(err) not in seen:
        if isinstance(err, StaleDataError):
            return True
        seen.add(id(err))
        err = err.__cause__ or err.__context__ or getattr(err, "exception", None)
    return False


class DemandeStore:
    """Creates applications and runs one action on one application in one transaction."""

    def __init__(self, catalog: ProcessCatalog, session_factory: Callable[[], Session]) -> None:
        self.catalog = catalog
        self.session = session_factory

    def create(self, compte: Compte, data: dict[str, Any], today: date) -> Demande:
        session = self.session()
        version = self.catalog.current_version(session)
        demande = Demande(
            compte_id=compte.id, version_processus_id=version.id, etat="nouvelle", etat_libelle="Nouvelle"
        )
        session.add(demande)
        session.flush()
        engine = self.catalog.engine(version)
        context = TaskContext(demande, session, today)
        wf = engine.start(data, context)
        instance = Instance(demande, engine, wf, context)
        # Inserted once, with the state _save writes into it (not inserted empty, read back and updated).
        instance.etat_processus = EtatProcessus(demande_id=demande.id, version_serialiseur=SERIALIZER_VERSION)
        session.add(instance.etat_processus)
        self._save(instance)
        instance._log(f"usager:{compte.id}", "demande_creee", {"version": version.empreinte[:12]})
        session.commit()  # read again when next used: the database's triggers filled the queue's name columns
        return demande

    @contextmanager
    def open(self, demande_id: int, today: date, write: bool = True, optimiste: bool = False) -> Iterator[Instance]:
        """Load under lock, let the caller act, save and commit; roll back on any error.

        With write=False nothing is locked or saved (a page being shown). A workflow that cannot be loaded
        raises DemandeEnIncident (recorded on the application); one that loads again clears its incident.

        `optimiste` (SQLite; the timer driver): the action runs on the state read before the lock, which is taken at
        its first write (see ecriture_sqlite.avant_flush) — the save's version check refuses it, and everything is
        rolled back, if the application was saved meanwhile. For actions that only write to the database: the
        whole database's lock is then held for the writes, not for the engine's work.
        """
        session = self.session()
        try:
            prelu = self._prelire(session, demande_id, today) if write and _lecture_avant_verrou(session) else None
            if write and optimiste and prelu is not None:
                demande = prelu.context.demande
            elif write:
                _begin_write(session)
                demande = session.scalar(select(Demande).filter_by(id=demande_id).with_for_update()
                                         .execution_options(populate_existing=True))
            else:  # a page shown: as the request read it (its access check did), no second read
                demande = session.get(Demande, demande_id)
            if demande is None:
                raise WorkflowStateError("demande introuvable")
            if prelu is not None and prelu.context.demande is demande and prelu.version == demande.version:
                context, engine, wf, etat = prelu.context, prelu.engine, prelu.wf, prelu.etat  # nobody saved since
            else:
                context = TaskContext(demande, session, today)
                engine, wf, etat = self._load(demande, context, write)
            if demande.incident is not None:
                self._clear_incident(session, demande, write)
            instance = Instance(demande, engine, wf, context)
            instance.etat_processus = etat  # held: the session keeps only a weak reference, _save would read it again
            yield instance
            if write:
                self._save(instance)
                _commit_sans_relire(session)
                for action in context.apres_commit:
                    action()
        except BaseException as err:
            session.rollback()
            if _stale(err):  # also when a service task's flush met it (SpiffWorkflow wraps the error)
                raise WorkflowStateError("la demande a été modifiée entre-temps") from err
            raise

    def _prelire(self, session: Session, demande_id: int, today: date) -> _Prelu | None:
        """SQLite: the application and its workflow read before the write lock, which is then held only for the
        action and the save — the lock is the whole database's, and deserialising is a good part of an action.

        pysqlite begins no transaction for a SELECT: each read here is its own snapshot, the next statement can be
        BEGIN IMMEDIATE, and the rows read stay loaded. Kept only if the version read under the lock is this one
        (every save raises it); anything unusual (no row, an incident, a state that does not load) leaves the
        reading to the locked path, which reports it."""
        try:
            demande, etat = _demande_et_etat(session, demande_id)
            if demande is None or demande.incident is not None:
                return None
            context = TaskContext(demande, session, today)
            engine = self.catalog.engine_de(session, demande.version_processus_id)
            if etat is None or etat.version_serialiseur != SERIALIZER_VERSION:
                return None
            prelu = _Prelu(demande.version, context, engine, engine.loads(etat.etat, context), etat)
        except Exception:  # noqa: BLE001 — read again, and reported if it must be, under the lock
            session.rollback()
            return None
        if not _lecture_avant_verrou(session):  # something began a transaction: the locked path starts afresh
            session.rollback()
            return None
        return prelu

    def migrer(self, demande_id: int, de: VersionProcessus, vers: VersionProcessus, acteur: str, today: date,
               simulation: bool = False) -> Verdict:
        """Move one application from version `de` to `vers` (F-44) in its own transaction, under its row lock and
        version check; in simulation, only say whether it could (nothing is saved).

        A refusal rolls back (the instance was only changed in memory). WorkflowStateError if the application is
        no longer on `de`, DemandeEnIncident if it cannot be loaded.
        """
        vers_engine = self.catalog.engine(vers)
        try:
            with self.open(demande_id, today, write=not simulation) as instance:
                demande = instance.demande
                if demande.version_processus_id != de.id:
                    raise WorkflowStateError(f"la demande n'est plus dans la version {de.empreinte[:12]}")
                verdict = migration.migrer(instance.wf, vers_engine, vers.empreinte[:12])
                instance.oublier_statut()  # the workflow changed in place
                if not verdict.peut:
                    raise _MigrationRefusee(verdict)
                if not simulation:
                    instance.engine = vers_engine
                    demande.version_processus = vers
                    journaliser(instance.session, demande.id, acteur, "migration", {
                        "de": de.empreinte[:12], "vers": vers.empreinte[:12], "element": instance.status().element})
        except _MigrationRefusee as refus:
            return refus.verdict
        return verdict

    def _load(self, demande: Demande, context: TaskContext, write: bool) -> tuple[Engine, Any, EtatProcessus]:
        """The application's engine and workflow, or DemandeEnIncident. Database errors (a lock timeout…) are
        not the application's fault: they propagate as they are."""
        session, ident, etape = context.session, demande.id, "version du processus illisible"
        try:
            engine = self.catalog.engine_de(session, demande.version_processus_id)
            etape = "état du processus illisible"
            state = session.get(EtatProcessus, ident, populate_existing=write)
            if state is None:
                raise LookupError("aucune ligne dans etat_processus")
            if state.version_serialiseur != SERIALIZER_VERSION:
                raise ValueError(f"sérialiseur {state.version_serialiseur!r} inconnu (attendu {SERIALIZER_VERSION})")
            return engine, engine.loads(state.etat, context), state
        except (SQLAlchemyError, MemoryError):
            raise
        except Exception as err:
            raison = f"{etape} : {type(err).__name__}: {err}"[:INCIDENT_MAX]
            log.exception("demande %s en incident : %s", ident, raison)
            self._record_incident(session, ident, raison)
            raise DemandeEnIncident(ident, raison) from err

    @staticmethod
    def _record_incident(session: Session, demande_id: int, raison: str) -> None:
        """In its own transaction (what the action began is dropped); the first time is kept as `incident_le`.

        A plain UPDATE, without the version check: the incident is not part of the workflow's state.
        """
        session.rollback()
        try:
            session.execute(
                update(Demande)
                .where(Demande.id == demande_id, or_(Demande.incident.is_(None), Demande.incident != raison))
                .values(incident=raison, incident_le=func.coalesce(Demande.incident_le, utcnow()))
            )
            session.commit()
        except SQLAlchemyError:  # not recorded this time: still shown as an incident, recorded on the next try
            session.rollback()
            log.exception("incident de la demande %s non enregistré", demande_id)

    @staticmethod
    def _clear_incident(session: Session, demande: Demande, write: bool) -> None:
        """It loads again (repaired): with the action's commit, or at once when only shown."""
        if write:
            demande.incident, demande.incident_le = None, None
            return
        session.execute(update(Demande).where(Demande.id == demande.id).values(incident=None, incident_le=None))
        session.commit()

    def _save(self, instance: Instance) -> None:
        state = instance.etat_processus or instance.session.get(EtatProcessus, instance.demande.id)
        state.etat = instance.engine.dumps(instance.wf)
        state.version_serialiseur = SERIALIZER_VERSION
        releve = instance.releve()
        status, data, timers = releve.statut, releve.donnees, releve.delais
        demande = instance.demande
        demande.etat, demande.etat_libelle = status.etat, status.etat_libelle
        demande.formulaire, demande.etape, demande.element = status.form, status.etape, status.element
        demande.cas = data.get("cas") or demande.cas
        demande.demande_tardive = bool(data.get("demande_tardive"))
        demande.prochain_timer = min(timers.values(), default=None)
        demande.echeance = timers.get(contrat.DELAI_REPONSE.id)
        demande.modifiee_le = utcnow()
        instance.session.flush()
