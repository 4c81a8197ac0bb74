"""F-06 navigation: « Revenir à l'étape précédente » and « Abandonner la demande »."""

from datetime import date

import pytest

from app.workflow.engine import WorkflowStateError

pytestmark = pytest.mark.feature("F-06")

NE_LE = date(2007, 5, 1)  # 17 on AUJOURDHUI: CAS 1 or CAS 2 depending on the box
AUJOURDHUI = date(2024, 6, 1)
PLACEMENT_OK = date(2022, 1, 10)
PLACEMENT_KO = date(2024, 1, 10)

CODES_ATTESTATIONS = {
    "CAS_1": ["travail", "sanctions"],
    "CAS_2": ["travail", "polygamie", "sanctions"],
}
DECISION_OUTPUTS = {
    "cas",
    "cas_libelle",
    "demande_tardive",
    "attestations",
    "eligible",
    "motif_non_eligibilite",
}


def codes(items):
    return [item["code"] for item in items]


def jusqu_aux_justificatifs(parcours, valeurs, emancipe=False):
    p = parcours(NE_LE)
    p.step("informations_personnelles", valeurs.e1(emancipe=emancipe), AUJOURDHUI)
    p.step("motif_sejour", valeurs.e2(PLACEMENT_OK), AUJOURDHUI)
    assert p.form == "justificatifs"
    return p


def test_retour_des_justificatifs_au_motif_puis_aux_informations(parcours, valeurs):
    p = jusqu_aux_justificatifs(parcours, valeurs)

    assert p.back() is True
    assert p.form == "motif_sejour"
    assert p.status.form == "motif_sejour"
    assert p.status.etape == 2
    assert p.status.etat == "brouillon"
    data = p.data
    for key, value in valeurs.e2(PLACEMENT_OK).items():
        assert data[key] == value, key  # what was typed at step 2 prefills the form
    assert data["cas"] == "CAS_1"  # step 1's decisions still hold
    assert codes(data["attestations"]) == CODES_ATTESTATIONS["CAS_1"]
    assert "pieces" not in data and "eligible" not in data

    assert p.back() is True
    assert p.form == "informations_personnelles"
    assert p.status.etape == 1
    data = p.data
    for key, value in {**valeurs.e1(), **valeurs.e2(PLACEMENT_OK)}.items():
        assert data[key] == value, key  # steps 1 and 2 both kept
    assert data["date_naissance"] == NE_LE
    assert not DECISION_OUTPUTS & set(data), "decision outputs are recomputed on the way forward"

    # Forward again, unchanged: the same case and the step-2 values prefilled.
    p.step("informations_personnelles", valeurs.e1(), AUJOURDHUI)
    assert p.form == "motif_sejour"
    assert p.data["date_prise_en_charge_ase"] == PLACEMENT_OK
    p.step("motif_sejour", valeurs.e2(PLACEMENT_OK), AUJOURDHUI)
    assert p.form == "justificatifs"


def test_retour_puis_autre_case_emancipation_donne_les_listes_du_nouveau_cas(parcours, valeurs):
    p = jusqu_aux_justificatifs(parcours, valeurs, emancipe=False)
    assert "accord_representant" in codes(p.data["pieces"])

    assert p.back() and p.back()
    assert p.form == "informations_personnelles"
    p.step("informations_personnelles", valeurs.e1(emancipe=True), AUJOURDHUI)
    assert p.data["cas"] == "CAS_2"
    assert codes(p.data["attestations"]) == CODES_ATTESTATIONS["CAS_2"]  # not a merge with CAS 1's
    p.step("motif_sejour", valeurs.e2(PLACEMENT_OK), AUJOURDHUI)
    pieces = codes(p.data["pieces"])
    assert "emancipation" in pieces and "accord_representant" not in pieces
    assert len(pieces) == len(set(pieces)) == 9

    # And back to CAS 1 again.
    assert p.back() and p.back()
    p.step("informations_personnelles", valeurs.e1(emancipe=False), AUJOURDHUI)
    assert p.data["cas"] == "CAS_1"
    assert codes(p.data["attestations"]) == CODES_ATTESTATIONS["CAS_1"]
    p.step("motif_sejour", valeurs.e2(PLACEMENT_OK), AUJOURDHUI)
    pieces = codes(p.data["pieces"])
    assert "accord_representant" in pieces and "emancipation" not in pieces
    assert len(pieces) == len(set(pieces)) == 9


def test_retour_depuis_le_depot_garde_les_justificatifs(parcours, valeurs):
    p = jusqu_aux_justificatifs(parcours, valeurs)
    p.step("justificatifs", valeurs.e3, AUJOURDHUI)
    assert p.form == "depot"
    assert p.status.etape == 4
    assert p.back() is True
    assert p.form == "justificatifs"
    for key, value in valeurs.e3.items():
        assert p.data[key] == value
    assert codes(p.data["pieces"])  # the documents list is still there


def test_retour_depuis_la_premiere_etape_est_refuse(parcours):
    p = parcours(NE_LE)
    avant = p.ready
    assert p.back() is False
    assert p.ready == avant
    assert p.status.form == "informations_personnelles"


