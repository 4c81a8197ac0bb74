"""« Essayer la décision » (F-45): a DMN table of a process version, described for its page, and tried on values typed
by an analyst.

The values are parsed by type (the same reading as the decision examples, exemples_decisions.py) and reach the table
as data, never as expression text: `__import__('os')` typed in a field is a string like any other. The table is run
by the version's own DMN engine (DMNEngine, script engine and functions of the process). One field per input of the
table: an input whose expression is a data name (`emancipe`) gets that data; an input computed from other data
(`age_au(date_naissance, date_du_jour)`) is given its value directly, the value its expression gives in the process.
"""

from __future__ import annotations

import ast
import copy
import re
from dataclasses import dataclass, field
from datetime import date
from types import SimpleNamespace
from typing import Any

from lxml import etree

from .exemples_decisions import ENTIER, ValeurIllisible, _afficher, _lire, _nom_sortie, _script_engine, _valeur
from .specs import ProcessBundle

LONGUEUR_MAX = 200  # a value typed in a field: a DMN cell compares codes and numbers, not essays
ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
DECIMAL = re.compile(r"-?\d+(?:[.,]\d+)?")
IDENTIFIANT = re.compile(r"[^\W\d]\w*")
DMN_INPUT = "dmninputexpr"  # what SpiffWorkflow writes for `?` in a cell
HORS_GUILLEMETS = re.compile(r"""(\?)(?=(?:[^'"]|['"][^'"]*['"])*$)""")  # the engine's own rewrite of `?`

# A « choix » also offers a value the cells do not list (MOINS_16 for a table on CAS_1…CAS_3): this string.
AUTRE = "(autre valeur)"

# Form field kinds, from the input's typeRef.
ENTIER_, NOMBRE, BOOLEEN, DATE, CHOIX, TEXTE = "entier", "nombre", "booleen", "date", "choix", "texte"
TYPES_ENTIERS = {"integer", "int", "long"}
TYPES_NOMBRES = {"number", "double", "decimal", "float"}


class DecisionInconnue(KeyError):
    """No decision of that id in the version."""


@dataclass(frozen=True)
class Entree:
    """One input column of a table, and the form field that gives its value."""

    rang: int
    libelle: str
    expression: str
    type: str  # the DMN typeRef, as written
    genre: str  # form field kind: entier, nombre, booleen, date, choix, texte
    options: tuple[str, ...] = ()  # the values a « choix » offers

    @property
    def champ(self) -> str:
        return f"entree_{self.rang}"

    @property
    def calculee(self) -> bool:
        """Computed from other data in the process: the field gives the computed value."""
        return IDENTIFIANT.fullmatch(self.expression) is None


@dataclass(frozen=True)
class Sortie:
    libelle: str
    nom: str
    type: str


@dataclass(frozen=True)
class Regle:
    """A row as the file writes it (the modeler's own text, not the engine's translation)."""

    numero: int
    entrees: list[str]
    sorties: list[str]
    annotation: str
    id: str = ""  # the rule's id in the file (dmn-js marks its row)


@dataclass(frozen=True)
class TableDecision:
    id: str
    nom: str
    description: str
    politique: str  # hit policy: UNIQUE, COLLECT
    fichier: str
    entrees: list[Entree]
    sorties: list[Sortie]
    regles: list[Regle]


@dataclass(frozen=True)
class RegleTrouvee:
    """A rule that applies to the values tried, with its outputs shown as the page writes them."""

    numero: int
    annotation: str
    sorties: list[str]
    id: str = ""


@dataclass
class Resultat:
    regles: list[RegleTrouvee] = field(default_factory=list)
    sorties: dict[str, Any] = field(default_factory=dict)  # what the process data would receive
    erreurs: dict[str, str] = field(default_factory=dict)  # field name → French message
    echec: str = ""  # the table could not be evaluated on these values
    avertissement: str = ""  # e.g. several rules of a UNIQUE table apply
    valeurs: dict[str, Any] = field(default_factory=dict)  # field name → typed value given to the table

    @property
    def affichees(self) -> dict[str, str]:
        """The typed values as the page writes them (oui/non, JJ/MM/AAAA, (vide))."""
        return {champ: _afficher(v) for champ, v in self.valeurs.items()}

    @property
    def aucune_regle(self) -> bool:
        return not self.erreurs and not self.echec and not self.regles


