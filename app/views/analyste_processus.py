"""The analysts' process view (F-43): a version's files as XML, its diagram with the number of applications waiting
at each element, and the applications waiting at one element (numbers only, never a name).

The diagram is drawn in the browser by bpmn-js (app/static/js/diagramme.js) from the XML route below; the counts
travel in a data-* attribute and are also written as an HTML table for screen readers.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from flask import Response, abort, current_app, render_template, request, url_for

from .. import processus_vue
from ..entiers import entier
from ..extensions import db
from ..models import VersionProcessus
from .acces import analyste_requis, store
from .analyste import bp


def reponse_xml(texte: str, nom: str) -> Response:
    """One process file as XML, shown inline (bpmn-js fetches it; an analyst may also open it)."""
    reponse = Response(texte, mimetype="application/xml")
    reponse.headers["Content-Type"] = "application/xml; charset=utf-8"
    nom_simple = PurePosixPath(nom).name.replace('"', "")
    reponse.headers["Content-Disposition"] = f'inline; filename="{nom_simple}"'
    reponse.headers["Cache-Control"] = "private, no-cache"
    return reponse


def _version(version_id: int) -> VersionProcessus:
    version = db.session.get(VersionProcessus, version_id)
    if version is None:
        abort(404)
    return version


def _page_demandee() -> int:
    return max(1, entier(request.args.get("page"), maximum=10**6) or 1)


@bp.route("/versions/<int:version_id>/fichiers/<path:nom>")
@analyste_requis
def fichier_version(version_id: int, nom: str) -> Response:
    """Un fichier BPMN ou DMN d'une version enregistrée, tel quel."""
    fichiers = _version(version_id).fichiers
    if nom not in fichiers:
        abort(404)
    return reponse_xml(fichiers[nom], nom)


def _vue(version: VersionProcessus) -> str:
    courante = store().catalog.current_version(db.session)
    diag = processus_vue.diagramme(version)
    nombres = processus_vue.comptes(db.session, version.id)
    return render_template(
        "analyste/processus.html",
        version=version,
        courante=version.id == courante.id,
        xml_url=url_for("analyste.fichier_version", version_id=version.id, nom=diag.fichier) if diag.fichier else "",
        badges=processus_vue.comptes_du_diagramme(nombres, diag),
        lignes=processus_vue.tableau(diag, nombres),
        total=sum(nombres.values()),
        lien=url_for("analyste.element", version_id=version.id, element_id="__ID__"),
        versions_existe="analyste.versions" in current_app.view_functions,
    )


@bp.route("/processus")
@analyste_requis
def processus() -> str:
    """Le diagramme de la version courante, avec le nombre de demandes à chaque élément."""
    return _vue(store().catalog.current_version(db.session))


@bp.route("/versions/<int:version_id>/processus")
@analyste_requis
def processus_version(version_id: int) -> str:
    """Le diagramme d'une version enregistrée, avec ses demandes."""
    return _vue(_version(version_id))


@bp.route("/versions/<int:version_id>/elements/<element_id>")
@analyste_requis
def element(version_id: int, element_id: str) -> str:
    """Les demandes d'une version qui attendent à un élément : numéros, états, dates, départements."""
    version = _version(version_id)
    el = processus_vue.element_valide(version, element_id)
    if el is None:
        abort(404)
    page = processus_vue.a_l_element(db.session, version.id, el.id, _page_demandee())
    courante = store().catalog.current_version(db.session)
    return render_template(
        "analyste/element.html", version=version, courante=version.id == courante.id, element=el, page=page,
        parcours_existe="analyste.parcours" in current_app.view_functions,
    )
