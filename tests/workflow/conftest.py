"""Fixtures for the workflow tests: the REAL bpmn/ and dmn/ files, run by the real engine.

The service handlers are recorders here (the real ones need a database: tests/unit covers them);
the workflow tests check that the process calls them, when and with what.
Every step taken through `Parcours` is followed by a save/load round trip
(`engine.loads(engine.dumps(wf))`) that must resume identically; the test then goes on with the
loaded instance, so every later step also proves the saved state was complete.
"""

from __future__ import annotations

import fcntl
import functools
import json
import os
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from SpiffWorkflow.util.task import TaskState

from app import tasks
from app.workflow import specs
from app.workflow.engine import Engine, ReadyTask, Status, parcourir_arbre

REPO_ROOT = Path(__file__).resolve().parents[2]
# The app's own settings: test_resauvegarde.py runs these tests on the files as a modeler re-saves them.
BPMN_DIR = Path(os.environ.get("BPMN_DIR") or REPO_ROOT / "bpmn")
DMN_DIR = Path(os.environ.get("DMN_DIR") or REPO_ROOT / "dmn")

NUMERO = "5901202403010000001"  # 19 digits, as F-26


class Recorder:
    """Stands for a handler of app/tasks/: records each call, returns a fixed result."""

    def __init__(self, result: dict[str, Any]) -> None:
        self.result = result
        self.calls: list[tuple[Any, dict[str, Any]]] = []

    def __call__(self, context: Any, **params: Any) -> dict[str, Any]:
        self.calls.append((context, params))
        return self.result


FakeNumeroter = Recorder


@pytest.fixture(scope="session")
def bundle() -> specs.ProcessBundle:
    return specs.parse_bundle(specs.read_process_files(BPMN_DIR, DMN_DIR))


@pytest.fixture
def numeroter() -> Recorder:
    return Recorder({"numero": NUMERO})


@pytest.fixture
def supprimer_documents() -> Recorder:
    return Recorder({"nombre": 0})


@pytest.fixture
def recorders(numeroter: Recorder, supprimer_documents: Recorder) -> dict[str, Recorder]:
    """One recorder per operator of app/tasks."""
    return {
        "numeroter": numeroter,
        "supprimer_documents": supprimer_documents,
        "produire_confirmation": Recorder({"sha256": "0" * 64}),
        "envoyer_courriel": Recorder({"courriel": 1}),
        "notifier": Recorder({"notification": 1}),
        "produire_attestation": Recorder({"sha256": "1" * 64}),
        "retenir": tasks.HANDLERS["retenir"],  # pure: keeps its parameters (F-20)
    }


@pytest.fixture
def engine(bundle: specs.ProcessBundle, recorders: dict[str, Recorder]) -> Engine:
    return Engine(bundle, recorders)


def _pending(wf: Any) -> list[tuple[str, str]]:
    return sorted((e.name, str(e.event_type)) for e in wf.waiting_events())


# --- path coverage (F-45): with COUVERTURE_PROCESSUS=<file>, the flows taken at every step, written at the end ----

COUVERTURE = os.environ.get("COUVERTURE_PROCESSUS")
FLUX_PRIS: set[str] = set()


@functools.cache
def _empreinte_des_fichiers() -> str:
    """The hash of the real files: runs on altered copies (test_dialecte, test_contrat) are not recorded."""
    return specs.content_hash(specs.read_process_files(BPMN_DIR, DMN_DIR))


def relever(engine: Engine, wf: Any) -> None:
    """Add the flows `wf` has taken so far (« back » drops tasks from the tree: every step is read)."""
    if COUVERTURE and engine.bundle.content_hash == _empreinte_des_fichiers():
        FLUX_PRIS.update(engine.parcours(wf).flux)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Write the relevé. Under pytest-xdist each worker sees only its share of the tests: it adds its flows to those
    the other workers of the same run wrote. The controller runs no test: it writes nothing."""
    if COUVERTURE and not session.config.pluginmanager.has_plugin("dsession"):
        ecrire_releve(Path(COUVERTURE), FLUX_PRIS, os.environ.get("PYTEST_XDIST_TESTRUNUID"))


def ecrire_releve(chemin: Path, flux: set[str], execution: str | None = None) -> None:
    """The file `flask processus couverture --releve` reads: the files' hash and the flows taken.

    With `execution` (the run id xdist gives all workers of one run) the flows of a relevé of the same run and files
    already there are kept: workers finish in any order, so the read-merge-write is done under an exclusive lock.
    Without it, or when the file comes from another run, it is replaced: only this run's flows are checked."""
    chemin.parent.mkdir(parents=True, exist_ok=True)
    empreinte = _empreinte_des_fichiers()
    with open(chemin, "a+", encoding="utf-8") as fichier:
        fcntl.flock(fichier, fcntl.LOCK_EX)  # released when the file is closed
        tous = set(flux)
        if execution:
            fichier.seek(0)
            try:
                avant = json.loads(fichier.read() or "{}")
            except ValueError:
                avant = {}
            if isinstance(avant, dict) and avant.get("execution") == execution and avant.get("empreinte") == empreinte:
                tous |= set(avant.get("flux") or [])
        releve: dict[str, Any] = {"empreinte": empreinte, "flux": sorted(tous)}
        if execution:
            releve["execution"] = execution
        fichier.seek(0)
        fichier.truncate()
        fichier.write(json.dumps(releve, indent=1) + "\n")


