"""The agents' space (F-30 to F-34): login, the work queue, the review of an application and its decisions.

Every page is for agents only (`agent_requis`), and an application exists for an agent only if it was
deposited in one of their prefectures: anything else is a 404, whatever the route. The forms of the
user tasks of lane « Agent » are the BPMN's (`examiner_demande`, `decider`); only the agent who took the
application may complete them.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.wrappers import Response
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired

from .. import agents, clock, documents, forms, instruction, limites, sessions
from ..extensions import db, login_manager
from ..filters import duree_fr
from ..forms.fields import required
from ..models import Agent, Demande, Document
from ..workflow import contrat
from ..workflow.contrat import DELAI_REPONSE
from ..workflow.engine import ReadyTask, WorkflowStateError
from ..workflow.store import Instance
from ..workflow.textes_du_processus import textes
from .acces import agent_requis, est_agent, store
from .auth import ouvrir_session, suivant_ou
from .taches import ApresCommit, Envoi, PageDeTache

bp = Blueprint("agent", __name__, url_prefix="/agent")
login_manager.blueprint_login_views["agent"] = "agent.connexion"

INCORRECT = "Identifiant ou mot de passe incorrect."
FORMULAIRES = contrat.formulaires_du_couloir(contrat.AGENT)  # the forms this space serves


@bp.app_context_processor
def agent_connecte() -> dict[str, Any]:
    """The header shows the agent's links when an agent is logged in."""
    return {"agent_connecte": current_user if est_agent() else None}


def _etats() -> instruction.Etats:
    """The states of every process version in use, not only the current one (an application keeps its version)."""
    return instruction.etats_en_usage(db.session, store().catalog)


def _agent() -> Agent:
    return current_user._get_current_object()


def _demande(demande_id: int) -> Demande:
    """An application of the agent's prefectures, or 404 (never say that it exists elsewhere)."""
    demande = db.session.get(Demande, demande_id)
    if not instruction.visible(_agent(), demande):
        abort(404)
    return demande


# --- Login and logout ---------------------------------------------------------------------------------------------


class ConnexionAgentForm(FlaskForm):
    email = StringField("Adresse email", validators=[DataRequired(required("Adresse email"))],
                        filters=[lambda v: v.strip() if v else v])
    mot_de_passe = PasswordField("Mot de passe", validators=[DataRequired(required("Mot de passe"))])


# Failed agent logins, counted apart from the applicants' (app/limites.py): per address and e-mail, per address.
ECHECS_PAR_EMAIL = limites.Regle("agent-email", 5, timedelta(minutes=15))
ECHECS_PAR_ADRESSE_IP = limites.Regle("agent-adresse", 30, timedelta(minutes=15))


def _suivant(target: str | None) -> str:
    """A page of the agents' space (a path of this site under /agent/), else the queue."""
    defaut = url_for("agent.demandes")
    suivant = suivant_ou(target, defaut)
    return suivant if suivant.startswith("/agent/") else defaut


@bp.route("/connexion", methods=["GET", "POST"])
def connexion() -> str | Response:
    """« Espace agent » : adresse email et mot de passe de l'agent de préfecture."""
    form = ConnexionAgentForm()
    if form.validate_on_submit():
        ip = limites.adresse_du_client()
        tentative = limites.reserver((ECHECS_PAR_EMAIL, (ip, form.email.data)), (ECHECS_PAR_ADRESSE_IP, (ip,)))
        agent = agents.authentifier(db.session, form.email.data, form.mot_de_passe.data)
        if agent is not None:
            tentative.rendre(db.session)  # only failures count
            ouvrir_session(agent)
            return redirect(_suivant(request.args.get("next")))
        flash(INCORRECT, "error")
    return render_template("agent/connexion.html", form=form)


@bp.route("/deconnexion", methods=["POST"])
@agent_requis
def deconnexion() -> Response:
    """Se déconnecter de l'espace agent."""
    sessions.fermer_celle_ci()  # its server-side row too: a copy of the cookie is dead from now on
    db.session.commit()
    flash("Vous êtes déconnecté(e).", "info")
    return redirect(url_for("agent.connexion"))


