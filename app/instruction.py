"""The agent's side (F-31, F-32, F-42): the work queue, taking and releasing, what the review page shows.

The queue reads plain indexed columns of `demande` joined to the account and the register: it never
loads a workflow. The review page reads the process data of one application (through the store) and
the rows written around it: documents, notifications, e-mails and the audit log.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, String, func, literal, literal_column, or_, select, tuple_
from sqlalchemy.orm import Session, object_session

from . import journal
from .entiers import entier
from .journal import Fait
from .models import (
    Agent,
    AgentPrefecture,
    Compte,
    Demande,
    Document,
    Evenement,
    FileCompte,
    Notification,
    Personne,
    VersionProcessus,
)
from .recherche import NOMS_EN_UN
from .workflow import contrat
from .workflow.specs import ProcessBundle, final_states, lane_user_tasks
from .workflow.store import ProcessCatalog, journaliser
from .workflow.textes_du_processus import TextesDuProcessus, textes

log = logging.getLogger(__name__)

PAR_PAGE = 20
# A search is read in one go, its rows in order up to this many: its count and its page at once. Beyond, the page says
# « plus de 1 000 » and lists the first ones (counting every match of a word as short as « a » reads the whole
# prefecture: no index helps there).
RECHERCHE_MAX = 1000
LANE = contrat.AGENT

# --- The queue (F-31) ---------------------------------------------------------------------------------------------

EN_COURS, A_TRAITER, TOUTES = "en_cours", "a_traiter", "toutes"
FILTRES_GENERAUX = {
    EN_COURS: "Toutes les demandes en cours",
    A_TRAITER: "À traiter par un agent (examen ou décision)",
    TOUTES: "Toutes les demandes, terminées comprises",
}
TRIS = {
    "depot": "Dépôt : les plus anciennes d'abord",
    "depot_recent": "Dépôt : les plus récentes d'abord",
    "numero": "N° de la demande",
    "nom": "Nom",
}
AFFECTATIONS = {"": "Tous les agents", "moi": "Prises en charge par moi", "personne": "Non prises en charge"}


@dataclass(frozen=True)
class Filtre:
    """What the agent asked the queue for; unknown values fall back to the defaults.

    `apres` / `avant`: the id of the last (first) row of the page the agent comes from, given by the « Page
    suivante » (« Page précédente ») link: the page continues the list from that row (keyset pagination), so rows
    added or removed meanwhile shift nothing and a deep page reads no more than its own rows."""

    etat: str = EN_COURS
    tri: str = "depot"
    q: str = ""
    affectation: str = ""
    page: int = 1
    apres: int | None = None
    avant: int | None = None

    @classmethod
    def depuis(cls, args: Any) -> Filtre:
        page = args.get("page", "1")
        return cls(
            etat=(args.get("etat") or EN_COURS)[:60],
            tri=args.get("tri") if args.get("tri") in TRIS else "depot",
            q=(args.get("q") or "").strip()[:100],
            affectation=args.get("affectation") if args.get("affectation") in AFFECTATIONS else "",
            page=max(1, entier(page, maximum=10**6) or 1),
            apres=entier(args.get("apres")),
            avant=entier(args.get("avant")),
        )

    def parametres(self, **changes: Any) -> dict[str, Any]:
        """The query string of this filter with some values changed (links of the pagination)."""
        valeurs = {"etat": self.etat, "tri": self.tri, "q": self.q, "affectation": self.affectation,
                   "page": self.page, "apres": self.apres, "avant": self.avant, **changes}
        return {k: v for k, v in valeurs.items() if v not in ("", None) and not (k == "page" and v == 1)}


@dataclass(frozen=True)
class LigneFile:
    id: int
    numero: str
    nom: str
    prenom: str
    deposee_le: datetime
    etat: str
    etat_libelle: str
    agent_id: int | None
    agent: str | None
    echeance: datetime | None
    demande_tardive: bool


@dataclass(frozen=True)
class EtatCompte:
    etat: str
    libelle: str
    nombre: int


@dataclass
class PageFile:
    lignes: list[LigneFile]
    total: int
    page: int
    pages: int
    etats: list[EtatCompte]
    filtre: Filtre
    plus_de: int | None = None  # a search finding more rows than that: `total` of them listed, the others not counted

    def suivante(self) -> dict[str, Any]:
        """The query string of « Page suivante »: continues after this page's last row."""
        return self.filtre.parametres(page=self.page + 1, apres=self.lignes[-1].id if self.lignes else None)

    def precedente(self) -> dict[str, Any]:
        """The query string of « Page précédente »: the rows just before this page's first one."""
        return self.filtre.parametres(page=self.page - 1, avant=self.lignes[0].id if self.lignes else None)


