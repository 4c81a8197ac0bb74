"""One application's path through its diagram: elements passed, where it stands, sequence flows taken.

SpiffWorkflow's task specs do not keep sequence-flow ids: a flow is found again by pairing each task that the token
reached with its nearest ancestor task that has a bpmn id (helper specs such as boundary-event splits, start and end
joins have none), then looking the (source, target) pair up in the flows read from the BPMN XML (lecture.py).
« Back » resets tasks (they leave the tree): the path is what the tree holds now; coverage unions every step's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from SpiffWorkflow.bpmn.specs.defaults import BoundaryEvent
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import IntermediateCatchEvent
from SpiffWorkflow.util.task import TaskState

from .lecture import lire

# The token got there (CANCELLED is judged on its parent: see _atteinte).
ATTEINTS = TaskState.READY | TaskState.STARTED | TaskState.WAITING | TaskState.COMPLETED | TaskState.ERROR


@dataclass(frozen=True)
class Parcours:
    """Plain bpmn ids, in the order they were reached (last change of state), without duplicates."""

    passes: list[str]  # completed or entered (a sub-process under way)
    actuels: list[str]  # READY user tasks and intermediate catch events waited at, innermost
    flux: list[str]  # sequence flows taken


def flux_par_paire(files: dict[str, str]) -> dict[tuple[str, str], list[str]]:
    """(source id, target id) → ids of the sequence flows between them, from the BPMN files of a version."""
    paires: dict[tuple[str, str], list[str]] = {}
    for flux in lire({n: t for n, t in files.items() if n.endswith(".bpmn")}).flux.values():
        paires.setdefault((flux.source, flux.cible), []).append(flux.id)
    return paires


def _atteinte(task: Any) -> bool:
    """Did the token reach this task? A cancelled task did if its parent ran (a READY step cut short by « abandon »);
    predicted tasks that never ran are cancelled with a parent that did not run either."""
    if task.state & ATTEINTS:
        return True
    if task.state == TaskState.CANCELLED and task.parent is not None:
        return bool(task.parent.state & (TaskState.COMPLETED | TaskState.STARTED))
    return False


def _source(task: Any) -> str | None:
    """The bpmn id of the nearest ancestor task that has one, within the task's own (sub-)workflow."""
    parent = task.parent
    while parent is not None and not parent.task_spec.bpmn_id:
        parent = parent.parent
    return parent.task_spec.bpmn_id if parent is not None else None


def _unique(ids: list[str]) -> list[str]:
    return list(dict.fromkeys(ids))


def parcours(wf: Any, paires: dict[tuple[str, str], list[str]]) -> Parcours:
    """The path of the workflow `wf` (a BpmnWorkflow, sub-processes included) given its version's flow pairs."""
    # In the order the token went (the tree lists a sub-process's tasks after what follows it); a sub-process under
    # way comes before its tasks, one completed after them.
    tasks = sorted((t for t in wf.get_tasks() if t.task_spec.bpmn_id), key=lambda t: t.last_state_change)
    actuels = [t.task_spec.bpmn_id for t in tasks
               if (t.state == TaskState.READY and t.task_spec.manual)
               or (t.state == TaskState.WAITING and isinstance(t.task_spec, IntermediateCatchEvent))]
    # A step cut short (by « abandon », a deadline) was passed through; a boundary event that never fired was not.
    passes = [t.task_spec.bpmn_id for t in tasks if _atteinte(t) and t.state != TaskState.READY
              and not (t.state & (TaskState.WAITING | TaskState.CANCELLED) and isinstance(t.task_spec, BoundaryEvent))
              and t.task_spec.bpmn_id not in actuels]
    flux = []
    for task in tasks:
        if not _atteinte(task):
            continue
        source = _source(task)
        if source is not None and source != task.task_spec.bpmn_id:  # a loop's iteration has its loop's id
            flux.extend(paires.get((source, task.task_spec.bpmn_id), ()))
    return Parcours(_unique(passes), _unique(actuels), _unique(flux))
