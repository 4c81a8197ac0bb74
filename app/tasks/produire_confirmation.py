"""Operator `produire_confirmation` (F-24): the deposit confirmation PDF, drawn once and kept.

It is a legal proof: the bytes are stored under their SHA-256 and every download serves those same bytes.
The deposit only queues it (its HTML, as of the deposit: emission date = deposit date) in its own transaction; the
worker draws it outside any request, or the first download or mail that needs it does (app/confirmations.py).
"""

from __future__ import annotations

from typing import Any

from .. import clock, confirmations
from ..models import ConfirmationADessiner
from ..pdf import render_html
from .identite import identite


def handle(ctx: Any) -> dict[str, Any]:
    demande = ctx.demande
    if demande.confirmation_sha256:  # a replay must not draw a second, different proof
        return {"sha256": demande.confirmation_sha256}
    if ctx.session.get(ConfirmationADessiner, demande.id) is None:
        depot = clock.paris(demande.deposee_le).date()
        html = render_html("pdf/confirmation_depot.html", demande=demande, personne=identite(ctx),
                           date_depot=depot, date_emission=depot)
        confirmations.mettre_en_file(ctx.session, demande.id, html)
    return {"a_dessiner": True}
