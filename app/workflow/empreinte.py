"""The hash that names a process version: the SHA-256 of the files' normalized XML, not of their raw text.

A modeler that opens and re-saves a file (bpmn.io, dmn-js, Camunda Modeler) rewrites it: attribute order,
namespace prefixes, indentation, entities, comments, attributes equal to the schema's default, its own name and
version. None of this changes the process, so none of it makes a new version. The raw files are still what a
version stores and shows.
"""

from __future__ import annotations

import hashlib

from lxml import etree

XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
MODELER_NS = "http://camunda.org/schema/modeler/1.0"  # Camunda Modeler's execution platform and version
OUTIL = {"exporter", "exporterVersion"}  # <definitions> attributes naming the tool that wrote the file

# The modelers write an attribute only when it differs from the schema's default (moddle drops `value === default`):
# BPMN 2.0 (bpmn-moddle) and DMN 1.3 (dmn-moddle), by namespace. tests/workflow/test_resauvegarde.py checks this table
# against the schemas the modelers load.
BPMN_MODELE = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMN_DI = "http://www.omg.org/spec/BPMN/20100524/DI"
DMN_MODELE = "https://www.omg.org/spec/DMN/20191111/MODEL/"
DEFAUTS: dict[str, dict[str, str]] = {
    BPMN_MODELE: {
        "gatewayDirection": "Unspecified",
        "instantiate": "false",
        "eventGatewayType": "Exclusive",
        "mustUnderstand": "false",
        "isReference": "false",
        "textFormat": "text/plain",
        "isInterrupting": "true",
        "parallelMultiple": "false",
        "cancelActivity": "true",
        "waitForCompletion": "true",
        "isCollection": "false",
        "isUnlimited": "true",
        "loopType": "None",
        "isForCompensation": "false",
        "startQuantity": "1",
        "completionQuantity": "1",
        "triggeredByEvent": "false",
        "isSequential": "false",
        "behavior": "All",
        "testBefore": "false",
        "cancelRemainingInstances": "true",
        "expressionLanguage": "http://www.w3.org/1999/XPath",
        "typeLanguage": "http://www.w3.org/2001/XMLSchema",
    },
    BPMN_DI: {"messageVisibleKind": "initiating"},
    DMN_MODELE: {"hitPolicy": "UNIQUE", "textFormat": "text/plain"},
}
DEFAUTS_PAR_ELEMENT: dict[str, dict[str, str]] = {"participantMultiplicity": {"minimum": "0", "maximum": "1"}}
# Diagram coordinates are reals: `57.0` and `57` are the same point.
COORDONNEES = ("http://www.omg.org/spec/DD/", "http://www.omg.org/spec/DMN/20180521/DC/")


def defauts_de(espace: str, element: str) -> dict[str, str]:
    """The attributes a modeler leaves out of an element of namespace `espace` when they have these values."""
    if espace == BPMN_MODELE and element in DEFAUTS_PAR_ELEMENT:
        return DEFAUTS_PAR_ELEMENT[element]
    if espace.startswith(("https://www.omg.org/spec/DMN/", "http://www.omg.org/spec/DMN/")) and "/MODEL" in espace:
        return DEFAUTS[DMN_MODELE]  # SpiffWorkflow reads DMN 1.2 to 1.3 alike
    return DEFAUTS.get(espace, {})


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True, remove_pis=True)


def _nombre(valeur: str) -> str:
    try:
        nombre = float(valeur)
    except ValueError:
        return valeur
    return str(int(nombre)) if nombre.is_integer() else repr(nombre)


# bpmn-js writes a diagram's shapes and edges in its own drawing order (containers, then lanes, then their
# content), not in the order it read them: their order in the plane means nothing.
PLANS = ("{http://www.omg.org/spec/BPMN/20100524/DI}BPMNPlane",)


def _nettoyer(racine: etree._Element) -> None:
    """Drop what a re-save adds or removes without changing the process."""
    for plan in racine.iter(*PLANS):
        plan[:] = sorted(plan, key=lambda e: (str(e.tag), e.get("bpmnElement") or "", e.get("id") or ""))
    for element in racine.iter(etree.Element):
        qname = etree.QName(element)
        espace = qname.namespace or ""
        for attribut in list(element.attrib):
            nom = etree.QName(attribut)
            valeur = element.attrib[attribut]
            if nom.namespace == MODELER_NS or (nom.namespace is None and element is racine and nom.localname in OUTIL):
                del element.attrib[attribut]
            elif nom.namespace is None and espace.startswith(COORDONNEES):
                element.attrib[attribut] = _nombre(valeur)
            elif nom.namespace is None and defauts_de(espace, qname.localname).get(nom.localname) == valeur.strip():
                del element.attrib[attribut]


def normaliser(texte: str) -> bytes:
    """The canonical form of one BPMN/DMN file (C14N 2.0, whitespace stripped, no comments, canonical prefixes).

    A file that is not well-formed XML is its own raw text: parsing refuses it anyway, with its line number.
    """
    try:
        racine = etree.fromstring(texte.encode("utf-8"), _parser())
    except etree.XMLSyntaxError:
        return texte.encode("utf-8")
    _nettoyer(racine)
    return etree.canonicalize(
        racine, with_comments=False, strip_text=True, rewrite_prefixes=True, qname_aware_attrs=[XSI_TYPE]
    ).encode("utf-8")


def empreinte(fichiers: dict[str, str]) -> str:
    """SHA-256 of the files' names and normalized contents: the id of a process version."""
    digest = hashlib.sha256()
    for nom in sorted(fichiers):
        digest.update(nom.encode() + b"\0" + normaliser(fichiers[nom]) + b"\0")
    return digest.hexdigest()