# --- The queue (F-31) ---------------------------------------------------------------------------------------------


@bp.route("/")
@agent_requis
def accueil() -> Response:
    return redirect(url_for("agent.demandes"))


@bp.route("/demandes")
@agent_requis
def demandes() -> str | Response:
    """« File des demandes » : les demandes déposées dans les préfectures de l'agent, filtrées, triées, paginées."""
    if _agent().administrateur and not _agent().departements:  # no queue of their own
        return redirect(url_for("agent.administration"))
    etats = _etats()
    page = instruction.file_des_demandes(db.session, _agent(), instruction.Filtre.depuis(request.args), etats)
    return render_template("agent/demandes.html", page=page, etats=etats, filtres=instruction.FILTRES_GENERAUX,
                           tris=instruction.TRIS, affectations=instruction.AFFECTATIONS)


def _changer_affectation(demande_id: int, action: Any, succes: str) -> Response:
    demande = _demande(demande_id)
    form = FlaskForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        action(demande)
        db.session.commit()
        flash(succes, "success")
    except instruction.ActionImpossible as err:
        db.session.rollback()
        flash(str(err), "error")
    except StaleDataError:
        db.session.rollback()
        flash("La demande a été modifiée entre-temps : voici son état actuel.", "info")
    retour = suivant_ou(request.form.get("retour"), "")
    return redirect(retour if retour.startswith("/agent/") else url_for("agent.demande", demande_id=demande_id))


@bp.route("/demandes/<int:demande_id>/prendre", methods=["POST"])
@agent_requis
def prendre(demande_id: int) -> Response:
    """« Prendre en charge » : la demande m'est affectée."""
    return _changer_affectation(
        demande_id, lambda d: instruction.prendre_en_charge(db.session, d, _agent(), _etats()),
        "Vous avez pris la demande en charge.")


@bp.route("/demandes/<int:demande_id>/liberer", methods=["POST"])
@agent_requis
def liberer(demande_id: int) -> Response:
    """« Libérer » : la demande revient dans la file, sans agent."""
    return _changer_affectation(demande_id, lambda d: instruction.liberer(db.session, d, _agent()),
                                "La demande est libérée : elle est de nouveau dans la file.")


# --- Administration: applications no prefecture serves, incidents ------------------------------------------------


@bp.route("/administration")
@agent_requis
def administration() -> Any:
    """« Administration » : les demandes déposées dans un département qu'aucun agent ne sert, et les incidents."""
    if not _agent().administrateur:
        return render_template("acces_refuse.html", lien=url_for("agent.demandes"),
                               libelle="Retour à la file des demandes",
                               message="Cette page est réservée aux administrateurs de l'espace agent."), 403
    return render_template("agent/administration.html", sans_prefecture=instruction.sans_prefecture(db.session),
                           incidents=instruction.en_incident(db.session))


# --- The review and the agent's tasks (F-32, F-33, F-34) ------------------------------------------------------------


def _page(demande: Demande, instance: Instance, task: ReadyTask | None, form: Any, statut: int = 200) -> Any:
    """The review page; with the task's form (one template per form key) when this agent may act."""
    peut_agir = task is not None and demande.agent_id == _agent().id
    if peut_agir and form is None:
        form = PAGE.formulaire(task, None)
    processus = textes(instance.bundle)
    revue = instruction.revue(db.session, demande, instance.data(), instance.bundle,
                              form.codes if peut_agir and hasattr(form, "codes") else ())
    return render_template(
        f"agent/{task.form}.html" if peut_agir else "agent/demande.html",
        demande=demande, task=task, tache_agent=task, form=form if peut_agir else None, peut_agir=peut_agir,
        affectation=FlaskForm(), apercu=instruction.apercu, processus=processus,
        delai_reponse=processus.duree(DELAI_REPONSE.id), **revue,
    ), statut