@dataclass(frozen=True)
class Etats:
    """The states of the process that the queue's filters name, read from the diagram."""

    finaux: dict[str, str]
    a_traiter: dict[str, str]

    @classmethod
    def du_processus(cls, bundle: ProcessBundle) -> Etats:
        return cls(final_states(bundle), lane_user_tasks(bundle, LANE))

    @classmethod
    def reunis(cls, etats: Iterable[Etats]) -> Etats:
        finaux: dict[str, str] = {}
        a_traiter: dict[str, str] = {}
        for e in etats:
            finaux.update(e.finaux)
            a_traiter.update(e.a_traiter)
        return cls(finaux, a_traiter)


_ETATS_PAR_VERSION: dict[str, Etats] = {}  # by content hash: a stored version never changes


def etats_en_usage(session: Session, catalog: ProcessCatalog) -> Etats:
    """The queue's states from every stored process version, the current one included: an application keeps the
    version it started with, so after a task is renamed in the diagram the older applications still wait in the
    older task (and end in the older end events).

    Every row of `version_processus` is read (a few rows: one per set of process files ever used) rather than the
    versions of deposited applications, which would scan `demande` on every page of the queue; a version only
    drafts use adds state names that no deposited application carries, so the filters' results are the same."""
    courante = catalog.current_bundle(session)  # the version new applications take (published or read at start)
    if courante.content_hash not in _ETATS_PAR_VERSION:
        _ETATS_PAR_VERSION[courante.content_hash] = Etats.du_processus(courante)
    etats = [_ETATS_PAR_VERSION[courante.content_hash]]
    for ident, empreinte in session.execute(select(VersionProcessus.id, VersionProcessus.empreinte)):
        if empreinte not in _ETATS_PAR_VERSION:
            try:
                bundle = catalog.engine(session.get(VersionProcessus, ident)).bundle
            except Exception:  # a version this code can no longer run: its applications fail on their own page
                log.exception("version de processus %s illisible : ses états manquent à la file", empreinte[:12])
                continue
            _ETATS_PAR_VERSION[empreinte] = Etats.du_processus(bundle)
        etats.append(_ETATS_PAR_VERSION[empreinte])
    return Etats.reunis(etats)


def perimetre(agent: Agent) -> list[Any]:
    """The applications an agent may see: deposited, in one of their prefectures."""
    return [Demande.numero.is_not(None), Demande.departement.in_(sorted(agent.departements))]


def departements_servis() -> Select:
    """The departments at least one active agent serves."""
    return select(AgentPrefecture.departement).join(Agent, Agent.id == AgentPrefecture.agent_id).where(Agent.actif)


def _echapper(texte: str) -> str:
    return texte.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _un_nom_contient(mot: str, sqlite: bool) -> Any:
    """One of the register's names copied into `demande` (migration 0009) contains `mot`, whatever the case.

    PostgreSQL: one ILIKE over the three names in one text, the expression of the trigram index of migration 0010
    (app/recherche.py: the same rows as one ILIKE per name); a word of 3 characters or more is found through that
    index instead of reading the prefecture's every row. SQLite: its LIKE already ignores the case of ASCII letters,
    as its lower() does (and no other), the same result as `ilike` without a function call per row; it reads the
    queue's covering indexes."""
    motif = f"%{_echapper(mot)}%"
    if not sqlite:
        return literal_column(f"({NOMS_EN_UN})", String).ilike(motif, escape="\\")
    return or_(*(colonne.like(motif, escape="\\")
                 for colonne in (Demande.nom_naissance, Demande.nom_usage, Demande.prenoms)))


def _conditions(agent: Agent, filtre: Filtre, etats: Etats, sqlite: bool = False) -> list[Any]:
    conditions = perimetre(agent)
    if len(agent.departements) == 1:  # an equality: the index gives the rows already sorted
        conditions[1] = Demande.departement == next(iter(agent.departements))
    if filtre.etat == EN_COURS:
        conditions.append(Demande.etat.not_in(list(etats.finaux)))
    elif filtre.etat == A_TRAITER:
        conditions.append(Demande.etat.in_(list(etats.a_traiter)))
    elif filtre.etat != TOUTES:
        conditions.append(Demande.etat == filtre.etat)
    if filtre.affectation == "moi":
        conditions.append(Demande.agent_id == agent.id)
    elif filtre.affectation == "personne":
        conditions.append(Demande.agent_id.is_(None))
    chiffres = re.sub(r"\s", "", filtre.q)
    if chiffres.isascii() and chiffres.isdigit():
        conditions.append(Demande.numero.like(f"%{chiffres}%"))
    else:
        conditions.extend(_un_nom_contient(mot, sqlite) for mot in filtre.q.split())
    return conditions


