"""The versions of the process (F-41) and the migration of running applications between them (F-44).

What `flask processus versions` prints and /analyste/versions shows: each stored version, the files changed since
the one before it (by normalized content: a modeler's re-save changes nothing), the applications still running on
it — counted from the indexed columns, never by loading workflows — and which one new applications take.
`migrer` moves the running applications of one version to a newer one, one transaction each, through the store.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from lxml import etree
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .models import Demande, VersionProcessus
from .workflow.empreinte import normaliser
from .workflow.engine import WorkflowStateError
from .workflow.migration import Verdict
from .workflow.specs import final_states
from .workflow.store import DemandeEnIncident, DemandeStore, ProcessCatalog

log = logging.getLogger(__name__)
COURT = 12  # characters of the hash shown (git-like)
PREFIXE_MIN = 6
BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"


@dataclass(frozen=True)
class LigneVersion:
    """One version as the analyst reads it."""

    id: int
    empreinte: str
    creee_le: datetime
    activee_le: datetime | None
    origine: str
    publiee_par: str | None
    ajoutes: tuple[str, ...]
    supprimes: tuple[str, ...]
    modifies: tuple[str, ...]
    en_cours: int
    courante: bool
    precedente: int | None = None

    @property
    def court(self) -> str:
        return self.empreinte[:COURT]

    @property
    def changements(self) -> str:
        """The files changed since the version before, in one French line."""
        if self.precedente is None:
            return "première version"
        parties = [f"{signe} {nom}" for signe, noms in (("+", self.ajoutes), ("−", self.supprimes),
                                                          ("~", self.modifies)) for nom in noms]
        return ", ".join(parties) or "aucun fichier changé"


def fichiers_changes(avant: dict[str, str], apres: dict[str, str]) -> tuple[tuple[str, ...], ...]:
    """(added, removed, modified) file names, comparing normalized contents."""
    ajoutes = tuple(sorted(set(apres) - set(avant)))
    supprimes = tuple(sorted(set(avant) - set(apres)))
    modifies = tuple(sorted(n for n in set(avant) & set(apres) if normaliser(avant[n]) != normaliser(apres[n])))
    return ajoutes, supprimes, modifies


def fins(catalog: ProcessCatalog, version: VersionProcessus) -> set[str]:
    """The ids of the process's own end events: an application there is over.

    From the parsed version; a version the code can no longer parse is read as XML (its applications still count).
    """
    try:
        return set(final_states(catalog.engine(version).bundle))
    except Exception:  # noqa: BLE001 — refused or unreadable: the XML still says where it ends
        log.warning("version %s illisible : fins lues dans le XML", version.empreinte[:COURT])
    ids: set[str] = set()
    for nom, texte in version.fichiers.items():
        if not nom.endswith(".bpmn"):
            continue
        try:
            racine = etree.fromstring(texte.encode("utf-8"), etree.XMLParser(resolve_entities=False, no_network=True))
        except etree.XMLSyntaxError:
            continue
        for processus in racine.iter(f"{{{BPMN}}}process"):
            if processus.get("id") == version.processus:
                ids.update(e.get("id") for e in processus.findall(f"{{{BPMN}}}endEvent") if e.get("id"))
    return ids


def en_cours_par_element(session: Session, catalog: ProcessCatalog, version: VersionProcessus) -> Counter[str]:
    """Applications of `version` not ended, by the element they wait at (indexed columns only)."""
    termines = fins(catalog, version)
    lignes = session.execute(
        select(Demande.etat, Demande.element, func.count()).where(Demande.version_processus_id == version.id)
        .group_by(Demande.etat, Demande.element)
    ).all()
    compte: Counter[str] = Counter()
    for etat, element, nombre in lignes:
        if etat not in termines:
            compte[element or etat] += nombre
    return compte


def lister(session: Session, catalog: ProcessCatalog) -> list[LigneVersion]:
    """Every stored version, oldest first."""
    versions = session.scalars(select(VersionProcessus).order_by(VersionProcessus.id)).all()
    courante = catalog.current_version(session).id if versions else None
    lignes, avant = [], None
    for version in versions:
        ajoutes, supprimes, modifies = fichiers_changes(avant.fichiers, version.fichiers) if avant else ((), (), ())
        lignes.append(LigneVersion(
            version.id, version.empreinte, version.creee_le, version.activee_le, version.origine,
            version.publiee_par, ajoutes, supprimes, modifies,
            sum(en_cours_par_element(session, catalog, version).values()), version.id == courante,
            avant.id if avant else None,
        ))
        avant = version
    return lignes


class VersionIntrouvable(ValueError):
    """A version named on the command line that is unknown or ambiguous (French message)."""


def trouver(session: Session, designation: str) -> VersionProcessus:
    """A version by id (digits) or by a prefix of its hash (at least 6 characters)."""
    designation = (designation or "").strip().lower()
    if designation.isdigit() and len(designation) < PREFIXE_MIN:
        version = session.get(VersionProcessus, int(designation))
        if version is None:
            raise VersionIntrouvable(f"aucune version n° {designation}. Voir : flask processus versions")
        return version
    if len(designation) < PREFIXE_MIN or any(c not in "0123456789abcdef" for c in designation):
        raise VersionIntrouvable(f"« {designation} » : donnez le numéro de la version ou au moins {PREFIXE_MIN} "
                                 "caractères de son empreinte (voir flask processus versions)")
    trouvees = session.scalars(select(VersionProcessus).where(VersionProcessus.empreinte.startswith(designation))
                               .limit(2)).all()
    if not trouvees and designation.isdigit():
        version = session.get(VersionProcessus, int(designation))
        if version is not None:
            return version
    if not trouvees:
        raise VersionIntrouvable(f"aucune version dont l'empreinte commence par « {designation} »")
    if len(trouvees) > 1:
        raise VersionIntrouvable(f"« {designation} » désigne plusieurs versions : donnez plus de caractères de "
                                 "l'empreinte")
    return trouvees[0]


@dataclass
class LigneMigration:
    """The report for one application."""

    demande_id: int
    libelle: str  # its number, or « brouillon n° id »
    element: str | None
    verdict: Verdict
    deplacee: bool = False
    erreur: str | None = None


@dataclass
class RapportMigration:
    de: VersionProcessus
    vers: VersionProcessus
    simulation: bool
    lignes: list[LigneMigration] = field(default_factory=list)
    tronque: bool = False  # stopped at the limit: more applications than listed

    @property
    def peuvent(self) -> int:
        return sum(1 for ligne in self.lignes if ligne.verdict.peut)

    @property
    def deplacees(self) -> int:
        return sum(1 for ligne in self.lignes if ligne.deplacee)

    @property
    def erreurs(self) -> int:
        return sum(1 for ligne in self.lignes if ligne.erreur)

    @property
    def complet(self) -> bool:
        """Every application that could move did (always true in simulation)."""
        return self.erreurs == 0 and (self.simulation or self.deplacees == self.peuvent)


def verifier_sens(de: VersionProcessus, vers: VersionProcessus) -> None:
    """Only toward a newer version (by id), and not onto itself."""
    if de.id == vers.id:
        raise VersionIntrouvable("les versions de départ et d'arrivée sont la même version")
    if vers.id < de.id:
        raise VersionIntrouvable(f"la version {vers.id} ({vers.empreinte[:COURT]}) est plus ancienne que la version "
                                 f"{de.id} ({de.empreinte[:COURT]}) : on ne migre que vers une version plus récente")


def libelle(demande: Demande) -> str:
    return demande.numero or f"brouillon n° {demande.id}"


def migrer(session: Session, store: DemandeStore, de: VersionProcessus, vers: VersionProcessus, acteur: str,
           today: date, simulation: bool, rapporter: Callable[[LigneMigration], None] | None = None,
           limite: int | None = None) -> RapportMigration:
    """Every running application of `de` (the first `limite` ones if given), one transaction each: an error on one
    does not stop the others."""
    verifier_sens(de, vers)
    termines = fins(store.catalog, de)
    candidates = session.execute(select(Demande.id, Demande.numero, Demande.etat, Demande.element)
                                 .where(Demande.version_processus_id == de.id).order_by(Demande.id)).all()
    rapport = RapportMigration(de, vers, simulation)
    for ident, numero, etat, element in candidates:
        if etat in termines:
            continue
        if limite is not None and len(rapport.lignes) >= limite:
            rapport.tronque = True
            break
        ligne = LigneMigration(ident, numero or f"brouillon n° {ident}", element or etat, Verdict())
        try:
            ligne.verdict = store.migrer(ident, de, vers, acteur, today, simulation)
            ligne.deplacee = ligne.verdict.peut and not simulation
        except DemandeEnIncident as err:
            ligne.verdict.refuser(f"demande en incident : {err.raison}")
        except WorkflowStateError as err:
            ligne.verdict.refuser(str(err))
        except Exception as err:  # noqa: BLE001 — one application's failure is reported, the others go on
            log.exception("migration de la demande %s", ident)
            session.rollback()
            ligne.erreur = f"{type(err).__name__}: {err}"
            ligne.verdict.refuser(f"erreur pendant la migration : {ligne.erreur}")
        rapport.lignes.append(ligne)
        if rapporter is not None:
            rapporter(ligne)
    return rapport