PAGE = PageDeTache(instruction.LANE, formulaires=FORMULAIRES, garde_la_saisie=False,
                   ici=lambda demande: url_for("agent.demande", demande_id=demande.id), rendre=_page,
                   perimee="Cette page n'était plus à jour : voici où en est la demande.")


@bp.route("/demandes/<int:demande_id>", methods=["GET", "POST"])
@agent_requis
def demande(demande_id: int) -> Any:
    """La demande en lecture seule, ses documents, son historique ; le formulaire de l'étape si l'agent l'a prise."""
    demande = _demande(demande_id)
    if request.method == "POST":
        return _agir(demande)
    return PAGE.afficher(demande, sans_tache=lambda instance: _page(demande, instance, None, None))


def _refus_non_affecte() -> tuple[str, int]:
    return render_template("acces_refuse.html", lien=request.path, libelle="Retour à la demande",
                           message="Seul l'agent qui a pris la demande en charge peut agir sur elle. "
                                   "Prenez-la en charge depuis sa page pour continuer."), 403


def _agir(demande: Demande) -> Any:
    """Validate the task's form and complete the task, in one transaction (the engine runs what follows)."""
    agent = _agent()
    if demande.agent_id != agent.id:
        return _refus_non_affecte()

    def toujours_son_agent(instance: Instance) -> None:  # read again under the lock
        if instance.demande.agent_id != agent.id:
            raise WorkflowStateError("la demande a changé d'agent")

    def terminer(envoi: Envoi) -> Any:
        form = envoi.formulaire()
        if not form.validate():
            return envoi.refuser(form)
        valeurs = forms.get(envoi.task.form).values(form)
        envoi.terminer(valeurs)
        message = _message_apres(envoi.task.form, valeurs, textes(envoi.instance.bundle).duree(DELAI_REPONSE.id))
        return ApresCommit(lambda: _fait(demande, message))

    return PAGE.envoyer(demande, terminer, avant=toujours_son_agent)


def _fait(demande: Demande, message: str) -> Response:
    flash(message, "success")
    return redirect(url_for("agent.demande", demande_id=demande.id))


def _message_apres(form_key: str, valeurs: dict[str, Any], delai: str | None) -> str:
    """What the agent is told once the task is done; the answer deadline as the process states it (`delai`)."""
    if form_key == contrat.EXAMINER_DEMANDE.cle and valeurs.get("suite") == "complement":
        return ("La demande de complément a été envoyée à l'usager (notification et courriel). Le délai de réponse "
                f"de {duree_fr(delai)} commencera quand il l'aura ouverte.")
    if form_key == contrat.EXAMINER_DEMANDE.cle:
        return "L'examen est enregistré : la demande passe à la décision."
    if valeurs.get("decision") == "favorable":
        return ("Décision favorable enregistrée : l'attestation de décision favorable est produite et l'usager "
                "en est notifié.")
    return "Décision défavorable enregistrée : l'usager est notifié du refus et de son motif."


# --- Files -----------------------------------------------------------------------------------------------------------


@bp.route("/documents/<int:document_id>")
@agent_requis
def document(document_id: int) -> Response:
    """Un fichier d'une demande des préfectures de l'agent, affiché dans la page (image ou PDF)."""
    row = db.session.get(Document, document_id)
    if row is None:
        abort(404)
    _demande(row.demande_id)
    return documents.servir(row.sha256, row.type_mime, row.nom_original)


@bp.route("/demandes/<int:demande_id>/attestation.pdf")
@agent_requis
def attestation(demande_id: int) -> Response:
    """L'attestation de décision favorable produite pour la demande."""
    demande = _demande(demande_id)
    with store().open(demande.id, clock.today(), write=False) as instance:
        sha = (instance.data().get("attestation") or {}).get("sha256")
    return documents.servir(sha, "application/pdf", f"attestation-{demande.numero}.pdf")


# The other pages of this space live in their own modules: importing them adds their routes to `bp`.
from . import (  # noqa: E402, F401
    agent_journal,
    agent_parcours,
    agent_processus,
)
