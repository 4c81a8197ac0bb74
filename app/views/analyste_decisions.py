"""The analysts' decision tables (F-43, F-45): each DMN table of a process version, drawn by dmn-js and written as an
HTML table, and « Essayer la décision » — values typed in a form, run by the version's own DMN engine.

The XML reaches dmn-js through `analyste.fichier_version` (app/views/analyste_processus.py); the values typed are
parsed by type in app/workflow/essai_decision.py and never evaluated as an expression.
"""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, make_response, render_template, request, url_for
from sqlalchemy import select

from ..extensions import db
from ..models import VersionProcessus
from ..workflow import essai_decision
from ..workflow.specs import ProcessBundle, ProcessDefinitionError
from .acces import analyste_requis, store
from .analyste import bp

VERSIONS_LISTEES = 20  # the latest versions offered beside the tables; the versions page lists them all


def _version(version_id: int) -> VersionProcessus:
    version = db.session.get(VersionProcessus, version_id)
    if version is None:
        abort(404)
    return version


def _courante() -> VersionProcessus:
    return store().catalog.current_version(db.session)


def _bundle(version: VersionProcessus) -> ProcessBundle:
    """The parsed files of the version; an old version this code can no longer read is said, not a 500."""
    try:
        return store().catalog.engine(version).bundle
    except ProcessDefinitionError as err:
        current_app.logger.warning("version %s illisible : %s", version.id, err)
        abort(make_response(render_template(
            "erreur.html", titre="Version illisible",
            message="Cette version du processus ne peut plus être lue par le code actuel : ses tables de décision "
                    "ne peuvent pas être montrées."), 409))


def _liste(version: VersionProcessus) -> str:
    courante = _courante()
    versions = db.session.scalars(
        select(VersionProcessus).order_by(VersionProcessus.id.desc()).limit(VERSIONS_LISTEES)).all()
    return render_template(
        "analyste/decisions.html", version=version, courante=version.id == courante.id,
        tables=essai_decision.tables(_bundle(version)), versions=versions, id_courante=courante.id,
        versions_existe="analyste.versions" in current_app.view_functions,
    )


@bp.route("/decisions")
@analyste_requis
def decisions() -> str:
    """Les tables de décision de la version courante du processus."""
    return _liste(_courante())


@bp.route("/versions/<int:version_id>/decisions")
@analyste_requis
def decisions_version(version_id: int) -> str:
    """Les tables de décision d'une version enregistrée."""
    return _liste(_version(version_id))


@bp.route("/versions/<int:version_id>/decisions/<decision_id>", methods=["GET", "POST"])
@analyste_requis
def decision(version_id: int, decision_id: str) -> tuple[str, int] | str:
    """Une table de décision dessinée par dmn-js, ses règles en tableau, et « Essayer la décision »."""
    version = _version(version_id)
    bundle = _bundle(version)
    try:
        table = essai_decision.table(bundle, decision_id)
    except essai_decision.DecisionInconnue:
        abort(404)
    valeurs: dict[str, str] = {}
    resultat = None
    if request.method == "POST":
        valeurs = {e.champ: request.form.get(e.champ, "") for e in table.entrees}
        resultat = essai_decision.essayer(bundle, decision_id, valeurs)
    page = render_template(
        "analyste/decision.html", version=version, courante=version.id == _courante().id, table=table,
        valeurs=valeurs, resultat=resultat, erreurs=resultat.erreurs if resultat else {},
        xml_url=url_for("analyste.fichier_version", version_id=version.id, nom=table.fichier)
        if table.fichier and "analyste.fichier_version" in current_app.view_functions else "",
        libelles=_libelles(table), autre=essai_decision.AUTRE,
    )
    return (page, 422) if resultat is not None and (resultat.erreurs or resultat.echec) else page


def _libelles(table: essai_decision.TableDecision) -> dict[str, Any]:
    """Field name → label, for the error summary."""
    return {e.champ: e.libelle for e in table.entrees}
