"""Reading the Python expressions of the process files without running them: syntax, names used, and whether two
gateway conditions are each other's opposite."""

from __future__ import annotations

import ast
import builtins
import re

# `?` is the input of a DMN cell (outside quotes), as SpiffWorkflow's DMN engine replaces it.
_QUESTION = re.compile(r"(\?)(?=(?:[^'\"]|['\"][^'\"]*['\"])*$)")
ENTREE_DMN = "dmninputexpr"
NOMS_PYTHON = frozenset(dir(builtins))


def erreur_de_syntaxe(texte: str) -> str | None:
    """The parser's message if `texte` is not a Python expression."""
    try:
        ast.parse(texte, mode="eval")
    except SyntaxError as err:
        return err.msg
    return None


def arbre(texte: str) -> ast.Expression | None:
    try:
        return ast.parse(texte, mode="eval")
    except SyntaxError:
        return None


def cellule_dmn(texte: str) -> tuple[ast.Expression | None, str | None]:
    """A DMN input entry as the engine reads it: an expression (`"CAS_1"`, `16 <= ? < 18`), or a comparison whose
    left side is the column's input (`< 16`). Returns its tree, or the syntax error."""
    texte = _QUESTION.sub(ENTREE_DMN, texte)
    if (tree := arbre(texte)) is not None:
        return tree, None
    if (tree := arbre(f"{ENTREE_DMN} {texte}")) is not None:
        return tree, None
    return None, erreur_de_syntaxe(texte)


def noms_lus(tree: ast.AST) -> set[str]:
    """Names the expression reads from the data, less those it binds itself (comprehensions, lambdas)."""
    lus, lies = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (lus if isinstance(node.ctx, ast.Load) else lies).add(node.id)
        elif isinstance(node, ast.arg):
            lies.add(node.arg)
    return lus - lies - {ENTREE_DMN}


def litteral(texte: str) -> tuple[bool, object]:
    """(True, value) when `texte` is a Python literal (`'decision'`, `3`), else (False, None)."""
    try:
        return True, ast.literal_eval(texte.strip())
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return False, None


_CONTRAIRES = {ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.Lt: ast.GtE, ast.GtE: ast.Lt, ast.Gt: ast.LtE,
               ast.LtE: ast.Gt, ast.Is: ast.IsNot, ast.IsNot: ast.Is, ast.In: ast.NotIn, ast.NotIn: ast.In}


def _contraire(expr: ast.expr) -> ast.expr:
    if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.Not):
        return expr.operand
    if isinstance(expr, ast.Compare) and len(expr.ops) == 1 and type(expr.ops[0]) in _CONTRAIRES:
        return ast.Compare(left=expr.left, ops=[_CONTRAIRES[type(expr.ops[0])]()], comparators=expr.comparators)
    return ast.UnaryOp(op=ast.Not(), operand=expr)


def contraires(premiere: str, seconde: str) -> bool:
    """True when one condition is visibly the negation of the other: `x == "a"` / `x != "a"`, `c` / `not c`,
    `n < 16` / `n >= 16`. Then one of the two always holds, and a gateway needs no default flow."""
    a, b = arbre(premiere), arbre(seconde)
    if a is None or b is None:
        return False
    return ast.dump(_contraire(a.body)) == ast.dump(b.body) or ast.dump(_contraire(b.body)) == ast.dump(a.body)
