"""What the PDFs and mails say about the applicant: the register's état civil and the address given."""

from __future__ import annotations

from typing import Any


def identite(ctx: Any) -> dict[str, Any]:
    personne = ctx.demande.compte.personne
    data = ctx.data
    ligne_voie = " ".join(p for p in (data.get("adresse", ""),) if p)
    adresse = " ".join(p for p in (ligne_voie, data.get("complement", ""), data.get("code_postal", ""),
                                   data.get("ville", ""), data.get("pays", "")) if p)
    return {
        "numero_etranger": personne.numero_etranger,
        "nom_naissance": personne.nom_naissance,
        "nom_usage": personne.nom_usage,
        "prenoms": personne.prenoms,
        "date_naissance": personne.date_naissance,
        "lieu_naissance": f"{personne.lieu_naissance}, {personne.pays_naissance}",
        "nationalite": personne.nationalite,
        "adresse": adresse.upper(),
        "email": ctx.demande.compte.email,
        "nom_complet": personne.nom_complet,
    }
