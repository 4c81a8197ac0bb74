"""Accounts: creation with a 24-hour e-mail link (F-01), password (F-02), login, logout, FranceConnect (F-03).

The logic lives in app/comptes.py and app/franceconnect.py; these views fetch, check, act and render.
Repeated attempts are slowed down (app/limites.py, counters shared by every process): failed logins per
address and identifiant and per address, account creations per address and e-mail and per address,
forgotten-password requests per address and identifiant and per address. Sessions are kept server-side
(app/sessions.py): checked before every page, ended by logout, by a new password, or after inactivity.
"""

from __future__ import annotations

import math
import re
from datetime import timedelta
from typing import Any

import requests
from authlib.integrations.base_client import OAuthError
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext, lazy_gettext, ngettext
from flask_login import login_required
from flask_wtf import FlaskForm
from joserfc.errors import JoseError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response
from wtforms import PasswordField, StringField, ValidationError
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, Regexp

from .. import comptes, franceconnect, i18n, limites, sessions
from ..entiers import entier
from ..extensions import db, login_manager
from ..forms.fields import FrenchDateField, PastDate, required
from ..models import Agent, Analyste, Compte
from ..redirections import chemin_du_site

bp = Blueprint("auth", __name__)

login_manager.login_view = "auth.connexion"
login_manager.login_message = lazy_gettext("Veuillez vous identifier pour accéder à cette page.")
login_manager.login_message_category = "info"
login_manager.localize_callback = str  # flashed in the page's language: the session stores plain text

# Slowing down. Only failed logins count; creations and forgotten-password requests count when the form
# was valid (a typo costs nothing). « _PAR_IDENTIFIANT » counts per address *and* identifiant: a stranger's
# failures on someone's identifiant never refuse its owner elsewhere.
ECHECS_PAR_IDENTIFIANT = limites.Regle("connexion-identifiant", 5, timedelta(minutes=15))
ECHECS_PAR_ADRESSE_IP = limites.Regle("connexion-adresse", 30, timedelta(minutes=15))
CREATIONS_PAR_EMAIL = limites.Regle("creation-email", 5, timedelta(hours=1))
CREATIONS_PAR_ADRESSE_IP = limites.Regle("creation-adresse", 30, timedelta(hours=1))
OUBLIS_PAR_IDENTIFIANT = limites.Regle("oubli-identifiant", 3, timedelta(hours=1))
OUBLIS_PAR_ADRESSE_IP = limites.Regle("oubli-adresse", 30, timedelta(hours=1))
# Links mailed to one account, whoever asks: beyond this the page is the same but nothing is sent (the
# mailbox is not flooded, and the last link sent stays valid for its owner).
LIENS_PAR_COMPTE = limites.Regle("oubli-compte", 5, timedelta(hours=1))

# Labels and messages are lazy (F-18): defined at import, translated when a page shows them.
L_IDENTIFIANT = lazy_gettext("Identifiant")
L_MOT_DE_PASSE = lazy_gettext("Mot de passe")
L_EMAIL = lazy_gettext("Adresse email")
L_EMAIL_CONFIRMATION = lazy_gettext("Confirmation de l'adresse email")
L_NUMERO = lazy_gettext("Numéro étranger")
L_NAISSANCE = lazy_gettext("Date de naissance")
L_NOUVEAU = lazy_gettext("Nouveau mot de passe")
L_CONFIRMATION = lazy_gettext("Confirmation du mot de passe")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


# --- Forms ---------------------------------------------------------------------------------------------------


def _sans_espaces(valeur: str | None) -> str | None:
    return re.sub(r"\s", "", valeur) if valeur else valeur


def _strip(valeur: str | None) -> str | None:
    return valeur.strip() if valeur else valeur


NUMERO_10_CHIFFRES = Regexp(r"^\d{10}$", message=lazy_gettext("Le numéro étranger doit comporter 10 chiffres."))


class LoginForm(FlaskForm):
    identifiant = StringField(L_IDENTIFIANT, validators=[DataRequired(required(L_IDENTIFIANT))],
                              filters=[_sans_espaces])
    mot_de_passe = PasswordField(L_MOT_DE_PASSE, validators=[DataRequired(required(L_MOT_DE_PASSE))])


