"""« Mes Notifications » (F-14), the answer to a « Demande de complément » (F-15), the decision (F-16).

Opening a notification is the acknowledgement of receipt: its time is recorded once and, for a
« Demande de complément » the process is waiting on, the message « notification_lue » goes to the
process in the same transaction — the BPMN then starts the answer deadline (its timer states the duration).
Every page is the applicant's own: another person's notification is a 404.
"""

from __future__ import annotations

import math
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import func, select, update
from werkzeug.wrappers import Response

from .. import clock, complements, documents, televersements
from ..entiers import entier
from ..extensions import db
from ..forms import repondre_complement
from ..i18n import N_
from ..models import Demande, Notification
from ..timers import maintenant
from ..workflow import contrat
from ..workflow.contrat import DELAI_REPONSE
from ..workflow.engine import ReadyTask, WorkflowStateError
from ..workflow.store import Instance, journaliser
from .acces import a_moi_ou_404, acteur, est_usager, store, textes_de, usager_requis
from .taches import ApresCommit, Envoi, PageDeTache, saisie_en_cours

bp = Blueprint("notifications", __name__)

LANE = contrat.USAGER
FORM = contrat.REPONDRE_COMPLEMENT.cle
MESSAGE_LUE = contrat.NOTIFICATION_LUE.nom
CLOTUREE = contrat.DEMANDE_CLOTUREE.id
COMPLEMENT = contrat.NATURE_COMPLEMENT
NATURES = {nature: declaree.objet for nature, declaree in contrat.NATURES.items()}
# The subjects declared in app/workflow/contrat.py, stored in French on each notification, marked here for the
# catalogue: the pages show them through `_()` (tests/unit/test_catalogue_complet.py checks none is missing).
OBJETS = (N_("Demande de complément"), N_("Notification de décision"), N_("Clôture de votre demande"))
PAR_PAGE = (10, 20, 50)
DANS_LA_CLOCHE = 5
def _own(notification_id: int) -> Notification:
    return a_moi_ou_404(Notification, notification_id)


def _mes_notifications() -> Any:
    return select(Notification).where(Notification.compte_id == current_user.id)


@bp.app_context_processor
def cloche() -> dict[str, Any]:
    """The bell of the header: unread count and latest notifications, queried only when the header asks."""

    def notifications_entete() -> dict[str, Any] | None:
        if not est_usager():
            return None
        # One query: the latest notifications, each row carrying the unread count (none at all: none unread).
        non_lues = select(func.count()).select_from(Notification).where(
            Notification.compte_id == current_user.id, Notification.lue_le.is_(None)).scalar_subquery()
        lignes = db.session.execute(_mes_notifications().add_columns(non_lues)
                                    .order_by(Notification.creee_le.desc(), Notification.id.desc())
                                    .limit(DANS_LA_CLOCHE)).all()
        return {"non_lues": lignes[0][1] if lignes else 0, "dernieres": [ligne[0] for ligne in lignes]}

    return {"notifications_entete": notifications_entete}


def _entier(nom: str, defaut: int) -> int:
    valeur = entier(request.args.get(nom), maximum=10**6)
    return defaut if valeur is None else valeur


@bp.route("/notifications")
@usager_requis
def liste() -> str:
    """« Mes Notifications »: newest first, filtered by kind, 10/20/50 per page."""
    nature = request.args.get("nature", "")
    nature = nature if nature in NATURES else ""
    par_page = _entier("par_page", PAR_PAGE[0])
    par_page = par_page if par_page in PAR_PAGE else PAR_PAGE[0]
    query = _mes_notifications()
    if nature:
        query = query.where(Notification.nature == nature)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    pages = max(1, math.ceil(total / par_page))
    page = min(max(1, _entier("page", 1)), pages)
    notifications = db.session.scalars(query.order_by(Notification.creee_le.desc(), Notification.id.desc())
                                       .offset((page - 1) * par_page).limit(par_page)).all()
    return render_template("notifications/liste.html", notifications=notifications, natures=NATURES, nature=nature,
                           par_page=par_page, choix_par_page=PAR_PAGE, page=page, pages=pages, total=total)