def _avec_personne(query: Select) -> Select:
    return query.join(Compte, Demande.compte_id == Compte.id).join(Personne, Compte.personne_id == Personne.id)


def _cle(tri: str) -> list[Any]:
    """The sort key of the queue, ascending; « depot_recent » reads it backwards. Always ends with a unique column."""
    return {
        "depot": [Demande.deposee_le, Demande.id],
        "depot_recent": [Demande.deposee_le, Demande.id],
        "numero": [Demande.numero],
        "nom": [Demande.nom_naissance, Demande.prenoms, Demande.id],
    }[tri]


def _ordre(tri: str, a_rebours: bool = False) -> list[Any]:
    descendant = (tri == "depot_recent") != a_rebours
    return [c.desc() if descendant else c.asc() for c in _cle(tri)]


def _comptes(session: Session, agent: Agent) -> list[FileCompte]:
    """The counters of the agent's prefectures (a few rows per department: states × assigned agents)."""
    return list(session.scalars(select(FileCompte).where(FileCompte.departement.in_(sorted(agent.departements)),
                                                         FileCompte.nombre != 0)))


def _total_des_compteurs(comptes: list[FileCompte], agent: Agent, filtre: Filtre, etats: Etats) -> int:
    """The number of rows the filter selects, from the counters (exact: kept in the transactions)."""
    def retenu(c: FileCompte) -> bool:
        if filtre.etat == EN_COURS and c.etat in etats.finaux:
            return False
        if filtre.etat == A_TRAITER and c.etat not in etats.a_traiter:
            return False
        if filtre.etat not in (EN_COURS, A_TRAITER, TOUTES) and c.etat != filtre.etat:
            return False
        return {"moi": c.agent_id == agent.id, "personne": c.agent_id == 0}.get(filtre.affectation, True)
    return sum(c.nombre for c in comptes if retenu(c))


def _ids(session: Session, conditions: list[Any], ordre: list[Any], apres: list[Any] | None = None,
         nombre: int = PAR_PAGE, sauter: int = 0) -> list[int]:
    """The ids of one page, in the given order: read from one covering index (no other column is needed)."""
    query = select(Demande.id).where(*conditions, *(apres or ()))
    return list(session.scalars(query.order_by(*ordre).offset(sauter).limit(nombre)))


def _apres(session: Session, conditions: list[Any], filtre: Filtre, ident: int, vers_la_fin: bool) -> list[Any] | None:
    """The keyset condition « after (before) row `ident` in the sort order », or None if that row is not one of
    the agent's (then the page is found by its number)."""
    cle = _cle(filtre.tri)
    valeurs = session.execute(select(*cle).where(Demande.id == ident, *conditions[:2])).first()
    if valeurs is None or any(v is None for v in valeurs):
        return None
    plus_loin = vers_la_fin != (filtre.tri == "depot_recent")  # further along the ascending key, or not
    colonnes, reperes = tuple_(*cle), tuple_(*[literal(v) for v in valeurs])
    return [colonnes > reperes if plus_loin else colonnes < reperes]


