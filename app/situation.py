"""« Votre situation a changé » (F-20): what the step pages say when the case decided again differs.

The diagram keeps the situation the draft was built on (`situation_du_brouillon`, see app/workflow/contrat.py) and
sends the applicant back to the first step whose content changed; this module only words the difference.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext

from .i18n import du_diagramme
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
    # In the page's language (called while the step page renders); the case's label is the diagram's (DMN).
    naissance = data.get("date_naissance")
    lignes = [gettext("Votre situation a changé depuis le début de votre demande : vous avez désormais %(age)s ans.",
                      age=age_au(naissance, today)) if isinstance(naissance, date)
              else gettext("Votre situation a changé depuis le début de votre demande.")]
    if cas:
        libelle = du_diagramme(data.get("cas_libelle")) or _cas_lisible(data.get("cas"))
        lignes.append(gettext("Votre demande relève maintenant du %(cas)s (et non plus du %(ancien)s).",
                              cas=libelle, ancien=_cas_lisible(avant.get("cas"))))
    if attestations and pieces:
        lignes.append(gettext("Vérifiez les étapes de votre demande : les attestations sur l'honneur (étape 2) et "
                              "les justificatifs demandés (étape 3) ont changé."))
    elif attestations:
        lignes.append(gettext("Vérifiez les étapes de votre demande : les attestations sur l'honneur (étape 2) "
                              "ont changé."))
    elif pieces:
        lignes.append(gettext("Vérifiez les étapes de votre demande : les justificatifs demandés (étape 3) ont "
                              "changé."))
    lignes.append(gettext("Vos réponses sont conservées, ainsi que les fichiers des justificatifs toujours demandés ; "
                          "ceux des justificatifs qui ne sont plus demandés sont mis de côté : ils ne sont plus "
                          "joints à la demande."))
    return Changement(tuple(lignes))
