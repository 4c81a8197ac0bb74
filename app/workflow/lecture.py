"""The process files read as an analyst sees them: elements with their label, lane, properties, flows, decisions.

The contract check works on this model rather than on SpiffWorkflow's specs: it needs the labels and it must go on
past the first problem, where SpiffWorkflow's parser stops.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"

CONTENEURS = {"process", "subProcess", "transaction", "adHocSubProcess"}
NOEUDS = {
    "userTask", "serviceTask", "businessRuleTask", "scriptTask", "task", "manualTask", "sendTask", "receiveTask",
    "callActivity", "subProcess", "transaction", "adHocSubProcess", "startEvent", "endEvent", "boundaryEvent",
    "intermediateCatchEvent", "intermediateThrowEvent", "exclusiveGateway", "parallelGateway", "inclusiveGateway",
    "eventBasedGateway", "complexGateway",
}


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _texte(el: etree._Element | None) -> str | None:
    if el is None:
        return None
    return (el.text or "").strip()


@dataclass
class Noeud:
    """A flow node (task, event, gateway, sub-process) of a BPMN file."""

    fichier: str
    id: str
    type: str
    nom: str
    ligne: int
    parent: str  # id of the process or sub-process holding it
    premier_niveau: bool
    couloir: str | None = None
    proprietes: dict[str, str] = field(default_factory=dict)
    documentation: str = ""
    operateur: str | None = None
    parametres: dict[str, str] = field(default_factory=dict)  # parameter id → value (an expression)
    resultat: str | None = None
    decision: str | None = None
    attache_a: str | None = None
    message: str | None = None  # messageRef of a message event definition
    variable_message: str | None = None
    timer: tuple[str, str] | None = None  # (timeDuration | timeDate | timeCycle, expression)
    defaut: str | None = None  # default flow of a gateway
    boucle: str | None = None  # loop condition of a looped sub-process
    sortants: list[str] = field(default_factory=list)


@dataclass
class Flux:
    fichier: str
    id: str
    nom: str
    source: str
    cible: str
    condition: str | None
    ligne: int


@dataclass
class Colonne:
    id: str
    libelle: str
    expression: str  # an input's expression, or an output's name


@dataclass
class Regle:
    id: str
    numero: int
    entrees: list[tuple[str, str]]  # (entry id, text)
    sorties: list[tuple[str, str]]


@dataclass
class TableDecision:
    fichier: str
    id: str
    nom: str
    ligne: int
    entrees: list[Colonne]
    sorties: list[Colonne]
    regles: list[Regle]

    def noms_de_sortie(self) -> set[str]:
        return {s.expression for s in self.sorties}

    def donnees_produites(self) -> set[str]:
        """The data keys the decision writes: `pieces.code` writes the list `pieces`."""
        return {s.expression.split(".")[0] for s in self.sorties if s.expression}


@dataclass
class Modele:
    """Every BPMN and DMN file of one version, indexed; `illisibles` lists the files that are not XML."""

    processus: dict[str, tuple[str, str]] = field(default_factory=dict)  # id → (file, name)
    noeuds: list[Noeud] = field(default_factory=list)
    flux: dict[str, Flux] = field(default_factory=dict)
    messages: dict[str, tuple[str, str]] = field(default_factory=dict)  # id → (file, name)
    decisions: dict[str, TableDecision] = field(default_factory=dict)
    illisibles: list[tuple[str, int, str]] = field(default_factory=list)  # (file, line, message)
    couloirs: dict[str, set[str]] = field(default_factory=dict)  # lane name → files

    def noeud(self, ident: str) -> Noeud | None:
        return next((n for n in self.noeuds if n.id == ident), None)

    def de_type(self, *types: str) -> list[Noeud]:
        return [n for n in self.noeuds if n.type in types]

    def libelle(self, ident: str) -> str:
        """The label of any element by id (node, flow, decision, process), '' if unknown or unnamed."""
        if (n := self.noeud(ident)) is not None:
            return n.nom
        if ident in self.flux:
            return self.flux[ident].nom
        if ident in self.decisions:
            return self.decisions[ident].nom
        if ident in self.processus:
            return self.processus[ident][1]
        return ""


_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True)


def lire(files: dict[str, str]) -> Modele:
    """The model of the files (`bpmn/x.bpmn` or `dmn/x.dmn` → text)."""
    modele = Modele()
    for nom, texte in files.items():
        try:
            racine = etree.fromstring(texte.encode("utf-8"), _PARSER)
        except etree.XMLSyntaxError as err:
            modele.illisibles.append((nom, err.lineno or 0, err.msg))
            continue
        if nom.endswith(".dmn"):
            _lire_dmn(modele, nom, racine)
        else:
            _lire_bpmn(modele, nom, racine)
    sortants: dict[tuple[str, str], list[str]] = {}
    for flux in modele.flux.values():
        sortants.setdefault((flux.fichier, flux.source), []).append(flux.id)
    for noeud in modele.noeuds:
        noeud.sortants = sortants.get((noeud.fichier, noeud.id), [])
    return modele


def _lire_bpmn(modele: Modele, fichier: str, racine: etree._Element) -> None:
    for message in racine.iter(f"{{{BPMN}}}message"):
        modele.messages[message.get("id", "")] = (fichier, message.get("name") or "")
    for process in racine.iter(f"{{{BPMN}}}process"):
        ident = process.get("id", "")
        modele.processus[ident] = (fichier, process.get("name") or "")
        couloirs: dict[str, str] = {}
        for lane in process.iter(f"{{{BPMN}}}lane"):  # document order: a child lane overrides its parent
            nom = lane.get("name") or lane.get("id", "")
            modele.couloirs.setdefault(nom, set()).add(fichier)
            for ref in lane.findall(f"{{{BPMN}}}flowNodeRef"):
                couloirs[(ref.text or "").strip()] = nom
        _lire_conteneur(modele, fichier, process, ident, True, couloirs, None)


def _lire_conteneur(modele: Modele, fichier: str, conteneur: etree._Element, parent: str, premier: bool,
                    couloirs: dict[str, str], couloir_parent: str | None) -> None:
    for el in conteneur:
        kind = _local(el)
        if kind == "sequenceFlow":
            condition = el.find(f"{{{BPMN}}}conditionExpression")
            modele.flux[el.get("id", "")] = Flux(
                fichier, el.get("id", ""), el.get("name") or "", el.get("sourceRef", ""), el.get("targetRef", ""),
                _texte(condition) if condition is not None else None, el.sourceline or 0)
            continue
        if kind not in NOEUDS:
            continue
        ident = el.get("id", "")
        noeud = Noeud(fichier, ident, kind, el.get("name") or "", el.sourceline or 0, parent, premier,
                      couloirs.get(ident, couloir_parent))
        _details(noeud, el)
        modele.noeuds.append(noeud)
        if kind in CONTENEURS:
            _lire_conteneur(modele, fichier, el, ident, False, couloirs, noeud.couloir)


def _details(noeud: Noeud, el: etree._Element) -> None:
    noeud.documentation = " ".join(_texte(d) or "" for d in el.findall(f"{{{BPMN}}}documentation"))
    for prop in el.iterfind(f"{{{BPMN}}}extensionElements/{{{SPIFF}}}properties/{{{SPIFF}}}property"):
        noeud.proprietes[prop.get("name", "")] = prop.get("value", "")
    operateur = el.find(f"{{{BPMN}}}extensionElements/{{{SPIFF}}}serviceTaskOperator")
    if operateur is not None:
        noeud.operateur = operateur.get("id", "")
        noeud.resultat = operateur.get("resultVariable")
        for param in operateur.iterfind(f"{{{SPIFF}}}parameters/{{{SPIFF}}}parameter"):
            noeud.parametres[param.get("id", "")] = param.get("value", "")
    noeud.decision = _texte(el.find(f"{{{BPMN}}}extensionElements/{{{SPIFF}}}calledDecisionId"))
    noeud.attache_a = el.get("attachedToRef")
    noeud.defaut = el.get("default")
    message = el.find(f"{{{BPMN}}}messageEventDefinition")
    if message is not None:
        noeud.message = message.get("messageRef")
        noeud.variable_message = _texte(message.find(f".//{{{SPIFF}}}messageVariable"))
    timer = el.find(f"{{{BPMN}}}timerEventDefinition")
    if timer is not None:
        for genre in ("timeDuration", "timeDate", "timeCycle"):
            if (valeur := _texte(timer.find(f"{{{BPMN}}}{genre}"))) is not None:
                noeud.timer = (genre, valeur)
        noeud.timer = noeud.timer or ("", "")
    boucle = el.find(f"{{{BPMN}}}standardLoopCharacteristics/{{{BPMN}}}loopCondition")
    noeud.boucle = _texte(boucle)


def _lire_dmn(modele: Modele, fichier: str, racine: etree._Element) -> None:
    for decision in racine.iter("{*}decision"):
        table = decision.find("{*}decisionTable")
        entrees, sorties, regles = [], [], []
        if table is not None:
            for colonne in table.findall("{*}input"):
                expression = _texte(colonne.find("{*}inputExpression/{*}text")) or ""
                entrees.append(Colonne(colonne.get("id", ""), colonne.get("label") or "", expression))
            for colonne in table.findall("{*}output"):
                sorties.append(Colonne(colonne.get("id", ""), colonne.get("label") or "", colonne.get("name") or ""))
            for numero, regle in enumerate(table.findall("{*}rule"), start=1):
                regles.append(Regle(
                    regle.get("id", ""), numero,
                    [(e.get("id", ""), _texte(e.find("{*}text")) or "") for e in regle.findall("{*}inputEntry")],
                    [(e.get("id", ""), _texte(e.find("{*}text")) or "") for e in regle.findall("{*}outputEntry")]))
        modele.decisions[decision.get("id", "")] = TableDecision(
            fichier, decision.get("id", ""), decision.get("name") or "", decision.sourceline or 0, entrees, sorties,
            regles)
