"""The agents' process view (F-43): the current version's diagram with the number of applications of their
prefectures waiting at each element, and the list of those applications (with names: they are the agent's).

Only what the queue shows counts (`instruction.perimetre`: deposited, in the agent's prefectures): never a draft.
Applications that follow an older version are not on this diagram; the page says how many there are.
"""

from __future__ import annotations

from flask import abort, render_template, request, url_for
from werkzeug.wrappers import Response

from .. import instruction, processus_vue
from ..entiers import entier
from ..extensions import db
from .acces import agent_requis, store
from .agent import _agent, bp
from .analyste_processus import reponse_xml


@bp.route("/processus/diagramme.bpmn")
@agent_requis
def processus_fichier() -> Response:
    """Le fichier BPMN de la version courante du processus."""
    version = store().catalog.current_version(db.session)
    fichier = processus_vue.diagramme(version).fichier
    if fichier not in version.fichiers:
        abort(404)
    return reponse_xml(version.fichiers[fichier], fichier)


@bp.route("/processus")
@agent_requis
def processus() -> str:
    """Le processus, avec le nombre de demandes de vos préfectures à chaque élément."""
    version = store().catalog.current_version(db.session)
    diag = processus_vue.diagramme(version)
    perimetre = instruction.perimetre(_agent())
    nombres = processus_vue.comptes(db.session, version.id, perimetre)
    return render_template(
        "agent/processus.html",
        version=version,
        badges=processus_vue.comptes_du_diagramme(nombres, diag),
        lignes=processus_vue.tableau(diag, nombres),
        total=sum(nombres.values()),
        autres_versions=processus_vue.hors_version(db.session, version.id, perimetre),
        xml_url=url_for("agent.processus_fichier"),
        lien=url_for("agent.processus_element", element_id="__ID__"),
    )


@bp.route("/processus/elements/<element_id>")
@agent_requis
def processus_element(element_id: str) -> str:
    """Les demandes de vos préfectures qui attendent à un élément du processus."""
    version = store().catalog.current_version(db.session)
    el = processus_vue.element_valide(version, element_id)
    if el is None:
        abort(404)
    page = processus_vue.a_l_element_pour_agent(db.session, version.id, el.id, instruction.perimetre(_agent()),
                                                max(1, entier(request.args.get("page"), maximum=10**6) or 1))
    return render_template("agent/processus_element.html", element=el, page=page)
