"""The analysts' pages on paths (F-43, F-45): one application's path on its diagram with its timeline, and the flows
no workflow test takes, from the last coverage relevé (`make couverture`)."""

from __future__ import annotations

from flask import abort, current_app, render_template, url_for

from .. import clock, parcours_vue, processus_vue
from ..extensions import db
from ..models import Demande
from .acces import analyste_requis, store
from .analyste import bp


@bp.route("/demandes/<int:demande_id>/parcours")
@analyste_requis
def parcours(demande_id: int) -> str:
    """Le parcours d'une demande : les éléments par lesquels elle est passée, où elle en est, sa chronologie."""
    demande = db.session.get(Demande, demande_id)
    if demande is None:
        abort(404)
    chemin = parcours_vue.vue(store(), demande, clock.today())
    version = demande.version_processus
    return render_template(
        "analyste/parcours.html", demande=demande, version=version, vue=chemin,
        xml_url=url_for("analyste.fichier_version", version_id=version.id, nom=chemin.fichier) if chemin.fichier
        else "",
        faits=parcours_vue.chronologie_analyste(db.session, demande),
    )


@bp.route("/couverture")
@analyste_requis
def couverture() -> str:
    """Les flux du processus qu'aucun test ne prend, d'après le dernier relevé des tests du processus."""
    version = store().catalog.current_version(db.session)
    fichier = processus_vue.diagramme(version).fichier
    return render_template(
        "analyste/couverture.html", version=version,
        vue=parcours_vue.vue_couverture(current_app.config["COUVERTURE_FICHIER"], version),
        xml_url=url_for("analyste.fichier_version", version_id=version.id, nom=fichier) if fichier else "",
    )
