"""The diagram's texts in the message catalogue (F-18): babel extractors for the .bpmn and .dmn files.

The analysts write the texts an applicant reads in the diagram (step titles and descriptions, the documents asked
for, the attestations, the reason of an ineligibility), in French. Pages translate them at display
(`|du_diagramme`, app/i18n.py); their msgids come from here, read from the real files by `make traductions`
(babel.cfg declares these extractors), so nobody retypes the diagram's French in Python and a label changed by an
analyst shows up as a new msgid to translate. Each entry carries the comment « from the diagram ».

Only lxml and the standard library: babel imports this module outside any Flask application.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import IO, Any

from lxml import etree

COMMENTAIRE = "from the diagram"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
# Decision outputs people read (the others are codes, flags, natures); as named in the DMN files.
SORTIES_LUES = frozenset({"pieces.titre", "pieces.aide", "pieces.rubrique", "attestations.libelle", "cas_libelle",
                          "motif_non_eligibilite"})
# Properties of a step that the applicant reads (app/workflow/textes_du_processus.py: TITRE, DESCRIPTION).
ETAPE, TITRE, DESCRIPTION = "etape", "titre", "description"

Extrait = tuple[int, None, str, list[str]]


def _racine(fileobj: IO[bytes]) -> Any:
    # No network, no entities: the files are the analysts', read as data.
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return etree.parse(fileobj, parser).getroot()


def _local(element: Any) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _texte_litteral(expression: str | None) -> str | None:
    """The text of an output entry written as a string literal (« "Justificatif d'identité" »), else None."""
    try:
        valeur = ast.literal_eval((expression or "").strip())
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None
    return valeur if isinstance(valeur, str) and valeur.strip() else None


def textes_dmn(fileobj: IO[bytes]) -> Iterator[tuple[int, str, str]]:
    """(line, output name, text) of every text a person reads in a DMN file's decision tables."""
    for table in _racine(fileobj).iter():
        if _local(table) != "decisionTable":
            continue
        sorties = [s.get("name") or "" for s in table if _local(s) == "output"]
        for regle in (r for r in table if _local(r) == "rule"):
            entrees = [e for e in regle if _local(e) == "outputEntry"]
            for nom, entree in zip(sorties, entrees, strict=False):
                texte = next((t.text for t in entree if _local(t) == "text"), None)
                valeur = _texte_litteral(texte) if nom in SORTIES_LUES else None
                if valeur:
                    yield entree.sourceline or 0, nom, valeur


def _proprietes(element: Any) -> dict[str, str]:
    """The element's own spiffworkflow:property values (extensionElements > properties > property)."""
    return {p.get("name"): p.get("value") or "" for extension in element if _local(extension) == "extensionElements"
            for groupe in extension if _local(groupe) == "properties"
            for p in groupe if _local(p) == "property"}


def textes_bpmn(fileobj: IO[bytes]) -> Iterator[tuple[int, str, str]]:
    """(line, kind, text) of the steps' titles and descriptions: per step number, the `titre` property of one of
    its elements or else the name of its first element in the file, and its `description` (as
    textes_du_processus reads them)."""
    par_etape: dict[str, list[tuple[Any, dict[str, str]]]] = {}
    for element in _racine(fileobj).iter():
        if not isinstance(element.tag, str) or not element.get("id"):
            continue
        proprietes = _proprietes(element)
        numero = proprietes.get(ETAPE, "").strip()
        if numero.isdigit() and int(numero) > 0:
            par_etape.setdefault(numero, []).append((element, proprietes))
    for _numero, elements in sorted(par_etape.items(), key=lambda e: int(e[0])):
        titre = next(((el, p[TITRE]) for el, p in elements if p.get(TITRE, "").strip()), None)
        premier = elements[0][0]
        if titre is None and (premier.get("name") or "").strip():
            titre = (premier, premier.get("name"))
        if titre is not None:
            yield titre[0].sourceline or 0, "titre", titre[1]
        description = next(((el, p[DESCRIPTION]) for el, p in elements if p.get(DESCRIPTION, "").strip()), None)
        if description is not None:
            yield description[0].sourceline or 0, "description", description[1]


def extraire_dmn(fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any) -> Iterator[Extrait]:
    """Babel extraction method (babel.cfg: `dmn = app.i18n_diagrammes:extraire_dmn`)."""
    for ligne, sortie, texte in textes_dmn(fileobj):
        yield ligne, None, texte, [f"{COMMENTAIRE} ({sortie})"]


def extraire_bpmn(fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any) -> Iterator[Extrait]:
    """Babel extraction method (babel.cfg: `bpmn = app.i18n_diagrammes:extraire_bpmn`)."""
    for ligne, genre, texte in textes_bpmn(fileobj):
        yield ligne, None, texte, [f"{COMMENTAIRE} (step {genre})"]
