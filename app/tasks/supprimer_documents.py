"""Operator `supprimer_documents`: an abandoned draft's files are deleted (F-10).

The rows go in the transaction; the files, once it has committed (a rollback keeps both).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from .. import documents
from ..models import Document


def handle(ctx: Any) -> dict[str, Any]:
    rows = list(ctx.session.scalars(select(Document).where(Document.demande_id == ctx.demande.id)))
    orphelins = documents.supprimer(ctx.session, rows)
    ctx.apres_commit.append(lambda: documents.effacer_fichiers(orphelins))
    return {"nombre": len(rows)}
