"""Operator `produire_attestation` (F-25, F-34): the « ATTESTATION DE DÉCISION FAVORABLE » PDF, kept,
and the new title in the register's « Historique de mes Titres de Séjour »."""

from __future__ import annotations

from typing import Any

from .. import documents
from ..models import TitreSejour
from ..pdf import render_pdf
from .identite import identite


def handle(ctx: Any) -> dict[str, Any]:
    data, demande = ctx.data, ctx.demande
    contenu = render_pdf(
        "pdf/attestation_decision.html", demande=demande, personne=identite(ctx), date_emission=ctx.today,
        date_decision=ctx.today, debut=data["titre_debut"], fin=data["titre_fin"],
        montant=data.get("montant_taxe", 0),
    )
    sha = documents.stocker(contenu)
    ctx.session.add(TitreSejour(personne_id=demande.compte.personne_id, debut=data["titre_debut"],
                                fin=data["titre_fin"], nature="Carte de séjour temporaire",
                                motif="Vie privée et familiale", statut="Accepté"))
    return {"sha256": sha}
