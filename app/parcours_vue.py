"""One application's path (F-43) and the path coverage of the workflow tests (F-45), as the pages show them.

The path is read from the application's workflow, loaded read-only (no lock, nothing saved): the elements passed,
where it stands, the flows taken (Engine.parcours). Names come from the application's own version's files.
Analysts' timeline: date, what happened (the kind of event, with diagram names only) and the actor's role —
never a value typed, a document, a name.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import journal, processus_vue
from .models import Demande, Evenement, VersionProcessus
from .workflow import couverture as couv
from .workflow.parcours import Parcours
from .workflow.store import DemandeEnIncident, DemandeStore, Instance

INCIDENT = ("Le parcours de cette demande ne peut pas être affiché : son état enregistré est illisible "
            "(demande en incident). Les administrateurs de l'espace agent voient la cause dans la liste des incidents.")
ROLES = {"usager": "usager", "agent": "agent", "systeme": "système", "analyste": "analyste"}
_CHAMP = re.compile(r"\s*(?::\s*)?«?\s*\{[a-z_]+\}\s*»?")  # a {field} of a label, with its quotes


@dataclass(frozen=True)
class ElementPasse:
    id: str
    nom: str
    actuel: bool


@dataclass(frozen=True)
class VueParcours:
    parcours: Parcours | None  # None: the workflow could not be loaded (message says why)
    elements: list[ElementPasse]
    fichier: str  # the BPMN file of the application's version that holds its process
    message: str = ""

    @property
    def surligner(self) -> dict[str, list[str]]:
        if self.parcours is None:
            return {}
        return {"passes": self.parcours.passes, "actuels": self.parcours.actuels, "flux": self.parcours.flux}


def vue(store: DemandeStore, demande: Demande, today: date,
        aussi: Callable[[Instance], None] | None = None) -> VueParcours:
    """The path of `demande`, its workflow loaded read-only; an application in incident gets a French message.
    `aussi` reads something else from the same loaded workflow (the agent's timeline needs its data)."""
    diag = processus_vue.diagramme(demande.version_processus)
    try:
        with store.open(demande.id, today, write=False) as instance:
            chemin = instance.parcours()
            if aussi is not None:
                aussi(instance)
    except DemandeEnIncident:
        return VueParcours(None, [], diag.fichier, INCIDENT)
    noms = diag.elements
    elements = [ElementPasse(i, noms[i].nom if i in noms else i, False) for i in chemin.passes]
    elements += [ElementPasse(i, noms[i].nom if i in noms else i, True) for i in chemin.actuels]
    return VueParcours(chemin, elements, diag.fichier)


@dataclass(frozen=True)
class FaitAnalyste:
    le: datetime
    libelle: str
    role: str


def _libelle(e: Evenement, noms: dict[str, processus_vue.Element]) -> str:
    """The kind of event in French without any value: diagram names are kept (a task, a message)."""
    detail = e.detail if isinstance(e.detail, dict) else {}
    tache = str(detail.get("tache", ""))
    nom_tache = noms[tache].nom if tache in noms else tache
    if e.nature == "etape_validee" and nom_tache:
        return f"Étape « {nom_tache} » validée"
    if e.nature == "service_execute" and nom_tache:
        return f"Tâche automatique « {nom_tache} »"
    if e.nature.startswith("message:"):
        return f"Message « {e.nature.partition(':')[2]} » reçu par le processus"
    nature = journal.nature_de(e.nature)
    if nature is None:
        return e.nature.replace("_", " ").capitalize()
    return _CHAMP.sub("", nature.libelle).strip()


def chronologie_analyste(session: Session, demande: Demande) -> list[FaitAnalyste]:
    """The application's events in order, as analysts may see them."""
    noms = processus_vue.diagramme(demande.version_processus).elements
    evenements = session.scalars(select(Evenement).where(Evenement.demande_id == demande.id)
                                 .order_by(Evenement.le, Evenement.id))
    faits = []
    for e in evenements:
        le = e.le.replace(tzinfo=UTC) if e.le.tzinfo is None else e.le
        faits.append(FaitAnalyste(le, _libelle(e, noms), ROLES.get(e.acteur.partition(":")[0], "système")))
    return faits


# --- Coverage -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VueCouverture:
    chemin: Path
    message: str  # the relevé could not be read: how to produce it
    resultats: list[couv.CouvertureProcessus]
    autres_fichiers: bool  # recorded on other files than the current ones
    le: datetime | None  # when the relevé was written

    @property
    def non_pris(self) -> list[str]:
        return [f.id for p in self.resultats for f in p.non_pris]


def vue_couverture(chemin: Path, version: VersionProcessus) -> VueCouverture:
    try:
        releve = couv.lire_releve(chemin)
    except couv.ReleveIllisible as err:
        return VueCouverture(chemin, str(err), [], False, None)
    le = datetime.fromtimestamp(chemin.stat().st_mtime, UTC)
    return VueCouverture(chemin, "", couv.couverture(dict(version.fichiers), releve.flux),
                         bool(releve.empreinte) and releve.empreinte != version.empreinte, le)
