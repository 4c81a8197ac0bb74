"""Decision examples that analysts own: `dmn/<décision>.exemples.csv` beside each DMN table.

One line per example: the data the table reads (inputs) and the outputs expected. The examples run through
the very decision tables and script engine the process uses; every problem comes back in French, naming the
file, the line, and the outputs expected versus obtained. Changing a rule means changing its examples.

Format (written for a spreadsheet, see docs/ANALYSTES.md):
- separator `;` (or `,`), UTF-8 (with or without BOM); the first line names the columns;
- a column named after a data key that the table's inputs read (`date_naissance`, `cas`…) is an input, a
  column named after an output (`cas`, `pieces.code`…) an expected output, `commentaire` is free text;
- values: dates `JJ/MM/AAAA`, booleans `oui`/`non`, whole numbers, text as is; an output collected over
  several rules (COLLECT) lists its values in order, separated by `|`; `…` (or `...`) stands for any text;
  `-` leaves an output unchecked on that line.
"""

from __future__ import annotations

import ast
import builtins
import copy
import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from SpiffWorkflow.dmn.engine.DMNEngine import DMNEngine

from .expressions import EXPRESSION_GLOBALS, ProcessScriptEngine
from .specs import ProcessBundle

SUFFIXE = ".exemples.csv"
COMMENTAIRE = "commentaire"
NON_VERIFIE = "-"
SEPARATEUR_LISTE = "|"
VRAI = {"oui", "vrai", "true"}
FAUX = {"non", "faux", "false"}
DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
ENTIER = re.compile(r"-?\d+")
JOKER = re.compile(r"…|\.\.\.")
ABSENT = object()  # an output the table did not give (no rule applied)


class ValeurIllisible(ValueError):
    """A cell that cannot be read as the column's type."""


@dataclass(frozen=True)
class Colonnes:
    entrees: list[str]
    sorties: list[str]


def fichier_exemples(dmn_dir: Path, decision_id: str) -> Path:
    return Path(dmn_dir) / f"{decision_id}{SUFFIXE}"


def verifier_exemples(bundle: ProcessBundle, dmn_dir: Path, decisions: Iterable[str] | None = None) -> list[str]:
    """Every problem of the examples of `decisions` (default: every decision of the bundle), in French."""
    problemes: list[str] = []
    for decision_id in sorted(decisions if decisions is not None else bundle.decisions):
        problemes += _verifier_decision(bundle.decisions[decision_id], decision_id, Path(dmn_dir))
    return problemes


# --- one decision ---------------------------------------------------------------------------------------


