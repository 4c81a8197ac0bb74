"""Error pages in the page's language (French; English for an applicant who chose it); an expired form on a step
page comes back to the step.

Every handler rolls the database session back first: the error may come from a failed flush, and the page
(its header reads the database) must still render. An application whose workflow cannot be loaded is shown as
« en incident » (to its owner, with a way out; to agents, instead of the review), never as a 500.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from ..models import Demande
from ..workflow.store import DemandeEnIncident
from .acces import est_agent, est_usager

log = logging.getLogger(__name__)


def annuler_la_transaction() -> None:
    """Drop what the failed request began; a broken connection must not turn the error page into another error."""
    try:
        db.session.rollback()
    except SQLAlchemyError:
        log.exception("rollback impossible avant la page d'erreur")


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(err: CSRFError) -> Any:
        annuler_la_transaction()
        if request.endpoint == "demarche.etape":
            flash(gettext("Votre formulaire a expiré ou n'a pas pu être vérifié : vos dernières modifications n'ont "
                          "pas été enregistrées. Ce qui avait été enregistré est conservé ; veuillez saisir à "
                          "nouveau."), "error")
            return redirect(request.path)
        return render_template("erreur.html", titre=gettext("Formulaire expiré"),
                               message=gettext("Votre formulaire a expiré ou n'a pas pu être vérifié. "
                                               "Revenez à la page précédente, rechargez-la et recommencez.")), 400

    @app.errorhandler(404)
    def not_found(err: Any) -> Any:
        annuler_la_transaction()
        # An agent's way back is the queue, not the applicants' home page.
        retour = {"lien": url_for("agent.demandes"), "libelle": gettext("File des demandes")} if est_agent() else {}
        return render_template("erreur.html", titre=gettext("Page introuvable"),
                               message=gettext("La page que vous cherchez n'existe pas ou ne vous est pas "
                                               "accessible."),
                               **retour), 404

    @app.errorhandler(405)
    def wrong_method(err: Any) -> Any:
        annuler_la_transaction()
        return render_template("erreur.html", titre=gettext("Page introuvable"),
                               message=gettext("Cette adresse ne s'ouvre pas directement. Revenez à la page "
                                               "précédente ou à l'accueil.")), 405

    @app.errorhandler(413)
    def too_large(err: Any) -> Any:
        annuler_la_transaction()
        if request.endpoint == "demarche.etape":
            flash(gettext("L'envoi dépasse la taille autorisée : chaque fichier doit faire 10 Mo au maximum. "
                          "Joignez vos fichiers un par un. Rien d'autre n'a été modifié."), "error")
            return redirect(request.path)
        return render_template("erreur.html", titre=gettext("Envoi trop volumineux"),
                               message=gettext("Les données envoyées dépassent la taille autorisée.")), 413

    @app.errorhandler(DemandeEnIncident)
    def demande_en_incident(err: DemandeEnIncident) -> Any:
        annuler_la_transaction()
        demande = db.session.get(Demande, err.demande_id)
        if demande is not None and est_usager() and demande.compte_id == current_user.id:
            return redirect(url_for("demarche.incident", demande_id=demande.id))
        if demande is not None and est_agent():  # the views checked that this agent may see it
            page = render_template("agent/incident.html", demande=demande, erreur=err.raison)
            return page, 200 if request.method == "GET" else 409
        return not_found(err)

    @app.errorhandler(500)
    def server_error(err: Any) -> Any:
        annuler_la_transaction()
        return render_template("erreur.html", titre=gettext("Erreur du service"),
                               message=gettext("Une erreur est survenue. Votre saisie enregistrée est conservée ; "
                                               "réessayez dans quelques instants.")), 500
