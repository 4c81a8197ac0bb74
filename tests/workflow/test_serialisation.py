"""The saved state is the instance alone, and loading it does not rebuild the specs (F-47: CPU per request).

A version's specs are parsed once per process; every request used to deserialize them again with the instance
(most of `Engine.loads`). Loading now puts the instance on the engine's parsed specs, as `start` does."""

from __future__ import annotations

import json
from datetime import date

import pytest

from app.workflow.engine import SERIALIZER, SERIALIZER_VERSION, Engine

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
