"""Étape 3 — Justificatifs (F-10, F-22): one upload block per document the DMN requires for the case.

Besides the navigation buttons, the page has its own actions: « Joindre un document » (any file
chosen on the page is received, whatever button was pressed: nothing chosen is lost),
« SUPPRIMER <FICHIER> », « Confirmer le numéro ephoto », « Supprimer le numéro ephoto ».
Refusals are shown next to their block. The files were received and judged before the transaction
(`documents.Reception`, built by the task-page loop): `app/televersements.py` checks the limits and inserts the
rows, as for the answer to a complement.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask import flash, redirect, url_for
from werkzeug.wrappers import Response

from .. import documents, televersements
from ..extensions import db
from ..workflow.store import Instance
from .fields import Saisie

RUBRIQUES = ("INFORMATIONS PERSONNELLES", "DOMICILE", "MOTIF DE SÉJOUR")
EPHOTO = re.compile(r"^[0-9]{22}$")  # ASCII digits: \d would accept « ２ »


class Form(Saisie):
    pass


def build(data: dict[str, Any], formdata: Any = None) -> Form:
    return Form(formdata=formdata)


def values(form: Form) -> dict[str, Any]:
    return {}


def by_rubrique(pieces: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    groups = [(r, [p for p in pieces if p.get("rubrique") == r]) for r in RUBRIQUES]
    others = [p for p in pieces if p.get("rubrique") not in RUBRIQUES]
    return [(r, ps) for r, ps in groups if ps] + ([("AUTRES", others)] if others else [])


def contexte(demande: Any, data: dict[str, Any]) -> dict[str, Any]:
    return {"documents": documents.par_piece(db.session, demande.id), "ephoto": data.get("ephoto")}


@dataclass
class Page:
    """What the step's own actions need: the loaded instance (its methods change the workflow), the task, the
    request, and the request's files already received and judged."""

    instance: Instance
    task: Any
    demande: Any
    compte_id: int
    request: Any
    reception: documents.Reception


def _erreur(piece: str, message: str) -> None:
    flash(message, f"piece:{piece}")


def _recevoir_les_fichiers(page: Page, pieces: dict[str, dict[str, Any]]) -> None:
    instance = page.instance
    for code, refus in televersements.recevoir(instance.session, page.demande.id, page.compte_id, pieces,
                                               page.reception, instance.apres_commit):
        _erreur(code, refus)


def _confirmer_ephoto(page: Page) -> None:
    numero = re.sub(r"\s", "", page.request.form.get("ephoto", ""))
    if not EPHOTO.match(numero):
        _erreur("ephoto", "Le « Numéro ephoto » doit comporter exactement 22 chiffres.")
        return
    page.instance.update_ready(page.task.id, {"ephoto": numero})


def _manquants(page: Page, pieces: list[dict[str, Any]]) -> list[str]:
    presents = documents.par_piece(page.instance.session, page.demande.id)
    tache = page.instance.tache(page.task.id)
    ephoto = (tache or page.task).data.get("ephoto")
    manquants = []
    for piece in pieces:
        if not piece.get("obligatoire"):
            continue
        if piece.get("nature") == "ephoto" and not ephoto:
            _erreur(piece["code"], "Le « Numéro ephoto (22 chiffres) » est obligatoire : saisissez-le puis cliquez "
                                   "sur « Confirmer le numéro ephoto ».")
            manquants.append(piece["code"])
        elif piece.get("nature") != "ephoto" and not presents.get(piece["code"]):
            _erreur(piece["code"], f"Joignez au moins un fichier pour « {piece['titre']} ».")
            manquants.append(piece["code"])
    return manquants


def traiter(page: Page, action: str) -> Response | None:
    """The step's own actions; None lets the view carry on with the navigation button."""
    pieces = {p["code"]: p for p in page.task.data.get("pieces", [])}
    _recevoir_les_fichiers(page, pieces)
    etape = redirect(url_for("demarche.etape", demande_id=page.demande.id))
    if action.startswith("supprimer:"):
        televersements.retirer(page.instance.session, page.demande.id, action.partition(":")[2],
                               page.instance.apres_commit)
        return etape
    if action == "ephoto_confirmer":
        _confirmer_ephoto(page)
        return etape
    if action == "ephoto_supprimer":
        page.instance.update_ready(page.task.id, {"ephoto": None})
        return etape
    if action == "joindre":
        return etape
    if action == "poursuivre":
        if page.request.form.get("ephoto", "").strip():
            _confirmer_ephoto(page)
        if _manquants(page, list(pieces.values())):
            flash("Certains documents justificatifs manquent : voyez les messages sous chaque document.", "error")
            return etape
        # The files given, per document, go into the process data with the step.
        presents = documents.par_piece(page.instance.session, page.demande.id)
        page.instance.update_ready(page.task.id, {
            "documents": {code: [d.id for d in docs] for code, docs in presents.items()}})
    return None