# --- Describing the tables of a version ------------------------------------------------------------------------


def tables(bundle: ProcessBundle) -> list[TableDecision]:
    """Every decision table of the version, by name."""
    return sorted((table(bundle, d) for d in bundle.decisions), key=lambda t: (t.nom.lower(), t.id))


def table(bundle: ProcessBundle, decision_id: str) -> TableDecision:
    """One decision table: its columns (from the engine) and its rows (as the file writes them)."""
    if decision_id not in bundle.decisions:
        raise DecisionInconnue(decision_id)
    moteur = bundle.decisions[decision_id].decision_table
    fichier, element = _element_decision(bundle, decision_id)
    nom, description, lignes = decision_id, "", []
    if element is not None:
        nom = element.get("name") or decision_id
        description = " ".join(_texte(_enfant(element, "description")).split())
        lignes = _enfants(_enfant(element, "decisionTable"), "rule")
    entrees = [_entree(rang, i, moteur.rules) for rang, i in enumerate(moteur.inputs, start=1)]
    sorties = [Sortie(o.label or _nom_sortie(o), _nom_sortie(o), o.typeRef or "") for o in moteur.outputs]
    regles = []
    for numero, regle in enumerate(moteur.rules, start=1):
        ligne = lignes[numero - 1] if numero <= len(lignes) else None
        if ligne is not None:
            cellules_e = [_texte(_enfant(e, "text")) for e in _enfants(ligne, "inputEntry")]
            cellules_s = [_texte(_enfant(e, "text")) for e in _enfants(ligne, "outputEntry")]
        else:  # no file text (should not happen): the engine's own
            cellules_e = [" ".join(x or "-" for x in e.lhs) for e in regle.inputEntries]
            cellules_s = [e.text or "" for e in regle.outputEntries]
        regles.append(Regle(numero, cellules_e, cellules_s, (regle.description or "").strip(), regle.id or ""))
    return TableDecision(decision_id, nom, description, str(moteur.hit_policy), fichier, entrees, sorties, regles)


def _entree(rang: int, entree: Any, regles: list[Any]) -> Entree:
    type_ref = (entree.typeRef or "").strip()
    t = type_ref.lower()
    expression = (entree.expression or "").strip()
    libelle = (entree.label or "").strip() or expression or f"Entrée {rang}"
    if t in TYPES_ENTIERS:
        return Entree(rang, libelle, expression, type_ref, ENTIER_)
    if t in TYPES_NOMBRES:
        return Entree(rang, libelle, expression, type_ref, NOMBRE)
    if t == "boolean":
        return Entree(rang, libelle, expression, type_ref, BOOLEEN)
    if t == "date":
        return Entree(rang, libelle, expression, type_ref, DATE)
    options = _chaines_des_cellules([c for r in regles for e in r.inputEntries if e.input is entree for c in e.lhs])
    if t in ("string", "") and options:
        return Entree(rang, libelle, expression, type_ref, CHOIX, options)
    return Entree(rang, libelle, expression, type_ref, TEXTE)


def _chaines_des_cellules(cellules: list[str | None]) -> tuple[str, ...]:
    """The quoted strings the cells of a column list, when every cell only compares with such strings."""
    trouvees: list[str] = []
    for cellule in cellules:
        if cellule is None:  # « - »: any value
            continue
        texte = HORS_GUILLEMETS.sub(DMN_INPUT, cellule)
        try:
            arbre = ast.parse(texte.strip(), mode="eval")
        except SyntaxError:
            return ()
        for noeud in ast.walk(arbre):
            if isinstance(noeud, ast.Constant) and isinstance(noeud.value, str):
                trouvees.append(noeud.value)
            elif isinstance(noeud, ast.Name) and noeud.id == DMN_INPUT:
                continue
            elif not isinstance(noeud, ast.Expression | ast.Compare | ast.Tuple | ast.List | ast.Set | ast.Load
                                | ast.Eq | ast.NotEq | ast.In | ast.NotIn | ast.BoolOp | ast.Or):
                return ()
    return tuple(dict.fromkeys(trouvees))


