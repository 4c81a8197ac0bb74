"""F-45 / F-47 path coverage of a parallel run: under pytest-xdist (`make test`) every worker adds the flows of its
share of the tests to one relevé, so `flask processus couverture` sees the flows of the whole run, not of one worker
and not of an earlier run. Real pytest processes, real workers."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from app.workflow import specs
from tests.workflow.conftest import BPMN_DIR, DMN_DIR

REPO_ROOT = Path(__file__).resolve().parents[2]
# Two tests in two files whose paths differ: « Modifier ma saisie » then « back », and an unfavourable decision.
RETOUR = "tests/workflow/test_navigation.py::test_retour_apres_modifier_ma_saisie"
DECISION = "tests/workflow/test_instruction.py::test_decision_defavorable"


def releve_de(chemin: Path, *arguments: str) -> tuple[dict, str]:
    """Run pytest on `arguments` with the recorder writing to `chemin`; the relevé and pytest's output."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_") and k != "COUVERTURE_PROCESSUS"}
    env["COUVERTURE_PROCESSUS"] = str(chemin)
    fini = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *arguments], cwd=REPO_ROOT,
                          env=env, capture_output=True, text=True, timeout=600)
    assert fini.returncode == 0, fini.stdout[-3000:] + fini.stderr[-2000:]
    return json.loads(chemin.read_text(encoding="utf-8")), fini.stdout


@pytest.mark.feature("F-45")
@pytest.mark.feature("F-47")
def test_le_releve_d_une_execution_parallele_reunit_les_flux_de_chaque_worker(tmp_path):
    seul, _ = releve_de(tmp_path / "seul.json", RETOUR, DECISION)
    # Flows one of the two tests takes and the other does not: « Modifier ma saisie », a refusal.
    assert {"f_modifier", "f_refus"} <= set(seul["flux"])

    # A relevé of an earlier run is there: it is replaced, not added to.
    chemin = tmp_path / "parallele.json"
    chemin.write_text(json.dumps({"empreinte": seul["empreinte"], "flux": ["f_d_une_autre_execution"],
                                  "execution": "autre"}), encoding="utf-8")
    parallele, sortie = releve_de(chemin, "-n", "2", "--dist", "loadfile", "-vv", RETOUR, DECISION)
    workers = {re.search(rf"\[(gw\d)\] \[ *\d+%\] PASSED {re.escape(test)}", sortie).group(1)
               for test in (RETOUR, DECISION)}
    assert len(workers) == 2, sortie[-3000:]  # one test on each worker
    assert parallele["flux"] == seul["flux"]
    assert parallele["empreinte"] == seul["empreinte"] == specs.content_hash(specs.read_process_files(BPMN_DIR,
                                                                                                         DMN_DIR))
