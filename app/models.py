"""Tables: the register of foreigners, accounts, process versions, applications and their state."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from flask_login import UserMixin
from sqlalchemy import JSON, Date, DateTime, Float, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .extensions import db


def utcnow() -> datetime:
    return datetime.now(UTC)


class Personne(db.Model):
    """A foreigner known to the State's files (F-40): what ANEF reads, not what the applicant types."""

    __tablename__ = "personne"
    id: Mapped[int] = mapped_column(primary_key=True)
    numero_etranger: Mapped[str] = mapped_column(String(10), unique=True, index=True)
    nom_naissance: Mapped[str] = mapped_column(String(120))
    nom_usage: Mapped[str] = mapped_column(String(120), default="")
    prenoms: Mapped[str] = mapped_column(String(200))
    sexe: Mapped[str] = mapped_column(String(20))
    date_naissance: Mapped[date] = mapped_column(Date)
    pays_naissance: Mapped[str] = mapped_column(String(80))
    lieu_naissance: Mapped[str] = mapped_column(String(120))
    nationalite: Mapped[str] = mapped_column(String(80))
    titres: Mapped[list[TitreSejour]] = relationship(back_populates="personne", order_by="TitreSejour.debut")

    @property
    def nom_complet(self) -> str:
        return f"{self.prenoms} {self.nom_usage or self.nom_naissance}"


class TitreSejour(db.Model):
    """A title held, shown in « Historique de mes Titres de Séjour »."""

    __tablename__ = "titre_sejour"
    id: Mapped[int] = mapped_column(primary_key=True)
    personne_id: Mapped[int] = mapped_column(ForeignKey("personne.id"), index=True)
    debut: Mapped[date] = mapped_column(Date)
    fin: Mapped[date] = mapped_column(Date)
    nature: Mapped[str] = mapped_column(String(120))
    motif: Mapped[str] = mapped_column(String(120), default="")
    statut: Mapped[str] = mapped_column(String(40))
    personne: Mapped[Personne] = relationship(back_populates="titres")


class Compte(UserMixin, db.Model):
    """An applicant's account, tied to one person of the register.

    Pending until the e-mail link is used and a password set (`mot_de_passe` empty until then).
    One live single-use link at a time: its nonce, purpose and time of issue are kept here.
    """

    __tablename__ = "compte"
    id: Mapped[int] = mapped_column(primary_key=True)
    personne_id: Mapped[int] = mapped_column(ForeignKey("personne.id"), unique=True)
    email: Mapped[str] = mapped_column(String(254))
    mot_de_passe: Mapped[str | None] = mapped_column(String(255))
    cree_le: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    email_confirme_le: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    jeton_nonce: Mapped[str | None] = mapped_column(String(64))
    jeton_objet: Mapped[str | None] = mapped_column(String(30))
    jeton_emis_le: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    franceconnect_sub: Mapped[str | None] = mapped_column(String(255), unique=True)
    # « fr » or « en » (F-18): chosen in the header, the language of this account's pages and mails.
    langue: Mapped[str] = mapped_column(String(5), default="fr", server_default="fr")
    personne: Mapped[Personne] = relationship()

    @property
    def actif(self) -> bool:
        return bool(self.mot_de_passe) or bool(self.franceconnect_sub)

    def get_id(self) -> str:
        return f"usager:{self.id}"


class VersionProcessus(db.Model):
    """One version of the process files, stored once by content hash (F-41)."""

    __tablename__ = "version_processus"
    id: Mapped[int] = mapped_column(primary_key=True)
    empreinte: Mapped[str] = mapped_column(String(64), unique=True)
    processus: Mapped[str] = mapped_column(String(120))
    fichiers: Mapped[dict[str, str]] = mapped_column(JSON)
    creee_le: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # The current version for new applications is the one activated last: files first seen at start, or a
    # draft published from the analysts' workspace (F-45). `origine` says which; `publiee_par` who published it.
    activee_le: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    origine: Mapped[str] = mapped_column(String(20), default="fichiers", server_default="fichiers")
    publiee_par: Mapped[str | None] = mapped_column(String(80))