# --- Trying a table -----------------------------------------------------------------------------------------------


def essayer(bundle: ProcessBundle, decision_id: str, valeurs: dict[str, str]) -> Resultat:
    """Run the decision `decision_id` of the version on the values typed in the form (field name → text)."""
    description = table(bundle, decision_id)
    moteur = bundle.decisions[decision_id]
    resultat = Resultat()
    for entree in description.entrees:
        try:
            resultat.valeurs[entree.champ] = lire_valeur(entree, valeurs.get(entree.champ) or "")
        except ValeurIllisible as err:
            resultat.erreurs[entree.champ] = str(err)
    if resultat.erreurs:
        return resultat
    donnees: dict[str, Any] = {}
    for entree in description.entrees:
        donnees[entree.expression if not entree.calculee else entree.champ] = resultat.valeurs[entree.champ]
    essai = _table_sur_valeurs(moteur.decision_table, description.entrees)
    contexte = _contexte(donnees, description)
    try:
        appliquees = type(moteur)(essai).decide(contexte)
        resultat.sorties = type(moteur)(essai).result(contexte)
        sorties_par_regle = [r.output_as_dict(contexte) for r in appliquees]
        toutes = _toutes(moteur, essai, contexte) if essai.hit_policy == "UNIQUE" else []
    except Exception as err:  # the table fails on these values: say where, in French, with the engine's words
        _echec(resultat, description, err)
        return resultat
    for regle, sorties in zip(appliquees, sorties_par_regle, strict=True):
        numero = essai.rules.index(regle) + 1
        resultat.regles.append(RegleTrouvee(numero, (regle.description or "").strip(),
                                            [_afficher(_valeur(sorties, s.nom)) for s in description.sorties],
                                            regle.id or ""))
    if len(toutes) > 1:
        numeros = ", ".join(str(essai.rules.index(r) + 1) for r in toutes)
        resultat.avertissement = (f"Plusieurs règles s'appliquent ({numeros}) alors que la table est à réponse unique "
                                  f"(UNIQUE) : seule la première compte. Séparez leurs conditions.")
    return resultat


def lire_valeur(entree: Entree, texte: str) -> Any:
    """A typed field as the value the table receives; empty is None. ValeurIllisible (in French) otherwise."""
    texte = texte.strip()
    if texte == "":
        return None
    if len(texte) > LONGUEUR_MAX:
        raise ValeurIllisible(f"Saisissez {LONGUEUR_MAX} caractères au plus")
    if entree.genre == ENTIER_:
        valeur = _lire(texte, "integer") if ENTIER.fullmatch(texte) else None
        if not isinstance(valeur, int) or isinstance(valeur, bool):
            raise ValeurIllisible(f"« {texte} » n'est pas un nombre entier : saisissez par exemple 17")
        return valeur
    if entree.genre == NOMBRE:
        if not DECIMAL.fullmatch(texte):
            raise ValeurIllisible(f"« {texte} » n'est pas un nombre : saisissez par exemple 12 ou 12,5")
        return int(texte) if ENTIER.fullmatch(texte) else float(texte.replace(",", "."))
    if entree.genre == BOOLEEN:
        valeur = _lire(texte, "boolean") if texte.lower() in ("oui", "non") else None
        if not isinstance(valeur, bool):
            raise ValeurIllisible("Choisissez Oui, Non ou (vide)")
        return valeur
    if entree.genre == DATE:
        if (m := ISO.fullmatch(texte)) is not None:  # what a date field sends
            texte = f"{m.group(3)}/{m.group(2)}/{m.group(1)}"
        valeur = _lire(texte, "date")
        if not isinstance(valeur, date):
            raise ValeurIllisible(f"« {texte} » n'est pas une date : saisissez-la au format JJ/MM/AAAA")
        return valeur
    if entree.genre == CHOIX and texte not in entree.options and texte != AUTRE:
        raise ValeurIllisible("Choisissez une valeur de la liste")
    return _lire(texte, "string")


