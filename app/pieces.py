"""The list of supporting documents (F-23, Annexe 1), built from the same DMN table as step 3.

The table `pieces_justificatives` is asked for each case that the table `cas_usager` knows and for each placement
(ASE, tiers digne de confiance): a row changed by an analyst changes both the upload step and this PDF.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .workflow import contrat
from .workflow.engine import Engine

RUBRIQUES = ("INFORMATIONS PERSONNELLES", "DOMICILE", "MOTIF DE SÉJOUR")
CONFIE_A = {"ase": "à l'Aide Sociale à l'Enfance (ASE)", "tiers": "à un tiers digne de confiance"}


@dataclass
class Piece:
    code: str
    titre: str
    rubrique: str
    aide: str
    obligatoire: bool
    nature: str = "fichier"
    cas: list[str] = field(default_factory=list)
    placements: list[str] = field(default_factory=list)  # keys of contrat.PLACEMENTS it is asked for

    @property
    def confie_a(self) -> str:
        """« à un tiers digne de confiance » when only those placed with a tiers give it; empty when all do."""
        if len(self.placements) == len(contrat.PLACEMENTS):
            return ""
        return " ou ".join(CONFIE_A.get(p, p) for p in self.placements)


def cas_eligibles(engine: Engine) -> list[tuple[str, str]]:
    """(code, libellé) of each case of the case table, in order, without the ineligible one."""
    seen: dict[str, str] = {}
    for row in engine.decision_rows(contrat.CAS_USAGER.id):
        if row.get("cas") and not row.get("motif_non_eligibilite"):
            seen.setdefault(row["cas"], row.get("cas_libelle", row["cas"]))
    return list(seen.items())


def liste(engine: Engine) -> tuple[list[tuple[str, list[Piece]]], int]:
    """Documents grouped by rubrique, each with the cases and placements it concerns; and the number of cases.

    One entry per code and help text: the same document asked differently by placement is listed twice."""
    cas = cas_eligibles(engine)
    pieces: dict[tuple[str, str], Piece] = {}
    for placement in contrat.PLACEMENTS:
        for code, libelle in cas:
            donnees = {"cas": code, contrat.PLACEMENT: placement}
            for row in engine.decide(contrat.PIECES_JUSTIFICATIVES.id, donnees).get("pieces", []):
                piece = pieces.setdefault((row["code"], row["aide"]), Piece(
                    row["code"], row["titre"], row["rubrique"], row["aide"], bool(row.get("obligatoire")),
                    row.get("nature", "fichier")))
                if libelle not in piece.cas:
                    piece.cas.append(libelle)
                if placement not in piece.placements:
                    piece.placements.append(placement)
    # In the table's order of rows: the tiers' proof right after the ASE's, not after every other document.
    rang = {(r["pieces"]["code"], r["pieces"]["aide"]): i
            for i, r in reversed(list(enumerate(engine.decision_rows(contrat.PIECES_JUSTIFICATIVES.id))))
            if isinstance(r.get("pieces"), dict)}
    ordre = sorted(pieces.values(), key=lambda p: rang.get((p.code, p.aide), len(rang)))
    groupes = [(r, [p for p in ordre if p.rubrique == r]) for r in RUBRIQUES]
    autres = [p for p in ordre if p.rubrique not in RUBRIQUES]
    return [(r, ps) for r, ps in groupes if ps] + ([("AUTRES", autres)] if autres else []), len(cas)


def lignes_aide(aide: str) -> list[tuple[str, Any]]:
    """Help text as paragraphs and lists: [("p", text) | ("ul", [items])]."""
    blocs: list[tuple[str, Any]] = []
    for ligne in aide.split("\n"):
        if ligne.startswith("- "):
            if not blocs or blocs[-1][0] != "ul":
                blocs.append(("ul", []))
            blocs[-1][1].append(ligne[2:])
        elif ligne.strip():
            blocs.append(("p", ligne))
    return blocs