class Demande(db.Model):
    """An application; its plain columns mirror the workflow for lists and queues."""

    __tablename__ = "demande"
    id: Mapped[int] = mapped_column(primary_key=True)
    compte_id: Mapped[int] = mapped_column(ForeignKey("compte.id"), index=True)
    version_processus_id: Mapped[int] = mapped_column(ForeignKey("version_processus.id"))
    etat: Mapped[str] = mapped_column(String(60), index=True)
    etat_libelle: Mapped[str] = mapped_column(String(120))
    formulaire: Mapped[str | None] = mapped_column(String(60))
    etape: Mapped[int | None] = mapped_column(Integer)
    # The innermost element the application waits at (user task, catch event, end event): the analysts' counts.
    element: Mapped[str | None] = mapped_column(String(120))
    cas: Mapped[str | None] = mapped_column(String(20))
    numero: Mapped[str | None] = mapped_column(String(19), unique=True)
    saisie_en_cours: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    creee_le: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    modifiee_le: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    deposee_le: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Instruction (issue 6) and deposit (issue 5): what queues and timers read without loading the workflow.
    departement: Mapped[str | None] = mapped_column(String(3), index=True)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agent.id"), index=True)
    echeance: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    prochain_timer: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    # End of the lease a timer worker holds on this application's due timers (F-47): others skip it until then.
    delai_reserve_jusqua: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    demande_tardive: Mapped[bool] = mapped_column(default=False)
    # The applicant's names as the register gives them, copied by the database's triggers (migration 0009): the
    # agents' queue sorts and searches them without a join (F-31, F-47). Never written by the application.
    nom_naissance: Mapped[str | None] = mapped_column(String(120))
    nom_usage: Mapped[str | None] = mapped_column(String(120))
    prenoms: Mapped[str | None] = mapped_column(String(200))
    confirmation_sha256: Mapped[str | None] = mapped_column(String(64))
    # A workflow that cannot be loaded: the error, shown to its owner (with a way out) and in the incident list.
    incident: Mapped[str | None] = mapped_column(Text)
    incident_le: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    compte: Mapped[Compte] = relationship()
    version_processus: Mapped[VersionProcessus] = relationship()
    __mapper_args__ = {"version_id_col": version}
    # The agents' queue (F-31): deposited applications of some departments, by deposit date.
    __table_args__ = (
        Index("ix_demande_departement_deposee_le", "departement", "deposee_le"),
        # One per sort of the queue, partial and covering what its filters read (F-47, migration 0009): a page's ids
        # come from one index alone, even deep in the list.
        *(Index(nom, *colonnes, sqlite_where=text("numero IS NOT NULL"), postgresql_where=text("numero IS NOT NULL"))
          for nom, colonnes in {
              "ix_demande_file_depot": ["departement", "deposee_le", "id", "etat", "agent_id", "numero",
                                        "nom_naissance", "nom_usage", "prenoms"],
              "ix_demande_file_numero": ["departement", "numero", "etat", "agent_id", "nom_naissance", "nom_usage",
                                         "prenoms"],
              "ix_demande_file_nom": ["departement", "nom_naissance", "prenoms", "id", "etat", "agent_id", "numero",
                                      "nom_usage"],
          }.items()),
        # The analysts' process view (F-43): applications per element of one version, without reading workflows.
        Index("ix_demande_version_element", "version_processus_id", "element"),
    )


class FileCompte(db.Model):
    """The agents' queue counts (F-31, F-47): deposited applications per department, state and assigned agent
    (0: none). Kept by the database's triggers (migration 0009) in the transaction that changes an application,
    whatever writes it; the queue sums these few rows instead of counting `demande`."""

    __tablename__ = "file_compte"
    departement: Mapped[str] = mapped_column(String(3), primary_key=True)
    etat: Mapped[str] = mapped_column(String(60), primary_key=True)
    etat_libelle: Mapped[str] = mapped_column(String(120), primary_key=True)
    agent_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    nombre: Mapped[int] = mapped_column(Integer)


