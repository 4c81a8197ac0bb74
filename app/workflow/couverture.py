"""Path coverage (F-45): which sequence flows of the process files no workflow test takes.

The workflow tests write a relevé (tests/workflow/conftest.py, with COUVERTURE_PROCESSUS=<file>): the hash of the
files they ran and the ids of the flows taken. This module compares it with the flows of the current files, per
process (`flask processus couverture`, the analysts' coverage page).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from .lecture import Flux, Modele, lire


class ReleveIllisible(Exception):
    """The relevé is missing or not what the workflow tests write: the message says how to produce it."""


@dataclass(frozen=True)
class Releve:
    empreinte: str
    flux: frozenset[str]


@dataclass(frozen=True)
class FluxNonPris:
    id: str
    nom: str
    source: str  # names (the id when the element has none)
    cible: str


@dataclass
class CouvertureProcessus:
    id: str
    nom: str
    fichier: str
    total: int = 0
    non_pris: list[FluxNonPris] = field(default_factory=list)

    @property
    def pris(self) -> int:
        return self.total - len(self.non_pris)


def lire_releve(chemin: Path) -> Releve:
    """The relevé at `chemin`, or ReleveIllisible with a French message."""
    try:
        contenu = json.loads(chemin.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise ReleveIllisible(f"aucun relevé de couverture à {chemin} : lancez « make couverture » pour le produire"
                              ) from err
    except (OSError, UnicodeDecodeError, ValueError) as err:
        raise ReleveIllisible(f"relevé de couverture illisible ({chemin}) : {err}. "
                              "Relancez « make couverture ».") from err
    flux = contenu.get("flux") if isinstance(contenu, dict) else None
    if not isinstance(flux, list) or not all(isinstance(f, str) for f in flux):
        raise ReleveIllisible(f"{chemin} n'est pas un relevé de couverture (liste « flux » attendue). "
                              "Relancez « make couverture ».")
    return Releve(str(contenu.get("empreinte") or ""), frozenset(flux))


def _processus_du_flux(modele: Modele, flux: Flux) -> str:
    """The top-level process holding a flow (its source may sit in nested sub-processes)."""
    noeud = next((n for n in modele.noeuds if n.id == flux.source and n.fichier == flux.fichier), None)
    while noeud is not None and noeud.parent not in modele.processus:
        noeud = next((n for n in modele.noeuds if n.id == noeud.parent and n.fichier == flux.fichier), None)
    return noeud.parent if noeud is not None else ""


def couverture(files: dict[str, str], pris: frozenset[str] | set[str]) -> list[CouvertureProcessus]:
    """Per process of the BPMN `files` (name → text), its flows and those not in `pris`, in file order."""
    modele = lire({n: t for n, t in files.items() if n.endswith(".bpmn")})
    resultat = {ident: CouvertureProcessus(ident, nom or ident, fichier)
                for ident, (fichier, nom) in modele.processus.items()}
    for flux in modele.flux.values():
        processus = resultat.get(_processus_du_flux(modele, flux))
        if processus is None:
            continue
        processus.total += 1
        if flux.id not in pris:
            processus.non_pris.append(FluxNonPris(flux.id, flux.nom, modele.libelle(flux.source) or flux.source,
                                                  modele.libelle(flux.cible) or flux.cible))
    return list(resultat.values())


def rapport(resultats: list[CouvertureProcessus], releve: Releve, empreinte_courante: str) -> str:
    """The text `flask processus couverture` prints."""
    lignes = []
    if releve.empreinte and releve.empreinte != empreinte_courante:
        lignes.append("Attention : le relevé a été fait sur d'autres fichiers que les fichiers actuels ; "
                      "relancez « make couverture ».")
    for p in resultats:
        lignes.append(f"Processus « {p.nom} » ({p.id}, {p.fichier}) : {p.pris} flux pris sur {p.total}, "
                      f"{len(p.non_pris)} jamais pris.")
        for f in p.non_pris:
            nom = f" « {f.nom} »" if f.nom else ""
            lignes.append(f"  - {f.id}{nom} : {f.source} → {f.cible}")
    total = sum(p.total for p in resultats)
    non_pris = sum(len(p.non_pris) for p in resultats)
    lignes.append(f"Total : {total - non_pris} flux pris sur {total}, {non_pris} jamais pris par les tests.")
    return "\n".join(lignes)
