"""Issue 10, « the code that serves tasks, written once »: nothing outside app/workflow/ touches a SpiffWorkflow
object, and the application's history is written by one function."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.feature("F-46")

APP = Path(__file__).resolve().parents[2] / "app"
WORKFLOW = APP / "workflow"


def _modules() -> list[tuple[Path, ast.Module]]:
    return [(path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
            for path in sorted(APP.rglob("*.py"))]


def _nom(noeud: ast.AST) -> str:
    """The last name of an expression (`page.instance` → « instance »), or ''."""
    if isinstance(noeud, ast.Name):
        return noeud.id
    if isinstance(noeud, ast.Attribute):
        return noeud.attr
    return ""


def acces_au_moteur(arbre: ast.AST) -> list[int]:
    """Lines that read an instance's workflow or engine (`x.wf`, `instance.engine`) or import SpiffWorkflow."""
    lignes = []
    for noeud in ast.walk(arbre):
        if isinstance(noeud, ast.Attribute) and (
                noeud.attr == "wf" or (noeud.attr == "engine" and "instance" in _nom(noeud.value).lower())):
            lignes.append(noeud.lineno)
        elif isinstance(noeud, ast.Import | ast.ImportFrom):
            noms = [alias.name for alias in noeud.names] + [getattr(noeud, "module", None) or ""]
            if any(nom.startswith("SpiffWorkflow") for nom in noms):
                lignes.append(noeud.lineno)
    return lignes


def constructions_d_evenement(arbre: ast.AST) -> list[int]:
    """Lines that make an event row: an `Evenement(...)` object, or an insert into its table (`insert(Evenement…)`)."""
    lignes = []
    for n in ast.walk(arbre):
        if isinstance(n, ast.Call) and _nom(n.func) == "Evenement":
            lignes.append(n.lineno)
        elif isinstance(n, ast.Call) and _nom(n.func) == "insert" and n.args and "Evenement" in ast.unparse(n.args[0]):
            lignes.append(n.lineno)
    return lignes


def test_le_detecteur_voit_ce_qu_il_doit_voir() -> None:
    source = ("page.instance.engine.update_ready(page.instance.wf, t, {})\nfrom SpiffWorkflow.bpmn import x\n"
              "catalog.engine(version).bundle\ndb.engine.begin()\n")
    assert sorted(acces_au_moteur(ast.parse(source))) == [1, 1, 2]
    assert constructions_d_evenement(ast.parse("session.add(models.Evenement(a=1))\nEvenement\n")) == [1]
    assert constructions_d_evenement(ast.parse("x = 1\nsession.execute(insert(Evenement.__table__), [])\n")) == [2]


def test_rien_hors_de_app_workflow_ne_touche_un_objet_spiffworkflow() -> None:
    fautes = [f"{path.relative_to(APP.parent)}:{ligne}" for path, arbre in _modules()
              if WORKFLOW not in path.parents for ligne in acces_au_moteur(arbre)]
    assert fautes == [], "passer par les méthodes d'Instance (app/workflow/store.py)"


def test_une_seule_fonction_ecrit_l_historique() -> None:
    constructions = [(path.relative_to(APP.parent).as_posix(), ligne) for path, arbre in _modules()
                     for ligne in constructions_d_evenement(arbre)]
    assert [path for path, _ in constructions] == ["app/workflow/store.py"], constructions
