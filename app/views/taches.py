"""The task-page loop, written once for every lane (the draft's steps, the complement answer, the agent's tasks).

A task page shows the READY user task of its lane; a POST on it, in one write transaction (the store's
`open(..., write=True)`: row lock, version check): the files sent are received and judged before the lock
(`documents.Reception`), the task is found again and the posted `task_id` checked (else: stale page, French flash,
back to the page), then the page acts — its own actions, or build, validate (422 and the page again, typed input
kept) and complete (typed input dropped). Everything that changes the workflow goes through `Instance`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from flask import flash, redirect, request
from werkzeug.datastructures import MultiDict

from .. import clock, documents, forms
from ..models import Demande
from ..workflow.engine import ReadyTask, WorkflowStateError
from ..workflow.store import Instance
from .acces import acteur, store

# Form fields that are navigation, not input: never kept as typed values.
NOT_INPUT = {"csrf_token", "action", "task_id"}
Rendu = Callable[[Demande, Instance, ReadyTask, Any, int], Any]


def saisie_en_cours(demande: Demande, form_key: str) -> dict[str, Any] | None:
    """What was typed on the page of `form_key` and not yet validated."""
    return (demande.saisie_en_cours or {}).get(form_key)


def garder_saisie(demande: Demande, form_key: str) -> None:
    """What is typed on a page survives « Revenir », « Quitter », « Abandonner », refusals and errors."""
    saisie = dict(demande.saisie_en_cours or {})
    saisie[form_key] = {k: v for k, v in request.form.items() if k not in NOT_INPUT}
    demande.saisie_en_cours = saisie


def oublier_saisie(demande: Demande, form_key: str) -> None:
    saisie = dict(demande.saisie_en_cours or {})
    saisie.pop(form_key, None)
    demande.saisie_en_cours = saisie or None


@dataclass
class ApresCommit:
    """What the page does once its transaction has committed (e.g. tell the agent what was recorded)."""

    suite: Callable[[], Any]


@dataclass
class PageDeTache:
    """The task pages of one lane: which tasks they serve, how they are drawn, where they live."""

    lane: str
    ici: Callable[[Demande], str]  # the page's URL: where a stale page sends back
    rendre: Rendu  # (demande, instance, task, form, status) → the page
    perimee: str  # the French flash of a stale page
    formulaires: Collection[str] | None = None  # the form keys served (None: every form of the lane)
    garde_la_saisie: bool = True  # typed input kept across refusals (the applicant's pages)
    action_par_defaut: str = "poursuivre"

    def tache(self, instance: Instance) -> ReadyTask | None:
        """The READY user task of the lane that these pages serve."""
        return next((t for t in instance.ready(self.lane)
                     if self.formulaires is None or t.form in self.formulaires), None)

    def formulaire(self, task: ReadyTask, formdata: Any) -> Any:
        """The task's form, given what the diagram states on the task (e.g. the complement-round limit)."""
        form = forms.get(task.form).build(task.data, formdata)
        form.proprietes = task.proprietes
        return form

    def formulaire_affiche(self, demande: Demande, task: ReadyTask) -> Any:
        """The form shown on GET: with the input typed earlier, if any was kept."""
        saisie = saisie_en_cours(demande, task.form) if self.garde_la_saisie else None
        return self.formulaire(task, MultiDict(saisie) if saisie else None)

    def afficher(self, demande: Demande, sans_tache: Callable[[Instance], Any],
                 a_changer: Callable[[Instance], bool] | None = None,
                 changer: Callable[[], None] | None = None) -> Any:
        """GET: the page of the READY task (nothing locked nor saved), or `sans_tache` when there is none.

        `a_changer` looks at the workflow first, on the same load (one deserialization for the usual page): when it
        says so, `changer` acts in its own write transaction, after this read, and the page is read again."""
        with store().open(demande.id, clock.today(), write=False) as instance:
            if a_changer is None or changer is None or not a_changer(instance):
                return self._page(demande, instance, sans_tache)
        changer()
        with store().open(demande.id, clock.today(), write=False) as instance:
            return self._page(demande, instance, sans_tache)

    def _page(self, demande: Demande, instance: Instance, sans_tache: Callable[[Instance], Any]) -> Any:
        task = self.tache(instance)
        if task is None:
            return sans_tache(instance)
        return self.rendre(demande, instance, task, self.formulaire_affiche(demande, task), 200)

    def envoyer(self, demande: Demande, agir: Callable[[Envoi], Any] | None = None,
                avant: Callable[[Instance], None] | None = None,
                sans_tache: Callable[[Instance], Any] | None = None,
                suivante: Callable[[Demande], Any] | None = None) -> Any:
        """POST, in one write transaction. `avant` runs first under the lock (due timers, who may act); `agir` is
        the page's own handling (default: validate and complete); `sans_tache` answers when no task is ready (else
        a stale page); `suivante` is where to go once done (default: the page again)."""
        try:
            with documents.Reception(request.files) as reception, \
                    store().open(demande.id, clock.today()) as instance:
                if avant is not None:
                    avant(instance)
                task = self.tache(instance)
                if task is None and sans_tache is not None:
                    reponse = sans_tache(instance)
                elif task is None or request.form.get("task_id") != task.id:
                    raise WorkflowStateError("page périmée")
                else:
                    envoi = Envoi(self, demande, instance, task, reception,
                                  request.form.get("action", self.action_par_defaut))
                    reponse = (agir or Envoi.valider_et_terminer)(envoi)
        except WorkflowStateError:
            flash(self.perimee, "info")
            return redirect(self.ici(demande))
        if isinstance(reponse, ApresCommit):
            return reponse.suite()
        if reponse is not None:
            return reponse
        return suivante(demande) if suivante is not None else redirect(self.ici(demande))


@dataclass
class Envoi:
    """One POST on a task page, inside its write transaction: what the page's handling works with."""

    page: PageDeTache
    demande: Demande
    instance: Instance
    task: ReadyTask
    reception: documents.Reception
    action: str

    def actualiser(self) -> None:
        """The task as the page's own actions left it (values kept with `Instance.update_ready`)."""
        self.task = self.instance.tache(self.task.id) or self.task

    def formulaire(self) -> Any:
        return self.page.formulaire(self.task, request.form)

    def garder_saisie(self) -> None:
        garder_saisie(self.demande, self.task.form)

    def refuser(self, form: Any) -> Any:
        """The page again with its errors (422); what was typed is kept."""
        if self.page.garde_la_saisie:
            self.garder_saisie()
        return self.page.rendre(self.demande, self.instance, self.task, form, 422)

    def terminer(self, valeurs: dict[str, Any]) -> None:
        """Complete the task (the engine runs what follows, in this transaction); the typed input is dropped."""
        self.instance.complete(self.task.id, valeurs, acteur())
        oublier_saisie(self.demande, self.task.form)

    def valider_et_terminer(self) -> Any:
        """Build and validate the task's form: refused → the page (422); valid → the task is completed (None)."""
        form = self.formulaire()
        if not form.validate():
            return self.refuser(form)
        self.terminer(forms.get(self.task.form).values(form))
        return None
