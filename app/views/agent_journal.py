"""The audit trail as CSV (F-42): one application's events, or a period's events of the agent's prefectures.

Agents export what they may see: one application of their prefectures (`_demande`, as its review page), a period
of their prefectures' applications; administrators every application of a period. The CSV is streamed (a period
can hold many events), `;`-separated UTF-8 with a BOM, as French Excel opens it.
"""

from __future__ import annotations

from typing import Any

from flask import Response, render_template, request, stream_with_context

from .. import clock, instruction, journal
from ..extensions import db
from ..models import VersionProcessus
from ..workflow.textes_du_processus import TextesDuProcessus, textes
from .acces import agent_requis, store
from .agent import _agent, _demande, bp

CSV = "text/csv; charset=utf-8"


def _textes_des_versions() -> Any:
    """Each version's texts, read once per export; None for a version this code can no longer run."""
    lus: dict[int, TextesDuProcessus | None] = {}

    def lire(version_id: int) -> TextesDuProcessus | None:
        if version_id not in lus:
            try:
                lus[version_id] = textes(store().catalog.engine(db.session.get(VersionProcessus, version_id)).bundle)
            except Exception:  # the catalogue's labels are used instead
                lus[version_id] = None
        return lus[version_id]

    return lire


def _reponse(lignes: Any, nom: str) -> Response:
    reponse = Response(stream_with_context(lignes), mimetype=CSV)
    reponse.headers["Content-Disposition"] = f'attachment; filename="{nom}"'
    reponse.headers["Cache-Control"] = "no-store"
    return reponse


@bp.route("/demandes/<int:demande_id>/journal.csv")
@agent_requis
def journal_demande_csv(demande_id: int) -> Response:
    """Le journal d'une demande des préfectures de l'agent, en CSV (un événement par ligne, dans l'ordre)."""
    demande = _demande(demande_id)
    titres: dict[str, str] = {}
    try:  # the documents' titles, as the review page names them
        with store().open(demande.id, clock.today(), write=False) as instance:
            titres = {p["code"]: p["titre"] for p in instance.data().get("pieces", []) if "code" in p}
    except Exception:  # an application in incident still has its journal: the documents keep their codes
        db.session.rollback()
    nom = f"journal-demande-{demande.numero or demande.id}.csv"
    return _reponse(journal.csv_evenements(db.session, journal.requete_demande(demande.id), _textes_des_versions(),
                                           titres), nom)


def _formulaire(erreur: str | None = None, statut: int = 200) -> tuple[str, int]:
    return render_template("agent/journal.html", erreur=erreur, du=request.args.get("du", ""),
                           au=request.args.get("au", ""), maximum=journal.PERIODE_MAX,
                           administrateur=_agent().administrateur), statut


@bp.route("/journal", endpoint="journal")
@agent_requis
def journal_periode() -> tuple[str, int]:
    """« Exporter le journal » : les deux dates de la période à exporter."""
    return _formulaire()


@bp.route("/journal.csv")
@agent_requis
def journal_csv() -> Any:
    """Le journal d'une période (du … au …, inclus) : les demandes des préfectures de l'agent, toutes pour un
    administrateur. Des dates absentes ou fausses ramènent au formulaire avec le message (400)."""
    try:
        debut, fin = journal.periode(request.args.get("du"), request.args.get("au"))
    except journal.PeriodeInvalide as err:
        return _formulaire(str(err), 400)
    agent = _agent()
    conditions = [] if agent.administrateur else instruction.perimetre(agent)
    requete = journal.requete_periode(*journal.bornes(debut, fin), conditions)
    return _reponse(journal.csv_evenements(db.session, requete, _textes_des_versions()),
                    f"journal-{debut.isoformat()}-{fin.isoformat()}.csv")
