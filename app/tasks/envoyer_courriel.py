"""Operator `envoyer_courriel` (F-27): a mail to the applicant, queued in the outbox in the transaction.

Parameters: `modele` (template of app/templates/mail/) and optionally `piece_jointe`
(« confirmation »: the deposit confirmation PDF, named by its application and read when the mail is sent: it may be
drawn after the mail is queued, see app/confirmations.py).
"""

from __future__ import annotations

from typing import Any

from flask import current_app

from ..courriels import mettre_en_file
from .identite import identite

PIECES = {"confirmation": "confirmation-de-depot-{numero}.pdf"}


def handle(ctx: Any, modele: str, piece_jointe: str = "") -> dict[str, Any]:
    demande = ctx.demande
    jointes = []
    if piece_jointe:
        jointes.append({"confirmation_de": demande.id, "type": "application/pdf",
                        "nom": PIECES[piece_jointe].format(numero=demande.numero)})
    courriel = mettre_en_file(
        ctx.session, modele, demande.compte.email,
        {"personne": identite(ctx), "demande": demande, "lien": current_app.config["URL_BASE"] + "/connexion"},
        demande_id=demande.id, compte_id=demande.compte_id, pieces_jointes=jointes,
    )
    return {"courriel": courriel.id}