# --- opening: the acknowledgement of receipt ------------------------------------------------------------------


def _derniere_demande_de_complement(notification: Notification) -> bool:
    derniere = db.session.scalar(select(func.max(Notification.id)).where(
        Notification.demande_id == notification.demande_id, Notification.nature == COMPLEMENT))
    return derniere == notification.id


def _ouvrir(notification: Notification) -> None:
    """Record the first opening; for the complement the process waits on, tell the process (same transaction)."""
    if notification.nature != COMPLEMENT:  # the first opening only, even from two tabs at once
        ouverte = db.session.execute(update(Notification).where(
            Notification.id == notification.id, Notification.lue_le.is_(None)).values(lue_le=clock.now())).rowcount
        if ouverte:
            _journaliser_ouverture(notification)
        db.session.commit()
        return
    try:
        with store().open(notification.demande_id, clock.today()) as instance:
            db.session.refresh(notification)  # under the application's lock: opened meanwhile in another tab?
            if notification.lue_le is not None:
                return
            notification.lue_le = clock.now()
            _journaliser_ouverture(notification)
            if _derniere_demande_de_complement(notification):
                try:
                    instance.message(MESSAGE_LUE, {"lue_le": notification.lue_le.isoformat(),
                                                   "notification": notification.id}, acteur())
                except WorkflowStateError:
                    pass  # the process no longer waits for it (closed, decided): the opening is still recorded
    except WorkflowStateError:
        db.session.rollback()  # another request acknowledged it first: its time stands


def _journaliser_ouverture(notification: Notification) -> None:
    journaliser(db.session, notification.demande_id, acteur(), "notification_lue",
                {"notification": notification.id, "nature": notification.nature, "objet": notification.objet})


@bp.route("/notifications/<int:notification_id>", methods=["GET", "POST"])
@usager_requis
def voir(notification_id: int) -> Any:
    """One notification; opening it is the acknowledgement of receipt. POST: the complement page's actions."""
    notification = _own(notification_id)
    if request.method == "POST":
        return _repondre(notification)
    if notification.lue_le is None:
        _ouvrir(notification)
        notification = _own(notification_id)
    demande = db.session.get(Demande, notification.demande_id)
    if notification.nature == COMPLEMENT:
        return _page_complement(notification, demande)
    return render_template("notifications/notification.html", notification=notification, demande=demande,
                           personne=current_user.personne, delai_reponse=textes_de(demande).duree(DELAI_REPONSE.id))


@bp.route("/notifications/<int:notification_id>/document")
@usager_requis
def document(notification_id: int) -> Response:
    """« TÉLÉCHARGER LE DOCUMENT »: the attestation of a favourable decision (F-25), to its owner only."""
    notification = _own(notification_id)
    demande = db.session.get(Demande, notification.demande_id)
    return documents.servir(notification.document_sha256, "application/pdf",
                            f"attestation-decision-favorable-{demande.numero}.pdf", telechargement=True)


# --- the « Demande de complément » page (F-15) ------------------------------------------------------------------