class EtatProcessus(db.Model):
    """The serialized workflow of one application, kept apart so lists never load it."""

    __tablename__ = "etat_processus"
    demande_id: Mapped[int] = mapped_column(ForeignKey("demande.id"), primary_key=True)
    version_serialiseur: Mapped[str] = mapped_column(String(20))
    etat: Mapped[str] = mapped_column(Text)


class Evenement(db.Model):
    """Audit log: every step completed, by whom, when, with what (F-42).

    Append-only: the database refuses UPDATE and DELETE on it (triggers of migration 0006)."""

    __tablename__ = "evenement"
    id: Mapped[int] = mapped_column(primary_key=True)
    demande_id: Mapped[int] = mapped_column(ForeignKey("demande.id"), index=True)
    le: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    acteur: Mapped[str] = mapped_column(String(80))
    nature: Mapped[str] = mapped_column(String(60))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Compteur(db.Model):
    """Named counters (application numbers): one locked row, never max()+1."""

    __tablename__ = "compteur"
    cle: Mapped[str] = mapped_column(String(40), primary_key=True)
    valeur: Mapped[int] = mapped_column(Integer, default=0)


class Courriel(db.Model):
    """Outbox: every e-mail is written here in the transaction that causes it, then sent by the worker."""

    __tablename__ = "courriel"
    id: Mapped[int] = mapped_column(primary_key=True)
    modele: Mapped[str] = mapped_column(String(60))
    destinataire: Mapped[str] = mapped_column(String(254))
    sujet: Mapped[str] = mapped_column(String(200))
    texte: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text)
    pieces_jointes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    demande_id: Mapped[int | None] = mapped_column(ForeignKey("demande.id"), index=True)
    compte_id: Mapped[int | None] = mapped_column(ForeignKey("compte.id"), index=True)
    etat: Mapped[str] = mapped_column(String(20), default="a_envoyer", index=True)
    tentatives: Mapped[int] = mapped_column(Integer, default=0)
    prochain_essai: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    reserve_jusqua: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    derniere_erreur: Mapped[str | None] = mapped_column(Text)
    cree_le: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    envoye_le: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Stable across retries: a mail sent twice (a worker killed after SMTP accepted it) is recognisable.
    message_id: Mapped[str | None] = mapped_column(String(255))


class ConfirmationADessiner(db.Model):
    """A deposit confirmation PDF still to draw (F-24, F-47): written by the deposit, drawn by the worker (or by the
    first download or mail that needs it), then deleted. `html` is the document as of the deposit; `disponible_le`
    is when a worker may claim it (the end of the current claim's lease). See app/confirmations.py."""

    __tablename__ = "confirmation_a_dessiner"
    demande_id: Mapped[int] = mapped_column(ForeignKey("demande.id"), primary_key=True, autoincrement=False)
    html: Mapped[str] = mapped_column(Text)
    disponible_le: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    tentatives: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    derniere_erreur: Mapped[str | None] = mapped_column(Text)


class Document(db.Model):
    """A file attached to an application, stored outside the web root under its SHA-256.

    `tour` 0 is the deposit; a file given in answer to the n-th demande de complément has tour n.
    """

    __tablename__ = "document"
    id: Mapped[int] = mapped_column(primary_key=True)
    tour: Mapped[int] = mapped_column(Integer, default=0)
    demande_id: Mapped[int] = mapped_column(ForeignKey("demande.id"), index=True)
    compte_id: Mapped[int] = mapped_column(ForeignKey("compte.id"), index=True)
    piece: Mapped[str] = mapped_column(String(60))
    nom_original: Mapped[str] = mapped_column(String(255))
    type_mime: Mapped[str] = mapped_column(String(80))
    taille: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    cree_le: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SessionOuverte(db.Model):
    """A login session, kept server-side so that it can be ended: the cookie carries only a random token
    whose SHA-256 is `empreinte`. Logout deletes the row; a password change deletes every row of the account;
    `vue_le` (last activity) ends it after a period of inactivity."""

    __tablename__ = "session_ouverte"
    id: Mapped[int] = mapped_column(primary_key=True)
    empreinte: Mapped[str] = mapped_column(String(64), unique=True)
    acteur: Mapped[str] = mapped_column(String(40), index=True)
    creee_le: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    vue_le: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)  # each login purges


