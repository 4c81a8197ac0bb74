"""The analysts' space (F-43, F-45): login and logout; the pages on the process are added beside it.

Every page is for analysts only (`analyste_requis`). Analysts see diagrams, decision tables, counts and
application numbers, never an applicant's personal data or documents.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired

from .. import analystes, limites, sessions, versions
from ..extensions import db, login_manager
from ..forms.fields import required
from .acces import analyste_requis, est_analyste, store
from .auth import ouvrir_session, suivant_ou

bp = Blueprint("analyste", __name__, url_prefix="/analyste")
login_manager.blueprint_login_views["analyste"] = "analyste.connexion"

INCORRECT = "Identifiant ou mot de passe incorrect."
ECHECS_PAR_EMAIL = limites.Regle("analyste-email", 5, timedelta(minutes=15))
ECHECS_PAR_ADRESSE_IP = limites.Regle("analyste-adresse", 30, timedelta(minutes=15))


# The analysts' menu, in order; a page not (yet) in this build is left out rather than linked to a 404.
MENU = (
    ("analyste.accueil", "Accueil"),
    ("analyste.versions", "Versions du processus"),
    ("analyste.processus", "Diagramme et positions"),
    ("analyste.decisions", "Tables de décision"),
    ("analyste.couverture", "Couverture des tests"),
    ("analyste.brouillons", "Brouillons et publication"),
)


@bp.app_context_processor
def analyste_connecte() -> dict[str, Any]:
    """The header shows the analyst's links when an analyst is logged in; their pages, the menu."""
    if not est_analyste():
        return {"analyste_connecte": None}
    menu = [(endpoint, libelle) for endpoint, libelle in MENU if endpoint in current_app.view_functions]
    return {"analyste_connecte": current_user, "menu_analyste": menu}


class ConnexionAnalysteForm(FlaskForm):
    email = StringField("Adresse email", validators=[DataRequired(required("Adresse email"))],
                        filters=[lambda v: v.strip() if v else v])
    mot_de_passe = PasswordField("Mot de passe", validators=[DataRequired(required("Mot de passe"))])


def _suivant(target: str | None) -> str:
    """A page of the analysts' space (a path of this site under /analyste/), else its home."""
    defaut = url_for("analyste.accueil")
    suivant = suivant_ou(target, defaut)
    return suivant if suivant.startswith("/analyste/") else defaut


@bp.route("/connexion", methods=["GET", "POST"])
def connexion() -> str | Response:
    """« Espace analyste » : adresse email et mot de passe de l'analyste métier."""
    form = ConnexionAnalysteForm()
    if form.validate_on_submit():
        ip = limites.adresse_du_client()
        tentative = limites.reserver((ECHECS_PAR_EMAIL, (ip, form.email.data)), (ECHECS_PAR_ADRESSE_IP, (ip,)))
        analyste = analystes.authentifier(db.session, form.email.data, form.mot_de_passe.data)
        if analyste is not None:
            tentative.rendre(db.session)  # only failures count
            ouvrir_session(analyste)
            return redirect(_suivant(request.args.get("next")))
        flash(INCORRECT, "error")
    return render_template("analyste/connexion.html", form=form)


@bp.route("/deconnexion", methods=["POST"])
@analyste_requis
def deconnexion() -> Response:
    """Se déconnecter de l'espace analyste."""
    sessions.fermer_celle_ci()
    db.session.commit()
    flash("Vous êtes déconnecté(e).", "info")
    return redirect(url_for("analyste.connexion"))


@bp.route("/")
@analyste_requis
def accueil() -> str:
    """L'accueil de l'espace analyste : la version courante, ses demandes en cours, ce que contient l'espace."""
    lignes = versions.lister(db.session, store().catalog)
    courante = next((ligne for ligne in lignes if ligne.courante), None)
    return render_template("analyste/accueil.html", courante=courante, nombre_versions=len(lignes),
                           en_cours=sum(ligne.en_cours for ligne in lignes))


# The other pages of this space live in their own modules: importing them adds their routes to `bp`.
from . import (  # noqa: E402, F401
    analyste_brouillons,
    analyste_decisions,
    analyste_modeleur,
    analyste_parcours,
    analyste_processus,
    analyste_versions,
)
