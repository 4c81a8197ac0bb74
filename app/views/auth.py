"""Applicant login (minimal: identifiant = n° étranger + password; account creation comes with F-01)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import login_required, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired

from ..extensions import db, login_manager
from ..models import Compte, Personne

bp = Blueprint("auth", __name__)
hasher = PasswordHasher()
# Verified when the identifiant is unknown, so both answers take the same time.
_DUMMY_HASH = hasher.hash("compte-inexistant")

login_manager.login_view = "auth.connexion"
login_manager.login_message = "Veuillez vous identifier pour accéder à cette page."
login_manager.login_message_category = "info"


@login_manager.user_loader
def load_user(user_id: str) -> Compte | None:
    kind, _, raw = user_id.partition(":")
    if kind != "usager" or not raw.isdigit():
        return None
    return db.session.get(Compte, int(raw))


class LoginForm(FlaskForm):
    identifiant = StringField("Identifiant", validators=[DataRequired("Le champ « Identifiant » est obligatoire.")])
    mot_de_passe = PasswordField(
        "Mot de passe", validators=[DataRequired("Le champ « Mot de passe » est obligatoire.")]
    )


def _safe_next(target: str | None) -> str:
    return target if target and target.startswith("/") and not target.startswith("//") else url_for("pages.accueil")


@bp.route("/connexion", methods=["GET", "POST"])
def connexion() -> str | Response:
    """« Vous avez déjà un compte » : identifiant (n° étranger) et mot de passe."""
    form = LoginForm()
    if form.validate_on_submit():
        compte = db.session.scalar(
            select(Compte).join(Personne).where(Personne.numero_etranger == form.identifiant.data.strip())
        )
        try:
            hasher.verify(compte.mot_de_passe if compte and compte.mot_de_passe else _DUMMY_HASH,
                          form.mot_de_passe.data)
            ok = compte is not None and bool(compte.mot_de_passe)
        except (VerificationError, InvalidHashError):
            ok = False
        if ok:
            session.clear()  # a new session at login
            login_user(compte)
            return redirect(_safe_next(request.args.get("next")))
        flash("Identifiant ou mot de passe incorrect.", "error")
    return render_template("auth/connexion.html", form=form)


@bp.route("/deconnexion", methods=["POST"])
@login_required
def deconnexion() -> Response:
    """Se déconnecter."""
    logout_user()
    session.clear()
    flash("Vous êtes déconnecté(e).", "info")
    return redirect(url_for("pages.accueil"))


@bp.route("/franceconnect")
def franceconnect() -> str:
    """« S'identifier avec FranceConnect » : not configured on this instance."""
    return render_template("auth/indisponible.html", titre="FranceConnect",
                           message="FranceConnect n'est pas configuré sur cette instance. "
                                   "Identifiez-vous avec votre identifiant et votre mot de passe.")


@bp.route("/creer-mon-compte")
def creer_compte() -> str:
    """Création de compte : pas encore disponible sur cette instance."""
    return render_template("auth/indisponible.html", titre="Créer votre compte",
                           message="La création de compte en ligne n'est pas encore disponible sur cette instance "
                                   "de démonstration. Utilisez un des comptes de démonstration.")


@bp.route("/mot-de-passe-oublie")
def mot_de_passe_oublie() -> str:
    """Mot de passe oublié : pas encore disponible sur cette instance."""
    return render_template("auth/indisponible.html", titre="Mot de passe oublié",
                           message="La réinitialisation du mot de passe n'est pas encore disponible sur cette "
                                   "instance de démonstration.")
