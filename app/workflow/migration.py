"""Moving one running application to a newer process version (F-44), with SpiffWorkflow's own diff and migration.

The only module that calls `SpiffWorkflow.bpmn.util.diff`. SpiffWorkflow aligns the old task specs with the new ones
by BPMN id (`diff_workflow`) and swaps them in the instance (`migrate_workflow`), re-predicting what follows the
tasks that wait (READY, WAITING); deciding whether an application *may* move is ours. The rule, in order:

1. Where it stands must exist in the new version: a task in progress (READY, WAITING, STARTED) whose element is
   gone, or a running sub-process the new version lacks, keeps the application where it is.
2. Decisions already taken must still hold: a decision table changed in the new version is re-run on the
   application's data; if it gives another result (another list of documents…), the application was built on
   rules that no longer apply and stays.
3. Data the new version needs ahead must be available: every input of a decision still ahead of the application
   (reachable from where it stands) must be in its data, or be given by a step ahead (a form's data, a decision's
   outputs, a result variable), else « donnée manquante ».
4. The moved instance must be whole: every task on a spec of the new version, predictions that still follow the
   new diagram, and a save/load round trip with the new version that gives the same waiting tasks.

A refused application is left untouched (the caller does not save it). Values kept on a waiting task (files given
on a page) and a timer's deadline survive the move: SpiffWorkflow's reset would drop them.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass, field
from typing import Any

from SpiffWorkflow.bpmn.specs.mixins import SubWorkflowTaskMixin
from SpiffWorkflow.bpmn.util.diff import diff_workflow, migrate_workflow
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.dmn.specs.business_rule_task_mixin import BusinessRuleTaskMixin
from SpiffWorkflow.util.task import TaskState

from . import contrat
from .engine import SERIALIZER, Engine
from .expressions import EXPRESSION_GLOBALS
from .expressions_lues import arbre, noms_lus

EN_COURS = TaskState.READY | TaskState.WAITING | TaskState.STARTED
ATTENTE = TaskState.READY | TaskState.WAITING
PREDIT = TaskState.FUTURE | TaskState.PREDICTED_MASK
PYTHON = set(dir(builtins))


@dataclass
class Verdict:
    """Can the application move, and why not (French sentences for the analyst)."""

    peut: bool = True
    raisons: list[str] = field(default_factory=list)

    def refuser(self, raison: str) -> None:
        if raison not in self.raisons:
            self.raisons.append(raison)
        self.peut = False


def _nom(spec: Any) -> str:
    return getattr(spec, "bpmn_name", None) or getattr(spec, "bpmn_id", None) or spec.name


def _diffs(wf: BpmnWorkflow, vers: Engine) -> tuple[Any, dict[Any, Any]]:
    return diff_workflow(SERIALIZER.registry, wf, vers.bundle.spec, vers.bundle.subprocess_specs)


def evaluer(wf: BpmnWorkflow, vers: Engine, libelle_vers: str) -> Verdict:
    """Rules 1 to 3 on the application as it stands; nothing is changed."""
    verdict = Verdict()
    top, sous = _diffs(wf, vers)
    for sp_id, diff in sous.items():
        sp = wf.subprocesses[sp_id]
        if diff is None:
            if not sp.completed:
                verdict.refuser(f"le sous-processus en cours « {_nom(sp.spec)} » n'existe plus dans la version "
                                f"{libelle_vers}")
    for diff in [top, *(d for d in sous.values() if d is not None)]:
        for task in diff.removed:
            if task.has_state(EN_COURS):
                verdict.refuser(f"la tâche en cours « {_nom(task.task_spec)} » n'existe plus dans la version "
                                f"{libelle_vers}")
        for task in diff.changed:
            if task.has_state(TaskState.COMPLETED) and isinstance(task.task_spec, BusinessRuleTaskMixin):
                nouveau = diff.alignment.get(task)
                if nouveau is not None:
                    _decision_deja_prise(task, nouveau, vers, libelle_vers, verdict)
    if verdict.peut:
        _donnees_a_venir(wf, vers, libelle_vers, verdict)
    return verdict


def _decision_deja_prise(task: Any, nouveau: Any, vers: Engine, libelle_vers: str, verdict: Verdict) -> None:
    """Rule 2: the new table, run on the data the decision saw, must give what the application holds."""
    sorties = vers.bundle.decision_outputs.get(nouveau.name) or set()
    decision = nouveau.extensions.get("calledDecisionId", nouveau.name)
    try:
        resultat = vers.decide(decision, dict(task.data))
    except Exception as err:  # a table that cannot run on this data is as incompatible as one that differs
        verdict.refuser(f"donnée incompatible : la décision « {_nom(nouveau)} » de la version {libelle_vers} ne "
                        f"s'évalue pas sur les données de la demande ({type(err).__name__}: {err})")
        return
    differentes = sorted(k for k in sorties if resultat.get(k) != task.data.get(k))
    if differentes:
        verdict.refuser(f"donnée incompatible : la décision « {_nom(nouveau)} », déjà prise, donnerait un autre "
                        f"résultat dans la version {libelle_vers} ({', '.join(differentes)}) : la demande a été "
                        "remplie selon l'ancienne règle")


def _specs(vers: Engine) -> list[Any]:
    return [vers.bundle.spec, *vers.bundle.subprocess_specs.values()]


def _a_venir(wf: BpmnWorkflow, vers: Engine) -> list[Any]:
    """Task specs of the new version reachable from where the application stands (its tasks in progress).

    Following sequence flows, into the sub-processes met and, at the end of a sub-process, on after it."""
    specs = _specs(vers)
    appelants: dict[str, list[Any]] = {}
    for spec in specs:
        for ts in spec.task_specs.values():
            if isinstance(ts, SubWorkflowTaskMixin):
                appelants.setdefault(ts.spec, []).append(ts)
    a_voir: list[Any] = []
    for task in wf.get_tasks(state=EN_COURS):
        spec = (vers.bundle.subprocess_specs.get(task.workflow.spec.name) if task.workflow is not wf
                else vers.bundle.spec)
        if spec is not None and task.task_spec.name in spec.task_specs:
            a_voir.append(spec.task_specs[task.task_spec.name])
    vus: dict[int, Any] = {}
    while a_voir:
        ts = a_voir.pop()
        if id(ts) in vus:
            continue
        vus[id(ts)] = ts
        a_voir.extend(ts.outputs)
        if isinstance(ts, SubWorkflowTaskMixin) and ts.spec in vers.bundle.subprocess_specs:
            a_voir.append(vers.bundle.subprocess_specs[ts.spec].start)
        if not ts.outputs:  # the end of a sub-process: what follows its caller
            for spec in specs:
                if spec.task_specs.get(ts.name) is ts and spec is not vers.bundle.spec:
                    for appelant in appelants.get(spec.name, []):
                        a_voir.extend(appelant.outputs)
    return list(vus.values())


def _donnees_a_venir(wf: BpmnWorkflow, vers: Engine, libelle_vers: str, verdict: Verdict) -> None:
    """Rule 3: each input a decision ahead reads is known now or given by a step ahead."""
    ahead = _a_venir(wf, vers)
    connues = set(vers.workflow_data(wf)) | set(contrat.DONNEES_DU_MOTEUR) | set(contrat.DONNEES_INITIALES)
    for task in wf.get_tasks(state=EN_COURS):
        connues |= set(task.data)
    fournies = set()
    for ts in ahead:
        extensions = getattr(ts, "extensions", None)
        props = extensions.get("properties", {}) if isinstance(extensions, dict) else {}
        formulaire = contrat.FORMULAIRES.get(props.get("form", "")) if ts.manual else None
        if formulaire is not None:
            fournies.update(formulaire.produit)
        fournies.update(vers.bundle.decision_outputs.get(ts.name, ()))
        resultat = getattr(ts, "result_variable", None)
        if resultat:
            fournies.add(resultat)
    for ts in ahead:
        if not isinstance(ts, BusinessRuleTaskMixin):
            continue
        lues: set[str] = set()
        for entree in ts.dmnEngine.decision_table.inputs:
            tree = arbre(entree.expression or "")
            if tree is not None:
                lues |= noms_lus(tree)
        for nom in sorted(lues - connues - fournies - set(EXPRESSION_GLOBALS) - PYTHON):
            verdict.refuser(f"donnée manquante « {nom} » : la décision « {_nom(ts)} » de la version {libelle_vers}, "
                            "encore à venir pour cette demande, la lit, et ni la demande ni les étapes à venir ne la "
                            "fournissent")


def migrer(wf: BpmnWorkflow, vers: Engine, libelle_vers: str) -> Verdict:
    """Move `wf` to the version `vers` if it can (rules 1 to 4). On refusal, `wf` must not be saved."""
    verdict = evaluer(wf, vers, libelle_vers)
    if not verdict.peut:
        return verdict
    top, sous = _diffs(wf, vers)
    gardes = {t.id: (dict(t.data), dict(t.internal_data)) for t in wf.get_tasks(state=ATTENTE)}
    supprimees = migrate_workflow(top, wf, vers.bundle.spec)
    for sp_id, sp in list(wf.subprocesses.items()):
        diff = sous.get(sp_id)
        if diff is not None:
            supprimees += migrate_workflow(diff, sp, vers.bundle.subprocess_specs.get(sp.spec.name))
    wf.subprocess_specs = vers.bundle.subprocess_specs
    for task in supprimees:  # their timers and message catches stay registered otherwise (3.2.0)
        wf.event_manager.remove_task(task)
    for task_id, (data, internes) in gardes.items():
        task = wf.get_task_from_id(task_id)
        if task is not None:
            task.data.update(data)
            task.internal_data.update(internes)
    _repredire(wf, vers, libelle_vers, verdict)
    if verdict.peut:
        _aller_retour(wf, vers, libelle_vers, verdict)
    return verdict


def _repredire(wf: BpmnWorkflow, vers: Engine, libelle_vers: str, verdict: Verdict) -> None:
    """Rule 4: predictions that follow a changed element are redrawn; a task left on an old spec refuses."""
    for task in list(wf.get_tasks()):
        if task.id not in task.workflow.tasks:
            continue
        spec = task.workflow.spec
        if spec.task_specs.get(task.task_spec.name) is not task.task_spec:
            verdict.refuser(f"l'élément « {_nom(task.task_spec)} » de la demande n'a pas d'équivalent dans la "
                            f"version {libelle_vers}")
            continue
        if task.has_state(TaskState.FINISHED_MASK) or not task.children:
            continue
        attendus = sorted(o.name for o in task.task_spec.outputs)
        if sorted(c.task_spec.name for c in task.children) == attendus:
            continue
        descendants = list(task)[1:]
        if all(d.has_state(PREDIT) for d in descendants) and not task.has_state(TaskState.STARTED):
            task._drop_children(force=True)  # noqa: SLF001 — only predictions, redrawn from the new spec
            task.task_spec._predict(task, mask=PREDIT)  # noqa: SLF001
        else:
            verdict.refuser(f"la suite de l'étape en cours « {_nom(task.task_spec)} » a changé dans la version "
                            f"{libelle_vers} alors que la demande y est déjà engagée")


def _aller_retour(wf: BpmnWorkflow, vers: Engine, libelle_vers: str, verdict: Verdict) -> None:
    avant = sorted(t.name for t in vers.ready_tasks(wf))
    try:
        apres = sorted(t.name for t in vers.ready_tasks(vers.loads(vers.dumps(wf))))
    except Exception as err:  # whatever SpiffWorkflow raises: the instance would not load again
        verdict.refuser(f"la demande ne se recharge pas dans la version {libelle_vers} ({type(err).__name__}: "
                        f"{err})")
        return
    if avant != apres:
        verdict.refuser(f"la demande ne reprend pas au même endroit dans la version {libelle_vers}")
