"""Pages outside the steps: home tiles, situation choice, preamble, « Mes demandes en cours »."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext, lazy_gettext
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import defer, joinedload
from werkzeug.wrappers import Response
from wtforms import RadioField
from wtforms.fields import SelectChoice
from wtforms.validators import InputRequired

from .. import confirmations, pieces
from ..extensions import db
from ..i18n import N_
from ..models import Demande, VersionProcessus
from ..pdf import render_pdf
from ..workflow import contrat
from ..workflow.specs import ProcessBundle, lane_user_tasks
from ..workflow.textes_du_processus import textes
from .acces import store, usager_requis

bp = Blueprint("pages", __name__)

ASE, TIERS = "ase", "tiers"  # the values of contrat.PLACEMENTS, kept as the data « placement » of the application
# Labels marked for the catalogue (N_), translated where the page shows them.
VULNERABILITE = N_("Je suis en situation de vulnérabilité")
MOTIF_ASE = N_("En tant qu'étranger confié à l'ASE (Aide Sociale à l'Enfance)")
MOTIF_TIERS = N_("En tant qu'étranger confié à un tiers digne de confiance")
# The refusals: lazy, worded in the page's language when shown.
CHOISIR_SITUATION = lazy_gettext("Choisissez votre situation : « Je suis en situation de vulnérabilité ».")
CHOISIR_MOTIF = lazy_gettext("Choisissez « En tant qu'étranger confié à l'ASE (Aide Sociale à l'Enfance) » ou « En "
                             "tant qu'étranger confié à un tiers digne de confiance » pour continuer.")
PLACEMENT_CHOISI = "placement"  # session key: the choice, given to the draft that « Je continue » starts


class SituationForm(FlaskForm):
    situation = RadioField(
        "Je sollicite un titre de séjour :",
        choices=[SelectChoice("vulnerabilite", VULNERABILITE)],
        validators=[InputRequired(CHOISIR_SITUATION)],
        invalid_choice_message=CHOISIR_SITUATION,
    )
    motif = RadioField(
        "Motif",
        choices=[SelectChoice(ASE, MOTIF_ASE), SelectChoice(TIERS, MOTIF_TIERS)],
        validators=[InputRequired(CHOISIR_MOTIF)],
        invalid_choice_message=CHOISIR_MOTIF,
    )


@bp.route("/")
def accueil() -> str:
    """Accueil : les tuiles des démarches (F-04)."""
    return render_template("pages/accueil.html")


@bp.route("/demarche-indisponible")
def indisponible() -> str:
    """Une démarche présentée mais non disponible sur cette instance."""
    return render_template("pages/indisponible.html", demarche=request.args.get("d", ""))


@bp.route("/titre-de-sejour", methods=["GET", "POST"])
@usager_requis
def situation() -> str | Response:
    """« Votre situation actuelle » : choix du profil (confié à l'ASE ou à un tiers digne de confiance, F-17), puis
    « Je commence »."""
    form = SituationForm()
    if form.validate_on_submit():
        session[PLACEMENT_CHOISI] = form.motif.data
        return redirect(url_for("pages.preambule"))
    return render_template("pages/situation.html", form=form, titres=current_user.personne.titres)


@bp.route("/titre-de-sejour/preambule")
@usager_requis
def preambule() -> str:
    """« Votre démarche en ligne » : les étapes du processus en vigueur, la liste des pièces, « Je continue » (F-05)."""
    # the version new applications take now (F-45: a publication is seen without restart)
    return render_template("pages/preambule.html", form=FlaskForm(),
                           processus=textes(store().catalog.current_bundle(db.session)))


@bp.route("/titre-de-sejour/liste-des-pieces-justificatives.pdf")
def liste_des_pieces() -> Response:
    """« Télécharger la liste des pièces justificatives » (F-23): drawn from the DMN table of step 3."""
    catalog = current_app.extensions["demandes"].catalog
    engine = catalog.engine(catalog.current_version(db.session))  # what new applications take
    cache = current_app.extensions.setdefault("pdf_liste_pieces", {})
    if engine.bundle.content_hash not in cache:
        groupes, nombre_cas = pieces.liste(engine)
        cache[engine.bundle.content_hash] = render_pdf(
            "pdf/liste_pieces.html", groupes=groupes, nombre_cas=nombre_cas, lignes_aide=pieces.lignes_aide,
            url_traducteurs=current_app.config["URL_TRADUCTEURS"],
            url_photographes=current_app.config["URL_PHOTOGRAPHES"],
        )
    response = make_response(cache[engine.bundle.content_hash])
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = 'inline; filename="liste-des-pieces-justificatives.pdf"'
    return response


@bp.route("/mes-demandes")
@usager_requis
def mes_demandes() -> str:
    """« Mes demandes en cours » (F-13): sent applications, drafts to resume, titles held."""
    demandes = db.session.scalars(
        select(Demande).where(Demande.compte_id == current_user.id).order_by(Demande.creee_le.desc(), Demande.id.desc())
        # F-47: the version's hash names its parsed process; its files (a large JSON) are read only if not parsed yet
        .options(defer(Demande.saisie_en_cours), joinedload(Demande.version_processus).defer(VersionProcessus.fichiers))
    ).all()
    if request.args.get("onglet") not in (None, "titre-sejour"):
        flash(gettext("Cette rubrique n'est pas disponible sur cette instance."), "info")
    envoyees = {d.id for d in demandes if d.numero and not d.incident and _attend_un_agent(d)}
    return render_template("pages/mes_demandes.html", demandes=demandes, envoyees=envoyees,
                           confirmations=confirmations.disponibles(db.session, demandes),
                           personne=current_user.personne, nombre_d_etapes=_nombre_d_etapes)


def _processus_de(demande: Demande) -> ProcessBundle | None:
    """The application's own process version; None (logged) if it cannot be parsed: its applications go in incident
    when opened, not on this list."""
    try:
        return store().catalog.engine(demande.version_processus).bundle
    except Exception:
        current_app.logger.exception("version du processus illisible (demande %s)", demande.id)
        return None


def _nombre_d_etapes(demande: Demande) -> int | None:
    """How many steps the draft's own process version has; None if that version cannot be read."""
    bundle = _processus_de(demande)
    return len(textes(bundle).etapes) if bundle is not None else None


def _attend_un_agent(demande: Demande) -> bool:
    """At a user task of lane « Agent » of its process (examen, décision): for the applicant, « Demande envoyée »."""
    bundle = _processus_de(demande)
    return bundle is not None and demande.etat in lane_user_tasks(bundle, contrat.AGENT)
