"""The versions of the process for analysts (F-41, F-44): every version with its files changed and the applications
running on it; one version's files, its running applications by element, and a SIMULATION of their migration toward
the current version. Moving them is the command line's (`flask processus migrer`), never a page's.
"""

from __future__ import annotations

from flask import abort, current_app, render_template

from .. import clock, versions
from ..extensions import db
from ..models import VersionProcessus
from ..workflow.empreinte import empreinte
from .acces import analyste_requis, store
from .analyste import bp

SIMULATION_MAX = 200  # applications simulated on one page view (each one loads its workflow)


def _noms(version: VersionProcessus) -> dict[str, str]:
    """bpmn id → name of every element of the version, when the code can still read it."""
    try:
        bundle = store().catalog.engine(version).bundle
    except Exception:  # noqa: BLE001 — an unreadable old version still lists its counts, by id
        return {}
    return {ts.bpmn_id: ts.bpmn_name or ts.bpmn_id for ts in bundle.all_task_specs() if ts.bpmn_id}


@bp.route("/versions", endpoint="versions")
@analyste_requis
def versions_liste() -> str:
    """Les versions du processus : empreinte, dates, origine, fichiers changés, demandes en cours."""
    return render_template("analyste/versions.html", lignes=versions.lister(db.session, store().catalog),
                           diagramme_existe="analyste.processus_version" in current_app.view_functions)


@bp.route("/versions/<int:version_id>")
@analyste_requis
def version(version_id: int) -> str:
    """Une version : ses fichiers, ses demandes en cours par élément, la simulation de leur migration."""
    catalog = store().catalog
    version = db.session.get(VersionProcessus, version_id)
    if version is None:
        abort(404)
    ligne = next(ligne for ligne in versions.lister(db.session, catalog) if ligne.id == version.id)
    courante = catalog.current_version(db.session)
    noms = _noms(version)
    par_element = sorted(versions.en_cours_par_element(db.session, catalog, version).items(),
                         key=lambda item: (-item[1], item[0]))
    fichiers = [(nom, empreinte({nom: texte})[:12]) for nom, texte in sorted(version.fichiers.items())]
    rapport, raison = None, None
    if version.id == courante.id:
        raison = "C'est la version que prennent les nouvelles demandes : il n'y a pas de version plus récente."
    elif version.id > courante.id:
        raison = "Cette version est plus récente que la version courante : on ne migre que vers une version plus " \
                 "récente."
    elif ligne.en_cours:
        rapport = versions.migrer(db.session, store(), version, courante, "analyste", clock.today(), True,
                                  limite=SIMULATION_MAX)
    return render_template(
        "analyste/version.html", version=version, ligne=ligne, courante=courante, noms=noms,
        par_element=par_element, fichiers=fichiers, rapport=rapport, raison=raison, limite=SIMULATION_MAX,
        commande=f"flask --app app processus migrer --de {version.id} --vers {courante.id}",
        diagramme_existe="analyste.processus_version" in current_app.view_functions,
    )
