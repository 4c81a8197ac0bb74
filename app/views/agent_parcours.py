"""The agents' view of one application's path (F-43): its version's diagram with the elements it went through, where
it stands, and its timeline. Only applications of the agent's prefectures (`_demande`: 404 otherwise)."""

from __future__ import annotations

from flask import abort, render_template, url_for
from werkzeug.wrappers import Response

from .. import clock, instruction, parcours_vue
from ..extensions import db
from ..workflow.store import Instance
from ..workflow.textes_du_processus import textes
from .acces import agent_requis, store
from .agent import _demande, bp
from .analyste_processus import reponse_xml


@bp.route("/demandes/<int:demande_id>/processus.bpmn")
@agent_requis
def fichier_processus(demande_id: int) -> Response:
    """Le fichier BPMN de la version du processus que suit la demande."""
    demande = _demande(demande_id)
    fichier = parcours_vue.processus_vue.diagramme(demande.version_processus).fichier
    fichiers = demande.version_processus.fichiers
    if fichier not in fichiers:
        abort(404)
    return reponse_xml(fichiers[fichier], fichier)


@bp.route("/demandes/<int:demande_id>/parcours")
@agent_requis
def parcours(demande_id: int) -> str:
    """Le parcours de la demande sur le diagramme de sa version, avec son historique."""
    demande = _demande(demande_id)
    historique = []

    def lire_historique(instance: Instance) -> None:  # document titles come from what the process knows
        titres = {p.code: p.titre for p in instruction.pieces(db.session, demande, instance.data())}
        historique.extend(instruction.historique(db.session, demande, textes(instance.bundle), titres))

    chemin = parcours_vue.vue(store(), demande, clock.today(), lire_historique)
    return render_template(
        "agent/parcours.html", demande=demande, vue=chemin, historique=historique,
        xml_url=url_for("agent.fichier_processus", demande_id=demande.id),
    )