class CreationCompteForm(FlaskForm):
    email = StringField(L_EMAIL, filters=[_strip], validators=[
        DataRequired(required(L_EMAIL)),
        Length(max=254, message=lazy_gettext("Le champ « %(label)s » ne doit pas dépasser 254 caractères.",
                                             label=L_EMAIL)),
        Regexp(EMAIL, message=lazy_gettext("Le champ « %(label)s » doit contenir une adresse email valide "
                                           "(par exemple nom@exemple.fr).", label=L_EMAIL)),
    ])
    email_confirmation = StringField(L_EMAIL_CONFIRMATION, filters=[_strip],
                                     validators=[DataRequired(required(L_EMAIL_CONFIRMATION))])
    numero_etranger = StringField(L_NUMERO, filters=[_sans_espaces],
                                  validators=[DataRequired(required(L_NUMERO)), NUMERO_10_CHIFFRES])
    date_naissance = FrenchDateField(L_NAISSANCE, validators=[InputRequired(required(L_NAISSANCE)),
                                                              PastDate(L_NAISSANCE)])

    def validate_email_confirmation(self, field: Any) -> None:
        if self.email.data and field.data and field.data.lower() != self.email.data.lower():
            raise ValidationError(gettext("Les deux adresses email saisies ne sont pas identiques."))


class PolitiqueMotDePasse:
    """Every rule the password breaks, each with its own French message."""

    def __call__(self, form: Any, field: Any) -> None:
        messages = comptes.regles_non_respectees(field.data or "")
        if messages:
            field.errors.extend(messages[:-1])
            raise ValidationError(messages[-1])


class MotDePasseForm(FlaskForm):
    nouveau = PasswordField(L_NOUVEAU, validators=[InputRequired(required(L_NOUVEAU)), PolitiqueMotDePasse()])
    confirmation = PasswordField(L_CONFIRMATION, validators=[
        InputRequired(required(L_CONFIRMATION)),
        EqualTo("nouveau", message=lazy_gettext("Les deux mots de passe saisis ne sont pas identiques.")),
    ])


class MotDePasseOublieForm(FlaskForm):
    identifiant = StringField(L_IDENTIFIANT, filters=[_sans_espaces],
                              validators=[DataRequired(required(L_IDENTIFIANT)), NUMERO_10_CHIFFRES])


# --- Rate limits ------------------------------------------------------------------------------------------------


def _reserver(identifiant: tuple[limites.Regle, str], adresse: limites.Regle) -> limites.Reservation:
    """A place per (address, identifier) and per address, or TropDeTentatives (the French 429 page)."""
    ip = limites.adresse_du_client()
    regle, valeur = identifiant
    return limites.reserver((regle, (ip, valeur)), (adresse, (ip,)))


@bp.app_errorhandler(limites.TropDeTentatives)
def trop_de_tentatives(err: limites.TropDeTentatives) -> tuple[str, int, dict[str, str]]:
    """« Trop de tentatives » : when the person may try again."""
    db.session.rollback()  # whatever the refused request began: the page's header reads the database
    return (render_template("auth/trop_de_tentatives.html", minutes=math.ceil(err.secondes / 60)), 429,
            {"Retry-After": str(err.secondes)})


# --- Sessions -----------------------------------------------------------------------------------------------------


_COMPTES: dict[str, type] = {"usager": Compte, "agent": Agent, "analyste": Analyste}
# An applicant's name is in every page's header: their person comes with the account, and both with the session.
_OPTIONS = {"usager": (joinedload(Compte.personne),)}
_CONNEXIONS = {"agent": "agent.connexion", "analyste": "analyste.connexion"}


