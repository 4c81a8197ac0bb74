"""The applicant's answer to a « Demande de complément » (F-15): the new files of the round and the
values handed to the process.

Files given in answer to the n-th complement are documents of `tour` n (same rules as F-10, 3 new
files at most per document). A document the applicant maintains keeps its earlier files: any file
uploaded for it during the round is dropped when the answer is sent. Receiving and removing the files is
`app/televersements.py`, shared with step 3.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask_babel import lazy_gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from . import documents
from .forms.justificatifs import EPHOTO, normaliser_ephoto
from .forms.repondre_complement import MAINTENIR, METTRE_A_JOUR
from .models import Document
from .televersements import fiche
from .workflow.store import journaliser

EPHOTO_INVALIDE = lazy_gettext("Pour mettre à jour la photographie, saisissez le nouveau « Numéro ephoto » : 22 "
                                "caractères (chiffres ou lettres), tels qu'ils sont imprimés sur votre planche de "
                                "photos d'identité.")


def fichiers_du_tour(session: Session, demande_id: int, tour: int) -> dict[str, list[Document]]:
    """The files given during this round, by document code."""
    rows = session.scalars(select(Document).where(Document.demande_id == demande_id, Document.tour == tour)
                           .order_by(Document.id))
    groupes: dict[str, list[Document]] = {}
    for document in rows:
        groupes.setdefault(document.piece, []).append(document)
    return groupes


def ephoto_saisi(formulaire: Any, code: str) -> str:
    return normaliser_ephoto(formulaire.get(f"ephoto_{code}", ""))  # as step 3 reads it


def nouveaux(session: Session, demande_id: int, tour: int, pieces: dict[str, dict[str, Any]]) -> dict[str, int]:
    """What the form's validation needs: how many new files (or a new ephoto number) per document."""
    compte = {code: len(docs) for code, docs in fichiers_du_tour(session, demande_id, tour).items()}
    for code, piece in pieces.items():
        if piece.get("nature") == "ephoto":
            compte[code] = 1  # a number, not a file: checked by `erreurs_ephoto`
    return compte


def erreurs_ephoto(form: Any, pieces: dict[str, dict[str, Any]], formulaire: Any) -> bool:
    """A new ephoto number given to update the photograph must have 22 digits; adds the error, returns ok."""
    ok = True
    for code in form.codes:
        if pieces.get(code, {}).get("nature") != "ephoto" or form[f"reponse_{code}"].data != METTRE_A_JOUR:
            continue
        if not EPHOTO.match(ephoto_saisi(formulaire, code)):
            form[f"reponse_{code}"].errors.append(EPHOTO_INVALIDE)
            ok = False
    return ok


def reponse(session: Session, demande_id: int, tour: int, data: dict[str, Any], valeurs: dict[str, Any],
            pieces: dict[str, dict[str, Any]], formulaire: Any,
            acteur: str = "usager") -> tuple[dict[str, Any], list[Path]]:
    """The values given to the process with the answer, and the files to unlink after commit.

    For each document: the choice and the reasons (from the form), and the new files (or ephoto
    number) when updated; `documents` (the current files per document) follows the updates. Each document
    maintained or replaced is an event of the audit log (F-42), written by `acteur`.
    """
    valeurs = {**valeurs, "reponse_complement": {c: dict(r) for c, r in valeurs["reponse_complement"].items()}}
    actuels = {code: list(ids) for code, ids in (data.get("documents") or {}).items()}
    du_tour = fichiers_du_tour(session, demande_id, tour)
    abandonnes: list[Document] = []
    for code, choix in valeurs["reponse_complement"].items():
        choix["fichiers"] = []
        evenement: dict[str, Any] = {"piece": code, "tour": tour, "fichiers": actuels.get(code, [])}
        if choix["choix"] == MAINTENIR:
            abandonnes.extend(du_tour.get(code, []))
            journaliser(session, demande_id, acteur, "document_maintenu", {
                **evenement, "raison": choix.get("raison", ""),
                "ecartes": [fiche(d) for d in du_tour.get(code, [])]})
        elif pieces.get(code, {}).get("nature") == "ephoto":
            choix["ephoto"] = valeurs["ephoto"] = ephoto_saisi(formulaire, code)
            journaliser(session, demande_id, acteur, "document_remplace", {
                "piece": code, "tour": tour, "ephoto": choix["ephoto"]})
        else:
            journaliser(session, demande_id, acteur, "document_remplace", {
                **evenement, "remplaces": actuels.get(code, []), "fichiers": [fiche(d) for d in du_tour.get(code, [])]})
            choix["fichiers"] = actuels[code] = [d.id for d in du_tour.get(code, [])]
    valeurs["documents"] = actuels
    valeurs["tour_complement"] = tour
    return valeurs, documents.supprimer(session, abandonnes) if abandonnes else []


def resume(session: Session, valeurs: dict[str, Any]) -> dict[str, Any]:
    """The answer as the notification keeps it (shown to the applicant afterwards): choices, reasons, files."""
    ids = [i for r in valeurs["reponse_complement"].values() for i in r.get("fichiers", [])]
    noms = dict(session.execute(select(Document.id, Document.nom_original).where(Document.id.in_(ids))).all()) \
        if ids else {}
    return {
        "documents": {code: {**r, "fichiers": [{"id": i, "nom": noms.get(i, "")} for i in r.get("fichiers", [])]}
                      for code, r in valeurs["reponse_complement"].items()},
        "message_usager": valeurs.get("message_usager", ""),
    }
