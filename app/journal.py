"""The audit trail (F-42): what each event of `evenement` means, in French, as a timeline and as CSV.

Every event is written by `journaliser` (app/workflow/store.py) in the transaction of the action it records, and
the table is append-only (triggers of migration 0006). This module is the one catalogue of the natures written
(`NATURES`: label and the role that usually acts), and reads them back: the agent's timeline of one application
(`chronologie`) and the CSV exports, for one application or a period (`csv_evenements`), streamed row by row.

Labels the process states (a task's `historique` property, the start event, a message's catching event, a timer)
are read from the application's own process version (TextesDuProcessus), so an analyst's wording wins.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from . import clock
from .entiers import entier
from .models import Agent, Analyste, Demande, Evenement
from .workflow import contrat
from .workflow.textes_du_processus import TextesDuProcessus

USAGER, AGENT, SYSTEME, ANALYSTE = "Usager", "Agent", "Système", "Analyste"


@dataclass(frozen=True)
class Nature:
    """One kind of event: its French label ({champ} read from the event's detail) and who usually acts."""

    libelle: str
    role: str


NATURES: dict[str, Nature] = {
    # The process (labels first read from the diagram: see _libelle_du_processus)
    "demande_creee": Nature("Brouillon de demande créé", USAGER),
    "etape_validee": Nature("Étape « {tache} » validée", USAGER),
    "etape_precedente": Nature("Retour à l'étape précédente", USAGER),
    "demande_abandonnee": Nature("Demande abandonnée", USAGER),
    "message": Nature("Message « {message} » reçu par le processus", USAGER),  # written « message:<nom> »
    "delai_echu": Nature("Délai échu", SYSTEME),
    "service_execute": Nature("Tâche automatique « {tache_libelle} »", SYSTEME),
    "decision": Nature("Décision enregistrée : {decision_fr}", AGENT),
    "migration": Nature("Demande passée à une autre version du processus", SYSTEME),
    "situation_changee": Nature("Situation changée à la reprise du brouillon (F-20) : retour à l'étape {vers_etape}",
                                SYSTEME),
    # The agents' queue
    "prise_en_charge": Nature("Demande prise en charge", AGENT),
    "liberation": Nature("Demande libérée (remise dans la file)", AGENT),
    # Notifications and e-mails
    "notification_envoyee": Nature("Notification « {objet} » adressée à l'usager", SYSTEME),
    "notification_lue": Nature("Notification « {objet} » ouverte par l'usager", USAGER),
    "courriel_en_file": Nature("Courriel « {sujet} » mis en file d'envoi", SYSTEME),
    "courriel_envoye": Nature("Courriel « {sujet} » envoyé", SYSTEME),
    "courriel_echec": Nature("Échec de l'envoi du courriel « {sujet} »", SYSTEME),
    # Documents
    "confirmation_produite": Nature("Confirmation de dépôt (PDF) produite et conservée", SYSTEME),
    "document_televerse": Nature("Fichier joint : {piece_titre}", USAGER),
    "document_supprime": Nature("Fichier supprimé : {piece_titre}", USAGER),
    "document_maintenu": Nature("Document maintenu en réponse au complément : {piece_titre}", USAGER),
    "document_remplace": Nature("Document remplacé en réponse au complément : {piece_titre}", USAGER),
}

DECISIONS_FR = {"favorable": "favorable", "defavorable": "défavorable"}


def nature_de(nature: str) -> Nature | None:
    """The catalogue's entry of a stored nature (« message:<nom> » is one nature)."""
    return NATURES.get(nature.partition(":")[0] if nature.startswith("message:") else nature)


class _Champs(dict):
    def __missing__(self, key: str) -> str:
        return ""


@dataclass(frozen=True)
class Fait:
    """One line of the timeline: when, who (and their role), what, in French."""

    le: datetime
    acteur: str
    libelle: str
    details: tuple[str, ...] = ()
    nature: str = ""
    role: str = ""

    @property
    def jour(self) -> date:
        return clock.paris(self.le).date()


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _jj_mm_aaaa(valeur: Any) -> str:
    texte = str(valeur or "")
    return f"{texte[8:10]}/{texte[5:7]}/{texte[:4]}" if re.match(r"^\d{4}-\d{2}-\d{2}", texte) else texte


def _octets(taille: Any) -> str:
    n = entier(str(taille)) if taille is not None else None
    if n is None:
        return ""
    return f"{n} octets" if n < 1024 else f"{n / 1024:.0f} Ko" if n < 1024 * 1024 else f"{n / 1024 / 1024:.1f} Mo"


class Acteurs:
    """« usager:12 », « agent:3 », « systeme… » as people read them: (name, role); agents read once each."""

    def __init__(self, session: Session, avec_titre: bool = True) -> None:
        self.session, self.avec_titre = session, avec_titre
        self._noms: dict[str, tuple[str, str]] = {}

    def __call__(self, acteur: str) -> tuple[str, str]:
        if acteur not in self._noms:
            self._noms[acteur] = self._lire(acteur or "")
        return self._noms[acteur]

    def _lire(self, acteur: str) -> tuple[str, str]:
        genre, _, ident = acteur.partition(":")
        if genre == "usager":
            return USAGER, USAGER
        if genre in ("systeme", ""):
            return SYSTEME, SYSTEME
        modele, role = {"agent": (Agent, AGENT), "analyste": (Analyste, ANALYSTE)}.get(genre, (None, ""))
        if modele is None:
            return acteur, ""
        numero = entier(ident)
        personne = self.session.get(modele, numero) if numero is not None else None
        if personne is None:
            return role, role
        return (f"{role} : {personne.nom_complet}" if self.avec_titre else personne.nom_complet), role


class Lecteur:
    """Turns events into French: labels from the catalogue and the application's process, readable details."""

    def __init__(self, session: Session, processus: Callable[[Evenement], TextesDuProcessus | None],
                 pieces_titres: Callable[[Evenement], dict[str, str]] | None = None, avec_titre: bool = True) -> None:
        self.processus, self.acteurs = processus, Acteurs(session, avec_titre)
        self.pieces_titres = pieces_titres or (lambda _e: {})

    def fait(self, e: Evenement) -> Fait:
        acteur, role = self.acteurs(e.acteur)
        libelle, details = self.lire(e)
        return Fait(_utc(e.le), acteur, libelle, details, e.nature, role)

    def lire(self, e: Evenement) -> tuple[str, tuple[str, ...]]:
        detail = e.detail if isinstance(e.detail, dict) else {}
        processus = self._processus(e)
        titres = self.pieces_titres(e)
        champs = _Champs({k: v for k, v in detail.items() if isinstance(v, str | int | float)})
        champs["piece_titre"] = titres.get(str(detail.get("piece", "")), str(detail.get("piece", "")))
        champs["message"] = e.nature.partition(":")[2]
        champs["decision_fr"] = DECISIONS_FR.get(str(detail.get("decision")), str(detail.get("decision", "")))
        tache = str(detail.get("tache", ""))
        champs["tache_libelle"] = (processus.libelle(tache) if processus and tache else None) or tache
        if e.nature == "etape_validee":
            valeurs = detail.get("valeurs") or {}
            libelle = (processus.libelle_tache_validee(tache, valeurs) if processus
                       else NATURES["etape_validee"].libelle.format_map(champs))
            return libelle, self._etape(detail, valeurs, titres)
        libelle = self._libelle_du_processus(e, processus, detail)
        if libelle is None:
            nature = nature_de(e.nature)
            libelle = nature.libelle.format_map(champs) if nature else e.nature.replace("_", " ").capitalize()
        return libelle, self._details(e.nature, detail, titres)

    def _processus(self, e: Evenement) -> TextesDuProcessus | None:
        try:
            return self.processus(e)
        except Exception:  # a version this code can no longer read: the catalogue's labels still say it
            return None

    @staticmethod
    def _libelle_du_processus(e: Evenement, processus: TextesDuProcessus | None, detail: dict) -> str | None:
        """The label of an engine event (start, abandon, message, timer) from the element that caught it."""
        if processus is None:
            return None
        if e.nature == "demande_creee":
            return processus.libelle_debut()
        if e.nature == "demande_abandonnee":
            return processus.libelle_message(contrat.ABANDON.nom)
        if e.nature.startswith("message:"):
            return processus.libelle_message(e.nature.partition(":")[2])
        if e.nature == "delai_echu":
            return processus.libelle_delai(detail.get("avant"))
        return None

    def _etape(self, detail: dict, valeurs: dict, titres: dict[str, str]) -> tuple[str, ...]:
        """A completed task: the agent's opinions on documents; the decision for events written before the decision
        had its own event (those have no `modifiees`); which values changed."""
        details = tuple(f"{titres.get(c, c)} : non valide — {a.get('observation', '')}"
                        for c, a in (valeurs.get("avis_documents") or {}).items()
                        if isinstance(a, dict) and not a.get("valide"))
        if "modifiees" not in detail and valeurs.get("decision"):
            details += _decision(valeurs)
        if detail.get("modifiees"):
            details += ("Valeurs modifiées : " + ", ".join(map(str, detail["modifiees"])),)
        return details

    def _details(self, nature: str, d: dict, titres: dict[str, str]) -> tuple[str, ...]:
        if nature == "decision":
            return _decision(d)
        if nature == "prise_en_charge" and d.get("precedent"):
            nom, _ = self.acteurs(f"agent:{d['precedent']}")
            return ("À la place de " + nom.removeprefix(f"{AGENT} : "),)
        if nature == "service_execute":
            return tuple(filter(None, (
                f"Opérateur : {d.get('operateur', '')}",
                _paires("Paramètres", d.get("parametres")), _paires("Résultat", d.get("resultat")))))
        if nature in ("notification_envoyee", "notification_lue"):
            return (f"Notification n° {d.get('notification', '')}",)
        if nature == "courriel_en_file":
            return (f"Courriel n° {d.get('courriel', '')}, modèle « {d.get('modele', '')} »",
                    f"Destinataire : {d.get('destinataire', '')}")
        if nature == "courriel_envoye":
            return (f"Courriel n° {d.get('courriel', '')}, Message-ID : {d.get('message_id', '')}",
                    f"Tentative n° {d.get('tentative', '')}")
        if nature == "courriel_echec":
            return (f"Courriel n° {d.get('courriel', '')}, tentative n° {d.get('tentative', '')} : "
                    f"{d.get('erreur', '')}",) + (("Envoi abandonné",) if d.get("abandonne") else ())
        if nature in ("document_televerse", "document_supprime"):
            return (_fichier(d),)
        if nature == "document_maintenu":
            return (f"Raison : {d.get('raison', '')}",) + tuple(
                f"Fichier écarté : {_fichier(f)}" for f in d.get("ecartes") or [] if isinstance(f, dict))
        if nature == "document_remplace":
            if d.get("ephoto"):
                return (f"Nouveau numéro ephoto : {d['ephoto']}",)
            return tuple(f"Nouveau fichier : {_fichier(f)}" for f in d.get("fichiers") or [] if isinstance(f, dict))
        if nature == "migration":
            return (f"De la version {d.get('de', '')} vers la version {d.get('vers', '')}",)
        if nature == "demande_creee" and d.get("version"):
            return (f"Version du processus : {d['version']}",)
        return ()


def _decision(valeurs: dict) -> tuple[str, ...]:
    if valeurs.get("decision") == "favorable":
        debut, fin = _jj_mm_aaaa(valeurs.get("titre_debut")), _jj_mm_aaaa(valeurs.get("titre_fin"))
        return (f"Carte de séjour temporaire valable du {debut} au {fin} ; montant des taxes : "
                f"{valeurs.get('montant_taxe', 0)} €",)
    if valeurs.get("decision"):
        return (f"Motif : {valeurs.get('motif_refus', '')}",)
    return ()


def _paires(titre: str, valeurs: Any) -> str:
    if not isinstance(valeurs, dict) or not valeurs:
        return ""
    return f"{titre} : " + ", ".join(f"{k} = {v}" for k, v in valeurs.items())


def _fichier(d: dict) -> str:
    return (f"{d.get('nom', '')} ({_octets(d.get('taille'))}), document n° {d.get('document', '')}, "
            f"SHA-256 {d.get('sha256', '')}")


# --- The timeline of one application ------------------------------------------------------------------------------


def chronologie(session: Session, demande: Demande, processus: TextesDuProcessus | None,
                pieces_titres: dict[str, str]) -> list[Fait]:
    """The application's events, oldest first (id order: the order they were committed), in French. A decision is
    shown on the line of the task that took it (the CSV keeps both events)."""
    lecteur = Lecteur(session, lambda _e: processus, lambda _e: pieces_titres)
    faits: list[Fait] = []
    for e in session.scalars(select(Evenement).where(Evenement.demande_id == demande.id).order_by(Evenement.id)):
        fait = lecteur.fait(e)
        precedent = faits[-1] if faits else None
        if e.nature == "decision" and precedent and precedent.nature == "etape_validee" \
                and precedent.acteur == fait.acteur:
            faits[-1] = replace(precedent, details=fait.details + precedent.details)
            continue
        faits.append(fait)
    return faits


# --- CSV ------------------------------------------------------------------------------------------------------------

COLONNES = ("date", "acteur", "role", "nature", "libelle", "demande", "details")
FORMULE = ("=", "+", "-", "@", "\t", "\r")
PERIODE_MAX = 366  # days
BOM = "\ufeff"  # Excel reads UTF-8 only with it


def cellule(valeur: Any) -> str:
    """A cell a spreadsheet shows as text: one starting like a formula gets a leading apostrophe."""
    texte = "" if valeur is None else str(valeur)
    return "'" + texte if texte.startswith(FORMULE) else texte


def _ligne(valeurs: Iterable[Any]) -> str:
    tampon = io.StringIO()
    csv.writer(tampon, delimiter=";", lineterminator="\r\n").writerow([cellule(v) for v in valeurs])
    return tampon.getvalue()


def requete_demande(demande_id: int) -> Select:
    return _requete().where(Evenement.demande_id == demande_id)


def requete_periode(debut: datetime, fin: datetime, conditions: Iterable[Any] = ()) -> Select:
    """Events from `debut` (included) to `fin` (excluded), of the applications matching `conditions`."""
    return _requete().where(Evenement.le >= debut, Evenement.le < fin, *conditions)


def _requete() -> Select:
    return (select(Evenement, Demande.numero, Demande.version_processus_id)
            .join(Demande, Demande.id == Evenement.demande_id).order_by(Evenement.id))


def csv_evenements(session: Session, requete: Select,
                   processus_de_version: Callable[[int], TextesDuProcessus | None],
                   pieces_titres: dict[str, str] | None = None) -> Iterator[str]:
    """The CSV (`;`, UTF-8 with BOM) of the events the query selects, one row per event, read in batches."""
    versions: dict[int, int] = {}
    lecteur = Lecteur(session, lambda e: processus_de_version(versions[e.id]),
                      (lambda _e: pieces_titres) if pieces_titres else None, avec_titre=False)
    yield BOM + _ligne(COLONNES)
    for e, numero, version_id in session.execute(requete.execution_options(yield_per=500)):
        versions[e.id] = version_id
        fait = lecteur.fait(e)
        details = " ; ".join(fait.details) or _detail_brut(e.detail)
        yield _ligne((clock.paris(fait.le).isoformat(timespec="seconds"), fait.acteur, fait.role, e.nature,
                      fait.libelle, numero or f"brouillon {e.demande_id}", details))
        versions.pop(e.id, None)


def _detail_brut(detail: Any) -> str:
    """An event without readable details: its detail as JSON, without the values typed (personal data)."""
    if not isinstance(detail, dict):
        return ""
    reste = {k: v for k, v in detail.items() if k != "valeurs"}
    return json.dumps(reste, ensure_ascii=False, sort_keys=True) if reste else ""


# --- The period asked for the export ----------------------------------------------------------------------------


class PeriodeInvalide(ValueError):
    """The dates of the period export, refused with the French reason."""


def _jour(nom: str, valeur: str | None) -> date | str:
    """The day typed, or the French message saying what to write."""
    texte = (valeur or "").strip()
    if not texte:
        return f"Saisissez la date « {nom} » au format AAAA-MM-JJ (par exemple 2025-01-31)."
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", texte):
            return date.fromisoformat(texte)
    except ValueError:
        pass
    return f"La date « {nom} » doit être une date réelle au format AAAA-MM-JJ (par exemple 2025-01-31)."


def periode(du: str | None, au: str | None) -> tuple[date, date]:
    """The two days (AAAA-MM-JJ, both included) of a period export, or PeriodeInvalide with what to write."""
    debut, fin = _jour("Du", du), _jour("Au", au)
    erreurs = [j for j in (debut, fin) if isinstance(j, str)]
    if erreurs:
        raise PeriodeInvalide(" ".join(erreurs))
    assert isinstance(debut, date) and isinstance(fin, date)
    if fin < debut:
        raise PeriodeInvalide("La date « Au » doit être le même jour que la date « Du » ou après.")
    if (fin - debut).days + 1 > PERIODE_MAX:
        raise PeriodeInvalide(f"La période ne peut pas dépasser {PERIODE_MAX} jours : exportez-la en plusieurs fois.")
    return debut, fin


def bornes(debut: date, fin: date) -> tuple[datetime, datetime]:
    """The period's days in Paris time as UTC bounds: from the first day's midnight to the day after the last."""
    return (datetime.combine(debut, time(0), clock.PARIS).astimezone(UTC),
            datetime.combine(fin + timedelta(days=1), time(0), clock.PARIS).astimezone(UTC))