def _verifier_decision(moteur: DMNEngine, decision_id: str, dmn_dir: Path) -> list[str]:
    table = moteur.decision_table
    chemin = fichier_exemples(dmn_dir, decision_id)
    nom = f"{dmn_dir.name}/{chemin.name}"
    if not chemin.exists():
        return [f"{nom} : fichier d'exemples absent pour la décision « {decision_id} » ; créez-le (une ligne "
                f"par exemple : les données lues par la table, puis les sorties attendues)"]
    texte = chemin.read_text(encoding="utf-8-sig")
    lignes = [ligne for ligne in texte.splitlines() if ligne.strip()]
    if not lignes:
        return [f"{nom} : fichier vide ; la première ligne nomme les colonnes"]
    separateur = ";" if ";" in lignes[0] else ","
    lecteur = csv.reader(texte.splitlines(), delimiter=separateur)
    entete = [c.strip() for c in next(lecteur)]
    colonnes, problemes = _colonnes(table, entete, nom)
    if problemes:
        return problemes
    types = {_nom_sortie(o): (o.typeRef or "").lower() for o in table.outputs}
    types_entrees = {i.expression.strip(): (i.typeRef or "").lower() for i in table.inputs if i.expression}
    tous = copy.copy(table)
    tous.hit_policy = "COLLECT"  # to see every rule that applies, not only the first
    regles_appliquees: set[int] = set()
    nb_exemples = 0
    for cellules in lecteur:
        numero = lecteur.line_num
        if not any(c.strip() for c in cellules):
            continue
        nb_exemples += 1
        valeurs = dict(zip(entete, (c.strip() for c in cellules), strict=False))
        lieu = f"{nom}, ligne {numero}"
        try:
            donnees = {c: _lire(valeurs.get(c, ""), types_entrees.get(c)) for c in colonnes.entrees}
        except ValeurIllisible as err:
            problemes.append(f"{lieu} : {err}")
            continue
        contexte = SimpleNamespace(data=dict(donnees), workflow=SimpleNamespace(script_engine=_script_engine()))
        try:
            appliquees = moteur.decide(contexte)
            resultat = moteur.result(contexte)
            toutes = DMNEngine(tous).decide(contexte)
        except Exception as err:  # the table itself fails on this data: say so, with the engine's words
            problemes.append(f"{lieu} : la table n'a pas pu être évaluée sur ces données : {err}")
            continue
        if table.hit_policy == "COLLECT":  # no rule applied: an empty list, not a missing output
            for sortie in table.outputs:
                resultat.setdefault(_nom_sortie(sortie).split(".")[0], [])
        rangs = [table.rules.index(r) + 1 for r in appliquees]
        regles_appliquees.update(rangs)
        ecarts = _ecarts(colonnes.sorties, valeurs, resultat, types, lieu)
        if isinstance(ecarts, str):
            problemes.append(ecarts)
            continue
        if table.hit_policy == "UNIQUE" and len(toutes) > 1:
            numeros = ", ".join(str(table.rules.index(r) + 1) for r in toutes)
            problemes.append(f"{lieu} : plusieurs règles s'appliquent ({numeros}) alors que la table est à "
                             f"réponse unique (UNIQUE) : seule la première compte ; séparez leurs conditions")
        if ecarts:
            entrees = ", ".join(f"{c} = {valeurs.get(c, '') or '(vide)'}" for c in colonnes.entrees)
            regle = _regles(table, rangs)
            problemes.append(f"{lieu} ({entrees}) — {regle} :\n" + "\n".join(f"    {e}" for e in ecarts))
    if nb_exemples == 0:
        problemes.append(f"{nom} : aucun exemple (une ligne par exemple après la ligne des colonnes)")
    for rang, regle in enumerate(table.rules, start=1):
        if rang not in regles_appliquees and nb_exemples:
            problemes.append(f"{nom} : aucun exemple ne passe par la règle {rang}{_description(regle)} de la "
                             f"table « {decision_id} » ; ajoutez-en un")
    return problemes


def _colonnes(table: Any, entete: list[str], nom: str) -> tuple[Colonnes, list[str]]:
    sorties = [_nom_sortie(o) for o in table.outputs]
    requises = _noms_lus([i.expression for i in table.inputs if i.expression])
    permises = requises | _noms_lus(
        [lhs for r in table.rules for e in r.inputEntries for lhs in (e.lhs or []) if lhs]
        + [e.text for r in table.rules for e in r.outputEntries if e.text])
    problemes = []
    for colonne in entete:
        if colonne and colonne != COMMENTAIRE and colonne not in sorties and colonne not in permises:
            problemes.append(
                f"{nom} : colonne « {colonne} » inconnue : ni une donnée lue par la table "
                f"({', '.join(sorted(permises)) or 'aucune'}), ni une de ses sorties ({', '.join(sorties)})")
    for manquante in sorted(requises - set(entete)):
        problemes.append(f"{nom} : colonne « {manquante} » manquante : la table lit cette donnée")
    attendues = [c for c in entete if c in sorties]
    if not attendues and not problemes:
        problemes.append(f"{nom} : aucune colonne de sortie attendue (sorties de la table : {', '.join(sorties)})")
    return Colonnes([c for c in entete if c in permises and c not in sorties], attendues), problemes


def _ecarts(sorties: list[str], valeurs: dict[str, str], resultat: dict[str, Any], types: dict[str, str],
            lieu: str) -> list[str] | str:
    """The outputs that differ, one French sentence each; a string when an expected cell is unreadable."""
    ecarts = []
    for sortie in sorties:
        attendu = valeurs.get(sortie, "")
        if attendu == NON_VERIFIE:
            continue
        obtenu = _valeur(resultat, sortie)
        try:
            egal = _conforme(attendu, obtenu, types.get(sortie, ""))
        except ValeurIllisible as err:
            return f"{lieu} : colonne « {sortie} » : {err}"
        if not egal:
            ecarts.append(f"{sortie} : attendu « {attendu or '(vide)'} », obtenu « {_afficher(obtenu)} »")
    return ecarts