def meme_marche(wf: Any) -> None:
    """The engine's one walk of the tree finds the tasks SpiffWorkflow's iterator finds, in its order."""
    vivantes, terminees = parcourir_arbre(wf)
    assert vivantes == wf.get_tasks(state=TaskState.READY | TaskState.STARTED | TaskState.WAITING)
    assert terminees == wf.get_tasks(state=TaskState.COMPLETED)


def roundtrip(engine: Engine, wf: Any, context: Any = None) -> Any:
    """Save and load `wf`; assert the loaded instance is where the saved one was; return it."""
    relever(engine, wf)
    meme_marche(wf)  # on every state a workflow test reaches
    state = engine.dumps(wf)
    loaded = engine.loads(state, context)
    assert engine.status(loaded) == engine.status(wf)
    assert engine.ready_tasks(loaded) == engine.ready_tasks(wf)  # id, form, etape, lane and data
    assert engine.workflow_data(loaded) == engine.workflow_data(wf)
    assert _pending(loaded) == _pending(wf)  # the « abandon » boundary message is still awaited
    # A second save of the loaded instance resumes identically as well.
    again = engine.loads(engine.dumps(loaded), context)
    assert engine.status(again) == engine.status(wf)
    assert engine.ready_tasks(again) == engine.ready_tasks(wf)
    return loaded


class Parcours:
    """One application driven step by step, with a round trip after every step."""

    def __init__(self, engine: Engine, wf: Any, context: Any = None) -> None:
        self.engine = engine
        self.context = context
        self.wf = roundtrip(engine, wf, context)

    # --- reading ---------------------------------------------------------------------------------
    @property
    def ready(self) -> ReadyTask:
        tasks = self.engine.ready_tasks(self.wf)
        assert len(tasks) == 1, tasks
        assert tasks[0].lane == "Usager"
        assert self.engine.ready_tasks(self.wf, "Usager") == tasks
        return tasks[0]

    @property
    def form(self) -> str:
        return self.ready.form

    @property
    def data(self) -> dict[str, Any]:
        return self.ready.data

    @property
    def status(self) -> Status:
        return self.engine.status(self.wf)

    @property
    def workflow_data(self) -> dict[str, Any]:
        return self.engine.workflow_data(self.wf)

    def size(self) -> int:
        return len(self.engine.dumps(self.wf))

    # --- acting ----------------------------------------------------------------------------------
    def step(self, form: str, values: dict[str, Any], today: date) -> Parcours:
        task = self.ready
        assert task.form == form, f"on attendait « {form} », l'étape prête est « {task.form} »"
        self.engine.complete(self.wf, task.id, values, today)
        self.wf = roundtrip(self.engine, self.wf, self.context)
        return self

    def back(self) -> bool:
        moved = self.engine.back(self.wf, self.ready.id)
        self.wf = roundtrip(self.engine, self.wf, self.context)
        return moved

    def abandon(self) -> None:
        self.engine.abandon(self.wf, {"motif": "test"})
        self.wf = roundtrip(self.engine, self.wf, self.context)


@pytest.fixture
def parcours(engine: Engine) -> Callable[..., Parcours]:
    """`parcours(date_naissance)` starts an application whose register data is the birth date."""

    def start(date_naissance: date, context: Any = None, **register: Any) -> Parcours:
        wf = engine.start({"date_naissance": date_naissance, **register}, context)
        return Parcours(engine, wf, context)

    return start


# --- typical step values (typed, as the web layer hands them to the engine) ------------------------


def etape1(emancipe: bool = False, code_postal: str = "59800") -> dict[str, Any]:
    return {
        "emancipe": emancipe,
        "adresse": "12 rue Nationale",
        "code_postal": code_postal,
        "ville": "Lille",
        "telephone": "0612345678",
    }


def etape2(date_prise_en_charge_ase: date) -> dict[str, Any]:
    return {
        "date_prise_en_charge_ase": date_prise_en_charge_ase,
        "date_entree_france": date(2021, 9, 1),
        "situation_familiale": "celibataire",
        "enfants_a_charge": False,
        "attestations_cochees": ["travail", "sanctions"],
    }


ETAPE3 = {"ephoto": "1234567890123456789012", "fichiers": {"identite": ["acte.pdf"]}}
ETAPE4 = {"confirmation_depot": True, "observations": "Rien à signaler."}


@pytest.fixture
def valeurs() -> Any:
    """The step-value builders, for modules that cannot import conftest."""

    class Valeurs:
        e1 = staticmethod(etape1)
        e2 = staticmethod(etape2)
        e3 = ETAPE3
        e4 = ETAPE4

    return Valeurs
