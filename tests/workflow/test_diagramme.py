"""F-46 The diagram as analysts see it: pool and lanes drawn, every flow node inside its lane's rectangle,
sub-processes expanded inside their parent without overlapping anything, no crossing arrows, each arrow
drawn from its source to its target; and bpmnlint's recommended rules pass (`make lint`).

The checks read the diagram interchange (BPMNDI) of the real files in bpmn/, and of small broken copies
made in tmp_path to show each check refuses what it should.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

import pytest

pytestmark = pytest.mark.feature("F-46")

REPO_ROOT = Path(__file__).resolve().parents[2]
BPMN_DIR = REPO_ROOT / "bpmn"
FICHIERS_BPMN = sorted(BPMN_DIR.glob("*.bpmn"))
PROCESSUS = BPMN_DIR / "demande_titre_sejour_ase.bpmn"

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
}
FLOW_NODES = {
    "startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent",
    "task", "userTask", "serviceTask", "scriptTask", "businessRuleTask", "manualTask", "sendTask",
    "receiveTask", "subProcess", "callActivity", "transaction",
    "exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway", "complexGateway",
}
TOLERANCE = 2  # pixels: a waypoint on a shape's border counts as touching it


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float

    def contient(self, other: Rect) -> bool:
        return (self.x <= other.x and self.y <= other.y
                and other.x + other.w <= self.x + self.w and other.y + other.h <= self.y + self.h)

    def contient_point(self, x: float, y: float, marge: float = 0) -> bool:
        return self.x - marge <= x <= self.x + self.w + marge and self.y - marge <= y <= self.y + self.h + marge

    def centre(self) -> tuple[float, float]:
        return self.x + self.w / 2, self.y + self.h / 2

    def chevauche(self, other: Rect) -> bool:
        return (self.x < other.x + other.w and other.x < self.x + self.w
                and self.y < other.y + other.h and other.y < self.y + self.h)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _nom(elem: ET.Element) -> str:
    name = (elem.get("name") or "").strip()
    return f"« {name} » ({elem.get('id')})" if name else f"({elem.get('id')})"


def _croisent(a: tuple, b: tuple, c: tuple, d: tuple) -> bool:
    """Segments ab and cd cross strictly (touching at an end or running along each other does not count)."""

    def orient(p: tuple, q: tuple, r: tuple) -> float:
        return (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])

    o1, o2, o3, o4 = orient(a, b, c), orient(a, b, d), orient(c, d, a), orient(c, d, b)
    return o1 * o2 < 0 and o3 * o4 < 0


def problemes_du_diagramme(chemin: Path) -> list[str]:
    """Every layout problem of one BPMN file, in French, naming the element by label and id."""
    racine = ET.parse(chemin).getroot()
    fichier = chemin.name
    problemes: list[str] = []

    # Shapes and edges, by plane (a collapsed sub-process is drawn in a plane of its own).
    plan_de: dict[str, str] = {}
    formes: dict[str, Rect] = {}
    deplie: dict[str, bool] = {}
    aretes: dict[str, list[tuple[float, float]]] = {}
    for plan in racine.iterfind(".//bpmndi:BPMNPlane", NS):
        for forme in plan.iterfind("bpmndi:BPMNShape", NS):
            b = forme.find("dc:Bounds", NS)
            ident = forme.get("bpmnElement")
            formes[ident] = Rect(*(float(b.get(k)) for k in ("x", "y", "width", "height")))
            deplie[ident] = forme.get("isExpanded") == "true"
            plan_de[ident] = plan.get("bpmnElement")
        for arete in plan.iterfind("bpmndi:BPMNEdge", NS):
            ident = arete.get("bpmnElement")
            aretes[ident] = [(float(w.get("x")), float(w.get("y"))) for w in arete.iterfind("di:waypoint", NS)]
            plan_de[ident] = plan.get("bpmnElement")

    def manque(elem: ET.Element, quoi: str) -> None:
        problemes.append(f"{fichier} : {quoi} {_nom(elem)} n'est pas dessiné (aucune forme dans le diagramme)")

    # Pool and lanes.
    for participant in racine.iterfind(".//bpmn:participant", NS):
        if participant.get("id") not in formes:
            manque(participant, "le bassin")
    couloirs = list(racine.iterfind(".//bpmn:lane", NS))
    for couloir in couloirs:
        if couloir.get("id") not in formes:
            manque(couloir, "le couloir")
    for a, b in combinations([c for c in couloirs if c.get("id") in formes], 2):
        if formes[a.get("id")].chevauche(formes[b.get("id")]):
            problemes.append(f"{fichier} : les couloirs {_nom(a)} et {_nom(b)} se chevauchent")

    # Flow nodes: who contains whom, and in which lane each top-level node sits.
    parent_de: dict[str, str | None] = {}
    elements: dict[str, ET.Element] = {}

    def parcourir(conteneur: ET.Element, parent: str | None) -> None:
        for enfant in conteneur:
            if _local(enfant.tag) in FLOW_NODES:
                elements[enfant.get("id")] = enfant
                parent_de[enfant.get("id")] = parent
                if _local(enfant.tag) in {"subProcess", "transaction"}:
                    parcourir(enfant, enfant.get("id"))

    for processus in racine.iterfind("bpmn:process", NS):
        parcourir(processus, None)
    couloir_de = {ref.text.strip(): c for c in couloirs for ref in c.iterfind("bpmn:flowNodeRef", NS) if ref.text}

    for ident, elem in elements.items():
        if ident not in formes:
            manque(elem, "l'élément")
            continue
        rect = formes[ident]
        bordure = _local(elem.tag) == "boundaryEvent"  # drawn across its host's border
        parent = parent_de[ident]
        if parent is None:
            couloir = couloir_de.get(ident)
            if couloirs and couloir is None:
                problemes.append(f"{fichier} : {_nom(elem)} n'appartient à aucun couloir")
            elif couloir is not None and couloir.get("id") in formes:
                zone = formes[couloir.get("id")]
                dedans = zone.contient_point(*rect.centre()) if bordure else zone.contient(rect)
                if not dedans:
                    problemes.append(
                        f"{fichier} : {_nom(elem)} appartient au couloir {_nom(couloir)} mais est dessiné "
                        f"hors de son rectangle")
        elif plan_de.get(ident) == plan_de.get(parent) and parent in formes:
            # Drawn in its parent's plane: the parent must be expanded and hold it.
            if not deplie.get(parent):
                problemes.append(
                    f"{fichier} : {_nom(elem)} est dessiné dans le même plan que son sous-processus "
                    f"{_nom(elements[parent])}, replié : dépliez le sous-processus ou dessinez son contenu à part")
            elif not (formes[parent].contient_point(*rect.centre()) if bordure else formes[parent].contient(rect)):
                problemes.append(
                    f"{fichier} : {_nom(elem)} est dessiné hors du sous-processus {_nom(elements[parent])}")

    # No two shapes overlap, except a container and what it holds, or a boundary event and its host.
    def ancetres(ident: str) -> set[str]:
        trouves = set()
        while parent_de.get(ident):
            ident = parent_de[ident]
            trouves.add(ident)
        return trouves

    dessines = [i for i in elements if i in formes]
    for a, b in combinations(dessines, 2):
        if plan_de[a] != plan_de[b] or not formes[a].chevauche(formes[b]):
            continue
        if a in ancetres(b) or b in ancetres(a):
            continue
        if elements[a].get("attachedToRef") == b or elements[b].get("attachedToRef") == a:
            continue
        problemes.append(f"{fichier} : {_nom(elements[a])} et {_nom(elements[b])} se chevauchent")

    # Arrows: drawn, from their source to their target, and never crossing each other.
    flux = {f.get("id"): f for f in racine.iterfind(".//bpmn:sequenceFlow", NS)}
    for ident, f in flux.items():
        points = aretes.get(ident)
        if not points or len(points) < 2:
            manque(f, "le flux")
            continue
        for bout, point in (("sourceRef", points[0]), ("targetRef", points[-1])):
            cible = f.get(bout)
            if cible in formes and not formes[cible].contient_point(*point, marge=TOLERANCE):
                sens = "ne part pas de" if bout == "sourceRef" else "n'arrive pas à"
                problemes.append(f"{fichier} : la flèche {_nom(f)} {sens} {_nom(elements[cible])}")
    traces = [i for i in flux if len(aretes.get(i) or []) >= 2]
    for a, b in combinations(traces, 2):
        if plan_de[a] != plan_de[b]:
            continue
        segments_a = list(zip(aretes[a], aretes[a][1:], strict=False))
        segments_b = list(zip(aretes[b], aretes[b][1:], strict=False))
        if any(_croisent(p, q, r, s) for p, q in segments_a for r, s in segments_b):
            problemes.append(f"{fichier} : les flèches {_nom(flux[a])} et {_nom(flux[b])} se croisent")
    return problemes


# --- the real diagram ------------------------------------------------------------------------------------


@pytest.mark.parametrize("chemin", FICHIERS_BPMN, ids=lambda p: p.name)
def test_le_diagramme_est_lisible(chemin):
    problemes = problemes_du_diagramme(chemin)
    assert not problemes, "Diagramme à redessiner :\n" + "\n".join(problemes)


def test_bassin_couloirs_et_sous_processus_deplies():
    racine = ET.parse(PROCESSUS).getroot()
    formes = {f.get("bpmnElement"): f for f in racine.iterfind(".//bpmndi:BPMNShape", NS)}
    for ident in ("participant_demande", "lane_usager", "lane_agent", "lane_systeme"):
        assert ident in formes, ident
    for sous_processus in racine.iterfind(".//bpmn:subProcess", NS):
        assert formes[sous_processus.get("id")].get("isExpanded") == "true", sous_processus.get("id")


def test_le_guide_des_analystes_est_dans_la_documentation_du_processus():
    """Modelers drop XML comments on save: the guide lives in bpmn:documentation, which they keep."""
    texte = PROCESSUS.read_text(encoding="utf-8")
    assert "<!--" not in texte
    racine = ET.fromstring(texte)
    processus = racine.find("bpmn:process", NS)
    guide = processus.find("bpmn:documentation", NS).text
    for attendu in ("« form »", "« etape »", "dmn/", "processus verifier", "processus catalogue",
                    "docs/ANALYSTES.md"):
        assert attendu in guide, attendu
    documentes = {e.get("id") for e in racine.iter() if e.find("bpmn:documentation", NS) is not None}
    assert {"brouillon", "abandon_demande", "delai_reponse", "examiner_demande", "decider"} <= documentes


# --- each check refuses what it should (broken copies) ---------------------------------------------------


def _copie(tmp_path: Path, remplacer) -> Path:
    texte = remplacer(PROCESSUS.read_text(encoding="utf-8"))
    chemin = tmp_path / PROCESSUS.name
    chemin.write_text(texte, encoding="utf-8")
    return chemin


def _sans_forme(texte: str, ident: str) -> str:
    texte, n = re.subn(rf'\s*<bpmndi:BPMNShape id="[^"]*" bpmnElement="{ident}"[^>]*>.*?</bpmndi:BPMNShape>',
                       "", texte, flags=re.S)
    assert n == 1, ident
    return texte


def _bornes(texte: str, ident: str, x: int, y: int) -> str:
    texte, n = re.subn(
        rf'(<bpmndi:BPMNShape id="[^"]*" bpmnElement="{ident}"[^>]*>\s*<dc:Bounds) x="[^"]*" y="[^"]*"',
        rf'\1 x="{x}" y="{y}"', texte, flags=re.S)
    assert n == 1, ident
    return texte


def test_couloirs_non_dessines_refuses(tmp_path):
    """The diagram before issue 10: no pool or lane shapes."""
    chemin = _copie(tmp_path, lambda t: _sans_forme(_sans_forme(t, "lane_agent"), "participant_demande"))
    problemes = problemes_du_diagramme(chemin)
    assert any("le couloir « Agent » (lane_agent) n'est pas dessiné" in p for p in problemes), problemes
    assert any("le bassin « Demande de titre de séjour (ASE) » (participant_demande) n'est pas dessiné" in p
               for p in problemes), problemes


def test_element_hors_de_son_couloir_refuse(tmp_path):
    # « Demande à examiner » (lane Agent) drawn up in the applicant's lane.
    chemin = _copie(tmp_path, lambda t: _bornes(t, "examiner_demande", 2000, 500))
    problemes = problemes_du_diagramme(chemin)
    assert (f"{PROCESSUS.name} : « Demande à examiner » (examiner_demande) appartient au couloir "
            "« Agent » (lane_agent) mais est dessiné hors de son rectangle") in problemes, problemes


def test_element_sans_couloir_refuse(tmp_path):
    chemin = _copie(tmp_path, lambda t: t.replace("<bpmn:flowNodeRef>decider</bpmn:flowNodeRef>", ""))
    problemes = problemes_du_diagramme(chemin)
    assert any("(decider) n'appartient à aucun couloir" in p for p in problemes), problemes


def test_sous_processus_replie_sur_le_flux_principal_refuse(tmp_path):
    """The diagram before issue 10: the draft collapsed, its content drawn over the main flow."""
    chemin = _copie(tmp_path, lambda t: t.replace(
        'bpmnElement="brouillon" isExpanded="true"', 'bpmnElement="brouillon" isExpanded="false"'))
    problemes = problemes_du_diagramme(chemin)
    assert any("(informations_personnelles) est dessiné dans le même plan que son sous-processus "
               "« Brouillon » (brouillon), replié" in p for p in problemes), problemes


def test_elements_qui_se_chevauchent_refuses(tmp_path):
    racine = ET.parse(PROCESSUS).getroot()
    bornes = next(f.find("dc:Bounds", NS) for f in racine.iterfind(".//bpmndi:BPMNShape", NS)
                  if f.get("bpmnElement") == "confirmation_pdf")
    x, y = int(float(bornes.get("x"))), int(float(bornes.get("y")))
    chemin = _copie(tmp_path, lambda t: _bornes(t, "numeroter_demande", x + 30, y))
    problemes = problemes_du_diagramme(chemin)
    assert any("(numeroter_demande) et « Produire la confirmation de dépôt (PDF) » (confirmation_pdf) "
               "se chevauchent" in p for p in problemes), problemes


def test_fleches_qui_se_croisent_refusees(tmp_path):
    # « décision » drawn as a detour through the system lane, across « demande de complément ».
    def detour(texte: str) -> str:
        racine = ET.fromstring(texte)
        [complement] = [e for e in racine.iterfind(".//bpmndi:BPMNEdge", NS)
                        if e.get("bpmnElement") == "f_vers_complement"]
        (_, y1), (_, y2) = [(w.get("x"), w.get("y")) for w in complement.iterfind("di:waypoint", NS)]
        milieu = (float(y1) + float(y2)) / 2
        [decision] = [e for e in racine.iterfind(".//bpmndi:BPMNEdge", NS)
                      if e.get("bpmnElement") == "f_vers_decision"]
        points = [(float(w.get("x")), float(w.get("y"))) for w in decision.iterfind("di:waypoint", NS)]
        nouveaux = [points[0], (points[0][0] - 60, points[0][1]), (points[0][0] - 60, milieu),
                    (points[-1][0], milieu), points[-1]]
        bloc = re.search(r'<bpmndi:BPMNEdge id="[^"]*" bpmnElement="f_vers_decision">.*?</bpmndi:BPMNEdge>',
                         texte, flags=re.S).group(0)
        remplace = re.sub(r"(\s*<di:waypoint[^>]*/>)+",
                          "".join(f'\n        <di:waypoint x="{x:g}" y="{y:g}" />' for x, y in nouveaux),
                          bloc, count=1)
        return texte.replace(bloc, remplace)

    problemes = problemes_du_diagramme(_copie(tmp_path, detour))
    assert any("les flèches « demande de complément » (f_vers_complement) et « décision » (f_vers_decision) "
               "se croisent" in p for p in problemes), problemes


def test_fleche_qui_ne_part_pas_de_sa_source_refusee(tmp_path):
    # The task moved (in its lane) but its arrows left where they were.
    racine = ET.parse(PROCESSUS).getroot()
    bornes = next(f.find("dc:Bounds", NS) for f in racine.iterfind(".//bpmndi:BPMNShape", NS)
                  if f.get("bpmnElement") == "decider")
    x, y = int(float(bornes.get("x"))), int(float(bornes.get("y")))
    problemes = problemes_du_diagramme(_copie(tmp_path, lambda t: _bornes(t, "decider", x, y + 60)))
    assert any("la flèche (f_decision) ne part pas de « Décision à prendre » (decider)" in p
               for p in problemes), problemes


# --- bpmnlint -----------------------------------------------------------------------------------------------


def bpmnlint(*fichiers: Path) -> subprocess.CompletedProcess:
    """bpmnlint as `make lint` runs it: the version of package.json, the rules of .bpmnlintrc."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node/npm absent : bpmnlint ne peut pas tourner ici (make lint l'exige)")
    version = json.loads((REPO_ROOT / "package.json").read_text(encoding="utf-8"))["devDependencies"]["bpmnlint"]
    return subprocess.run(
        ["npm", "exec", "--yes", f"--package=bpmnlint@{version}", "--",
         "bpmnlint", "--config", str(REPO_ROOT / ".bpmnlintrc"), "--max-warnings=0", *map(str, fichiers)],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=300, check=False,
    )


def test_bpmnlint_regles_recommandees_sans_erreur():
    resultat = bpmnlint(*FICHIERS_BPMN)
    assert resultat.returncode == 0, resultat.stdout + resultat.stderr
    assert "problem" not in resultat.stdout, resultat.stdout


def test_bpmnlint_refuse_un_couloir_non_dessine(tmp_path):
    resultat = bpmnlint(_copie(tmp_path, lambda t: _sans_forme(t, "lane_systeme")))
    assert resultat.returncode != 0
    assert re.search(r"lane_systeme\s+error\s+Element is missing bpmndi\s+no-bpmndi", resultat.stdout), (
        resultat.stdout)


def test_exceptions_de_bpmnlint_justifiees():
    config = json.loads((REPO_ROOT / ".bpmnlintrc").read_text(encoding="utf-8"))
    assert config["extends"] == "bpmnlint:recommended"
    for regle, valeur in config.get("rules", {}).items():
        assert isinstance(valeur, list) and len(valeur) == 2 and len(valeur[1]) > 40, (
            f"{regle} : une exception aux règles recommandées porte sa justification")
