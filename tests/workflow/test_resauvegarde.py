"""F-46 / F-41 the files as a modeler re-saves them: read by bpmn-moddle / dmn-moddle (the libraries of bpmn.io,
dmn-js and Camunda Modeler) and written back by `tools/resauvegarder.mjs`.

The workflow tests run again on the re-saved files, which are the same version as the originals; a real change
is a new version. The libraries run through `npm exec` at the versions of package.json (installed, or fetched into
npm's cache: never the DSFR, so no licence is needed). Skipped only where `node` is absent (it is there in CI).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree

from app.workflow import empreinte, specs
from app.workflow.engine import Engine
from tests.workflow.test_dialecte import AGES, NE_LE

REPO_ROOT = Path(__file__).resolve().parents[2]
NODE, NPM = shutil.which("node"), shutil.which("npm")
SCRIPT = REPO_ROOT / "tools" / "resauvegarder.mjs"

pytestmark = pytest.mark.skipif(NODE is None, reason="node absent : la réécriture par bpmn-moddle / dmn-moddle "
                                                     "(tools/resauvegarder.mjs) ne peut pas tourner")


def node(*arguments: str) -> str:
    """Run tools/resauvegarder.mjs with bpmn-moddle and dmn-moddle at the versions of package.json."""
    versions = json.loads((REPO_ROOT / "package.json").read_text(encoding="utf-8"))["devDependencies"]
    paquets = [f"--package={nom}@{versions[nom]}" for nom in ("bpmn-moddle", "dmn-moddle")]
    commande = [NPM, "exec", "--yes", *paquets, "--", "node"] if NPM else [NODE]
    resultat = subprocess.run([*commande, str(SCRIPT), *arguments], cwd=REPO_ROOT, capture_output=True, text=True,
                              timeout=300)
    assert resultat.returncode == 0, f"tools/resauvegarder.mjs {' '.join(arguments)} a échoué :\n{resultat.stderr}"
    return resultat.stdout


def resauvegarder(source: Path, destination: Path) -> None:
    """Open and save `source` (a file or a folder) as the modelers do."""
    node(str(source), str(destination))


@pytest.fixture(scope="module")
def resauves(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """bpmn/ and dmn/ copied (files beside the diagrams too, such as decision examples), diagrams re-saved."""
    dossier = tmp_path_factory.mktemp("resauves")
    for nom in ("bpmn", "dmn"):
        shutil.copytree(REPO_ROOT / nom, dossier / nom)
        resauvegarder(REPO_ROOT / nom, dossier / nom)
    return dossier


def originaux() -> dict[str, str]:
    return specs.read_process_files(REPO_ROOT / "bpmn", REPO_ROOT / "dmn")


def test_chaque_fichier_est_reecrit(resauves):
    """The modelers' writer really rewrites the files (else the tests below would prove nothing)."""
    fichiers, reecrits = originaux(), specs.read_process_files(resauves / "bpmn", resauves / "dmn")
    assert set(reecrits) == set(fichiers)
    assert any(reecrits[nom] != fichiers[nom] for nom in fichiers)
    assert 'hitPolicy="UNIQUE"' not in reecrits["dmn/cas_usager.dmn"]  # dmn-moddle drops defaults


@pytest.mark.feature("F-41")
def test_une_resauvegarde_n_est_pas_une_nouvelle_version(resauves):
    reecrits = specs.read_process_files(resauves / "bpmn", resauves / "dmn")
    assert specs.content_hash(reecrits) == specs.content_hash(originaux())
    assert specs.parse_bundle(reecrits).content_hash == specs.parse_bundle(originaux()).content_hash


