"""The process view (F-43): how many applications wait at each element of one process version, and which.

Counts come from one GROUP BY on the indexed columns `demande(version_processus_id, element)`: no workflow is
loaded. `Demande.element` is the innermost element an application waits at (a user task, a catch event, or the
end event reached), so ended applications count on their end event and nothing is left out. Element names come
from the version's own files, read as an analyst sees them (app/workflow/lecture.py).

Analysts see every application, drafts included, but never a name: numbers, states, dates, departments.
Agents see only what their queue shows (`instruction.perimetre`): deposited applications of their prefectures.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .models import Compte, Demande, Personne, VersionProcessus
from .workflow import lecture

PAR_PAGE = 50
ELEMENT_ID = re.compile(r"[A-Za-z0-9_.-]{1,120}")
# Where an application can stand (Status.element): the table lists these even when nobody waits there.
OU_ATTENDRE = {"userTask", "manualTask", "receiveTask", "intermediateCatchEvent", "endEvent"}


@dataclass(frozen=True)
class Element:
    id: str
    nom: str
    type: str
    fichier: str


@dataclass(frozen=True)
class Diagramme:
    """The elements of one version's BPMN files, in document order, and the file that holds its process."""

    fichier: str
    elements: dict[str, Element]


_DIAGRAMMES: dict[str, Diagramme] = {}  # by the BPMN texts' own hash: cheap, and never stale


def diagramme(version: VersionProcessus) -> Diagramme:
    fichiers = {nom: texte for nom, texte in sorted(version.fichiers.items()) if nom.endswith(".bpmn")}
    cle = hashlib.sha256(json.dumps([version.processus, fichiers]).encode()).hexdigest()
    if cle not in _DIAGRAMMES:
        modele = lecture.lire(fichiers)
        fichier = modele.processus.get(version.processus, (next(iter(fichiers), ""), ""))[0]
        elements = {n.id: Element(n.id, n.nom or n.id, n.type, n.fichier) for n in modele.noeuds if n.id}
        _DIAGRAMMES[cle] = Diagramme(fichier, elements)
    return _DIAGRAMMES[cle]


def element_valide(version: VersionProcessus, element_id: str) -> Element | None:
    """The element of this version's diagram with that id, or None (a malformed id is never looked up)."""
    if not ELEMENT_ID.fullmatch(element_id or ""):
        return None
    return diagramme(version).elements.get(element_id)


# --- Counts -------------------------------------------------------------------------------------------------------


def comptes(session: Session, version_id: int, conditions: Sequence[Any] = ()) -> dict[str | None, int]:
    """element → number of applications of this version waiting there (None: an application with no element)."""
    rows = session.execute(
        select(Demande.element, func.count()).where(Demande.version_processus_id == version_id, *conditions)
        .group_by(Demande.element)
    )
    return {element: n for element, n in rows}


@dataclass(frozen=True)
class LigneCompte:
    id: str | None
    nom: str
    nombre: int
    dans_le_diagramme: bool


def tableau(diag: Diagramme, nombres: dict[str | None, int]) -> list[LigneCompte]:
    """The accessible table below the diagram: every element where an application can wait, in diagram order,
    then any counted element the diagram does not have (it must not vanish from the total)."""
    lignes = [LigneCompte(e.id, e.nom, nombres.get(e.id, 0), True) for e in diag.elements.values()
              if e.type in OU_ATTENDRE or nombres.get(e.id)]
    for element, n in sorted(nombres.items(), key=lambda kv: kv[0] or ""):
        if element not in diag.elements:
            nom = "Élément absent du diagramme" if element else "Position inconnue (demande jamais enregistrée)"
            lignes.append(LigneCompte(element, nom, n, False))
    return lignes


def comptes_du_diagramme(nombres: dict[str | None, int], diag: Diagramme) -> dict[str, int]:
    """The badges: elements of the diagram where at least one application waits."""
    return {e: n for e, n in nombres.items() if e in diag.elements and n > 0}


# --- The applications at one element --------------------------------------------------------------------------


@dataclass(frozen=True)
class LigneDemande:
    id: int
    numero: str | None
    etat_libelle: str
    modifiee_le: datetime
    departement: str | None
    deposee_le: datetime | None = None
    nom: str | None = None
    prenom: str | None = None

    @property
    def libelle(self) -> str:
        return self.numero or f"Brouillon n° {self.id}"


@dataclass
class PageDemandes:
    lignes: list[LigneDemande]
    total: int
    page: int
    pages: int


def _page(session: Session, conditions: list[Any], page: int, query: Any, fabrique: Any) -> PageDemandes:
    total = session.scalar(select(func.count()).select_from(Demande).where(*conditions)) or 0
    pages = max(1, math.ceil(total / PAR_PAGE))
    page = min(max(1, page), pages)
    rows = session.execute(query.where(*conditions).order_by(Demande.id).offset((page - 1) * PAR_PAGE)
                           .limit(PAR_PAGE))
    return PageDemandes([fabrique(r) for r in rows], total, page, pages)


def a_l_element(session: Session, version_id: int, element_id: str, page: int) -> PageDemandes:
    """For analysts: number (or draft id), state, last change, department — never a name."""
    conditions = [Demande.version_processus_id == version_id, Demande.element == element_id]
    query = select(Demande.id, Demande.numero, Demande.etat_libelle, Demande.modifiee_le, Demande.departement)
    return _page(session, conditions, page, query, lambda r: LigneDemande(
        r.id, r.numero, r.etat_libelle, r.modifiee_le, r.departement))


def a_l_element_pour_agent(session: Session, version_id: int, element_id: str, perimetre: list[Any],
                           page: int) -> PageDemandes:
    """For an agent: the applications of their perimeter (deposited, their prefectures), with the names."""
    conditions = [Demande.version_processus_id == version_id, Demande.element == element_id, *perimetre]
    query = (
        select(Demande.id, Demande.numero, Demande.etat_libelle, Demande.modifiee_le, Demande.departement,
               Demande.deposee_le, Personne.nom_naissance, Personne.nom_usage, Personne.prenoms)
        .select_from(Demande).join(Compte, Demande.compte_id == Compte.id)
        .join(Personne, Compte.personne_id == Personne.id)
    )
    return _page(session, conditions, page, query, lambda r: LigneDemande(
        r.id, r.numero, r.etat_libelle, r.modifiee_le, r.departement, r.deposee_le,
        r.nom_naissance + (f" ({r.nom_usage})" if r.nom_usage else ""), r.prenoms))


def hors_version(session: Session, version_id: int, conditions: Sequence[Any]) -> int:
    """Applications of the perimeter that follow another version (not on this diagram: say so, do not hide them)."""
    return session.scalar(select(func.count()).select_from(Demande)
                          .where(Demande.version_processus_id != version_id, *conditions)) or 0
