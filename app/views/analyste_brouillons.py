"""Drafts of the process and their publication, in the analysts' space (F-45).

Any analyst may work on any draft (the process is the team's, not one person's; the author is shown); a published
draft is read-only. The work itself is in app/publication.py.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Any

from flask import abort, current_app, flash, jsonify, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from .. import publication
from ..extensions import db
from ..models import Analyste, BrouillonProcessus, VersionProcessus
from .acces import analyste_requis, store
from .analyste import bp
from .analyste_modeleur import avec_les_modeleurs

TYPES_XML = ("application/xml", "text/xml")


def _brouillon(brouillon_id: int) -> BrouillonProcessus:
    brouillon = db.session.get(BrouillonProcessus, brouillon_id)
    if brouillon is None:
        abort(404)
    return brouillon


def _fichier(brouillon: BrouillonProcessus, nom: str) -> str:
    if nom not in brouillon.fichiers or publication.genre(nom) is None:
        abort(404)
    return brouillon.fichiers[nom]


def _dmn_dir() -> Path:
    return Path(current_app.config["DMN_DIR"])


def _acteur() -> str:
    return current_user.get_id()


@bp.route("/brouillons")
@analyste_requis
def brouillons() -> str:
    """« Brouillons et publication » : every draft, its author, dates, state and verdicts."""
    lignes = db.session.execute(
        select(BrouillonProcessus, Analyste).join(Analyste, Analyste.id == BrouillonProcessus.analyste_id)
        .order_by(BrouillonProcessus.modifie_le.desc(), BrouillonProcessus.id.desc())
    ).all()
    versions = {v.id: v for v in db.session.scalars(select(VersionProcessus).where(VersionProcessus.id.in_(
        {b.publie_version_id for b, _ in lignes if b.publie_version_id}
        | {b.base_version_id for b, _ in lignes if b.base_version_id})))}
    return render_template("analyste/brouillons.html", lignes=lignes, versions=versions,
                           courante=store().catalog.current_version(db.session), verdicts=_verdicts)


@bp.route("/brouillons/nouveau", methods=["POST"])
@analyste_requis
def brouillon_creer() -> Response:
    """« Nouveau brouillon » : a copy of the files of the version in force."""
    brouillon = publication.creer(db.session, store().catalog, current_user.id)
    db.session.commit()
    flash(f"Brouillon n° {brouillon.id} créé : une copie de la version en vigueur.", "success")
    return redirect(url_for("analyste.brouillon", brouillon_id=brouillon.id))


def _verdicts(brouillon: BrouillonProcessus) -> dict[str, Any]:
    """What the pages say of a draft's checks and tests, for its files as they are now."""
    essais = brouillon.essais or {}
    a_jour = brouillon.essais_empreinte == publication.empreinte(brouillon)
    if publication.en_cours(brouillon):
        tests = "en_cours"
    elif essais.get("etat") in (publication.REUSSI, publication.ECHOUE) and a_jour:
        tests = essais["etat"]
    elif essais.get("etat") == publication.EN_COURS:
        tests = "perdus"
    else:
        tests = "non_lances"
    verification = brouillon.verification
    return {"verification": "non_faite" if verification is None else ("ok" if not verification else "problemes"),
            "problemes": verification or [], "tests": tests, "essais": essais}


def _page(brouillon: BrouillonProcessus, refus: list[str] | None = None, focus: str | None = None,
          status: int = 200) -> Response:
    catalog = store().catalog
    courante = catalog.current_version(db.session)
    auteur = db.session.get(Analyste, brouillon.analyste_id)
    fichiers = [(nom, publication.genre(nom), PurePosixPath(nom).name) for nom in sorted(brouillon.fichiers)]
    publiee = db.session.get(VersionProcessus, brouillon.publie_version_id) if brouillon.publie_version_id else None
    verdicts = _verdicts(brouillon)
    page = render_template(
        "analyste/brouillon.html", brouillon=brouillon, auteur=auteur, fichiers=fichiers, verdicts=verdicts,
        refus=refus or [], focus=focus or request.args.get("focus"), courante=courante, publiee=publiee,
        identique=publication.empreinte(brouillon) == courante.empreinte,
        base_changee=brouillon.etat == publication.BROUILLON and brouillon.base_version_id != courante.id,
        tests_installes=publication.dossier_tests(current_app).is_dir(), taille_max=publication.TAILLE_MAX,
    )
    reponse = make_response(page, status)
    if verdicts["tests"] == "en_cours":
        reponse.headers["Refresh"] = "10"  # the page comes back by itself while the tests run (no script needed)
    return reponse


@bp.route("/brouillons/<int:brouillon_id>")
@analyste_requis
def brouillon(brouillon_id: int) -> Response:
    """One draft: its files (modeler, download, replace), its verdicts, and the buttons that lead to publication."""
    return _page(_brouillon(brouillon_id))


