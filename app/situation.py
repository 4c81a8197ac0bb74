"""« Votre situation a changé » (F-20): what the step pages say when the case decided again differs.

The diagram keeps the situation the draft was built on (`situation_du_brouillon`, see app/workflow/contrat.py) and
sends the applicant back to the first step whose content changed; this module only words the difference.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from .workflow import contrat
from .workflow.expressions import age_au


@dataclass(frozen=True)
class Changement:
    """The notice: its sentences, in order."""

    lignes: tuple[str, ...]


def _cas_lisible(cas: str) -> str:
    return str(cas or "").replace("_", " ")


def changement(data: dict[str, Any], today: date) -> Changement | None:
    """The notice for a draft whose situation changed since it was built, or None."""
    avant = data.get(contrat.SITUATION_DU_BROUILLON)
    if not isinstance(avant, dict):
        return None
    attestations = avant.get("attestations_demandees") != data.get("attestations")
    pieces = avant.get("pieces_demandees") is not None and avant.get("pieces_demandees") != data.get("pieces")
    cas = avant.get("cas") != data.get("cas")
    if not (attestations or pieces or cas):
        return None
    debut = "Votre situation a changé depuis le début de votre demande"
    naissance = data.get("date_naissance")
    lignes = [f"{debut} : vous avez désormais {age_au(naissance, today)} ans." if isinstance(naissance, date)
              else f"{debut}."]
    if cas:
        libelle, ancien = data.get("cas_libelle") or _cas_lisible(data.get("cas")), _cas_lisible(avant.get("cas"))
        lignes.append(f"Votre demande relève maintenant du {libelle} (et non plus du {ancien}).")
    a_verifier = [quoi for quoi, change in (("les attestations sur l'honneur (étape 2)", attestations),
                                              ("les justificatifs demandés (étape 3)", pieces)) if change]
    if a_verifier:
        lignes.append("Vérifiez les étapes de votre demande : " + " et ".join(a_verifier) + " ont changé.")
    lignes.append("Vos réponses sont conservées, ainsi que les fichiers des justificatifs toujours demandés ; "
                  "ceux des justificatifs qui ne sont plus demandés sont mis de côté : ils ne sont plus joints à "
                  "la demande.")
    return Changement(tuple(lignes))