@login_manager.user_loader
def load_user(user_id: str) -> Compte | Agent | Analyste | None:
    """« usager:<id> » is an applicant's account, « agent:<id> » a prefecture agent (F-30), « analyste:<id> » a
    business analyst (F-45); inactive ones are out,
    and so is a session whose server-side row is gone or idle (app/sessions.py)."""
    kind, _, raw = user_id.partition(":")
    ident = entier(raw)
    if kind not in _COMPTES or ident is None or _etat_de_la_session(user_id) != sessions.VALIDE:
        return None
    # Usually already loaded with the session's row (_etat_de_la_session): then no query here.
    user = db.session.get(_COMPTES[kind], ident, options=list(_OPTIONS.get(kind, ())))
    return user if user is not None and user.actif else None


def _etat_de_la_session(acteur: str) -> str:
    """sessions.etat, with the actor's account (and its load options) read in the same query."""
    kind, _, raw = acteur.partition(":")
    ident = entier(raw)
    compte = (_COMPTES[kind], ident, _OPTIONS.get(kind, ())) if kind in _COMPTES and ident is not None else None
    return sessions.etat(acteur, compte)


@bp.before_app_request
def controler_la_session() -> Response | None:
    """Before any page: a session ended elsewhere is logged out here; an idle one too, with a French message
    and the login page of its space; an active one has its last activity noted."""
    acteur = session.get("_user_id")
    if request.endpoint == "static" or not isinstance(acteur, str):
        return None
    etat = _etat_de_la_session(acteur)
    if etat == sessions.VALIDE:
        sessions.noter_activite()
        return None
    sessions.fermer_celle_ci()
    db.session.commit()
    if etat != sessions.EXPIREE:
        return None
    minutes = current_app.config["SESSION_INACTIVITE_MINUTES"]
    flash(ngettext("Votre session a expiré après %(num)d minute sans activité. Veuillez vous identifier à nouveau.",
                   "Votre session a expiré après %(num)d minutes sans activité. Veuillez vous identifier à nouveau.",
                   minutes), "info")
    espace = request.blueprint if request.blueprint in _CONNEXIONS else acteur.partition(":")[0]
    page_de_connexion = _CONNEXIONS.get(espace, "auth.connexion")
    if request.endpoint == page_de_connexion:
        return None
    suivant = chemin_du_site(request.full_path.rstrip("?")) if request.method in ("GET", "HEAD") else None
    return redirect(url_for(page_de_connexion, next=suivant))


def ouvrir_session(utilisateur: Compte | Agent) -> None:
    """A new session at login (applicant, agent or FranceConnect): nothing from before is kept (a planted
    cookie, a half-done flow, the other space's session), and its server-side row is written. A language chosen in
    the header before logging in is kept on the applicant's account (F-18): it is the latest choice."""
    choix = i18n.valide(request.cookies.get(i18n.COOKIE))
    if isinstance(utilisateur, Compte) and choix:
        utilisateur.langue = choix
    sessions.ouvrir(utilisateur)
    db.session.commit()


def suivant_ou(cible: object, defaut: str) -> str:
    """Where to go after a login: `cible` if it is a path of this site (app/redirections.py), else `defaut`."""
    return chemin_du_site(cible) or defaut


# --- Login and logout ---------------------------------------------------------------------------------------------


@bp.route("/connexion", methods=["GET", "POST"])
def connexion() -> str | Response:
    """« Vous avez déjà un compte » : identifiant (n° étranger) et mot de passe."""
    form = LoginForm()
    if form.validate_on_submit():
        tentative = _reserver((ECHECS_PAR_IDENTIFIANT, form.identifiant.data), ECHECS_PAR_ADRESSE_IP)
        compte = comptes.authentifier(db.session, form.identifiant.data, form.mot_de_passe.data)
        if compte is not None:
            tentative.rendre(db.session)  # only failures count: a person who logs in often is never slowed down
            ouvrir_session(compte)
            return redirect(suivant_ou(request.args.get("next"), url_for("pages.accueil")))
        flash(gettext("Identifiant ou mot de passe incorrect."), "error")
    return render_template("auth/connexion.html", form=form)


