"""F-11 deposit: completing `depot` numbers the application once and ends the draft."""

import re
from datetime import date

import pytest

from app.workflow.engine import WorkflowStateError

pytestmark = pytest.mark.feature("F-11")

NE_LE = date(2007, 5, 1)
AUJOURDHUI = date(2024, 6, 1)
CONTEXTE = {"demande_id": 42}


def jusqu_au_depot(parcours, valeurs, code_postal="59800", context=None):
    p = parcours(NE_LE, context=context)
    p.step("informations_personnelles", valeurs.e1(code_postal=code_postal), AUJOURDHUI)
    p.step("motif_sejour", valeurs.e2(date(2022, 1, 10)), AUJOURDHUI)
    p.step("justificatifs", valeurs.e3, AUJOURDHUI)
    assert p.form == "depot"
    assert p.status.etape == 4
    return p


def test_depot_numerote_une_fois_puis_attend_l_agent(engine, parcours, valeurs, numeroter):
    p = jusqu_au_depot(parcours, valeurs, context=CONTEXTE)
    assert numeroter.calls == []
    depot = p.ready.id

    p.step("depot", valeurs.e4, AUJOURDHUI)

    # The service task ran once, with the caller's context and the postcode typed at step 1.
    assert numeroter.calls == [(CONTEXTE, {"code_postal": "59800"})]
    status = p.status
    # Deposited: the application waits for an agent (lane « Agent »), nothing is left to the applicant.
    assert (status.etat, status.etat_libelle) == ("examiner_demande", "Demande à examiner")
    assert status.termine is False
    assert status.form == "examiner_demande" and not status.etape  # no step of the draft
    data = p.workflow_data
    assert re.fullmatch(r"\d{19}", data["numerotation"]["numero"])
    assert data["confirmation_depot"] is True
    assert data["observations"] == valeurs.e4["observations"]
    assert data["cas"] == "CAS_1"
    # After the deposit nothing can be changed by the applicant.
    assert engine.ready_tasks(p.wf, "Usager") == []
    with pytest.raises(WorkflowStateError):
        engine.complete(p.wf, depot, valeurs.e4, AUJOURDHUI)
    with pytest.raises(WorkflowStateError):
        engine.back(p.wf, depot)
    assert len(numeroter.calls) == 1  # the round trips did not run it again


def test_depot_apres_retour_prend_le_code_postal_modifie(parcours, valeurs, numeroter):
    p = jusqu_au_depot(parcours, valeurs, code_postal="59800")
    assert p.back() and p.back() and p.back()
    assert p.form == "informations_personnelles"
    assert p.data["code_postal"] == "59800"
    p.step("informations_personnelles", valeurs.e1(code_postal="13001"), AUJOURDHUI)
    p.step("motif_sejour", valeurs.e2(date(2022, 1, 10)), AUJOURDHUI)
    p.step("justificatifs", valeurs.e3, AUJOURDHUI)
    p.step("depot", valeurs.e4, AUJOURDHUI)
    assert numeroter.calls == [(None, {"code_postal": "13001"})]
    assert p.status.etat == "examiner_demande"
    assert p.workflow_data["code_postal"] == "13001"
