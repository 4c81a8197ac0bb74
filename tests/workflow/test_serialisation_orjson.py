"""The saved state's JSON goes through orjson (F-47: CPU per timer and per request), and stays the json module's JSON.

States saved before (written by the json module) must still load; states written now must load in a fresh process
(another worker, a restarted one) exactly as in the one that wrote them; the values JSON lacks (dates, datetimes)
keep their type, and what orjson refuses is written by the json module as before."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, date, datetime

import pytest

from app.workflow.engine import _CONVERTISSEUR, SERIALIZER, SERIALIZER_VERSION
from tests.workflow.conftest import BPMN_DIR, DMN_DIR, REPO_ROOT

pytestmark = pytest.mark.feature("F-47")

AUJOURDHUI = date(2024, 6, 1)


def _etat_du_module_json(wf) -> str:
    """The state as Engine.dumps wrote it with the json module (same dict, SpiffWorkflow's encoder)."""
    SERIALIZER.registry._encoder_mode = True
    try:
        dct = _CONVERTISSEUR.instance_to_dict(wf)
    finally:
        SERIALIZER.registry._encoder_mode = False
    dct[SERIALIZER.VERSION_KEY] = SERIALIZER_VERSION
    return json.dumps(dct, cls=SERIALIZER._encoder_cls)


def test_un_etat_ecrit_par_le_module_json_se_relit_a_l_identique(parcours, valeurs):
    p = parcours(date(2007, 5, 1))
    p.step("informations_personnelles", valeurs.e1(), AUJOURDHUI)
    ancien = _etat_du_module_json(p.wf)
    nouveau = p.engine.dumps(p.wf)
    assert json.loads(nouveau) == json.loads(ancien)  # the same JSON document, only spacing and escapes differ
    assert len(nouveau) < len(ancien)

    relu = p.engine.loads(ancien)
    assert p.engine.dumps(relu) == nouveau
    assert p.engine.ready_tasks(relu) == p.engine.ready_tasks(p.wf)
    assert p.engine.status(relu) == p.engine.status(p.wf)


def test_les_valeurs_que_json_ne_connait_pas_gardent_leur_type(parcours, valeurs):
    p = parcours(date(2007, 5, 1))
    (tache,) = p.engine.ready_tasks(p.wf)
    instant = datetime(2024, 6, 1, 12, 30, 15, 250, tzinfo=UTC)
    valeurs_typees = {"le_jour": date(2024, 2, 29), "l_instant": instant, "liste": [date(2024, 1, 1), 2, "trois"],
                      "imbrique": {"jour": date(2023, 12, 31), "texte": "Élodie « ASE »"}, "vide": None,
                      "reel": 12.5, "ensemble": {"a"}}
    p.engine.update_ready(p.wf, tache.id, valeurs_typees)
    etat = p.engine.dumps(p.wf)
    assert json.loads(etat) == json.loads(_etat_du_module_json(p.wf))

    (relue,) = p.engine.ready_tasks(p.engine.loads(etat))
    for cle, valeur in valeurs_typees.items():
        attendu = list(valeur) if isinstance(valeur, set) else valeur  # a set is saved as a list, as before
        assert relue.data[cle] == attendu and type(relue.data[cle]) is type(attendu), cle
    assert relue.data["liste"][0].__class__ is date and relue.data["imbrique"]["jour"].__class__ is date


@pytest.mark.parametrize("valeur, relue", [({7: "clé entière"}, {"7": "clé entière"}), (2**70, 2**70)])
def test_ce_qu_orjson_refuse_est_ecrit_par_le_module_json(parcours, valeur, relue):
    """Non-str keys and integers beyond 64 bits: orjson refuses them, the json module writes them as it always did."""
    p = parcours(date(2007, 5, 1))
    (tache,) = p.engine.ready_tasks(p.wf)
    p.engine.update_ready(p.wf, tache.id, {"particulier": valeur})
    etat = p.engine.dumps(p.wf)
    assert etat == _etat_du_module_json(p.wf)
    (relue_tache,) = p.engine.ready_tasks(p.engine.loads(etat))
    assert relue_tache.data["particulier"] == relue


_PROCESSUS_NEUF = """
import json, sys
from app.workflow import specs
from app.workflow.engine import Engine
from tests.workflow.conftest import Recorder
bpmn, dmn = sys.argv[1], sys.argv[2]
engine = Engine(specs.parse_bundle(specs.read_process_files(bpmn, dmn)), {"retenir": Recorder({})})
etat = sys.stdin.read()
wf = engine.loads(etat)
statut = engine.status(wf)
print(json.dumps({"identique": engine.dumps(wf) == etat, "etat": statut.etat, "element": statut.element,
                  "taches": [[t.name, t.form, t.etape, t.lane] for t in engine.ready_tasks(wf)],
                  "delais": {k: v.isoformat() for k, v in engine.timers(wf).items()}}))
"""


def test_un_etat_ecrit_par_orjson_se_relit_dans_un_processus_neuf(parcours, valeurs):
    """Another process (a worker started later) reads the state as the one that wrote it: same ready step, same
    place in the diagram, same timers, and it writes back the very same text."""
    p = parcours(date(2007, 5, 1))
    p.step("informations_personnelles", valeurs.e1(), AUJOURDHUI)
    etat = p.engine.dumps(p.wf)
    sortie = subprocess.run([sys.executable, "-c", _PROCESSUS_NEUF, str(BPMN_DIR), str(DMN_DIR)], input=etat,
                            capture_output=True, text=True, cwd=REPO_ROOT, check=True, timeout=120)
    lu = json.loads(sortie.stdout.strip().splitlines()[-1])
    statut = p.engine.status(p.wf)
    assert lu == {"identique": True, "etat": statut.etat, "element": statut.element,
                  "taches": [[t.name, t.form, t.etape, t.lane] for t in p.engine.ready_tasks(p.wf)],
                  "delais": {k: v.isoformat() for k, v in p.engine.timers(p.wf).items()}}
    assert lu["taches"] and lu["taches"][0][1] == "motif_sejour"
