"""F-20 The case is decided again at deposit, with the deposit day's date, by the diagram (real bpmn/ and dmn/).

Someone who turns 18 between step 1 and the deposit is not deposited as CAS 1: the deposit is refused and the draft
goes back to the first step whose content changed, answers kept; once checked again, it is deposited as CAS 3.
"""

from datetime import date

import pytest

pytestmark = pytest.mark.feature("F-20")

NE_LE = date(2006, 6, 15)  # 18 years old on 15/06/2024
ETAPE_1 = date(2024, 6, 1)  # 17: CAS 1
DEPOT = date(2024, 6, 20)  # 18: CAS 3
PLACEMENT = date(2020, 1, 10)


def codes(liste):
    return [element["code"] for element in liste]


def jusqu_au_depot(parcours, valeurs, ne_le=NE_LE, jour=ETAPE_1, attestations=("travail", "sanctions")):
    p = parcours(ne_le)
    p.step("informations_personnelles", valeurs.e1(), jour)
    p.step("motif_sejour", {**valeurs.e2(PLACEMENT), "attestations_cochees": list(attestations)}, jour)
    p.step("justificatifs", {**valeurs.e3, "documents": {"identite": [1], "accord_representant": [2]}}, jour)
    assert p.form == "depot"
    return p


def test_dix_huit_ans_entre_l_etape_1_et_le_depot(parcours, valeurs, numeroter):
    p = jusqu_au_depot(parcours, valeurs)
    assert p.data["cas"] == "CAS_1"
    assert "accord_representant" in codes(p.data["pieces"])

    p.step("depot", valeurs.e4, DEPOT)

    # Not deposited: back to step 2, whose attestations changed, with the new case and every answer kept.
    assert numeroter.calls == []
    assert (p.status.etat, p.form, p.ready.etape) == ("brouillon", "motif_sejour", 2)
    data = p.data
    assert (data["cas"], data["cas_libelle"]) == ("CAS_3", "CAS 3 : usager majeur")
    assert codes(data["attestations"]) == ["polygamie", "sanctions"]
    assert data["situation_du_brouillon"]["cas"] == "CAS_1"  # what the draft was built on, for the notice
    assert data["date_prise_en_charge_ase"] == PLACEMENT and data["situation_familiale"] == "celibataire"
    assert data["attestations_cochees"] == ["travail", "sanctions"]  # « sanctions » stays ticked on the page
    assert data["ephoto"] == valeurs.e3["ephoto"] and data["observations"] == valeurs.e4["observations"]

    # Checked again on the deposit day: the pieces of CAS 3, then the deposit goes through as CAS 3.
    p.step("motif_sejour", {**valeurs.e2(PLACEMENT), "attestations_cochees": ["polygamie", "sanctions"]}, DEPOT)
    assert p.form == "justificatifs"
    assert "accord_representant" not in codes(p.data["pieces"])
    p.step("justificatifs", {**valeurs.e3, "documents": {"identite": [1]}}, DEPOT)
    p.step("depot", valeurs.e4, DEPOT)
    assert len(numeroter.calls) == 1
    assert p.status.etat == "examiner_demande"
    deposee = p.workflow_data
    assert deposee["cas"] == "CAS_3" and deposee["demande_tardive"] is False
    assert codes(deposee["attestations"]) == ["polygamie", "sanctions"]
    assert "accord_representant" not in codes(deposee["pieces"])


def test_sans_changement_la_demande_est_deposee_directement(parcours, valeurs, numeroter):
    p = jusqu_au_depot(parcours, valeurs)
    p.step("depot", valeurs.e4, date(2024, 6, 14))  # the day before the 18th birthday: still CAS 1
    assert len(numeroter.calls) == 1
    assert p.status.etat == "examiner_demande"
    assert p.workflow_data["cas"] == "CAS_1"
    assert {"f_situation_inchangee", "f_brouillon_numeroter"} <= set(p.engine.parcours(p.wf).flux)
    assert "f_attestations_changees" not in p.engine.parcours(p.wf).flux


def test_dix_neuf_ans_seul_le_signalement_change(parcours, valeurs, numeroter):
    """CAS 3 at step 1 and at deposit: only « après le 19e anniversaire » changes, which no step shows."""
    p = jusqu_au_depot(parcours, valeurs, ne_le=date(2005, 6, 15), attestations=("polygamie", "sanctions"))
    assert p.data["cas"] == "CAS_3" and p.data["demande_tardive"] is False
    p.step("depot", valeurs.e4, DEPOT)
    assert len(numeroter.calls) == 1
    assert p.workflow_data["demande_tardive"] is True


def test_pieces_decidees_par_une_ancienne_table_retour_a_l_etape_3(parcours, valeurs, numeroter):
    """The same case, but the draft's pieces are not the table's any more (e.g. decided by an earlier version of
    the table): back to step 3 only, where the day's pieces are asked."""
    p = jusqu_au_depot(parcours, valeurs, jour=DEPOT, attestations=("polygamie", "sanctions"))
    anciennes = [piece for piece in p.data["pieces"] if piece["code"] != "liens_famille"]
    p.engine.update_ready(p.wf, p.ready.id, {"pieces": anciennes})
    p.step("depot", valeurs.e4, DEPOT)
    assert numeroter.calls == []
    assert (p.form, p.ready.etape) == ("justificatifs", 3)
    assert "liens_famille" in codes(p.data["pieces"])
    p.step("justificatifs", valeurs.e3, DEPOT)
    p.step("depot", valeurs.e4, DEPOT)
    assert len(numeroter.calls) == 1


def test_reprise_un_autre_jour(parcours, valeurs, engine):
    """The draft resumed: the same check, read from the diagram, made with the day's date (nothing is changed)."""
    p = parcours(NE_LE)
    p.step("informations_personnelles", valeurs.e1(), ETAPE_1)
    p.step("motif_sejour", valeurs.e2(PLACEMENT), ETAPE_1)
    assert p.form == "justificatifs"
    assert engine.reverifier(p.wf, date(2024, 6, 14)) is None  # still 17
    verification = engine.reverifier(p.wf, DEPOT)
    assert verification is not None and verification.etape == 2
    assert verification.valeurs["cas"] == "CAS_3"
    assert codes(verification.valeurs["attestations"]) == ["polygamie", "sanctions"]
    assert verification.valeurs["situation_du_brouillon"]["cas"] == "CAS_1"
    assert p.data["cas"] == "CAS_1"  # only said: the store moves the draft (tests/web/test_cas_au_depot.py)


def test_revenir_apres_le_retour_a_l_etape_2(parcours, valeurs):
    p = jusqu_au_depot(parcours, valeurs)
    p.step("depot", valeurs.e4, DEPOT)
    assert p.form == "motif_sejour"
    assert p.back()
    assert p.form == "informations_personnelles"