@bp.route("/brouillons/<int:brouillon_id>/verifier", methods=["POST"])
@analyste_requis
def brouillon_verifier(brouillon_id: int) -> Response:
    """« Vérifier » : the contract check, the allow-list and the decision examples; every problem listed."""
    brouillon = _brouillon(brouillon_id)
    problemes = publication.verifier_brouillon(brouillon, store().catalog, _dmn_dir())
    db.session.commit()
    if not problemes:
        flash("Vérification réussie : le brouillon respecte le contrat, la liste autorisée et les exemples de "
              "décision.", "success")
        return redirect(url_for("analyste.brouillon", brouillon_id=brouillon.id, focus="verdicts"))
    return redirect(url_for("analyste.brouillon", brouillon_id=brouillon.id, focus="erreurs"))


@bp.route("/brouillons/<int:brouillon_id>/essais", methods=["POST"])
@analyste_requis
def brouillon_essais(brouillon_id: int) -> Response:
    """« Lancer les tests du processus » : tests/workflow on the draft's files, in the background."""
    brouillon = _brouillon(brouillon_id)
    erreur = publication.lancer_essais(current_app._get_current_object(), db.session, brouillon)
    if erreur:
        flash(erreur, "error")
    else:
        db.session.expire_all()
        if publication.en_cours(_brouillon(brouillon_id)):
            flash("Tests lancés : la page se met à jour toute seule ; revenez-y dans une minute.", "info")
    return redirect(url_for("analyste.brouillon", brouillon_id=brouillon_id, focus="verdicts"))


@bp.route("/brouillons/<int:brouillon_id>/publier", methods=["POST"])
@analyste_requis
def brouillon_publier(brouillon_id: int) -> Response:
    """« Publier » : the draft becomes the version new applications take, or the page says every reason why not."""
    brouillon = _brouillon(brouillon_id)
    try:
        version = publication.publier(db.session, store().catalog, brouillon, _acteur(), _dmn_dir())
    except publication.PublicationRefusee as refus:
        db.session.commit()  # the verification run again is kept
        return _page(brouillon, refus=refus.raisons, focus="erreurs")  # 200: the page answers, as a form with errors
    db.session.commit()
    flash(f"Brouillon publié : la version {version.empreinte[:12]} est désormais celle des nouvelles demandes. "
          "Les demandes en cours gardent leur version.", "success")
    return redirect(url_for("analyste.brouillon", brouillon_id=brouillon.id))


@bp.route("/brouillons/<int:brouillon_id>/fichiers/<path:nom>.xml")
@analyste_requis
def brouillon_xml(brouillon_id: int, nom: str) -> Response:
    """The draft's file as it stands (the modeler opens it; « Télécharger » saves it)."""
    texte = _fichier(_brouillon(brouillon_id), nom)
    reponse = make_response(texte)
    reponse.headers["Content-Type"] = "application/xml; charset=utf-8"
    if request.args.get("telecharger"):
        reponse.headers["Content-Disposition"] = f'attachment; filename="{PurePosixPath(nom).name}"'
    return reponse


@bp.route("/brouillons/<int:brouillon_id>/fichiers/<path:nom>", methods=["GET", "POST"])
@analyste_requis
@avec_les_modeleurs
def brouillon_fichier(brouillon_id: int, nom: str) -> Any:
    """GET: the file in the modeler. POST: its new text — the modeler's XML body (answer in JSON, with the contract
    check run at once), or the « Remplacer par un fichier » upload (the path without JavaScript)."""
    brouillon = _brouillon(brouillon_id)
    _fichier(brouillon, nom)
    if request.method == "GET":
        return render_template("analyste/brouillon_fichier.html", brouillon=brouillon, nom=nom,
                               genre=publication.genre(nom), nom_court=PurePosixPath(nom).name)
    if request.mimetype in TYPES_XML:
        return _enregistrer_xml(brouillon, nom)
    envoi = request.files.get("fichier")
    if envoi is None or not envoi.filename:
        flash("Choisissez un fichier à envoyer.", "error")
    elif (erreur := publication.remplacer(brouillon, nom, envoi.stream.read(publication.TAILLE_MAX + 1))) is not None:
        flash(f"Fichier refusé : {erreur}", "error")
    else:
        db.session.commit()
        flash(f"« {nom} » remplacé. Vérifiez le brouillon.", "success")
    return redirect(url_for("analyste.brouillon", brouillon_id=brouillon.id, focus="fichiers"))


def _enregistrer_xml(brouillon: BrouillonProcessus, nom: str) -> tuple[Response, int]:
    contenu = request.stream.read(publication.TAILLE_MAX + 1)
    erreur = publication.remplacer(brouillon, nom, contenu)
    if erreur is not None:
        return jsonify(ok=False, problemes=[publication.probleme_en_dict("", "", "", erreur)]), 400
    problemes = publication.verifier_brouillon(brouillon, store().catalog, _dmn_dir())
    db.session.commit()
    return jsonify(ok=True, problemes=problemes), 200