def file_des_demandes(session: Session, agent: Agent, filtre: Filtre, etats: Etats) -> PageFile:
    """One page of the agent's queue, with the count per state for the state filter.

    Counts come from `file_compte` (kept by the database's triggers) unless a search narrows the list; a page's ids
    come from the covering indexes, by keyset after the previous page's row when the agent follows « Page suivante »
    / « Page précédente », else by position counted from the nearer end of the list; then its 20 rows are read."""
    comptes = _comptes(session, agent)
    conditions = _conditions(agent, filtre, etats, sqlite=session.get_bind().dialect.name == "sqlite")
    trouvees: list[int] | None = None
    plus_de = None
    if filtre.q.strip():  # a search: one read (trigram or covering index) gives its rows in order, and their number
        trouvees = _ids(session, conditions, _ordre(filtre.tri), nombre=RECHERCHE_MAX + 1)
        if len(trouvees) > RECHERCHE_MAX:
            plus_de, trouvees = RECHERCHE_MAX, trouvees[:RECHERCHE_MAX]
        total = len(trouvees)
    else:
        total = _total_des_compteurs(comptes, agent, filtre, etats)
    pages = max(1, math.ceil(total / PAR_PAGE))
    page = min(filtre.page, pages)
    ids: list[int] | None = [] if total == 0 else None
    curseur = filtre.apres if filtre.apres is not None else filtre.avant
    vers_la_fin = filtre.apres is not None
    if ids is None and trouvees is not None:  # the whole search is in hand
        rang = trouvees.index(curseur) if curseur in trouvees else None
        if rang is None:
            ids = trouvees[(page - 1) * PAR_PAGE:page * PAR_PAGE]
        else:
            ids = trouvees[rang + 1:rang + 1 + PAR_PAGE] if vers_la_fin else trouvees[max(0, rang - PAR_PAGE):rang]
    if ids is None and curseur is not None and filtre.page <= pages:
        apres = _apres(session, conditions, filtre, curseur, vers_la_fin)
        if apres is not None:
            ids = _ids(session, conditions, _ordre(filtre.tri, not vers_la_fin), apres)
            ids = (ids if vers_la_fin else ids[::-1]) or None  # nothing left that way: the page by its number
    if ids is None:
        debut = (page - 1) * PAR_PAGE
        sur_la_page = max(0, min(PAR_PAGE, total - debut))
        if debut > total / 2:  # far down the list: count from its end, read backwards
            ids = _ids(session, conditions, _ordre(filtre.tri, True), nombre=sur_la_page,
                       sauter=total - debut - sur_la_page)[::-1]
        else:
            ids = _ids(session, conditions, _ordre(filtre.tri), sauter=debut)
    query = (
        _avec_personne(select(
            Demande.id, Demande.numero, Demande.deposee_le, Demande.etat, Demande.etat_libelle, Demande.agent_id,
            Demande.echeance, Demande.demande_tardive, Personne.nom_naissance, Personne.nom_usage, Personne.prenoms,
            Agent.prenom.label("agent_prenom"), Agent.nom.label("agent_nom"),
        ).select_from(Demande))
        .outerjoin(Agent, Demande.agent_id == Agent.id)
        .where(Demande.id.in_(ids))
    )
    rangs = {ident: rang for rang, ident in enumerate(ids)}
    lignes = sorted((
        LigneFile(
            id=r.id, numero=r.numero, prenom=r.prenoms, deposee_le=r.deposee_le, etat=r.etat,
            nom=r.nom_naissance + (f" ({r.nom_usage})" if r.nom_usage else ""), etat_libelle=r.etat_libelle,
            agent_id=r.agent_id, agent=f"{r.agent_prenom} {r.agent_nom}" if r.agent_id else None,
            echeance=r.echeance, demande_tardive=bool(r.demande_tardive),
        )
        for r in session.execute(query)), key=lambda ligne: rangs[ligne.id])
    par_etat: dict[tuple[str, str], int] = {}
    for c in comptes:
        par_etat[(c.etat, c.etat_libelle)] = par_etat.get((c.etat, c.etat_libelle), 0) + c.nombre
    etats_comptes = [EtatCompte(e, lib, n) for (e, lib), n in sorted(par_etat.items(), key=lambda i: i[0][1]) if n]
    return PageFile(lignes, total, page, pages, etats_comptes,
                    Filtre(filtre.etat, filtre.tri, filtre.q, filtre.affectation, page), plus_de)


def de_ses_prefectures(agent: Agent, demande: Demande | None) -> bool:
    """Is this application deposited in one of the agent's prefectures (where they may act on it)?"""
    return demande is not None and demande.numero is not None and demande.departement in agent.departements


def visible(agent: Agent, demande: Demande | None) -> bool:
    """May this agent see this application at all? Deposited in one of their prefectures; for an administrator
    also, read-only, one of the administration page (see `a_administrer`)."""
    if de_ses_prefectures(agent, demande):
        return True
    return agent.administrateur and demande is not None and a_administrer(object_session(demande), demande)


# --- Administration: what no prefecture serves ----------------------------------------------------------------


def a_administrer(session: Session, demande: Demande) -> bool:
    """An application that only administrators see: in incident, or deposited in a department no agent serves."""
    if demande.incident is not None:
        return True
    return demande.numero is not None and (
        demande.departement is None
        or session.scalar(departements_servis().where(AgentPrefecture.departement == demande.departement).limit(1))
        is None)