class Limite(db.Model):
    """A rate-limit counter shared by every web process (Flask-Limiter's storage on the app's database)."""

    __tablename__ = "limite"
    cle: Mapped[str] = mapped_column(String(255), primary_key=True)
    compte: Mapped[int] = mapped_column(Integer, default=0)
    expire: Mapped[float] = mapped_column(Float, index=True)


class Agent(UserMixin, db.Model):
    """A prefecture agent (F-30): not an applicant; sees only the applications of their prefectures."""

    __tablename__ = "agent"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    nom: Mapped[str] = mapped_column(String(120))
    prenom: Mapped[str] = mapped_column(String(120))
    mot_de_passe: Mapped[str] = mapped_column(String(255))
    actif: Mapped[bool] = mapped_column(default=True)
    # An administrator also sees what belongs to no prefecture: applications of an unconfigured department, incidents.
    administrateur: Mapped[bool] = mapped_column(default=False)
    cree_le: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    prefectures: Mapped[list[AgentPrefecture]] = relationship(cascade="all, delete-orphan")

    def get_id(self) -> str:
        return f"agent:{self.id}"

    @property
    def departements(self) -> set[str]:
        return {p.departement for p in self.prefectures}

    @property
    def nom_complet(self) -> str:
        return f"{self.prenom} {self.nom}"


class AgentPrefecture(db.Model):
    """An agent's attachment to a prefecture, by department code (« 59 », « 2A », « 974 »)."""

    __tablename__ = "agent_prefecture"
    agent_id: Mapped[int] = mapped_column(ForeignKey("agent.id"), primary_key=True)
    departement: Mapped[str] = mapped_column(String(3), primary_key=True, index=True)


class Notification(db.Model):
    """A message to the applicant in « Mes Notifications » (F-14); opening it is the acknowledgement of receipt."""

    __tablename__ = "notification"
    id: Mapped[int] = mapped_column(primary_key=True)
    demande_id: Mapped[int] = mapped_column(ForeignKey("demande.id"), index=True)
    compte_id: Mapped[int] = mapped_column(ForeignKey("compte.id"), index=True)
    nature: Mapped[str] = mapped_column(String(40))
    objet: Mapped[str] = mapped_column(String(200))
    contenu: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    creee_le: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    lue_le: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    repondue_le: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    document_sha256: Mapped[str | None] = mapped_column(String(64))


class Analyste(UserMixin, db.Model):
    """A business analyst (F-45): owns the process; sees diagrams, counts and application numbers, never
    applicants' personal data or documents. Own table, own login, session id « analyste:<id> »."""

    __tablename__ = "analyste"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    nom: Mapped[str] = mapped_column(String(120))
    prenom: Mapped[str] = mapped_column(String(120))
    mot_de_passe: Mapped[str] = mapped_column(String(255))
    actif: Mapped[bool] = mapped_column(default=True)
    cree_le: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    def get_id(self) -> str:
        return f"analyste:{self.id}"

    @property
    def nom_complet(self) -> str:
        return f"{self.prenom} {self.nom}"


class BrouillonProcessus(db.Model):
    """A copy of the process files edited by an analyst in the browser (F-45), published only once its
    contract check, decision examples and workflow tests pass on exactly these files (`essais_empreinte`)."""

    __tablename__ = "brouillon_processus"
    id: Mapped[int] = mapped_column(primary_key=True)
    analyste_id: Mapped[int] = mapped_column(ForeignKey("analyste.id"), index=True)
    base_version_id: Mapped[int | None] = mapped_column(ForeignKey("version_processus.id"))
    fichiers: Mapped[dict[str, str]] = mapped_column(JSON)
    etat: Mapped[str] = mapped_column(String(20), default="brouillon")
    verification: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    essais: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    essais_empreinte: Mapped[str | None] = mapped_column(String(64))
    publie_version_id: Mapped[int | None] = mapped_column(ForeignKey("version_processus.id"))
    cree_le: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    modifie_le: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
