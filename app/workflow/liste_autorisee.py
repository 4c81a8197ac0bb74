"""The allow-list of what a process file may ask the engine to run (F-45).

SpiffWorkflow evaluates every condition, DMN cell, timer and parameter with Python's `eval`, and runs script tasks
and pre/post scripts with `exec`. Once analysts can publish a version from the browser, the files are no longer
code reviewed by a developer: `__import__('os').system(…)` in a gateway condition would run on the server. So every
version — the files read at start as much as a published draft — passes this list as part of the contract check:

- no script at all: no scriptTask, no bpmn:script, no spiffworkflow:preScript / postScript / unitTests;
- every expression (gateway and loop conditions, timers, service-task parameters, message payloads, correlation
  expressions, DMN input expressions, input entries as the DMN engine evaluates them, output entries, literal
  expressions) is parsed with `ast` and may only hold: constants (text, numbers, True/False/None), names of data,
  the functions offered to expressions (expressions.EXPRESSION_GLOBALS: anniversaire, age_au, date) called by name,
  comparisons, and/or/not, + - * / // %, `a if c else b`, `in` / `not in` a list of constants or a data name,
  `donnee["cle"]`, and the date parts `.year`, `.month`, `.day`.

Everything else is refused and named: other attributes (`x.__class__`, `date.today`: the day is the data
`date_du_jour`, which tests can fix), calls to anything but those functions (`getattr`, `eval`, `open`…), Python's
built-in names and names starting with `_`, lambdas, comprehensions, `:=`, `*`/`**` unpacking, f-strings holding code,
`**` and `<<` (which build huge numbers), dicts and non-constant lists. The files read here are the ones the engine
reads: translated from the modelers' dialect first (dialecte.py).
"""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING, Any

from lxml import etree

from . import expressions_lues as ex
from .expressions import EXPRESSION_GLOBALS
from .lecture import NOEUDS

if TYPE_CHECKING:
    from .verification import Probleme

FONCTIONS = frozenset(EXPRESSION_GLOBALS)
# Built-in functions the files may call: none so far (the current files use none); add here only what is needed.
BUILTINS_PERMIS: frozenset[str] = frozenset()
# Reading a date's parts: plain values, no callable, no way to another object.
ATTRIBUTS = frozenset({"year", "month", "day"})
ENTREE_DMN = ex.ENTREE_DMN

SCRIPTS = {"scriptTask": "tâche de script", "script": "script", "preScript": "script exécuté avant la tâche",
           "postScript": "script exécuté après la tâche", "unitTests": "tests de script"}
# Elements whose text the engine evaluates as a Python expression, and what to call them in a message.
EXPRESSIONS = {
    "conditionExpression": "la condition", "loopCondition": "la condition de boucle",
    "completionCondition": "la condition de fin", "loopCardinality": "le nombre d'instances",
    "timeDuration": "la durée du délai", "timeDate": "la date du délai", "timeCycle": "le cycle du délai",
    "messagePayload": "le contenu du message", "formalExpression": "l'expression de corrélation",
    "expression": "l'expression de corrélation", "condition": "la condition de l'événement",
}
PORTEURS = NOEUDS | {"sequenceFlow", "process", "message", "correlationProperty", "collaboration"}
ATTENDU = ("Attendu : des valeurs (texte entre guillemets, nombres, True, False), des noms de données, les fonctions "
           "anniversaire(…), age_au(…) et date(…), des comparaisons (==, !=, <, <=, >, >=, in, not in une liste de "
           "valeurs), and, or, not, les opérations + - * / // % et « a if condition else b ».")

_OPERATEURS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod)
_COMPARAISONS = (ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn, ast.Is, ast.IsNot)
_NOMS_DES_CONSTRUCTIONS = {
    ast.Lambda: "fonction anonyme (lambda)", ast.ListComp: "compréhension de liste", ast.SetComp: "compréhension",
    ast.DictComp: "compréhension", ast.GeneratorExp: "générateur", ast.NamedExpr: "affectation « := »",
    ast.Starred: "dépaquetage « * »", ast.Dict: "dictionnaire", ast.Await: "await", ast.Yield: "yield",
    ast.YieldFrom: "yield", ast.Slice: "tranche", ast.FormattedValue: "f-string contenant du code",
}
_QUESTION = re.compile(r"(\?)(?=(?:[^'\"]|['\"][^'\"]*['\"])*$)")  # as SpiffWorkflow's DMN engine replaces `?`


def _extrait(node: ast.AST) -> str:
    texte = ast.unparse(node)
    return texte if len(texte) <= 60 else texte[:57] + "…"