@dataclass(frozen=True)
class LigneAdministration:
    id: int
    numero: str | None
    le: datetime | None
    departement: str | None
    etat_libelle: str
    nom: str
    incident: str | None = None


PAR_PAGE_ADMINISTRATION = 200  # a page that stays readable; the total is said


@dataclass(frozen=True)
class ListeAdministration:
    lignes: list[LigneAdministration]
    total: int


def _lignes_administration(session: Session, condition: Any, ordre: Any, moment: Any) -> ListeAdministration:
    query = _avec_personne(select(
        Demande.id, Demande.numero, Demande.departement, Demande.etat_libelle, Demande.incident,
        moment.label("le"), Personne.nom_naissance, Personne.prenoms,
    ).select_from(Demande)).where(condition).order_by(ordre, Demande.id).limit(PAR_PAGE_ADMINISTRATION)
    lignes = [LigneAdministration(r.id, r.numero, r.le, r.departement, r.etat_libelle,
                                  f"{r.prenoms} {r.nom_naissance}", r.incident) for r in session.execute(query)]
    total = len(lignes) if len(lignes) < PAR_PAGE_ADMINISTRATION else session.scalar(
        select(func.count(Demande.id)).where(condition))
    return ListeAdministration(lignes, total)


def sans_prefecture(session: Session) -> ListeAdministration:
    """Deposited applications whose department no active agent serves, oldest deposit first: never lost."""
    condition = Demande.numero.is_not(None) & or_(Demande.departement.is_(None),
                                                  Demande.departement.not_in(departements_servis()))
    return _lignes_administration(session, condition, Demande.deposee_le.asc(), Demande.deposee_le)


def en_incident(session: Session) -> ListeAdministration:
    """Applications whose workflow cannot be loaded, with the error, most recent first."""
    return _lignes_administration(session, Demande.incident.is_not(None), Demande.incident_le.desc(),
                                  Demande.incident_le)


# --- Taking and releasing ---------------------------------------------------------------------------------------


class ActionImpossible(ValueError):
    """Taking or releasing refused, with the French reason."""


def prendre_en_charge(session: Session, demande: Demande, agent: Agent, etats: Etats) -> None:
    """« Prendre en charge »: the application is assigned to this agent (taken over from another if need be)."""
    if not de_ses_prefectures(agent, demande):  # an administrator reads it, the prefecture's agents instruct it
        raise ActionImpossible("Cette demande ne relève pas de vos préfectures : vous pouvez la consulter, pas la "
                               "prendre en charge.")
    if demande.etat in etats.finaux:
        raise ActionImpossible("Cette demande est terminée : elle ne peut plus être prise en charge.")
    if demande.agent_id == agent.id:
        return
    precedent = demande.agent_id
    demande.agent_id = agent.id
    journaliser(session, demande.id, f"agent:{agent.id}", "prise_en_charge", {"precedent": precedent})


def liberer(session: Session, demande: Demande, agent: Agent) -> None:
    """« Libérer »: the agent gives the application back to the queue."""
    if demande.agent_id != agent.id:
        raise ActionImpossible("Seul l'agent qui a pris la demande en charge peut la libérer.")
    demande.agent_id = None
    journaliser(session, demande.id, f"agent:{agent.id}", "liberation", {})


# --- The review page (F-32, F-33) ---------------------------------------------------------------------------------


@dataclass
class PieceVue:
    """One required document as the agent sees it: the current files, those they replaced, the last opinion."""

    code: str
    titre: str
    nature: str
    obligatoire: bool
    actuels: list[Document] = field(default_factory=list)
    precedents: list[Document] = field(default_factory=list)
    avis: dict[str, Any] | None = None

    @property
    def tour(self) -> int:
        return self.actuels[0].tour if self.actuels else 0


def pieces(session: Session, demande: Demande, data: dict[str, Any]) -> list[PieceVue]:
    """Every document of the case with its files: the current ones are those the process holds (`documents`,
    updated by each answer to a complement), the earlier ones they replaced are listed apart. Files the
    applicant is uploading for an answer not sent yet are not shown."""
    par_piece: dict[str, list[Document]] = {}
    for document in session.scalars(select(Document).where(Document.demande_id == demande.id)
                                    .order_by(Document.tour, Document.id)):
        par_piece.setdefault(document.piece, []).append(document)
    en_cours = data.get("documents")
    avis = data.get("avis_documents") or {}
    vues = []
    for piece in data.get("pieces", []):
        fichiers = par_piece.get(piece["code"], [])
        if en_cours is None:  # an application deposited before the process kept its files: the latest round
            ids = {d.id for d in fichiers if d.tour == max((f.tour for f in fichiers), default=0)}
        else:
            ids = set(en_cours.get(piece["code"], []))
        actuels = [d for d in fichiers if d.id in ids]
        tour = max((d.tour for d in actuels), default=0)
        vues.append(PieceVue(
            code=piece["code"], titre=piece["titre"], nature=piece.get("nature", "fichier"),
            obligatoire=bool(piece.get("obligatoire")), actuels=actuels,
            precedents=[d for d in fichiers if d.id not in ids and d.tour < tour], avis=avis.get(piece["code"]),
        ))
    return vues