def _table_sur_valeurs(table_moteur: Any, entrees: list[Entree]) -> Any:
    """A copy of the table whose computed inputs read their field instead of their expression; rules, cells,
    outputs and hit policy are the table's own."""
    copies = {}
    for entree, origine in zip(entrees, table_moteur.inputs, strict=True):
        copie = copy.copy(origine)
        if entree.calculee:
            copie.expression = entree.champ
        copies[id(origine)] = copie
    essai = copy.copy(table_moteur)
    essai.inputs = list(copies.values())
    essai.rules = []
    for regle in table_moteur.rules:
        nouvelle = copy.copy(regle)
        nouvelle.inputEntries = []
        for cellule in regle.inputEntries:
            c = copy.copy(cellule)
            c.input = copies.get(id(cellule.input), cellule.input)
            nouvelle.inputEntries.append(c)
        essai.rules.append(nouvelle)
    return essai


def _contexte(donnees: dict[str, Any], description: TableDecision) -> Any:
    """What the engine takes for a task: the data, and enough of a task for its error messages to name the table."""
    workflow = SimpleNamespace(script_engine=_script_engine(), spec=SimpleNamespace(file=description.fichier),
                               parent_workflow=None)
    workflow.top_workflow = workflow
    spec = SimpleNamespace(name=description.id, bpmn_id=description.id, bpmn_name=description.nom)
    return SimpleNamespace(data=donnees, workflow=workflow, task_spec=spec)


def _toutes(moteur: Any, essai: Any, contexte: Any) -> list[Any]:
    """Every rule that applies, to warn when a UNIQUE table has several (the engine stops at the first)."""
    tous = copy.copy(essai)
    tous.hit_policy = "COLLECT"
    return type(moteur)(tous).decide(contexte)


def _echec(resultat: Resultat, description: TableDecision, err: Exception) -> None:
    detail = str(err.args[0] if err.args else err).replace(DMN_INPUT, "?").strip() or type(err).__name__
    cause = err.__cause__ or err.__context__
    if cause is not None and str(cause) not in detail:
        detail += f" — {cause}"
    ligne = next((n for n in getattr(err, "notes", []) or [] if "row" in n), "")
    if (m := re.search(r"row (\d+)", ligne)) is not None:
        detail = f"règle {m.group(1)} : {detail}"
    vides = [e for e in description.entrees if resultat.valeurs.get(e.champ) is None
             and any(r.entrees[e.rang - 1].strip() not in ("", "-") for r in description.regles
                     if len(r.entrees) >= e.rang)]
    for entree in vides:
        resultat.erreurs[entree.champ] = "Les règles comparent cette valeur : renseignez-la"
    resultat.echec = f"La table n'a pas pu être évaluée avec ces valeurs ({detail})."


# --- The DMN file of a decision ------------------------------------------------------------------------------------


def _element_decision(bundle: ProcessBundle, decision_id: str) -> tuple[str, Any]:
    """(file name, <decision> element) of a decision in the version's DMN files."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    for nom, texte in sorted(bundle.files.items()):
        if not nom.endswith(".dmn"):
            continue
        try:
            racine = etree.fromstring(texte.encode("utf-8"), parser)
        except etree.XMLSyntaxError:
            continue
        for element in racine.iter("{*}decision"):
            if element.get("id") == decision_id:
                return nom, element
    return "", None


def _enfant(element: Any, nom: str) -> Any:
    return None if element is None else element.find(f"{{*}}{nom}")


def _enfants(element: Any, nom: str) -> list[Any]:
    return [] if element is None else element.findall(f"{{*}}{nom}")


def _texte(element: Any) -> str:
    return "" if element is None else (element.text or "").strip()
