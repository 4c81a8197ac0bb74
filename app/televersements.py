"""Files given on a task page, shared by step 3 (Justificatifs) and the answer to a complement (F-10, F-15).

The files were received and judged before the transaction (`documents.Reception`, built by the task-page loop):
here only the limits are checked and the rows inserted or removed, in the action's transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from . import documents
from .entiers import entier
from .models import Document
from .workflow.store import journaliser, journaliser_plusieurs


def recevoir(session: Session, demande_id: int, compte_id: int, pieces: dict[str, dict[str, Any]],
             reception: documents.Reception, apres_commit: list[Callable[[], None]],
             tour: int = 0) -> list[tuple[str, str]]:
    """Attach every file chosen on the page (fields `fichier_<code>`) to its document; `tour` is the complement
    round (0: the draft). Returns the refusals (code, French message), to show next to their block."""
    refus, joints_ici = [], []
    codes: Iterable[str] = [code for code, piece in pieces.items() if piece.get("nature") != "ephoto"]
    televersements = reception.pour(codes)
    if not televersements:
        return refus
    joints = documents.compter_joints(session, demande_id, tour, {t.code for t in televersements})
    for televersement in televersements:
        if televersement.recu is None:
            refus.append((televersement.code, televersement.refus or ""))
            continue
        try:
            joints_ici.append(documents.joindre(session, demande_id, compte_id, pieces[televersement.code],
                                                televersement.recu, apres_commit, tour, joints))
        except documents.DocumentRefuse as err:
            refus.append((televersement.code, str(err)))
    session.flush()  # the rows together; their ids for the audit log
    journaliser_plusieurs(session, demande_id, f"usager:{compte_id}", "document_televerse",
                          [fiche(document) for document in joints_ici])
    return refus


def fiche(document: Document) -> dict[str, Any]:
    """What the audit log keeps of a file: which document, its name, size and SHA-256, never its content."""
    return {"document": document.id, "piece": document.piece, "nom": document.nom_original,
            "taille": document.taille, "sha256": document.sha256, "tour": document.tour}


def retirer(session: Session, demande_id: int, document_id: str, apres_commit: list[Callable[[], None]],
            tour: int | None = None) -> None:
    """« SUPPRIMER » one file of the application (of round `tour` only, when given); its bytes are unlinked after
    the commit. A file already gone (another tab) or not this page's to remove is left alone."""
    ident = entier(document_id)
    document = session.get(Document, ident) if ident is not None else None
    if document is None or document.demande_id != demande_id or (tour is not None and document.tour != tour):
        return
    journaliser(session, demande_id, f"usager:{document.compte_id}", "document_supprime", fiche(document))
    orphelins: list[Path] = documents.supprimer(session, [document])
    apres_commit.append(lambda: documents.effacer_fichiers(orphelins))
