"""The modelers' dialect: what bpmn.io / dmn-js and Camunda Modeler write, read as the Python SpiffWorkflow runs.

SpiffWorkflow evaluates every DMN cell, condition and timer as a Python expression. The modelers write FEEL and
ISO 8601 instead: `true`/`false`, `"CAS_1","CAS_2"` (a list, which Python reads as a tuple that never matches),
`[16..18[`, `not("CAS_1")`, `date("2024-01-31")`, a bare `P45D` in a timer. Before SpiffWorkflow parses a file,
each such text is rewritten into the Python that means the same thing; what Python and FEEL both read alike (the
project's own `16 <= ? < 18`, `< 16`, `"CAS_1"`, `-`) means the same after the rewrite. A construct of the dialect
that has no faithful translation is refused at start with what to write instead. Text this module cannot read at all
is left as it is: the start-up validation reports it with the others.

The raw files stay what a version stores and shows; only the parser sees the translation.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from lxml import etree

# --- Reading a cell into tokens --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Jeton:
    genre: str  # chaine, nombre, points (..), op, nom
    texte: str
    debut: int
    fin: int


_JETON = re.compile(
    r"""(?P<espace>\s+)
    |(?P<chaine>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
    |(?P<nombre>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
    |(?P<points>\.\.)
    |(?P<op><=|>=|==|!=|\*\*|//|[-+*/%<>=,()\[\]{}.:?!@&|~^])
    |(?P<nom>[^\W\d]\w*)""",
    re.VERBOSE,
)
OUVRANTS, FERMANTS = "([{", ")]}"
COMPARAISONS = {"<", "<=", ">", ">=", "==", "!="}
LITTERAUX_FEEL = {"true": "True", "false": "False", "null": "None"}
AIDE_DATES = (
    "les dates s'écrivent date(\"AAAA-MM-JJ\") et se comparent avec les fonctions anniversaire(date, ans) "
    "et age_au(naissance, jour)"
)
AIDE_ENTREE = (
    "écrivez une valeur (\"CAS_1\", 16, true), une liste (\"CAS_1\",\"CAS_2\"), une comparaison (< 16), "
    "un intervalle ([16..18[ : 16 inclus, 18 exclu), not(…) pour l'inverse, ou - pour toutes les valeurs"
)


class Illisible(Exception):
    """Not a text this module reads: left unchanged, for the validation to report."""


class Refus(Exception):
    """A construct of the modelers' dialect with no faithful translation; the message says what to write."""


def jetons(texte: str) -> list[Jeton]:
    resultat, position = [], 0
    while position < len(texte):
        trouve = _JETON.match(texte, position)
        if trouve is None:
            raise Illisible(f"caractère inattendu « {texte[position]} »")
        if trouve.lastgroup != "espace":
            resultat.append(Jeton(trouve.lastgroup or "", trouve.group(), trouve.start(), trouve.end()))
        position = trouve.end()
    return resultat


def _est(jeton: Jeton | None, *textes: str) -> bool:
    return jeton is not None and jeton.genre in ("op", "points", "nom") and jeton.texte in textes


# --- Expressions (output cells, input expressions, conditions) ------------------------------------------------------


def _date_litterale(chaine: str) -> str:
    valeur = ast.literal_eval(chaine)
    try:
        date.fromisoformat(valeur)
    except ValueError as err:
        raise Refus(f"date {chaine} invalide : {AIDE_DATES}") from err
    return f"date.fromisoformat({chaine})"


def _expression(texte: str, suite: list[Jeton]) -> str:
    """Python for the FEEL/Python expression made of `suite` (tokens of `texte`)."""
    if not suite:
        raise Illisible("expression vide")
    morceaux, profondeur, i = [], 0, 0
    curseur = suite[0].debut
    while i < len(suite):
        jeton = suite[i]
        suivant = suite[i + 1] if i + 1 < len(suite) else None
        morceaux.append(texte[curseur:jeton.debut])
        remplacement = jeton.texte
        if jeton.genre == "nom" and jeton.texte in LITTERAUX_FEEL:
            remplacement = LITTERAUX_FEEL[jeton.texte]
        elif jeton.genre == "nom" and jeton.texte == "then":
            raise Refus("« if … then … else » (FEEL) : écrivez « valeur_si_vrai if condition else valeur_si_faux »")
        elif jeton.genre == "nom" and jeton.texte == "between":
            raise Refus("« between » (FEEL) : écrivez « 16 <= valeur <= 18 »")
        elif jeton.genre == "nom" and jeton.texte in ("duration", "time") and _est(suivant, "("):
            raise Refus(f"« {jeton.texte}(…) » (FEEL) n'est pas disponible : {AIDE_DATES}")
        elif jeton.genre == "nom" and jeton.texte == "date" and _est(suivant, "and"):
            raise Refus(f"« date and time(…) » (FEEL) n'est pas disponible : {AIDE_DATES}")
        elif (jeton.genre == "nom" and jeton.texte == "date" and i + 3 < len(suite) and _est(suivant, "(")
              and suite[i + 2].genre == "chaine" and _est(suite[i + 3], ")")):
            remplacement = _date_litterale(suite[i + 2].texte)
            i += 3
        elif jeton.genre == "op" and jeton.texte == "=" and profondeur == 0:
            raise Refus("« = » (FEEL) : pour comparer deux valeurs, écrivez « == »")
        elif jeton.genre == "op" and jeton.texte in OUVRANTS:
            profondeur += 1
        elif jeton.genre == "op" and jeton.texte in FERMANTS:
            profondeur -= 1
        morceaux.append(remplacement)
        curseur = suite[i].fin
        i += 1
    return "".join(morceaux)


def _analysable(python: str) -> bool:
    try:
        ast.parse(re.sub(r"\?", "dmninput", python), mode="eval")
    except SyntaxError:
        return False
    return True


def expression(texte: str) -> str:
    """A FEEL or Python expression as Python: true/false/null, date("…"); FEEL-only forms refused."""
    python = _expression(texte, jetons(texte))
    if not _analysable(python):
        raise Illisible(python)
    return python


# --- Input cells (FEEL unary tests) ---------------------------------------------------------------------------------


def _simple(texte: str, suite: list[Jeton]) -> str:
    python = _expression(texte, suite)
    return python if len(suite) == 1 else f"({python})"


def _jusqua_virgule(suite: list[Jeton], i: int) -> int:
    """Index of the top-level comma ending the test that starts at `i` (or the end)."""
    profondeur = 0
    while i < len(suite):
        jeton = suite[i]
        if jeton.genre == "op" and jeton.texte in OUVRANTS:
            profondeur += 1
        elif jeton.genre == "op" and jeton.texte in FERMANTS:
            profondeur -= 1
            if profondeur < 0:
                raise Illisible("parenthèse fermante en trop")
        elif jeton.genre == "op" and jeton.texte == "," and profondeur == 0:
            return i
        i += 1
    if profondeur:
        raise Illisible("parenthèse non fermée")
    return i


def _intervalle(texte: str, suite: list[Jeton], i: int) -> tuple[str, int] | None:
    """`[a..b]`, `]a..b[`, `(a..b)` starting at `i`: the Python test and the index after it, or None."""
    if not _est(suite[i], "[", "]", "("):
        return None
    profondeur, j = 0, i + 1
    while j < len(suite):  # the first bound ends at a top-level `..`
        jeton = suite[j]
        if jeton.genre == "points" and profondeur == 0:
            break
        if jeton.genre == "op" and jeton.texte in OUVRANTS:
            profondeur += 1
        elif jeton.genre == "op" and jeton.texte in FERMANTS:
            profondeur -= 1
        if profondeur < 0 or (jeton.texte == "," and profondeur == 0):
            return None
        j += 1
    else:
        return None
    points, profondeur, k = j, 0, j + 1
    while k < len(suite):  # the second bound ends at the closing bracket: `]`, `)`, or a `[` that ends the test
        jeton = suite[k]
        dernier = k + 1 == len(suite) or _est(suite[k + 1], ",")
        if profondeur == 0 and (_est(jeton, "]", ")") or (_est(jeton, "[") and dernier)):
            break
        if jeton.genre == "op" and jeton.texte in OUVRANTS:
            profondeur += 1
        elif jeton.genre == "op" and jeton.texte in FERMANTS:
            profondeur -= 1
        k += 1
    else:
        raise Refus(f"intervalle sans crochet fermant : {AIDE_ENTREE}")
    bas, haut = suite[i + 1:points], suite[points + 1:k]
    if not bas or not haut:
        raise Refus(f"intervalle sans borne : {AIDE_ENTREE}")
    inferieur = "<=" if suite[i].texte == "[" else "<"
    superieur = "<=" if suite[k].texte == "]" else "<"
    return f"{_simple(texte, bas)} {inferieur} ? {superieur} {_simple(texte, haut)}", k + 1


def _test(texte: str, suite: list[Jeton], i: int) -> tuple[str, int]:
    """One positive unary test starting at `i`: the Python test and the index after it."""
    if (intervalle := _intervalle(texte, suite, i)) is not None:
        return intervalle
    fin = _jusqua_virgule(suite, i)
    partie = suite[i:fin]
    if not partie:
        raise Refus(f"valeur manquante dans la liste : {AIDE_ENTREE}")
    if any(j.genre == "points" for j in partie):
        raise Refus(f"intervalle mal écrit : {AIDE_ENTREE}")
    if partie[0].genre == "op" and partie[0].texte in COMPARAISONS:
        return f"? {partie[0].texte} {_expression(texte, partie[1:])}", fin
    if _est(partie[0], "="):
        raise Refus(f"« = » en tête de cellule : {AIDE_ENTREE}")
    if any(_est(j, "?") for j in partie):  # already a test on the input (`16 <= ? < 18`): FEEL reads it alike
        return _expression(texte, partie), fin
    return f"? == {_simple(texte, partie)}", fin


def _tests(texte: str, suite: list[Jeton]) -> list[str]:
    resultat, i = [], 0
    while True:
        python, i = _test(texte, suite, i)
        resultat.append(python)
        if i >= len(suite):
            return resultat
        if not _est(suite[i], ","):
            raise Illisible(f"« {suite[i].texte} » inattendu")
        i += 1
        if i == len(suite):
            raise Refus(f"valeur manquante après la virgule : {AIDE_ENTREE}")


def _fermante(suite: list[Jeton], ouvrante: int) -> int:
    profondeur = 0
    for j in range(ouvrante, len(suite)):
        if suite[j].genre == "op" and suite[j].texte in OUVRANTS:
            profondeur += 1
        elif suite[j].genre == "op" and suite[j].texte in FERMANTS:
            profondeur -= 1
            if profondeur == 0:
                return j
    raise Illisible("parenthèse non fermée")


def test_unaire(texte: str) -> str:
    """A DMN input cell (FEEL unary tests, or this project's Python tests) as the Python test SpiffWorkflow runs.

    `-` or empty: any value. Otherwise every test names the input `?`, so SpiffWorkflow evaluates the column's
    input expression once and compares it (no string concatenation of input and cell).
    """
    texte = texte.strip()
    if texte in ("", "-"):
        return "-"
    suite = jetons(texte)
    if _est(suite[0], "not") and len(suite) > 1 and _est(suite[1], "(") and _fermante(suite, 1) == len(suite) - 1:
        interieur = suite[2:-1]
        if not interieur:
            raise Refus(f"not() sans valeur : {AIDE_ENTREE}")
        python = f"not ({' or '.join(_tests(texte, interieur))})"
    else:
        python = " or ".join(_tests(texte, suite))
    if not _analysable(python):
        raise Illisible(python)
    return python


# --- Timers (BPMN) --------------------------------------------------------------------------------------------------

DUREE_ISO = re.compile(
    r"P(?:\d+W|(?=\d|T\d)(?:\d+Y)?(?:\d+M)?(?:\d+D)?(?:T(?=\d)(?:\d+H)?(?:\d+M)?(?:\d+(?:[.,]\d+)?S)?)?)"
)
DUREE_TENTEE = re.compile(r"[Pp][Tt]?\d\w*")
CYCLE_ISO = re.compile(r"R\d*/\S+")
AIDE_DUREE = "écrivez une durée ISO 8601 : P30D (30 jours), P2W (2 semaines), P1M (1 mois), PT12H (12 heures)"
AIDE_DATE_CYCLE = "écrivez une date ISO 8601 (2025-01-31T09:00:00) ou un cycle (R3/PT1H)"
JUEL = re.compile(r"^\s*[$#]\{")


def _date_heure(texte: str) -> bool:
    try:
        datetime.fromisoformat(texte)
    except ValueError:
        return False
    return texte[:1].isdigit()


def _valeur_valide(genre: str, valeur: str) -> bool:
    if genre == "timeDuration":
        return DUREE_ISO.fullmatch(valeur) is not None
    if genre == "timeDate":
        return _date_heure(valeur)
    return CYCLE_ISO.fullmatch(valeur) is not None


def minuterie(genre: str, texte: str) -> str:
    """A timer's timeDuration / timeDate / timeCycle as the Python expression SpiffWorkflow evaluates.

    Camunda Modeler writes the bare value (`P45D`, `2025-01-31T09:00:00`, `R3/PT1H`); SpiffWorkflow evaluates
    an expression (`"P45D"`, or a data key such as `delai_reponse`).
    """
    texte = texte.strip()
    aide = AIDE_DUREE if genre == "timeDuration" else AIDE_DATE_CYCLE
    if not texte:
        raise Refus(f"minuterie sans valeur : {aide}")
    _refuser_moteurs(texte)
    if _valeur_valide(genre, texte):
        return f'"{texte}"'
    if genre == "timeDuration" and DUREE_TENTEE.fullmatch(texte):
        raise Refus(f"durée invalide : {aide}")
    try:
        python = expression(texte)
    except Illisible as err:
        raise Refus(f"minuterie illisible : {aide}, ou le nom d'une donnée du processus") from err
    arbre = ast.parse(python, mode="eval").body
    if isinstance(arbre, ast.Constant) and not (isinstance(arbre.value, str) and _valeur_valide(genre, arbre.value)):
        raise Refus(f"valeur invalide : {aide}")
    return python


def _refuser_moteurs(texte: str) -> None:
    """Expressions written for another engine (Camunda 7 JUEL `${…}`, Camunda 8 FEEL `=…`)."""
    if JUEL.match(texte):
        interieur = texte.strip()[2:-1].strip()
        raise Refus(f"expression Camunda 7 (JUEL) : ce moteur lit des expressions Python, écrivez « {interieur} »")
    if texte.startswith("=") and not texte.startswith("=="):
        raise Refus("expression Camunda 8 : ce moteur lit des expressions Python, "
                    f"écrivez « {texte[1:].strip()} » sans le « = » initial")


def condition(texte: str) -> str:
    """A gateway condition or loop condition as Python (true/false/null, date("…"); other engines refused)."""
    _refuser_moteurs(texte.strip())
    return expression(texte.strip())


# --- Files ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Probleme:
    fichier: str
    element: str
    message: str


def _local(element: Any) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _nomme(element: Any, *details: str) -> str:
    nom, ident = element.get("name") or element.get("label"), element.get("id") or "?"
    return ", ".join([f"{nom} ({ident})" if nom else ident, *details])


def _remplacer(texte_el: Any, traduction: str) -> bool:
    brut = texte_el.text or ""
    if brut == traduction or (traduction == "-" and not brut):  # no text: SpiffWorkflow reads any value
        return False
    texte_el.text = traduction
    return True


def _enfant(element: Any, nom: str) -> Any:
    return next((e for e in element if _local(e) == nom), None)


def _traduire_table(fichier: str, decision: Any, table: Any, problemes: list[Probleme]) -> bool:
    change = False
    entrees = [e for e in table if _local(e) == "input"]
    sorties = [e for e in table if _local(e) == "output"]
    for colonne in entrees:
        expr = _enfant(colonne, "inputExpression")
        texte_el = _enfant(expr, "text") if expr is not None else None
        if texte_el is not None and texte_el.text:
            change |= _essayer(expression, texte_el, problemes, fichier,
                               _nomme(decision, f"colonne d'entrée « {colonne.get('label') or colonne.get('id')} »"))
    regles = [e for e in table if _local(e) == "rule"]
    for numero, regle in enumerate(regles, start=1):
        cellules = [(e, entrees, test_unaire) for e in regle if _local(e) == "inputEntry"]
        cellules += [(e, sorties, expression) for e in regle if _local(e) == "outputEntry"]
        rangs = {"inputEntry": 0, "outputEntry": 0}
        for cellule, colonnes, traduire in cellules:
            rang = rangs[_local(cellule)]
            rangs[_local(cellule)] += 1
            texte_el = _enfant(cellule, "text")
            if texte_el is None or (traduire is expression and not (texte_el.text or "").strip()):
                continue
            colonne = colonnes[rang] if rang < len(colonnes) else cellule
            libelle = colonne.get("label") or colonne.get("name") or colonne.get("id")
            ou = _nomme(decision, f"règle {numero} ({regle.get('id')})", f"colonne « {libelle} »")
            change |= _essayer(traduire, texte_el, problemes, fichier, ou)
    return change


def _essayer(traduire: Callable[[str], str], texte_el: Any, problemes: list[Probleme], fichier: str, ou: str) -> bool:
    try:
        return _remplacer(texte_el, traduire(texte_el.text or ""))
    except Refus as err:
        problemes.append(Probleme(fichier, ou, f"« {(texte_el.text or '').strip()} » : {err}"))
    except Illisible:
        pass  # the validation names what cannot be read, with every other problem
    return False


def _traduire_dmn(fichier: str, racine: Any, problemes: list[Probleme]) -> bool:
    change = False
    for decision in racine.iter(etree.Element):
        if _local(decision) == "decision":
            for table in decision:
                if _local(table) == "decisionTable":
                    change |= _traduire_table(fichier, decision, table, problemes)
    return change


def _traduire_bpmn(fichier: str, racine: Any, problemes: list[Probleme]) -> bool:
    change = False
    for element in racine.iter(etree.Element):
        nom = _local(element)
        if nom in ("timeDuration", "timeDate", "timeCycle"):
            evenement = element.getparent().getparent()
            change |= _essayer(lambda t, g=nom: minuterie(g, t), element, problemes, fichier, _nomme(evenement))
        elif nom in ("conditionExpression", "loopCondition", "completionCondition") and (element.text or "").strip():
            porteur = element.getparent()
            if _local(porteur) in ("standardLoopCharacteristics", "multiInstanceLoopCharacteristics"):
                porteur = porteur.getparent()
            change |= _essayer(condition, element, problemes, fichier, _nomme(porteur))
    return change


def traduire(fichier: str, texte: str) -> tuple[str, list[Probleme]]:
    """One BPMN/DMN file in the Python dialect SpiffWorkflow reads, and the constructs refused in it.

    Unchanged when nothing needs translating, or when the XML does not parse (the parser reports it).
    """
    try:
        racine = etree.fromstring(texte.encode("utf-8"), etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError:
        return texte, []
    problemes: list[Probleme] = []
    traduire_fichier = _traduire_dmn if fichier.endswith(".dmn") else _traduire_bpmn
    if not traduire_fichier(fichier, racine, problemes):
        return texte, problemes
    return etree.tostring(racine.getroottree(), encoding="UTF-8", xml_declaration=True).decode("utf-8"), problemes


def traduire_fichiers(fichiers: dict[str, str]) -> dict[str, str]:
    """Every file translated; every refused construct of every file reported at once.

    Raises ProcessDefinitionError naming the first file and element; `.problemes` holds them all.
    """
    from .specs import ProcessDefinitionError  # specs calls this module from parse_bundle: import at use

    traduits, problemes = {}, []
    for nom, texte in fichiers.items():
        traduits[nom], refus = traduire(nom, texte)
        problemes += refus
    if problemes:
        premier = problemes[0]
        message = premier.message
        if len(problemes) > 1:
            autres = "\n".join(f"- {p.fichier} — élément « {p.element} » : {p.message}" for p in problemes[1:])
            message += f"\net {len(problemes) - 1} autre(s) :\n{autres}"
        erreur = ProcessDefinitionError(premier.fichier, premier.element, message)
        erreur.problemes = [ProcessDefinitionError(p.fichier, p.element, p.message) for p in problemes]
        raise erreur
    return traduits