def test_retour_apres_modifier_ma_saisie(parcours, valeurs):
    p = parcours(NE_LE)
    p.step("informations_personnelles", valeurs.e1(), AUJOURDHUI)
    p.step("motif_sejour", valeurs.e2(PLACEMENT_KO), AUJOURDHUI)
    p.step("demandeur_non_eligible", {}, AUJOURDHUI)
    p.step("motif_sejour", valeurs.e2(PLACEMENT_OK), AUJOURDHUI)
    assert p.form == "justificatifs"
    assert p.back() is True
    assert p.form == "motif_sejour"
    assert p.data["date_prise_en_charge_ase"] == PLACEMENT_OK  # the latest input, not the refused one
    assert p.back() is True
    assert p.form == "informations_personnelles"
    assert p.data["date_prise_en_charge_ase"] == PLACEMENT_OK


def test_une_ancienne_etape_ne_peut_plus_etre_soumise(engine, parcours, valeurs):
    """An old tab: the task that was reset away cannot be completed nor used to go back."""
    p = jusqu_aux_justificatifs(parcours, valeurs)
    justificatifs = p.ready.id
    assert p.back()
    with pytest.raises(WorkflowStateError):
        engine.complete(p.wf, justificatifs, valeurs.e3, AUJOURDHUI)
    with pytest.raises(WorkflowStateError):
        engine.back(p.wf, justificatifs)
    with pytest.raises(WorkflowStateError):
        engine.complete(p.wf, "not-a-uuid", {}, AUJOURDHUI)
    assert p.form == "motif_sejour"


def test_cinquante_allers_retours_taille_bornee(parcours, valeurs):
    p = jusqu_aux_justificatifs(parcours, valeurs)
    sizes = {}
    for n in range(1, 51):
        assert p.back()
        assert p.form == "motif_sejour"
        assert p.data["date_prise_en_charge_ase"] == PLACEMENT_OK
        p.step("motif_sejour", valeurs.e2(PLACEMENT_OK), AUJOURDHUI)
        assert p.form == "justificatifs"
        sizes[n] = p.size()
    assert sizes[50] <= sizes[10] * 1.2, sizes
    p.step("justificatifs", valeurs.e3, AUJOURDHUI)
    p.step("depot", valeurs.e4, AUJOURDHUI)
    assert p.status.etat == "examiner_demande"


# --- « Abandonner la demande » ------------------------------------------------------------------


def _jusqu_a(parcours, valeurs, ou):
    p = parcours(NE_LE)
    if ou == "informations_personnelles":
        return p
    p.step("informations_personnelles", valeurs.e1(), AUJOURDHUI)
    if ou == "motif_sejour":
        return p
    if ou == "demandeur_non_eligible":
        p.step("motif_sejour", valeurs.e2(PLACEMENT_KO), AUJOURDHUI)
        return p
    if ou == "motif_sejour_apres_modifier":
        p.step("motif_sejour", valeurs.e2(PLACEMENT_KO), AUJOURDHUI)
        p.step("demandeur_non_eligible", {}, AUJOURDHUI)
        return p
    p.step("motif_sejour", valeurs.e2(PLACEMENT_OK), AUJOURDHUI)
    if ou in ("justificatifs", "motif_sejour_apres_retour"):
        if ou == "motif_sejour_apres_retour":
            assert p.back()
        return p
    p.step("justificatifs", valeurs.e3, AUJOURDHUI)
    if ou == "depot":
        return p
    assert ou == "informations_personnelles_apres_retours"
    assert p.back() and p.back() and p.back()
    return p


@pytest.mark.parametrize(
    ("ou", "form"),
    [
        ("informations_personnelles", "informations_personnelles"),
        ("motif_sejour", "motif_sejour"),
        ("demandeur_non_eligible", "demandeur_non_eligible"),
        ("motif_sejour_apres_modifier", "motif_sejour"),
        ("justificatifs", "justificatifs"),
        ("depot", "depot"),
        ("motif_sejour_apres_retour", "motif_sejour"),
        ("informations_personnelles_apres_retours", "informations_personnelles"),
    ],
)
def test_abandon_depuis_chaque_etape(engine, parcours, valeurs, numeroter, ou, form):
    p = _jusqu_a(parcours, valeurs, ou)
    assert p.form == form
    tache = p.ready.id
    p.abandon()
    status = p.status
    assert status.etat == "demande_abandonnee"
    assert status.etat_libelle == "Demande abandonnée"
    assert status.termine is True
    assert status.form is None and status.etape is None
    assert engine.ready_tasks(p.wf) == []
    assert numeroter.calls == []  # an abandoned draft gets no number
    with pytest.raises(WorkflowStateError):
        engine.complete(p.wf, tache, {}, AUJOURDHUI)
    with pytest.raises(WorkflowStateError):
        engine.abandon(p.wf)  # twice: nothing waits for the message any more
    assert p.status.etat == "demande_abandonnee"


def test_abandon_apres_depot_refuse(engine, parcours, valeurs):
    p = _jusqu_a(parcours, valeurs, "depot")
    p.step("depot", valeurs.e4, AUJOURDHUI)
    assert p.status.etat == "examiner_demande"
    with pytest.raises(WorkflowStateError):
        engine.abandon(p.wf)
    assert p.status.etat == "examiner_demande"