@bp.route("/deconnexion", methods=["POST"])
@login_required
def deconnexion() -> Response:
    """Se déconnecter (et de FranceConnect, si l'on s'était identifié par FranceConnect)."""
    id_token = session.get("fc_id_token")
    sessions.fermer_celle_ci()  # its server-side row too: a copy of the cookie is dead from now on
    db.session.commit()
    fc = franceconnect.client() if id_token else None
    if fc is not None:
        try:
            if fc.load_server_metadata().get("end_session_endpoint"):
                return fc.logout_redirect(post_logout_redirect_uri=franceconnect.url_retour("auth.franceconnect_fin"),
                                          id_token_hint=id_token)
        except (requests.RequestException, ValueError):
            pass  # the provider is unreachable: the session here is closed all the same
    flash(gettext("Vous êtes déconnecté(e)."), "info")
    return redirect(url_for("pages.accueil"))


# --- Account creation (F-01) --------------------------------------------------------------------------------------


@bp.route("/creer-mon-compte", methods=["GET", "POST"])
def creer_compte() -> str | Response:
    """Création de compte : adresse email (deux fois), n° étranger et date de naissance, vérifiés au registre."""
    form = CreationCompteForm()
    if form.validate_on_submit():
        _reserver((CREATIONS_PAR_EMAIL, form.email.data), CREATIONS_PAR_ADRESSE_IP)
        try:
            comptes.demander_creation(db.session, form.numero_etranger.data, form.date_naissance.data,
                                      form.email.data)
            db.session.commit()
        except IntegrityError:  # the same person at the same moment: the first request won
            db.session.rollback()
        # The same answer whatever happened: nobody learns from it who is in the register.
        return redirect(url_for("auth.creation_enregistree"))
    return render_template("auth/creer_compte.html", form=form), 422 if form.errors else 200


@bp.route("/creer-mon-compte/demande-enregistree")
def creation_enregistree() -> str:
    """« Demande de création de compte bien enregistrée. »"""
    return render_template("auth/creation_enregistree.html")


# --- Password (F-02) ----------------------------------------------------------------------------------------------


def _lien_invalide(erreur: comptes.LienInvalide) -> tuple[str, int]:
    return render_template("auth/lien_invalide.html", raison=erreur.raison, objet=erreur.objet), 400


@bp.route("/mot-de-passe", methods=["GET", "POST"])
def mot_de_passe() -> str | Response | tuple[str, int]:
    """« Réinitialisation du mot de passe », ouverte par le lien du courriel (valable 24 heures, une fois)."""
    jeton = request.args.get("jeton", "")
    try:
        compte, objet = comptes.lire_jeton(db.session, jeton)
    except comptes.LienInvalide as erreur:
        return _lien_invalide(erreur)
    form = MotDePasseForm()
    if form.validate_on_submit():
        comptes.definir_mot_de_passe(db.session, compte, form.nouveau.data)  # ends every session of the account
        sessions.fermer_celle_ci()  # whoever was logged in on this browser, the next step is a fresh login
        db.session.commit()
        flash(gettext("Votre mot de passe a bien été enregistré. Vous pouvez maintenant vous identifier avec votre "
                      "identifiant (votre numéro étranger) et ce mot de passe."), "success")
        return redirect(url_for("auth.connexion"))
    page = render_template("auth/mot_de_passe.html", form=form, jeton=jeton, premier=objet == comptes.CREATION)
    return page, 422 if form.errors else 200


@bp.after_request
def pas_de_jeton_dans_le_referer(response: Response) -> Response:
    """The link's token is in the address: it must not leave for another site in a Referer header. Same-origin
    requests keep it: over HTTPS, Flask-WTF's CSRF check refuses a POST without a same-origin Referer."""
    if request.endpoint == "auth.mot_de_passe":
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/mot-de-passe-oublie", methods=["GET", "POST"])
def mot_de_passe_oublie() -> str | Response | tuple[str, int]:
    """« Mot de passe oublié ? » : un nouveau lien de 24 heures, envoyé à l'adresse du compte."""
    form = MotDePasseOublieForm()
    if form.validate_on_submit():
        _reserver((OUBLIS_PAR_IDENTIFIANT, form.identifiant.data), OUBLIS_PAR_ADRESSE_IP)
        # Counted in the request's transaction: a known and an unknown identifiant both commit one write.
        envoyer = limites.place_libre(LIENS_PAR_COMPTE, form.identifiant.data, session=db.session)
        comptes.demander_reinitialisation(db.session, form.identifiant.data, envoyer=envoyer)
        db.session.commit()
        return redirect(url_for("auth.oubli_enregistre"))
    return render_template("auth/mot_de_passe_oublie.html", form=form), 422 if form.errors else 200


