"""F-41 process definitions: files that do not parse are refused, naming the file and the element.

What the code expects of the files (forms, handlers, ids, decisions…) is checked by the contract: test_contrat.py."""

import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from SpiffWorkflow.spiff.specs.defaults import UserTask

from app import forms, tasks
from app.workflow import contrat, specs
from app.workflow.verification import Code, charger

pytestmark = pytest.mark.feature("F-41")

REPO_ROOT = Path(__file__).resolve().parents[2]
BPMN_FILE = "bpmn/demande_titre_sejour_ase.bpmn"
CODE = Code(forms.REGISTRY, tasks.HANDLERS)
NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core",
    "dmn": "https://www.omg.org/spec/DMN/20191111/MODEL/",
}


@pytest.fixture
def copie(tmp_path):
    """A private copy of bpmn/ and dmn/ that a test may break."""
    shutil.copytree(REPO_ROOT / "bpmn", tmp_path / "bpmn")
    shutil.copytree(REPO_ROOT / "dmn", tmp_path / "dmn")
    return tmp_path


def lire(copie):
    return specs.read_process_files(copie / "bpmn", copie / "dmn")


def remplacer(path: Path, motif: str, remplacement: str, fois: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    new, count = re.subn(motif, remplacement, text)
    assert count == fois, f"{motif!r} trouvé {count} fois dans {path}"
    path.write_text(new, encoding="utf-8")


def test_le_processus_du_depot_est_valide(bundle):
    charger(bundle.files, CODE)
    formulaires = {ts.extensions["properties"]["form"] for ts in bundle.all_task_specs() if isinstance(ts, UserTask)}
    assert formulaires == set(contrat.FORMULAIRES)
    assert set(bundle.decision_outputs) == {
        "cas_usager",
        "attestations",
        "eligibilite",
        "pieces_justificatives",
        # the same decisions again at deposit (F-20)
        "cas_au_depot",
        "attestations_au_depot",
        "pieces_au_depot",
    }


def test_la_copie_est_identique(copie, bundle):
    files = lire(copie)
    assert specs.content_hash(files) == bundle.content_hash
    assert charger(files, CODE).content_hash == bundle.content_hash


def _taches_de_decision(bpmn: Path) -> dict[str, str]:
    """decision id → id of the first business rule task that calls it (the parser names that one)."""
    root = ET.parse(bpmn).getroot()
    taches: dict[str, str] = {}
    for el in root.iter(f"{{{NS['bpmn']}}}businessRuleTask"):
        taches.setdefault(el.find("bpmn:extensionElements/spiffworkflow:calledDecisionId", NS).text.strip(),
                          el.get("id"))
    return taches


DMN_FILES = sorted(p.name for p in (REPO_ROOT / "dmn").glob("*.dmn"))


@pytest.mark.parametrize("dmn", DMN_FILES)
def test_fichier_dmn_absent(copie, dmn):
    [decision] = ET.parse(copie / "dmn" / dmn).getroot().findall("dmn:decision", NS)
    tache = _taches_de_decision(copie / BPMN_FILE)[decision.get("id")]
    (copie / "dmn" / dmn).unlink()
    with pytest.raises(specs.ProcessDefinitionError) as err:
        specs.parse_bundle(lire(copie))
    assert err.value.element == tache
    assert err.value.file == BPMN_FILE
    assert tache in str(err.value) and BPMN_FILE in str(err.value)


def test_decision_inconnue(copie):
    remplacer(
        copie / BPMN_FILE,
        r"<spiffworkflow:calledDecisionId>attestations<",
        "<spiffworkflow:calledDecisionId>attestations_v2<",
        fois=2,  # after step 1 and at deposit (F-20)
    )
    with pytest.raises(specs.ProcessDefinitionError) as err:
        specs.parse_bundle(lire(copie))
    assert err.value.element == "attestations"
    assert "attestations_v2" in str(err.value)


def test_aucun_fichier_bpmn(tmp_path):
    (tmp_path / "bpmn").mkdir()
    (tmp_path / "dmn").mkdir()
    with pytest.raises(specs.ProcessDefinitionError):
        specs.read_process_files(tmp_path / "bpmn", tmp_path / "dmn")


@pytest.mark.parametrize("fichier", [BPMN_FILE, "dmn/attestations.dmn"])
def test_fichier_xml_mal_forme(copie, fichier):
    path = copie / fichier
    path.write_text(
        path.read_text(encoding="utf-8")
        .replace("</definitions>", "", 1)
        .replace("</bpmn:definitions>", "", 1),
        encoding="utf-8",
    )
    with pytest.raises(specs.ProcessDefinitionError) as err:
        specs.parse_bundle(lire(copie))
    assert err.value.file == fichier
