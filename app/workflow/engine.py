"""Running one application's workflow: start, ready tasks, complete, back, abandon, status.

Pure engine: no database here (see store.py). Each call works on one BpmnWorkflow that the
caller loaded and will save; SpiffWorkflow is not thread-safe (trap 5).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any
from uuid import UUID

import orjson
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.serializer.helpers.registry import DefaultRegistry
from SpiffWorkflow.bpmn.specs.defaults import EndEvent
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins import SubWorkflowTaskMixin
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import IntermediateCatchEvent
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask, StandardLoopTask
from SpiffWorkflow.bpmn.util import BpmnEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.dmn.specs.business_rule_task_mixin import BusinessRuleTaskMixin
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.util.task import TaskState

from . import contrat
from .expressions import ProcessScriptEngine
from .parcours import Parcours, flux_par_paire, parcours
from .specs import ProcessBundle

Handler = Callable[..., dict[str, Any]]


class WorkflowStateError(Exception):
    """The action does not fit where the application stands (old tab, replayed form…)."""


@dataclass(frozen=True)
class ReadyTask:
    """A user task waiting for a person, as the web layer needs it."""

    id: str
    name: str
    label: str
    form: str
    etape: int
    lane: str
    data: dict[str, Any]
    proprietes: dict[str, str] = field(default_factory=dict)  # what the diagram states on the task


@dataclass(frozen=True)
class Reverification:
    """The draft's situation decided again on another day has changed (F-20): the first step whose content changed,
    and the values to give the step (the day's decisions, and the situation the draft was built on)."""

    etape: int
    valeurs: dict[str, Any]


@dataclass(frozen=True)
class Status:
    """The plain facts lists need, derived from the workflow after each step."""

    etat: str
    etat_libelle: str
    form: str | None
    etape: int | None
    termine: bool
    element: str | None = None  # the innermost element waited at (the analysts' counts per element)


@dataclass(frozen=True)
class Releve:
    """What a save writes down beside the state (Engine.releve): the status, the process data, the waiting timers."""

    statut: Status
    donnees: dict[str, Any]
    delais: dict[str, datetime]


class _ConvertisseurSansSpecs(BpmnWorkflowConverter):
    """BpmnWorkflow's converter, able to leave the specs out both ways: a version's specs are parsed once per process
    (the Engine's bundle, which `start` already gives every new workflow) and stored once per version (trap 8), so a
    request turns only the instance to and from JSON. Deserializing the specs again was most of `Engine.loads`."""

    dernier: _ConvertisseurSansSpecs | None = None

    def __init__(self, target_class: type, registry: Any, typename: str | None = None) -> None:
        super().__init__(target_class, registry, typename)
        _ConvertisseurSansSpecs.dernier = self  # the one `configure` registers, for Engine.dumps / loads

    def instance_to_dict(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        """`to_dict` without « spec » and « subprocess_specs »."""
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        dct["typename"] = self.typename
        return dct

    @staticmethod
    def relier_boucles(spec: Any, subprocess_specs: dict[str, Any]) -> None:
        """What SpiffWorkflow's spec deserializer does and the BPMN parser does not: a loop's child spec tells the
        loop when an iteration ends. The engine runs otherwise only wires it when it starts an iteration, so a
        process that loads an instance whose iteration another process started would never leave the loop."""
        for process_spec in (spec, *subprocess_specs.values()):
            for task_spec in process_spec.task_specs.values():
                if isinstance(task_spec, LoopTask):
                    enfant = process_spec.task_specs[task_spec.task_spec]
                    if not enfant.completed_event.is_connected(task_spec.merge_child):
                        enfant.completed_event.connect(task_spec.merge_child)

    def instance_from_dict(self, dct: dict[str, Any], spec: Any, subprocess_specs: dict[str, Any]) -> BpmnWorkflow:
        """`from_dict` on the given (shared, never changed, loops wired by `relier_boucles`) specs."""
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


_SIMPLES = frozenset({str, int, float, bool, type(None)})


class _Registre(DefaultRegistry):
    """SpiffWorkflow's registry, whose `restore` (run on every value of a loaded state) no longer calls itself for
    each plain value of a dict or list: the same result, a tenth of `Engine.loads` less (F-47)."""

    def restore(self, val: Any, **kwargs: Any) -> Any:
        kind = type(val)
        if kind is dict and "typename" not in val:
            return {k: v if type(v) in _SIMPLES else self.restore(v, **kwargs) for k, v in val.items()}
        if kind is list:
            return [v if type(v) in _SIMPLES else self.restore(v, **kwargs) for v in val]
        return super().restore(val, **kwargs)


def _make_serializer() -> BpmnWorkflowSerializer:
    registry = BpmnWorkflowSerializer.configure({**SPIFF_CONFIG, BpmnWorkflow: _ConvertisseurSansSpecs}, _Registre())
    # Step values are typed (trap 3): dates must survive a save.
    registry.register(date, lambda v: {"value": v.isoformat()}, lambda v: date.fromisoformat(v["value"]))
    return BpmnWorkflowSerializer(registry)


SERIALIZER = _make_serializer()
SERIALIZER_VERSION = SERIALIZER.VERSION
_CONVERTISSEUR = _ConvertisseurSansSpecs.dernier
# The state's JSON through orjson (it writes 5 times and reads 2 times faster than the json module, F-47), with
# SpiffWorkflow's encoder for what JSON lacks: dates, datetimes and dataclasses are handed to it as the json module
# would (orjson would write them its own way), as are sets and anything registered. What orjson refuses (non-str keys,
# integers beyond 64 bits, lone surrogates) falls back to the json module; states written by either are read by both.
# One difference is left: a NaN or an infinity would be written `null` (the json module writes `NaN`); the workflow's
# values never hold one (numbers are typed from forms and decisions, dates are dates).
_VERS_JSON = SERIALIZER._encoder_cls().default
_OPTIONS_ORJSON = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def spec_json(bundle: ProcessBundle) -> str:
    """The serialized spec of a version, stored once per version (trap 8)."""
    wf = BpmnWorkflow(bundle.spec, bundle.subprocess_specs)
    dct = SERIALIZER.to_dict(wf)
    return json.dumps({"spec": dct["spec"], "subprocess_specs": dct["subprocess_specs"]})


class Engine:
    """Runs workflows of one bundle, calling service handlers with a caller-given context."""

    def __init__(self, bundle: ProcessBundle, handlers: dict[str, Handler]) -> None:
        self.bundle = bundle
        self.handlers = handlers
        _ConvertisseurSansSpecs.relier_boucles(bundle.spec, bundle.subprocess_specs)
        self._spec_json = spec_json(bundle)
        self._paires: dict[tuple[str, str], list[str]] | None = None

    # --- life cycle ---------------------------------------------------------------------------

    def start(self, data: dict[str, Any], context: Any = None) -> BpmnWorkflow:
        wf = BpmnWorkflow(self.bundle.spec, self.bundle.subprocess_specs)
        wf.script_engine = self._script_engine(context)
        data = {**contrat.DONNEES_INITIALES_PAR_DEFAUT, **data}  # the decision tables read every one of them
        wf.data.update(data)
        start = wf.get_tasks(state=TaskState.READY)
        for task in start:
            task.data.update(data)
        self._run(wf)
        return wf

    def dumps(self, wf: BpmnWorkflow) -> str:
        """The instance without its spec, which is stored once per version."""
        SERIALIZER.registry._encoder_mode = True
        try:
            dct = _CONVERTISSEUR.instance_to_dict(wf)  # the specs are not converted only to be dropped
        finally:
            SERIALIZER.registry._encoder_mode = False
        dct[SERIALIZER.VERSION_KEY] = SERIALIZER_VERSION
        try:
            return orjson.dumps(dct, default=_VERS_JSON, option=_OPTIONS_ORJSON).decode()
        except TypeError:  # orjson.JSONEncodeError: what only the json module writes (see _OPTIONS_ORJSON)
            return json.dumps(dct, cls=SERIALIZER._encoder_cls)

    def loads(self, state: str, context: Any = None) -> BpmnWorkflow:
        try:
            dct = orjson.loads(state)
        except orjson.JSONDecodeError:  # what only the json module reads (NaN, integers beyond 64 bits)
            dct = json.loads(state)
        if dct.get(SERIALIZER.VERSION_KEY) == SERIALIZER_VERSION:
            # The usual case: the instance on the version's parsed specs, shared as `start` shares them.
            del dct[SERIALIZER.VERSION_KEY]
            dct.pop("typename", None)
            wf = _CONVERTISSEUR.instance_from_dict(dct, self.bundle.spec, self.bundle.subprocess_specs)
        else:  # an older serialization format: SpiffWorkflow's migrations may need the serialized specs
            dct.update(json.loads(self._spec_json))
            SERIALIZER.migrate(dct)
            wf = SERIALIZER.from_dict(dct)
        # The script engine is not serialized: set it after every load.
        wf.script_engine = self._script_engine(context)
        return wf

    # --- people's work --------------------------------------------------------------------------

    def ready_tasks(self, wf: BpmnWorkflow, lane: str | None = None) -> list[ReadyTask]:
        return [self._ready(t) for t in parcourir_arbre(wf)[0] if t.state == TaskState.READY and t.task_spec.manual
                and (lane is None or t.task_spec.lane == lane)]  # as get_tasks(state=READY, manual=True, lane=lane)

    def complete(self, wf: BpmnWorkflow, task_id: str, values: dict[str, Any], today: date,
                 delais: bool = True) -> None:
        """Complete the READY user task `task_id` with typed values, then run the engine.

        Due timers fire first: an answer given after its deadline must not win the race (`delais` False: the caller
        has just fired them).
        """
        if delais:
            self.fire_due_timers(wf)
        task = self._ready_task(wf, task_id)
        task.data.update(values)
        task.data[contrat.DATE_DU_JOUR] = today
        task.run()
        self._run(wf)

    def previous_task(self, wf: BpmnWorkflow, task_id: str) -> Any | None:
        """The last completed user task of an earlier step, if any."""
        current = self._ready_task(wf, task_id)
        etape = self._etape(current.task_spec)
        done = [
            t
            for t in wf.get_tasks(state=TaskState.COMPLETED, manual=True)
            if self._etape(t.task_spec) < etape and t.task_spec.lane == current.task_spec.lane
        ]
        return max(done, key=lambda t: t.last_state_change, default=None)

    def back(self, wf: BpmnWorkflow, task_id: str) -> bool:
        """« Revenir à l'étape précédente »: reopen the previous step, keeping what was typed.

        The recipe of SPIFFWORKFLOW.md (pattern 1): reset, then put back the values of every
        step (decision outputs are dropped: they are recomputed on the way forward), and
        unregister the events of deleted tasks (a 3.2.0 bug).
        """
        current = self._ready_task(wf, task_id)
        target = self.previous_task(wf, task_id)
        if target is None:
            return False
        kept = self._user_values(current.data)
        point = self._reset_point(wf, target)
        removed = wf.reset_from_task_id(point.id)
        for t in removed:
            wf.event_manager.remove_task(t)
        wf.get_task_from_id(point.id).data.update(kept)
        self._run(wf)
        # A reopened loop hands its data to the new iteration before we could: give it again.
        for task in wf.get_tasks(state=TaskState.READY, manual=True):
            task.data.update(kept)
        return True

    @staticmethod
    def _reset_point(wf: BpmnWorkflow, task: Any) -> Any:
        """Where to reset to reopen `task`.

        Inside an iteration of a looped subprocess, 3.2.0 resets the iteration but leaves the
        tasks after the loop alive: reset the loop itself, which opens a fresh first iteration.
        """
        point, current = task, task
        while current.workflow.parent_task_id is not None:
            sp_task = wf.get_task_from_id(current.workflow.parent_task_id)
            if isinstance(sp_task.parent.task_spec, StandardLoopTask):
                point = sp_task.parent
            current = sp_task
        return point

    def abandon(self, wf: BpmnWorkflow, payload: dict[str, Any] | None = None) -> None:
        """« Abandonner la demande »: the boundary message of the draft subprocess."""
        event = BpmnEvent(MessageEventDefinition(contrat.ABANDON.nom), payload=payload or {})
        try:
            wf.send_event(event)
        except WorkflowException as err:
            raise WorkflowStateError("la demande ne peut plus être abandonnée") from err
        self._run(wf)

    def decide(self, decision_id: str, data: dict[str, Any]) -> dict[str, Any]:
        """Run one DMN decision on its own (the same table the process uses), e.g. for a document."""
        context = SimpleNamespace(data=dict(data), workflow=SimpleNamespace(script_engine=self._script_engine(None)))
        return self.bundle.decisions[decision_id].result(context)

    def reverifier(self, wf: BpmnWorkflow, today: date, autre_jour_seulement: bool = False) -> Reverification | None:
        """The draft resumed on another day (F-20): the check the diagram makes at deposit, made now on the waiting
        step's data with `today` as the day. None when nothing changed (or nothing to check).

        With `autre_jour_seulement`, None at once when the waiting step's data was given today: the page that opened
        it today already made the check (the deposit makes it again in any case), and a page shown costs no decision.

        The check is read from the diagram, not restated here: the service task whose result variable is
        `situation_du_brouillon` (its parameters are what is kept), the decisions that follow it, then the first
        exclusive gateway's conditions; a flow to a step (or to a sub-process holding steps) means « go back
        there », any other target (the draft's end: the deposit) means unchanged.
        """
        waiting = [t for t in wf.get_tasks(state=TaskState.READY, manual=True, lane=contrat.USAGER)
                   if self._etape(t.task_spec) >= 2 and "cas" in t.data]  # the case is decided after step 1
        debut = self._verification()
        if not waiting or debut is None:
            return None
        if autre_jour_seulement and str(waiting[0].data.get(contrat.DATE_DU_JOUR)) == today.isoformat():
            return None
        conteneur, spec = debut
        moteur = self._script_engine(None)
        decisions, suivant = [], spec.outputs[0] if spec.outputs else None
        while isinstance(suivant, BusinessRuleTaskMixin) and len(decisions) < 20:
            decisions.append(suivant)
            suivant = suivant.outputs[0] if suivant.outputs else None
        if not hasattr(suivant, "cond_task_specs"):
            return None
        sorties = [k for d in decisions for k in self.bundle.decision_outputs.get(d.name, ())]
        # What the draft has not been given yet (the pieces, at step 2) is not a change: compared as None.
        absentes = {k for k in sorties if k not in waiting[0].data}
        data = {**{k: None for k in absentes}, **waiting[0].data, contrat.DATE_DU_JOUR: today}
        context = SimpleNamespace(data=data, workflow=SimpleNamespace(script_engine=moteur))
        try:
            gardees = {n: moteur.evaluate(context, p["value"]) for n, p in spec.operation_params.items()}
            data[spec.result_variable] = json.loads(json.dumps(gardees, default=str))  # as the operator's result
            for decision in decisions:
                for key in self.bundle.decision_outputs.get(decision.name, ()):
                    data.pop(key, None)
                data.update(decision.dmnEngine.result(context))
            data.update({k: None for k in absentes})
            cible = suivant.default_task_spec
            for condition, nom in suivant.cond_task_specs:
                if condition is not None and moteur.evaluate(context, condition.args[0]):
                    cible = nom
                    break
        except WorkflowException:  # data this draft lacks (an older version's): the deposit will check
            return None
        produites = [spec.result_variable, *(k for k in sorties if k not in absentes)]
        etape = self._etape_de(conteneur.task_specs.get(cible))
        if etape is None:
            return None
        return Reverification(etape, {k: data[k] for k in produites if k in data})

    def _verification(self) -> tuple[Any, Any] | None:
        """(the spec holding it, the service task) that starts the check of the situation (F-20)."""
        for conteneur in (self.bundle.spec, *self.bundle.subprocess_specs.values()):
            for ts in conteneur.task_specs.values():
                if getattr(ts, "result_variable", None) == contrat.SITUATION_DU_BROUILLON:
                    return conteneur, ts
        return None

    def _etape_de(self, spec: Any) -> int | None:
        """The step a flow's target opens: a user task's, or the first step of a sub-process; None otherwise."""
        if spec is None:
            return None
        if spec.manual:
            return self._etape(spec) or None
        interne = self.bundle.subprocess_specs.get(spec.bpmn_id or "")
        if isinstance(spec, SubWorkflowTaskMixin | StandardLoopTask) and interne is not None:
            etapes = [self._etape(ts) for ts in interne.task_specs.values() if ts.manual and self._etape(ts)]
            return min(etapes, default=None)
        return None

    def decision_rows(self, decision_id: str) -> list[dict[str, Any]]:
        """Every row's outputs of a decision, in order (rows whose outputs need no input data)."""
        context = SimpleNamespace(data={}, workflow=SimpleNamespace(script_engine=self._script_engine(None)))
        return [rule.output_as_dict(context) for rule in self.bundle.decisions[decision_id].decision_table.rules]

    def update_ready(self, wf: BpmnWorkflow, task_id: str, values: dict[str, Any]) -> None:
        """Keep values on a READY user task without completing it (files and numbers given on a page)."""
        self._ready_task(wf, task_id).data.update(values)

    # --- what lists show -------------------------------------------------------------------------

    def releve(self, wf: BpmnWorkflow) -> Releve:
        """Where the application stands, what the process knows and its waiting timers, from one walk of the tree
        (a save needs all three; each was a walk of its own)."""
        vivantes, terminees = parcourir_arbre(wf)
        return Releve(self._status(wf, vivantes, terminees), self._data(wf, terminees), self._timers(vivantes))

    def status(self, wf: BpmnWorkflow) -> Status:
        """Where the application stands, in the diagram's own words: the end event reached, else the
        top-level user task waiting, else the sub-process running, else the event awaited."""
        return self._status(wf, *parcourir_arbre(wf))

    def _status(self, wf: BpmnWorkflow, vivantes: list[Any], terminees: list[Any]) -> Status:
        if wf.completed:
            ends = [t for t in terminees if t.workflow is wf and isinstance(t.task_spec, EndEvent)]
            spec = max(ends, key=lambda t: t.last_state_change).task_spec
            return Status(spec.bpmn_id, spec.bpmn_name or spec.bpmn_id, None, None, True, spec.bpmn_id)
        premiere = next((t for t in vivantes if t.state == TaskState.READY and t.task_spec.manual), None)
        first = self._ready(premiere) if premiere is not None else None
        top = [t for t in vivantes if t.workflow is wf and t.task_spec.bpmn_id]
        ranked = (
            [t for t in top if t.task_spec.manual and t.state == TaskState.READY]
            + [t for t in top if isinstance(t.task_spec, SubWorkflowTaskMixin)]
            + [t for t in top if isinstance(t.task_spec, IntermediateCatchEvent)]
        )
        where = ranked[0].task_spec if ranked else None
        etat = where.bpmn_id if where else "en_cours"
        return Status(
            etat,
            (where.bpmn_name or where.bpmn_id) if where else "En cours",
            first.form if first else None,
            first.etape if first else None,
            False,
            first.name if first else self._evenement_attendu(vivantes) or etat,
        )

    @staticmethod
    def _evenement_attendu(vivantes: list[Any]) -> str | None:
        """The bpmn id of an intermediate event the workflow waits for, at any depth (not a boundary event)."""
        waiting = [t for t in vivantes if t.state == TaskState.WAITING
                   and isinstance(t.task_spec, IntermediateCatchEvent) and t.task_spec.bpmn_id]
        return waiting[-1].task_spec.bpmn_id if waiting else None

    def send_message(self, wf: BpmnWorkflow, name: str, payload: dict[str, Any]) -> None:
        """Deliver a BPMN message (e.g. « notification_lue ») to the event waiting for it."""
        try:
            wf.send_event(BpmnEvent(MessageEventDefinition(name), payload=payload))
        except WorkflowException as err:
            raise WorkflowStateError(f"la demande n'attend pas le message « {name} »") from err
        self._run(wf)

    def fire_due_timers(self, wf: BpmnWorkflow) -> None:
        """Fire the timers whose time has come (refresh, then run: SPIFFWORKFLOW.md pattern 3)."""
        wf.refresh_timers()
        self._run(wf)

    def timers(self, wf: BpmnWorkflow) -> dict[str, datetime]:
        """Due time (UTC) of each waiting timer, by the bpmn id of its event."""
        return self._timers(parcourir_arbre(wf)[0])

    @staticmethod
    def _timers(vivantes: list[Any]) -> dict[str, datetime]:
        due = {}
        for task in vivantes:
            if task.state != TaskState.WAITING:
                continue
            definition = getattr(task.task_spec, "event_definition", None)
            value = task.internal_data.get("event_value")
            if isinstance(definition, TimerEventDefinition) and value:
                moment = datetime.fromisoformat(value)
                due[task.task_spec.bpmn_id] = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        return due

    def workflow_data(self, wf: BpmnWorkflow) -> dict[str, Any]:
        """The data of the most recently completed task: what the process knows now."""
        return self._data(wf, parcourir_arbre(wf)[1])

    @staticmethod
    def _data(wf: BpmnWorkflow, terminees: list[Any]) -> dict[str, Any]:
        if not terminees:
            return dict(wf.data)
        last = max(terminees, key=lambda t: t.last_state_change)
        return {**wf.data, **last.data}

    def waiting_events(self, wf: BpmnWorkflow) -> list[Any]:
        return [t for t in wf.get_tasks(state=TaskState.WAITING) if isinstance(t.task_spec, CatchingEvent)]

    def parcours(self, wf: BpmnWorkflow) -> Parcours:
        """The application's path (elements passed, where it stands, flows taken), as plain bpmn ids."""
        if self._paires is None:  # read from the version's XML once per engine
            self._paires = flux_par_paire(self.bundle.files)
        return parcours(wf, self._paires)

    # --- internals ---------------------------------------------------------------------------------

    def _run(self, wf: BpmnWorkflow) -> None:
        wf.do_engine_steps(will_complete_task=self._before_engine_task)

    def _before_engine_task(self, task: Any) -> None:
        # A decision's outputs replace those of an earlier run (SpiffWorkflow merges lists).
        if isinstance(task.task_spec, BusinessRuleTaskMixin):
            for key in self.bundle.decision_outputs.get(task.task_spec.name, ()):
                task.data.pop(key, None)

    def _user_values(self, data: dict[str, Any]) -> dict[str, Any]:
        produced = set().union(*self.bundle.decision_outputs.values()) if self.bundle.decision_outputs else set()
        return {k: v for k, v in data.items() if k not in produced}

    def _script_engine(self, context: Any) -> ProcessScriptEngine:
        def call(operator: str, params: dict[str, Any], task: Any) -> dict[str, Any]:
            with suppress(AttributeError):  # what the process knows at this task, for the handler
                context.data = dict(task.data)
            resultat = self.handlers[operator](context, **params)
            rapporter = getattr(context, "service_rendu", None)  # the store's context logs it (F-42)
            if callable(rapporter):
                rapporter(operator, params, resultat, task.task_spec.bpmn_id or task.task_spec.name)
            return resultat

        return ProcessScriptEngine(call)

    def _ready_task(self, wf: BpmnWorkflow, task_id: str) -> Any:
        try:
            task = wf.get_task_from_id(UUID(str(task_id)))
        except (ValueError, TypeError, Exception) as err:  # unknown or malformed id
            raise WorkflowStateError("cette étape n'est plus à faire") from err
        if task is None or task.state != TaskState.READY or not task.task_spec.manual:
            raise WorkflowStateError("cette étape n'est plus à faire")
        return task

    @staticmethod
    def _etape(spec: Any) -> int:
        return int(spec.extensions.get("properties", {}).get("etape", "0"))

    def _ready(self, task: Any) -> ReadyTask:
        props = task.task_spec.extensions.get("properties", {})
        return ReadyTask(
            id=str(task.id),
            name=task.task_spec.name,
            label=task.task_spec.bpmn_name or task.task_spec.name,
            form=props.get("form", ""),
            etape=int(props.get("etape", "0")),
            lane=task.task_spec.lane or "",
            data=dict(task.data),
            proprietes=dict(props),
        )


_VIVANTES = TaskState.READY | TaskState.STARTED | TaskState.WAITING


def parcourir_arbre(wf: BpmnWorkflow) -> tuple[list[Any], list[Any]]:
    """The READY, STARTED and WAITING tasks, and the COMPLETED ones, in one depth-first walk of the tree and its
    sub-processes: the same tasks, in the same order, as `wf.get_tasks(state=…)` with each filter, at a fraction of
    its cost (its iterator pops the head of a list and matches a filter object per task; the status, the data and
    the timers each walked the tree). As SpiffWorkflow's iterator does, a walk for live tasks does not go below a
    predicted task (MAYBE, LIKELY), one for finished tasks not below an unfinished one, and both enter every
    sub-process, before the task's own children."""
    sous_processus = wf.top_workflow.subprocesses
    vivantes, terminees = [], []
    pile = [(wf.task_tree, True)]  # (task, whether a walk for COMPLETED tasks reaches it)
    while pile:
        task, fini = pile.pop()
        etat = task.state
        if etat & _VIVANTES:
            vivantes.append(task)
        elif fini and etat == TaskState.COMPLETED:
            terminees.append(task)
        sous = sous_processus.get(task.id)
        if sous is None and (not task._children or etat < TaskState.FUTURE):
            continue
        fini_enfants = fini and (sous is not None or etat >= TaskState.COMPLETED)
        pile.extend((enfant, fini_enfants) for enfant in reversed(task.children))
        if sous is not None:
            pile.append((sous.task_tree, fini_enfants))
    return vivantes, terminees