@bp.route("/mot-de-passe-oublie/demande-enregistree")
def oubli_enregistre() -> str:
    """The same answer whether the identifiant has an account or not."""
    return render_template("auth/oubli_enregistre.html")


# --- FranceConnect (F-03) -----------------------------------------------------------------------------------------

FC_INDISPONIBLE = lazy_gettext("FranceConnect n'est pas disponible sur cette instance : aucun fournisseur d'identité "
                               "n'y est configuré. Identifiez-vous avec votre identifiant et votre mot de passe.")
FC_ECHEC = lazy_gettext("La connexion avec FranceConnect n'a pas abouti. Vous pouvez réessayer, ou vous identifier "
                        "avec votre identifiant et votre mot de passe.")


def _page_franceconnect(message: str, statut: int = 200) -> tuple[str, int]:
    return render_template("auth/indisponible.html", titre="FranceConnect", message=message), statut


@bp.route("/franceconnect", endpoint="franceconnect")
def franceconnect_debut() -> Response | tuple[str, int]:
    """« S'identifier avec FranceConnect » : vers le fournisseur d'identité, s'il est configuré."""
    fc = franceconnect.client()
    if fc is None:
        return _page_franceconnect(FC_INDISPONIBLE)
    suivant = suivant_ou(request.args.get("next"), url_for("pages.accueil"))
    try:
        reponse = fc.authorize_redirect(franceconnect.url_retour("auth.franceconnect_retour"),
                                        **franceconnect.parametres_autorisation())
    except (requests.RequestException, ValueError, KeyError, RuntimeError) as err:
        current_app.logger.warning("FranceConnect injoignable : %s", type(err).__name__)
        return _page_franceconnect(FC_ECHEC, 502)
    session["fc_suivant"] = suivant
    return reponse


@bp.route("/franceconnect/retour")
def franceconnect_retour() -> Response | tuple[str, int]:
    """Retour de FranceConnect : le code est échangé, l'identité rattachée au registre, la session ouverte."""
    fc = franceconnect.client()
    if fc is None:
        abort(404)
    if request.args.get("error") == "access_denied":
        return _page_franceconnect(gettext("Vous avez annulé la connexion avec FranceConnect. Vous pouvez réessayer, "
                                           "ou vous identifier avec votre identifiant et votre mot de passe."))
    try:
        token = fc.authorize_access_token()
        identite = franceconnect.identite(fc, token)
    except (OAuthError, JoseError, franceconnect.ReponseInvalide, requests.RequestException, ValueError,
            KeyError) as err:
        current_app.logger.warning("FranceConnect : échec du retour (%s : %s)", type(err).__name__, str(err)[:200])
        return _page_franceconnect(FC_ECHEC, 400)
    try:
        compte = comptes.rattacher_franceconnect(db.session, identite)
        db.session.commit()
    except comptes.IdentiteNonRattachee:
        db.session.rollback()
        return render_template("auth/franceconnect_inconnu.html"), 403
    except (comptes.CompteDejaRattache, IntegrityError):
        db.session.rollback()
        return _page_franceconnect(gettext("Votre compte est déjà associé à une autre identité FranceConnect. "
                                           "Identifiez-vous avec votre identifiant et votre mot de passe."), 409)
    suivant = session.get("fc_suivant")
    ouvrir_session(compte)
    if token.get("id_token"):
        session["fc_id_token"] = token["id_token"]  # for the logout at FranceConnect
    return redirect(suivant_ou(suivant, url_for("pages.accueil")))


@bp.route("/franceconnect/deconnecte")
def franceconnect_fin() -> Response:
    """Back from FranceConnect's logout (this session was already closed before leaving)."""
    flash(gettext("Vous êtes déconnecté(e)."), "info")
    return redirect(url_for("pages.accueil"))