def _conforme(attendu: str, obtenu: Any, type_sortie: str) -> bool:
    if isinstance(obtenu, list):
        morceaux = [m.strip() for m in attendu.split(SEPARATEUR_LISTE)] if attendu else []
        return len(morceaux) == len(obtenu) and all(
            _conforme(m, o, type_sortie) for m, o in zip(morceaux, obtenu, strict=True))
    if obtenu is ABSENT:
        return False
    if isinstance(obtenu, str) or type_sortie == "string":
        if JOKER.search(attendu):
            motif = ".*".join(re.escape(p) for p in JOKER.split(attendu))
            return re.fullmatch(motif, str(obtenu), flags=re.S) is not None
        return attendu == ("" if obtenu is None else str(obtenu))
    return _lire(attendu, type_sortie) == obtenu


def _lire(cellule: str, type_colonne: str | None = None) -> Any:
    """A cell as the value the process would hold: text stays text for a text input."""
    cellule = cellule.strip()
    if type_colonne == "string":
        return cellule
    if cellule == "":
        return None
    if cellule.lower() in VRAI:
        return True
    if cellule.lower() in FAUX:
        return False
    if (m := DATE.fullmatch(cellule)) is not None:
        jour, mois, annee = (int(g) for g in m.groups())
        try:
            return date(annee, mois, jour)
        except ValueError:
            raise ValeurIllisible(f"« {cellule} » n'est pas une date qui existe (JJ/MM/AAAA)") from None
    if ENTIER.fullmatch(cellule):
        return int(cellule)
    if type_colonne == "boolean":
        raise ValeurIllisible(f"« {cellule} » : écrivez oui ou non")
    if type_colonne == "date":
        raise ValeurIllisible(f"« {cellule} » : écrivez une date JJ/MM/AAAA")
    return cellule


def _valeur(resultat: dict[str, Any], sortie: str) -> Any:
    """An output by its DMN name; `a.b` reads field b of each item that a COLLECT table gathered in a."""
    valeur: Any = resultat
    for partie in sortie.split("."):
        if isinstance(valeur, list):
            valeur = [v.get(partie) if isinstance(v, dict) else v for v in valeur]
        elif isinstance(valeur, dict):
            valeur = valeur.get(partie, ABSENT)
        else:
            return ABSENT
    return valeur


def _afficher(valeur: Any) -> str:
    if valeur is ABSENT:
        return "aucune règle ne s'applique"
    if isinstance(valeur, list):
        return f" {SEPARATEUR_LISTE} ".join(_afficher(v) for v in valeur) or "(aucun)"
    if isinstance(valeur, bool):
        return "oui" if valeur else "non"
    if isinstance(valeur, date):
        return valeur.strftime("%d/%m/%Y")
    if valeur is None or valeur == "":
        return "(vide)"
    return str(valeur)


def _regles(table: Any, rangs: list[int]) -> str:
    if not rangs:
        return "aucune règle ne s'applique"
    if len(rangs) == 1:
        return f"règle appliquée : {rangs[0]}{_description(table.rules[rangs[0] - 1])}"
    return "règles appliquées : " + ", ".join(str(r) for r in rangs)


def _description(regle: Any) -> str:
    return f" (« {regle.description.strip()} »)" if (regle.description or "").strip() else ""


def _nom_sortie(sortie: Any) -> str:
    return sortie.name or sortie.label


def _noms_lus(expressions: Iterable[str]) -> set[str]:
    """Data names that expressions read: neither our expression functions nor Python's built-ins."""
    connus = set(EXPRESSION_GLOBALS) | set(dir(builtins)) | {"dmninputexpr"}
    noms: set[str] = set()
    for texte in expressions:
        texte = texte.replace("?", " dmninputexpr ")
        for essai in (texte, f"dmninputexpr {texte}"):
            try:
                arbre = ast.parse(essai.strip(), mode="eval")
            except SyntaxError:
                continue
            noms |= {n.id for n in ast.walk(arbre) if isinstance(n, ast.Name)} - connus
            break
    return noms


def _script_engine() -> ProcessScriptEngine:
    def aucun_service(operateur: str, *_: Any) -> Any:
        raise RuntimeError(f"une décision n'appelle pas de service (« {operateur} »)")

    return ProcessScriptEngine(aucun_service)
