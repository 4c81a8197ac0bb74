"""What the process files state for people to read: the steps of the draft, the durations of timers, the labels of
the history and the limits given as task properties.

Pages, mails and PDFs read these from the diagram of the application's own version, so an analyst who renames a
task, renumbers a step or changes `P30D` into `P15D` changes every text that states it, without touching Python.
Read once per process version (`textes(bundle)`); nothing here runs the workflow.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.specs.defaults import StartEvent
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import DurationTimerEventDefinition

from .contrat import EXAMINER_DEMANDE
from .specs import ProcessBundle, ProcessDefinitionError

# --- The properties (spiffworkflow:property) this module reads, as an analyst writes them ---------------------------

ETAPE = "etape"
TITRE = "titre"
DESCRIPTION = "description"
HISTORIQUE = "historique"
HISTORIQUE_SI = re.compile(r"^historique si (?P<champ>\w+) = (?P<valeur>\S+)$")
COMPLEMENTS_MAX = "complements_max"
# The complement rounds loop through a gateway: each round deepens SpiffWorkflow's task tree, safe for 50 rounds
# and failing past ~140 (SPIFFWORKFLOW.md, trap 4). The process states its limit; the start-up check bounds it.
COMPLEMENTS_MAX_PLAFOND = 50

PROPRIETES: dict[str, str] = {
    ETAPE: "numéro de l'étape de la démarche (indicateur d'étapes « Étape n sur N ») ; sur une tâche utilisateur "
           "de l'usager, ou sur l'événement de fin du brouillon pour la page de confirmation (dernière étape)",
    TITRE: "titre de l'étape quand ce n'est pas le nom de l'élément (sinon le nom de la première tâche de l'étape "
           "dans le fichier)",
    DESCRIPTION: "phrase qui présente l'étape sur la page « Votre démarche en ligne »",
    HISTORIQUE: "libellé de l'historique de la demande (espace agent) quand l'élément est franchi ; sans elle, "
                "« Étape « <nom> » validée » pour une tâche, le nom de l'élément pour un événement",
    "historique si <champ> = <valeur>": "libellé de l'historique quand la tâche est validée avec cette valeur "
                                        "(par exemple « historique si decision = favorable »)",
    COMPLEMENTS_MAX: f"nombre maximum de demandes de complément pour une demande (entier de 1 à "
                     f"{COMPLEMENTS_MAX_PLAFOND}) ; sur la tâche de l'agent qui les demande",
}

# The properties a form cannot do without, on every user task that shows it.
PROPRIETES_DES_FORMULAIRES: dict[str, tuple[str, ...]] = {EXAMINER_DEMANDE.cle: (COMPLEMENTS_MAX,)}

# ISO 8601 durations as BPMN timers state them: P30D, P1M, PT48H, P1Y2M10DT2H30M, P1,5D.
_NOMBRE = r"\d+(?:[.,]\d+)?"
DUREE_ISO = re.compile(
    rf"^P(?!$)(?:(?P<annees>{_NOMBRE})Y)?(?:(?P<mois>{_NOMBRE})M)?(?:(?P<semaines>{_NOMBRE})W)?"
    rf"(?:(?P<jours>{_NOMBRE})D)?(?:T(?=\d)(?:(?P<heures>{_NOMBRE})H)?(?:(?P<minutes>{_NOMBRE})M)?"
    rf"(?:(?P<secondes>{_NOMBRE})S)?)?$"
)
UNITES = ("annees", "mois", "semaines", "jours", "heures", "minutes", "secondes")


def parties_de_duree(iso: str) -> list[tuple[Decimal, str]] | None:
    """(number, unit) of each non-zero part of an ISO 8601 duration, largest unit first; None if not one."""
    found = DUREE_ISO.match((iso or "").strip().upper())
    if found is None:
        return None
    try:
        parts = [(Decimal(found[u].replace(",", ".")), u) for u in UNITES if found[u] is not None]
    except InvalidOperation:
        return None
    return [(n, u) for n, u in parts if n] or parts[-1:]


def duree_litterale(expression: str | None) -> str | None:
    """The ISO duration a timer states in the diagram: `"P30D"` (a Python string, as SpiffWorkflow reads it) or a
    bare `P30D` (as Camunda Modeler writes it). None when it is computed from data (a variable)."""
    text = (expression or "").strip()
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        value = text
    return value.strip() if isinstance(value, str) and parties_de_duree(value) else None


@dataclass(frozen=True)
class Etape:
    """One step of the applicant's draft, as the stepper, the preamble and the summary show it."""

    numero: int
    titre: str
    description: str
    formulaires: tuple[str, ...]  # form keys of the user tasks of this step


