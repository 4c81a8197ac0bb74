"""The steps of the draft: each page is the READY user task of the applicant's workflow (F-06)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext, lazy_gettext
from flask_login import current_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response

from .. import clock, confirmations, documents, forms, situation
from ..entiers import entier
from ..extensions import db
from ..forms.justificatifs import Page, by_rubrique
from ..models import Demande, Document
from ..workflow import contrat
from ..workflow.engine import ReadyTask, WorkflowStateError
from ..workflow.store import Instance
from ..workflow.textes_du_processus import textes
from .acces import a_moi_ou_404, acteur, store, textes_de, usager_requis
from .taches import Envoi, PageDeTache

bp = Blueprint("demarche", __name__)

LANE = contrat.USAGER
BROUILLON = contrat.BROUILLON.id  # the application's state while it is a draft
ABANDONNEE = contrat.DEMANDE_ABANDONNEE.id
def _own(demande_id: int) -> Demande:
    return a_moi_ou_404(Demande, demande_id)


def _after(demande: Demande) -> Response:
    """Where a finished or moved-on application is shown."""
    if demande.etat == ABANDONNEE:
        return redirect(url_for("demarche.abandonnee", demande_id=demande.id))
    if demande.numero:
        return redirect(url_for("demarche.confirmation", demande_id=demande.id))
    return redirect(url_for("pages.mes_demandes"))


def _render(demande: Demande, instance: Instance, task: ReadyTask, form: Any, status: int = 200) -> tuple[str, int]:
    data = task.data
    step = forms.get(task.form)
    extra = step.contexte(demande, data) if hasattr(step, "contexte") else {}
    return render_template(
        f"etapes/{task.form}.html",
        demande=demande,
        task=task,
        form=form,
        data=data,
        personne=current_user.personne,
        compte=current_user,
        processus=textes(instance.bundle),  # what the application's process states (steps…)
        etapes=textes(instance.bundle).titres,
        etape=task.etape,
        rubriques=by_rubrique(data.get("pieces", [])),
        changement=situation.changement(data, clock.today()),  # « Votre situation a changé » (F-20)
        **extra,
    ), status


@bp.route("/titre-de-sejour/commencer", methods=["POST"])
@usager_requis
def commencer() -> Response:
    """« Je continue » : resume the draft in progress, or start one. A draft in incident is left aside (kept for
    the administrators): its owner starts a new one instead of coming back to a page that cannot open."""
    draft = db.session.scalar(
        select(Demande).where(Demande.compte_id == current_user.id, Demande.etat == BROUILLON,
                              Demande.incident.is_(None)).order_by(Demande.creee_le.desc(), Demande.id.desc())
    )
    if draft is None:
        personne = current_user.personne
        # « Votre situation actuelle » chose the placement (F-17); a draft in progress keeps its own.
        placement = session.get("placement") if session.get("placement") in contrat.PLACEMENTS else "ase"
        draft = store().create(
            current_user, {"date_naissance": personne.date_naissance, "email": current_user.email,
                           contrat.PLACEMENT: placement}, clock.today()
        )
    return redirect(url_for("demarche.etape", demande_id=draft.id))


PAGE = PageDeTache(LANE, ici=lambda demande: url_for("demarche.etape", demande_id=demande.id), rendre=_render,
                   perimee=lazy_gettext("Cette page n'était plus à jour : voici l'étape où en est votre demande."))


@bp.route("/demandes/<int:demande_id>", methods=["GET", "POST"])
@usager_requis
def etape(demande_id: int) -> Any:
    """The current step of the draft; POST carries one of the four navigation buttons."""
    demande = _own(demande_id)
    if demande.etat != BROUILLON:
        return _after(demande)
    if request.method == "GET":
        return PAGE.afficher(demande, sans_tache=lambda _instance: _after(demande),
                             a_changer=lambda instance: instance.situation_changee(),
                             changer=lambda: _situation_du_jour(demande))
    return PAGE.envoyer(demande, _act, suivante=lambda d: _after(d) if d.etat != BROUILLON else redirect(PAGE.ici(d)))


def _situation_du_jour(demande: Demande) -> None:
    """The draft opened on another day (F-20): the case, decided again (the diagram's check at deposit), changed when
    the page read it (`situation_changee`, on the page's own load): the draft goes back to the first step whose
    content changed, in a write transaction (decided again there, under the lock)."""
    try:
        with store().open(demande.id, clock.today()) as instance:
            instance.reprendre(acteur())
    except WorkflowStateError:  # moved on in another tab meanwhile: the page shows where it stands
        pass


def _act(envoi: Envoi) -> Any:
    """The step's own actions (files, ephoto) come first, then the navigation buttons, then validation."""
    demande, instance = envoi.demande, envoi.instance
    step = forms.get(envoi.task.form)
    if hasattr(step, "traiter"):
        response = step.traiter(Page(instance, envoi.task, demande, current_user.id, request, envoi.reception),
                                envoi.action)
        if response is not None:
            return response
        envoi.actualiser()
    ici = redirect(url_for("demarche.etape", demande_id=demande.id))
    if envoi.action.startswith("aller:"):  # « Modifier » on the summary of step 4: back to that step
        envoi.garder_saisie()
        instance.back_to(entier(envoi.action.partition(":")[2]) or 0, LANE, acteur())
        return ici
    if envoi.action == "precedent":
        envoi.garder_saisie()
        return ici if instance.back(envoi.task.id, acteur()) else redirect(url_for("pages.preambule"))
    if envoi.action == "quitter":
        envoi.garder_saisie()
        logout_user()
        flash(gettext("Votre saisie est sauvegardée. Vous reprendrez votre demande à la dernière étape enregistrée "
                      "lors de votre prochaine connexion."), "success")
        return redirect(url_for("pages.accueil"))
    if envoi.action == "abandonner":
        envoi.garder_saisie()
        return redirect(url_for("demarche.abandonner", demande_id=demande.id))
    return envoi.valider_et_terminer()


@bp.route("/demandes/<int:demande_id>/incident")
@usager_requis
def incident(demande_id: int) -> Any:
    """An application whose workflow cannot be loaded: say so, and offer a way out (a new draft)."""
    demande = _own(demande_id)
    if demande.incident is None:
        return redirect(url_for("demarche.etape", demande_id=demande.id))
    return render_template("etapes/incident.html", demande=demande, brouillon=demande.etat == BROUILLON,
                           form=FlaskForm())


@bp.route("/documents/<int:document_id>")
@usager_requis
def document(document_id: int) -> Response:
    """One of the applicant's own files, shown in the browser (never another person's)."""
    row = a_moi_ou_404(Document, document_id)
    return documents.servir(row.sha256, row.type_mime, row.nom_original)


@bp.route("/demandes/<int:demande_id>/abandonner", methods=["GET", "POST"])
@usager_requis
def abandonner(demande_id: int) -> Any:
    """« Abandonner la demande » : asks for confirmation, then ends the draft."""
    demande = _own(demande_id)
    if demande.etat != BROUILLON:
        return _after(demande)
    form = FlaskForm()
    if form.validate_on_submit():
        try:
            with store().open(demande.id, clock.today()) as instance:
                instance.abandon(acteur())
                demande.saisie_en_cours = None
        except WorkflowStateError:  # deposited in another tab meanwhile
            return _after(db.session.get(Demande, demande_id))
        return redirect(url_for("demarche.abandonnee", demande_id=demande.id))
    return render_template("etapes/abandonner.html", demande=demande, form=form)


@bp.route("/demandes/<int:demande_id>/abandonnee")
@usager_requis
def abandonnee(demande_id: int) -> Any:
    """The draft was abandoned: say so."""
    demande = _own(demande_id)
    if demande.etat != ABANDONNEE:
        return redirect(url_for("demarche.etape", demande_id=demande.id))
    return render_template("etapes/abandonnee.html", demande=demande)


@bp.route("/demandes/<int:demande_id>/confirmation")
@usager_requis
def confirmation(demande_id: int) -> Any:
    """The last step — Confirmation (F-12): the process states it on the draft's end."""
    demande = _own(demande_id)
    if not demande.numero:
        return redirect(url_for("demarche.etape", demande_id=demande.id))
    etapes = textes_de(demande).titres
    return render_template("etapes/confirmation.html", demande=demande, etapes=etapes, etape=len(etapes),
                           pdf_disponible=demande.id in confirmations.disponibles(db.session, [demande]))


@bp.route("/demandes/<int:demande_id>/confirmation-de-depot.pdf")
@usager_requis
def confirmation_pdf(demande_id: int) -> Response:
    """« J'ouvre ma confirmation de dépôt de demande (PDF) » (F-24): the same stored bytes every time; drawn now
    if the worker has not drawn them yet (app/confirmations.py)."""
    demande = _own(demande_id)
    numero = demande.numero
    return documents.servir(confirmations.sha256_de(db.session, demande.id), "application/pdf",
                            f"confirmation-de-depot-{numero}.pdf")


@bp.after_request
def pas_de_page_d_etape_en_cache(response: Response) -> Response:
    """A step page is never kept by the browser: « Précédent » after the deposit asks the server again,
    which shows the deposited state (the confirmation), not an old form."""
    if request.endpoint == "demarche.etape":
        response.headers["Cache-Control"] = "no-store"
    return response