def apercu(document: Document) -> str:
    """How a file can be shown inside the page: « image », « pdf » or « lien » (TIFF: browsers do not show it)."""
    if document.type_mime == "application/pdf":
        return "pdf"
    if document.type_mime in ("image/png", "image/jpeg", "image/bmp"):
        return "image"
    return "lien"


@dataclass
class TourComplement:
    """One « Demande de complément » and the applicant's answer to it, if any."""

    numero: int
    notification: Notification
    documents: list[dict[str, Any]]
    message_agent: str
    reponse: dict[str, dict[str, Any]] | None = None
    message_usager: str = ""
    repondu_le: datetime | None = None
    nouveaux: dict[str, list[Document]] = field(default_factory=dict)


def _formulaire(evenement: Evenement) -> str | None:
    """The form key of a completed task's event (older events name only the task, whose id was the form key)."""
    detail = evenement.detail or {}
    return detail.get("formulaire", detail.get("tache"))


def tours_de_complement(session: Session, demande: Demande) -> list[TourComplement]:
    """Each complement asked, when it was read (the acknowledgement of receipt), and what came back."""
    notifications = session.scalars(
        select(Notification).where(Notification.demande_id == demande.id,
                                   Notification.nature == contrat.NATURE_COMPLEMENT).order_by(Notification.id)).all()
    reponses = [e for e in session.scalars(
        select(Evenement).where(Evenement.demande_id == demande.id, Evenement.nature == "etape_validee")
        .order_by(Evenement.id)) if _formulaire(e) == contrat.REPONDRE_COMPLEMENT.cle]
    nouveaux: dict[int, dict[str, list[Document]]] = {}
    for document in session.scalars(select(Document).where(Document.demande_id == demande.id, Document.tour > 0)
                                    .order_by(Document.id)):
        nouveaux.setdefault(document.tour, {}).setdefault(document.piece, []).append(document)
    tours = []
    for index, notification in enumerate(notifications):
        contenu = notification.contenu or {}
        numero = int(contenu.get("tour") or index + 1)
        tour = TourComplement(numero, notification, contenu.get("documents", []), contenu.get("message_agent", ""),
                              nouveaux=nouveaux.get(numero, {}))
        if index < len(reponses):
            valeurs = reponses[index].detail.get("valeurs", {})
            tour.reponse = valeurs.get("reponse_complement") or {}
            tour.message_usager = valeurs.get("message_usager", "")
            tour.repondu_le = notification.repondue_le or reponses[index].le
        tours.append(tour)
    return tours


def revue(session: Session, demande: Demande, data: dict[str, Any], bundle: ProcessBundle,
          codes_examines: Any = ()) -> dict[str, Any]:
    """Everything the review page shows besides the form: the documents (those to judge first), the complement
    rounds, the history, whether the application is over, who has it."""
    vues = pieces(session, demande, data)
    codes = set(codes_examines)
    return {
        "data": data, "personne": demande.compte.personne, "compte": demande.compte,
        "pieces": [p for p in vues if p.code in codes] + [p for p in vues if p.code not in codes],
        "tours": tours_de_complement(session, demande),
        "historique": historique(session, demande, textes(bundle), {p.code: p.titre for p in vues}),
        "terminee": demande.etat in final_states(bundle),
        "agent_assigne": session.get(Agent, demande.agent_id) if demande.agent_id else None,
    }


# --- History (F-42) ------------------------------------------------------------------------------------------------


def historique(session: Session, demande: Demande, processus: TextesDuProcessus,
               pieces_titres: dict[str, str]) -> list[Fait]:
    """The application's timeline, oldest first, in French: its audit log only (app/journal.py), where every
    step, service task, notification, e-mail and document is an event."""
    return journal.chronologie(session, demande, processus, pieces_titres)
