"""The header's links (F-18): the language selector, « NOUS CONTACTER » and « BESOIN D'AIDE ? »."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from .. import i18n
from ..extensions import db
from ..models import Compte
from ..redirections import chemin_du_site

bp = Blueprint("entete", __name__)


@bp.route("/langue")
def langue() -> Response:
    """A link, not a form: it works on every page (errors included) and changes nothing but the language.
    The choice goes in the `langue` cookie and, for a logged-in applicant, on the account (mails use it);
    the visitor is sent back to the page they were on, if it is a path of this site."""
    choix = i18n.valide(request.args.get("choix"))
    reponse = redirect(chemin_du_site(request.args.get("retour")) or url_for("pages.accueil"))
    if choix is None:
        return reponse
    reponse.set_cookie(i18n.COOKIE, choix, max_age=i18n.COOKIE_DUREE, httponly=True, samesite="Lax",
                       secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")) or request.is_secure)
    utilisateur = current_user._get_current_object() if current_user else None  # type: ignore[attr-defined]
    if isinstance(utilisateur, Compte) and utilisateur.langue != choix:
        utilisateur.langue = choix
        db.session.commit()
    return reponse


@bp.route("/nous-contacter")
def contact() -> str:
    """« NOUS CONTACTER »."""
    return render_template("entete/contact.html")


@bp.route("/besoin-d-aide")
def aide() -> str:
    """« BESOIN D'AIDE ? »."""
    return render_template("entete/aide.html")