class _Controle:
    """Walks one expression's tree; `refus` lists each refused part, in French."""

    def __init__(self, noms_lies: frozenset[str] = frozenset()) -> None:
        self.noms_lies = noms_lies
        self.refus: list[str] = []

    def non(self, node: ast.AST, raison: str) -> None:
        message = f"« {_extrait(node)} » ({raison})"
        if message not in self.refus:
            self.refus.append(message)

    def voir(self, node: ast.AST) -> None:  # noqa: C901, PLR0912 — one branch per kind of node, on purpose
        if isinstance(node, ast.Expression):
            self.voir(node.body)
        elif isinstance(node, ast.Constant):
            if not (node.value is None or isinstance(node.value, (str, int, float, bool))):
                self.non(node, "valeur de ce type non permise")
        elif isinstance(node, ast.Name):
            self._nom(node)
        elif isinstance(node, ast.Attribute):
            if node.attr not in ATTRIBUTS or not isinstance(node.value, ast.Name):
                self.non(node, f"accès à l'attribut « .{node.attr} » non permis ; seuls .year, .month et .day "
                               "d'une donnée le sont")
            else:
                self.voir(node.value)
        elif isinstance(node, ast.Subscript):
            if not isinstance(node.value, ast.Name) or not (
                    isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, (str, int))):
                self.non(node, "indice permis seulement sous la forme donnee[\"cle\"] ou donnee[0]")
            else:
                self.voir(node.value)
        elif isinstance(node, ast.Call):
            self._appel(node)
        elif isinstance(node, ast.Compare):
            self.voir(node.left)
            for op, droite in zip(node.ops, node.comparators, strict=True):
                if not isinstance(op, _COMPARAISONS):
                    self.non(node, "comparaison non permise")
                if isinstance(op, (ast.In, ast.NotIn)) and not isinstance(droite, (ast.Tuple, ast.List, ast.Set,
                                                                                   ast.Name, ast.Constant)):
                    self.non(droite, "« in » s'emploie avec une liste de valeurs ou une donnée")
                self.voir(droite)
        elif isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            for element in node.elts:
                constante = isinstance(element, ast.Constant) or (
                    isinstance(element, ast.UnaryOp) and isinstance(element.op, ast.USub)
                    and isinstance(element.operand, ast.Constant))
                if not constante:
                    self.non(element, "une liste ne peut contenir que des valeurs")
                else:
                    self.voir(element)
        elif isinstance(node, ast.BoolOp):
            for valeur in node.values:
                self.voir(valeur)
        elif isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, (ast.Not, ast.USub, ast.UAdd)):
                self.non(node, "opérateur non permis")
            self.voir(node.operand)
        elif isinstance(node, ast.BinOp):
            if not isinstance(node.op, _OPERATEURS):
                self.non(node, "opérateur non permis (seuls + - * / // % le sont)")
            self.voir(node.left)
            self.voir(node.right)
        elif isinstance(node, ast.IfExp):
            for partie in (node.test, node.body, node.orelse):
                self.voir(partie)
        elif isinstance(node, ast.JoinedStr):
            for partie in node.values:
                self.voir(partie)
        else:
            self.non(node, _NOMS_DES_CONSTRUCTIONS.get(type(node), "construction Python non permise"))

    def _nom(self, node: ast.Name) -> None:
        nom = node.id
        if nom in self.noms_lies or nom in FONCTIONS or nom in BUILTINS_PERMIS:
            return
        if nom.startswith("_"):
            self.non(node, "nom commençant par « _ » : réservé à Python")
        elif nom in ex.NOMS_PYTHON:
            self.non(node, "nom intégré de Python, non permis ; si c'est une donnée, donnez-lui un autre nom")

    def _appel(self, node: ast.Call) -> None:
        if not isinstance(node.func, ast.Name) or node.func.id not in FONCTIONS | BUILTINS_PERMIS:
            permises = ", ".join(sorted(FONCTIONS | BUILTINS_PERMIS))
            self.non(node, f"appel non permis ; seules ces fonctions peuvent être appelées : {permises}")
            if not isinstance(node.func, ast.Name):
                self.voir(node.func)  # name the attribute trick too (`().__class__`…)
        for argument in node.args:
            self.voir(argument)
        for mot in node.keywords:
            if mot.arg is None:
                self.non(node, "dépaquetage « ** » non permis")
            else:
                self.voir(mot.value)


def refus(texte: str, noms_lies: frozenset[str] = frozenset()) -> list[str]:
    """The refused parts of one expression ([] = allowed). Text that is not an expression cannot run at all: the
    contract check says why it cannot be read, not this list."""
    tree = ex.arbre(texte)
    if tree is None:
        return []
    controle = _Controle(noms_lies)
    controle.voir(tree)
    return controle.refus


def refus_cellule(texte: str, entree: str) -> list[str]:
    """A DMN input entry checked as the DMN engine will evaluate it (SpiffWorkflow's DMNEngine.evaluate): with `?`,
    the cell with `?` as the column's value; a cell that is an expression on its own, compared with `==`; otherwise
    the input expression and the cell concatenated (`age_au(…)` + `< 16`)."""
    remplace = _QUESTION.sub(ENTREE_DMN, texte)
    if ENTREE_DMN in remplace:
        return refus(remplace, frozenset({ENTREE_DMN}))
    if ex.arbre(texte) is not None:
        return refus(texte)
    if refus(entree):
        return refus(f"{ENTREE_DMN} {texte}", frozenset({ENTREE_DMN}))  # the input's own refusal is said with it
    return refus(entree + texte)