def _pieces(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The documents to review, with their nature (file or ephoto number) from the decision table."""
    par_code = {p["code"]: p for p in data.get("pieces", [])}
    return {d["code"]: {**par_code.get(d["code"], {}), **d} for d in repondre_complement.documents_a_revoir(data)}


def _page(notification: Notification) -> PageDeTache:
    """The answer form of this notification's round: the task page of lane « Usager » for form `FORM`, only for
    the latest complement (an earlier one is a letter to read)."""
    return PageDeTache(
        LANE, formulaires=(FORM,) if _derniere_demande_de_complement(notification) else (),
        action_par_defaut="envoyer",
        ici=lambda _demande: url_for("notifications.voir", notification_id=notification.id),
        rendre=lambda demande, _instance, task, form, statut: _page_complement(notification, demande, form, task,
                                                                              statut),
        perimee=gettext("Cette page n'était plus à jour : voici où en est votre demande."))


def _page_complement(notification: Notification, demande: Demande, form: Any = None, task: ReadyTask | None = None,
                     status: int = 200) -> tuple[str, int]:
    """The complement as a letter; with the answer form while this round's answer is awaited."""
    page = _page(notification)
    if task is None and notification.repondue_le is None and demande.etat != CLOTUREE:
        with store().open(demande.id, clock.today(), write=False) as instance:
            task = page.tache(instance)
    echeance = demande.echeance
    expiree = echeance is not None and clock.paris(echeance) <= maintenant()  # due, not yet fired
    if task is not None and not expiree and form is None:
        form = page.formulaire_affiche(demande, task)
    tour = notification.contenu.get("tour", 1)
    return render_template(
        "notifications/complement.html", notification=notification, demande=demande, personne=current_user.personne,
        task=task if not expiree else None, form=form if not expiree else None, echeance=echeance, expiree=expiree,
        cloturee=demande.etat == CLOTUREE or expiree,
        pieces=_pieces(task.data) if task is not None else {},
        nouveaux=complements.fichiers_du_tour(db.session, demande.id, tour),
        saisie=saisie_en_cours(demande, FORM) or {},
        delai_reponse=textes_de(demande).duree(DELAI_REPONSE.id),  # as the application's process states it
    ), status


def _repondre(notification: Notification) -> Any:
    """« Joindre un document », « SUPPRIMER … », « Valider et envoyer »."""
    demande = db.session.get(Demande, notification.demande_id)
    page = _page(notification)
    if notification.nature != COMPLEMENT or notification.repondue_le is not None:
        return redirect(page.ici(demande))

    def sans_tache(instance: Instance) -> Any:
        if demande.etat == CLOTUREE or instance.status().etat == CLOTUREE:
            return ApresCommit(lambda: _fermee(page.ici(demande)))
        return redirect(page.ici(demande))  # answered or superseded meanwhile: the page says where it stands

    # An answer after the deadline loses: due timers fire first (`avant`), and that closure is kept.
    return page.envoyer(demande, lambda envoi: _agir(envoi, notification), avant=lambda i: i.fire_due_timers(),
                        sans_tache=sans_tache)


def _fermee(ici: str) -> Response:
    flash(gettext("Le délai de réponse est dépassé : votre demande a été clôturée. Votre réponse n'a pas pu être "
                  "envoyée."), "error")
    return redirect(ici)


def _agir(envoi: Envoi, notification: Notification) -> Any:
    demande, instance, session = envoi.demande, envoi.instance, envoi.instance.session
    tour = notification.contenu.get("tour", 1)
    pieces = _pieces(envoi.task.data)
    envoi.garder_saisie()
    for code, message in televersements.recevoir(session, demande.id, current_user.id, pieces, envoi.reception,
                                                 instance.apres_commit, tour):
        flash(message, f"piece:{code}")
    if envoi.action.startswith("supprimer:"):
        televersements.retirer(session, demande.id, envoi.action.partition(":")[2], instance.apres_commit, tour)
        return None
    if envoi.action != "envoyer":  # « Joindre un document »
        return None
    form = envoi.formulaire()
    form.nouveaux_fichiers = complements.nouveaux(session, demande.id, tour, pieces)
    valide = form.validate()
    valide = complements.erreurs_ephoto(form, pieces, request.form) and valide
    if not valide:
        return envoi.refuser(form)
    valeurs, orphelins = complements.reponse(session, demande.id, tour, envoi.task.data,
                                             repondre_complement.values(form), pieces, request.form, acteur())
    envoi.terminer(valeurs)
    instance.apres_commit.append(lambda: documents.effacer_fichiers(orphelins))
    notification.repondue_le = clock.now()
    notification.contenu = {**notification.contenu, "reponse": complements.resume(session, valeurs)}
    flash(gettext("Votre réponse a bien été envoyée à l'agent en charge de votre dossier."), "success")
    return None
