"""The saved state is the instance alone, and loading it does not rebuild the specs (F-47: CPU per request).

A version's specs are parsed once per process; every request used to deserialize them again with the instance
(most of `Engine.loads`). Loading now puts the instance on the engine's parsed specs, as `start` does."""

from __future__ import annotations

import json
from datetime import date

import pytest

from app.workflow import specs
from app.workflow.engine import SERIALIZER, SERIALIZER_VERSION, Engine
from tests.workflow.conftest import BPMN_DIR, DMN_DIR

pytestmark = pytest.mark.feature("F-47")

AUJOURDHUI = date(2024, 6, 1)


def test_l_etat_enregistre_est_l_instance_seule_et_se_relit_a_l_identique(parcours, valeurs):
    p = parcours(date(2007, 5, 1))
    p.step("informations_personnelles", valeurs.e1(), AUJOURDHUI)
    etat = p.engine.dumps(p.wf)
    contenu = json.loads(etat)
    assert "spec" not in contenu and "subprocess_specs" not in contenu
    assert contenu[SERIALIZER.VERSION_KEY] == SERIALIZER_VERSION

    relu = p.engine.loads(etat)
    assert relu.spec is p.engine.bundle.spec  # not a copy rebuilt from JSON
    assert relu.subprocess_specs is p.engine.bundle.subprocess_specs
    assert p.engine.dumps(relu) == etat
    assert p.engine.ready_tasks(relu) == p.engine.ready_tasks(p.wf)


def test_un_etat_ecrit_entier_par_spiffworkflow_se_relit_aussi(engine: Engine, parcours, valeurs):
    """A state written whole (specs included, as SpiffWorkflow's serialize_json writes it) loads too: the specs in
    it are left aside for the engine's own."""
    p = parcours(date(2007, 5, 1))
    p.step("informations_personnelles", valeurs.e1(), AUJOURDHUI)
    complet = SERIALIZER.serialize_json(p.wf)
    assert '"spec"' in complet
    relu = engine.loads(complet)
    assert relu.spec is engine.bundle.spec
    assert engine.dumps(relu) == p.engine.dumps(p.wf)


def test_une_boucle_commencee_par_un_autre_processus_se_termine(parcours, valeurs, recorders):
    """Step 2 is a loop (« Saisie à modifier » asks it again). A web process that never started an iteration itself
    (a new gunicorn worker, a restarted one) loads the application where another process left it, after step 1,
    and completes step 2: the loop ends and step 3 is ready, as in the process that started it."""
    p = parcours(date(2007, 5, 1))
    p.step("informations_personnelles", valeurs.e1(), AUJOURDHUI)
    etat = p.engine.dumps(p.wf)

    neuf = Engine(specs.parse_bundle(specs.read_process_files(BPMN_DIR, DMN_DIR)), recorders)  # never ran a loop
    relu = neuf.loads(etat)
    (etape2,) = neuf.ready_tasks(relu)
    assert etape2.form == "motif_sejour"
    neuf.complete(relu, etape2.id, valeurs.e2(date(2023, 1, 10)), AUJOURDHUI)
    assert [t.form for t in neuf.ready_tasks(relu)] == ["justificatifs"]