def _local(el: Any) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _porteur(el: Any) -> Any:
    """The element an expression or script belongs to: the nearest node, flow or process around it."""
    courant = el
    while courant is not None:
        if _local(courant) in PORTEURS and courant.get("id"):
            return courant
        courant = courant.getparent()
    return el


def problemes(fichiers: dict[str, str]) -> list[Probleme]:
    """Every script and every expression outside the allow-list, in the files as the engine reads them."""
    from .verification import Probleme  # verification calls this module: import at use

    liste: list[Probleme] = []

    def ajouter(fichier: str, element: Any, libelle: str, quoi: str, texte: str, parties: list[str]) -> None:
        liste.append(Probleme(fichier, element, libelle, (
            f"{quoi} (« {texte.strip()} ») contient ce que le moteur ne peut pas exécuter sans risque : "
            f"{' ; '.join(parties)}. {ATTENDU}")))

    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    for fichier, contenu in fichiers.items():
        try:
            racine = etree.fromstring(contenu.encode("utf-8"), parser)
        except etree.XMLSyntaxError:
            continue  # said by the contract check
        if fichier.endswith(".dmn"):
            _dmn(fichier, racine, ajouter)
        else:
            _bpmn(fichier, racine, liste, ajouter)
    return liste


def _bpmn(fichier: str, racine: Any, liste: list[Any], ajouter: Any) -> None:
    from .verification import Probleme

    for el in racine.iter(etree.Element):
        nom = _local(el)
        if nom in SCRIPTS:
            porteur = el if nom == "scriptTask" else _porteur(el.getparent())
            liste.append(Probleme(fichier, porteur.get("id", "?"), porteur.get("name") or "", (
                f"{SCRIPTS[nom]} : le moteur exécuterait ce code Python tel quel ; aucun script n'est permis dans "
                "les fichiers du processus. Attendu : une tâche de service (un opérateur du catalogue), une tâche "
                "de décision (une table DMN) ou une condition sur un flux.")))
        elif nom in EXPRESSIONS and (el.text or "").strip():
            porteur = _porteur(el)
            if parties := refus(el.text):
                ajouter(fichier, porteur.get("id", "?"), porteur.get("name") or "", EXPRESSIONS[nom], el.text, parties)
        elif nom == "parameter" and el.get("value", "").strip():
            porteur = _porteur(el)
            if parties := refus(el.get("value")):
                ajouter(fichier, porteur.get("id", "?"), porteur.get("name") or "",
                        f"la valeur du paramètre « {el.get('id', '')} »", el.get("value"), parties)


def _texte(el: Any) -> str:
    texte = next((e for e in el if _local(e) == "text"), None)
    return (texte.text or "").strip() if texte is not None else ""


def _dmn(fichier: str, racine: Any, ajouter: Any) -> None:
    for decision in racine.iter(etree.Element):
        if _local(decision) != "decision":
            continue
        table_nom = decision.get("name") or decision.get("id", "")
        for literal in (e for e in decision.iter(etree.Element) if _local(e) == "literalExpression"):
            if (texte := _texte(literal)) and (parties := refus(texte)):
                ajouter(fichier, decision.get("id", "?"), table_nom, "l'expression de la décision", texte, parties)
        for table in (e for e in decision if _local(e) == "decisionTable"):
            entrees = []
            for colonne in (e for e in table if _local(e) == "input"):
                expression = next((e for e in colonne if _local(e) == "inputExpression"), None)
                texte = _texte(expression) if expression is not None else ""
                entrees.append(texte)
                libelle = colonne.get("label") or ""
                if texte and (parties := refus(texte)):
                    ajouter(fichier, colonne.get("id", "?"), libelle,
                            f"l'expression de l'entrée « {libelle or colonne.get('id')} »", texte, parties)
            sorties = [c.get("name") or c.get("label") or c.get("id") for c in table if _local(c) == "output"]
            for numero, regle in enumerate((e for e in table if _local(e) == "rule"), start=1):
                libelle = f"règle {numero} de « {table_nom} »"
                cellules = [e for e in regle if _local(e) == "inputEntry"]
                for rang, cellule in enumerate(cellules):
                    texte = _texte(cellule)
                    if texte in ("", "-") or ex.cellule_dmn(texte)[0] is None:
                        continue  # « any value », or unreadable: said by the contract check
                    entree = entrees[rang] if rang < len(entrees) else ""
                    if parties := refus_cellule(texte, entree):
                        ajouter(fichier, regle.get("id", "?"), libelle, f"la condition de la colonne {rang + 1}",
                                texte, parties)
                for rang, cellule in enumerate(e for e in regle if _local(e) == "outputEntry"):
                    texte = _texte(cellule)
                    if texte and (parties := refus(texte)):
                        nom = sorties[rang] if rang < len(sorties) else rang + 1
                        ajouter(fichier, regle.get("id", "?"), libelle, f"la sortie « {nom} »", texte, parties)