@pytest.mark.feature("F-41")
def test_une_vraie_modification_resauvegardee_est_une_nouvelle_version(tmp_path):
    shutil.copytree(REPO_ROOT / "dmn", tmp_path / "dmn")
    chemin = tmp_path / "dmn" / "cas_usager.dmn"
    texte = chemin.read_text(encoding="utf-8")
    assert texte.count("<text>&lt; 16</text>") == 1
    chemin.write_text(texte.replace("<text>&lt; 16</text>", "<text>&lt; 15</text>"), encoding="utf-8")
    resauvegarder(tmp_path / "dmn", tmp_path / "resauve")
    modifie = {**originaux(), "dmn/cas_usager.dmn": (tmp_path / "resauve" / "cas_usager.dmn").read_text("utf-8")}
    assert specs.content_hash(modifie) != specs.content_hash(originaux())


@pytest.mark.feature("F-46")
def test_le_dialecte_resauvegarde_se_lit_pareil(tmp_path):
    """dmn-js's own cells (`true`, lists, ranges), written back by dmn-moddle, decide as the originals do."""
    shutil.copytree(REPO_ROOT / "dmn", tmp_path / "dmn")
    chemin = tmp_path / "dmn" / "cas_usager.dmn"
    arbre = etree.parse(str(chemin))
    dialecte = {"cas_usager_r2_i1": "[16..18[", "cas_usager_r2_i2": "false", "cas_usager_r3_i1": "[16..18[",
                "cas_usager_r3_i2": "true", "cas_usager_r4_i1": "[18..19[", "cas_usager_r5_o3": "true"}
    for ident, texte in dialecte.items():
        (cellule,) = arbre.xpath("//*[@id=$i]/*[local-name()='text']", i=ident)
        cellule.text = texte
    arbre.write(str(chemin), xml_declaration=True, encoding="UTF-8")
    resauvegarder(tmp_path / "dmn", tmp_path / "resauve")
    fichiers = {**originaux(), "dmn/cas_usager.dmn": (tmp_path / "resauve" / "cas_usager.dmn").read_text("utf-8")}
    assert "<text>[16..18[</text>" in fichiers["dmn/cas_usager.dmn"]
    feel, python = specs.parse_bundle(fichiers), specs.parse_bundle(originaux())
    for jour in AGES:
        for emancipe in (False, True):
            donnees = {"date_naissance": NE_LE, "date_du_jour": jour, "emancipe": emancipe}
            assert Engine(feel, {}).decide("cas_usager", donnees) == Engine(python, {}).decide("cas_usager", donnees)


@pytest.mark.feature("F-41")
def test_les_defauts_sont_ceux_des_schemas_des_modeleurs():
    """empreinte.DEFAUTS holds every attribute default of the schemas the modelers load, which they never write."""
    lignes = json.loads(node("--defauts"))
    assert {ligne["uri"] for ligne in lignes} >= {empreinte.BPMN_MODELE, empreinte.DMN_MODELE}
    for ligne in lignes:
        if ligne["uri"].startswith("http://www.omg.org/spec/DD/"):
            continue  # coordinates: moddle compares the number read with the text "0", so writes them; see COORDONNEES
        element = ligne["type"][0].lower() + ligne["type"][1:]
        attribut = ligne["attribut"].split(":")[-1]
        assert empreinte.defauts_de(ligne["uri"], element).get(attribut) == ligne["defaut"], ligne


@pytest.mark.feature("F-46")
def test_les_tests_du_processus_passent_sur_les_fichiers_resauvegardes(resauves):
    """tests/workflow again, with BPMN_DIR / DMN_DIR on the re-saved files (this module apart)."""
    # A session of its own: not a worker of a parallel run (PYTEST_XDIST_*), and the re-saved files add no flow to
    # the relevé of path coverage (COUVERTURE_PROCESSUS).
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_") and k != "COUVERTURE_PROCESSUS"}
    env.update(BPMN_DIR=str(resauves / "bpmn"), DMN_DIR=str(resauves / "dmn"))
    resultat = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x", "tests/workflow",
         f"--ignore={Path(__file__).relative_to(REPO_ROOT)}"],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=900,
    )
    assert resultat.returncode == 0, resultat.stdout[-4000:] + resultat.stderr[-2000:]