def _nom(ts: Any) -> str:
    return ts.bpmn_name or ts.bpmn_id


def _proprietes(ts: Any) -> dict[str, str]:
    return dict((getattr(ts, "extensions", None) or {}).get("properties", {}))


def _ordre_dans_les_fichiers(files: Mapping[str, str]) -> dict[str, int]:
    """Position of each element id in the BPMN files, in document order (a sub-process's content where it lies)."""
    order: dict[str, int] = {}
    for name, text in files.items():
        if not name.endswith(".bpmn"):
            continue
        try:
            root = etree.fromstring(text.encode("utf-8"))
        except etree.XMLSyntaxError:
            continue
        for element in root.iter():
            ident = element.get("id") if isinstance(element.tag, str) else None
            if ident and ident not in order:
                order[ident] = len(order)
    return order


class TextesDuProcessus:
    """The texts and numbers one process version states, indexed once."""

    def __init__(self, bundle: ProcessBundle) -> None:
        self.bundle = bundle
        self._elements: dict[str, Any] = {}
        self._fichiers: dict[str, str] = {}
        for file, ts in bundle.task_specs_with_file():
            if ts.bpmn_id and ts.bpmn_id not in self._elements:
                self._elements[ts.bpmn_id] = ts
                self._fichiers[ts.bpmn_id] = file
        self._ordre = _ordre_dans_les_fichiers(bundle.files)
        self.etapes = self._lire_etapes()

    # --- steps --------------------------------------------------------------------------------------------------------

    def _porteurs_d_etape(self) -> dict[int, list[Any]]:
        """The elements of each step number, in document order (the first names the step)."""
        par_numero: dict[int, list[Any]] = {}
        for ts in self._elements.values():
            valeur = _proprietes(ts).get(ETAPE, "").strip()
            if valeur.isdigit() and int(valeur) > 0:
                par_numero.setdefault(int(valeur), []).append(ts)
        for elements in par_numero.values():
            elements.sort(key=lambda ts: self._ordre.get(ts.bpmn_id, len(self._ordre)))
        return par_numero

    def _lire_etapes(self) -> list[Etape]:
        etapes = []
        for numero, elements in sorted(self._porteurs_d_etape().items()):
            titre = next((_proprietes(ts)[TITRE] for ts in elements if _proprietes(ts).get(TITRE)), None)
            description = next((_proprietes(ts)[DESCRIPTION] for ts in elements if _proprietes(ts).get(DESCRIPTION)),
                               "")
            formulaires = tuple(dict.fromkeys(p["form"] for p in map(_proprietes, elements) if p.get("form")))
            etapes.append(Etape(numero, titre or _nom(elements[0]), description, formulaires))
        return etapes

    @property
    def titres(self) -> list[str]:
        """Step titles, step 1 first (the stepper: « Étape n sur N », « Étape suivante : … »)."""
        return [e.titre for e in self.etapes]

    def etape_du_formulaire(self, form_key: str) -> Etape | None:
        """The step whose user task shows this form (e.g. where the applicant writes observations)."""
        return next((e for e in self.etapes if form_key in e.formulaires), None)

    # --- timers -------------------------------------------------------------------------------------------------------

    def duree(self, timer_id: str) -> str | None:
        """The ISO 8601 duration of a duration timer as the diagram states it (`P30D`), None if it is not one."""
        definition = getattr(self._elements.get(timer_id), "event_definition", None)
        if not isinstance(definition, DurationTimerEventDefinition):
            return None
        return duree_litterale(definition.expression)

    # --- history ------------------------------------------------------------------------------------------------------

    def libelle(self, element_id: str) -> str | None:
        """The element's history label: its `historique` property, else its name; None if there is no such element."""
        ts = self._elements.get(element_id)
        if ts is None:
            return None
        return _proprietes(ts).get(HISTORIQUE) or _nom(ts)

    def libelle_tache_validee(self, task_id: str, valeurs: Mapping[str, Any]) -> str:
        """« historique si <champ> = <valeur> » matching what was given, else `historique`, else « Étape « nom »
        validée »."""
        ts = self._elements.get(task_id)
        if ts is None:
            return f"Étape « {task_id} » validée"
        proprietes = _proprietes(ts)
        for nom, libelle in proprietes.items():
            condition = HISTORIQUE_SI.match(nom)
            if condition and str(valeurs.get(condition["champ"])) == condition["valeur"] and libelle:
                return libelle
        return proprietes.get(HISTORIQUE) or f"Étape « {_nom(ts)} » validée"

    def libelle_debut(self) -> str | None:
        """The label of the process's start (the draft created)."""
        start = next((ts for ts in self.bundle.spec.task_specs.values()
                      if isinstance(ts, StartEvent) and ts.bpmn_id), None)
        return self.libelle(start.bpmn_id) if start is not None else None

    def libelle_message(self, message: str) -> str | None:
        """The label of the event that catches this message (e.g. « notification_lue »)."""
        for ident, ts in self._elements.items():
            definition = getattr(ts, "event_definition", None)
            if isinstance(definition, MessageEventDefinition) and definition.name == message:
                return self.libelle(ident)
        return None

    def libelle_delai(self, attache_a: str | None) -> str | None:
        """The label of the timer that fired on the task the application waited in (`attache_a`); the process's
        only timer if that is unknown."""
        timers = {ident: ts for ident, ts in self._elements.items()
                  if isinstance(getattr(ts, "event_definition", None), DurationTimerEventDefinition)}
        for ident, ts in timers.items():
            if attache_a and any(getattr(o, "bpmn_id", None) == attache_a for i in ts.inputs for o in i.outputs):
                return self.libelle(ident)
        return self.libelle(next(iter(timers))) if len(timers) == 1 else None

    # --- limits -------------------------------------------------------------------------------------------------------

    def limite(self, propriete: str) -> int | None:
        """An integer property the process states once (e.g. `complements_max`), None if no element states it."""
        for ts in self._elements.values():
            valeur = _proprietes(ts).get(propriete, "").strip()
            if valeur.isdigit():
                return int(valeur)
        return None

    # --- checks -------------------------------------------------------------------------------------------------------

    def problemes(self, delais: Iterable[str] = ()) -> list[ProcessDefinitionError]:
        """What would make a page, a mail or the history wrong, in French (file, element, what to write instead).

        `delais`: the timers whose duration the pages state (they must state it in the diagram, not compute it).
        """
        found: list[ProcessDefinitionError] = []

        def probleme(ident: str, message: str) -> None:
            ts = self._elements.get(ident)
            element = f"{_nom(ts)} ({ident})" if ts is not None and ts.bpmn_name else ident
            found.append(ProcessDefinitionError(self._fichiers.get(ident, "bpmn/?"), element, message))

        for ident, ts in self._elements.items():
            proprietes = _proprietes(ts)
            etape = proprietes.get(ETAPE)
            if etape is not None and not (etape.strip().isdigit() and int(etape) > 0):
                probleme(ident, f"propriété « {ETAPE} » = « {etape} » : un numéro d'étape est un entier à partir de 1")
            for requise in PROPRIETES_DES_FORMULAIRES.get(proprietes.get("form", ""), ()):
                if requise not in proprietes:
                    probleme(ident, f"propriété « {requise} » manquante : le formulaire « {proprietes['form']} » "
                                    f"la lit ({PROPRIETES[requise]})")
            maximum = proprietes.get(COMPLEMENTS_MAX)
            if maximum is not None and not (maximum.strip().isdigit()
                                            and 1 <= int(maximum) <= COMPLEMENTS_MAX_PLAFOND):
                probleme(ident, f"propriété « {COMPLEMENTS_MAX} » = « {maximum} » : attendu un entier de 1 à "
                                f"{COMPLEMENTS_MAX_PLAFOND} (au-delà, le moteur ne suit plus la boucle des "
                                "compléments)")
        numeros = [e.numero for e in self.etapes]
        manquants = sorted(set(range(1, max(numeros, default=0) + 1)) - set(numeros))
        if manquants:
            premier = self._porteurs_d_etape()[numeros[0]][0].bpmn_id
            probleme(premier, "les étapes doivent être numérotées de 1 à " f"{max(numeros)} sans trou : il manque "
                              + ", ".join(f"l'étape {n}" for n in manquants))
        for ident in delais:
            if ident in self._elements and self.duree(ident) is None:
                probleme(ident, "le délai doit être une durée écrite dans le diagramme, par exemple P30D ou \"P30D\" "
                                "(30 jours), P1M (1 mois), PT48H (48 heures) : les pages, courriels et PDF l'annoncent")
        return found


_TEXTES: dict[str, TextesDuProcessus] = {}


def textes(bundle: ProcessBundle) -> TextesDuProcessus:
    """The texts of a process version, read once per version."""
    if bundle.content_hash not in _TEXTES:
        _TEXTES[bundle.content_hash] = TextesDuProcessus(bundle)
    return _TEXTES[bundle.content_hash]
