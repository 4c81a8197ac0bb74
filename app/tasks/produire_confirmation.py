"""Operator `produire_confirmation` (F-24): the deposit confirmation PDF, drawn once and kept.

It is a legal proof: the bytes are stored under their SHA-256 at deposit and every download
serves those same bytes.
"""

from __future__ import annotations

from typing import Any

from .. import clock, documents
from ..pdf import render_pdf
from .identite import identite


def handle(ctx: Any) -> dict[str, Any]:
    demande = ctx.demande
    if demande.confirmation_sha256:  # a replay must not draw a second, different proof
        return {"sha256": demande.confirmation_sha256}
    depot = clock.paris(demande.deposee_le)
    contenu = render_pdf("pdf/confirmation_depot.html", demande=demande, personne=identite(ctx),
                         date_depot=depot.date(), date_emission=ctx.today)
    demande.confirmation_sha256 = documents.stocker(contenu)
    return {"sha256": demande.confirmation_sha256}
