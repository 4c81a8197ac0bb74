"""F-09 ineligibility: ASE placement after the day of the 16th birthday, « Modifier ma saisie »."""

from datetime import date

import pytest

pytestmark = pytest.mark.feature("F-09")

NE_LE = date(2007, 5, 1)  # 16th birthday: 1 May 2023
AUJOURDHUI = date(2024, 6, 1)

DEBUT_MOTIF = "Vous ne pouvez pas accéder à cette téléprocédure."
MOTIF_ASE = "au plus tard à l'âge de 16 ans"
MOTIF_AGE = "âgés d'au moins 16 ans"


def a_l_etape2(parcours, valeurs, naissance=NE_LE, today=AUJOURDHUI, emancipe=False):
    p = parcours(naissance)
    p.step("informations_personnelles", valeurs.e1(emancipe=emancipe), today)
    assert p.form == "motif_sejour"
    return p


@pytest.mark.parametrize(
    ("naissance", "today", "placement", "eligible"),
    [
        (NE_LE, AUJOURDHUI, date(2023, 5, 1), True),  # on the 16th birthday
        (NE_LE, AUJOURDHUI, date(2023, 4, 30), True),
        (NE_LE, AUJOURDHUI, date(2010, 1, 1), True),
        (NE_LE, AUJOURDHUI, date(2023, 5, 2), False),  # the day after
        (NE_LE, AUJOURDHUI, date(2024, 6, 1), False),
        # Born 29 February 2008: the 16th birthday is 29 February 2024 (leap year).
        (date(2008, 2, 29), date(2024, 3, 1), date(2024, 2, 29), True),
        (date(2008, 2, 29), date(2024, 3, 1), date(2024, 3, 1), False),
        # Born 29 February 2004, adult (CAS 3) in March 2022: the 16th birthday was 29 Feb 2020.
        (date(2004, 2, 29), date(2022, 3, 1), date(2020, 2, 29), True),
        (date(2004, 2, 29), date(2022, 3, 1), date(2020, 3, 1), False),
    ],
)
def test_placement_au_plus_tard_le_jour_des_16_ans(parcours, valeurs, naissance, today, placement, eligible):
    p = a_l_etape2(parcours, valeurs, naissance, today)
    p.step("motif_sejour", valeurs.e2(placement), today)
    data = p.data
    assert data["eligible"] is eligible
    if eligible:
        assert p.form == "justificatifs"
        assert p.status.etape == 3
        assert data["motif_non_eligibilite"] == ""
    else:
        assert p.form == "demandeur_non_eligible"
        assert p.status.etape == 2
        assert p.status.etat == "brouillon"
        assert p.status.termine is False
        assert data["motif_non_eligibilite"].startswith(DEBUT_MOTIF)
        assert MOTIF_ASE in data["motif_non_eligibilite"]
        assert "pieces" not in data


def test_texte_du_motif_de_non_eligibilite(parcours, valeurs):
    p = a_l_etape2(parcours, valeurs)
    p.step("motif_sejour", valeurs.e2(date(2023, 5, 2)), AUJOURDHUI)
    assert p.ready.label == "Demandeur non éligible"
    assert p.data["motif_non_eligibilite"] == (
        "Vous ne pouvez pas accéder à cette téléprocédure. La demande de titre de séjour pour ce "
        "motif est accessible uniquement aux demandeurs confiés à l'Aide Sociale à l'Enfance (ASE) "
        "au plus tard à l'âge de 16 ans. Pour en savoir plus, vous pouvez vous rapprocher de la "
        "préfecture dont vous dépendez."
    )


def test_modifier_ma_saisie_revient_a_l_etape2_avec_la_saisie(parcours, valeurs):
    p = a_l_etape2(parcours, valeurs)
    saisie = valeurs.e2(date(2023, 9, 1))
    p.step("motif_sejour", saisie, AUJOURDHUI)
    assert p.form == "demandeur_non_eligible"

    # « Modifier ma saisie »
    p.step("demandeur_non_eligible", {}, AUJOURDHUI)
    assert p.form == "motif_sejour"
    assert p.status.form == "motif_sejour"
    assert p.status.etape == 2
    data = p.data
    for key, value in saisie.items():
        assert data[key] == value, key
    for key, value in valeurs.e1().items():
        assert data[key] == value, key
    assert data["cas"] == "CAS_1"

    # An eligible date now reaches the documents step.
    p.step("motif_sejour", valeurs.e2(date(2023, 5, 1)), AUJOURDHUI)
    assert p.form == "justificatifs"
    assert p.data["eligible"] is True
    assert p.data["motif_non_eligibilite"] == ""
    assert {piece["code"] for piece in p.data["pieces"]} >= {"placement_ase", "accord_representant"}


def test_moins_de_16_ans_modifier_ma_saisie_reste_non_eligible(parcours, valeurs):
    today = date(2024, 2, 28)  # born 29 February 2008: 15 years old that day
    p = parcours(date(2008, 2, 29))
    p.step("informations_personnelles", valeurs.e1(), today)
    assert p.form == "demandeur_non_eligible"
    assert p.data["cas"] == "MOINS_16"
    p.step("demandeur_non_eligible", {}, today)
    assert p.form == "motif_sejour"
    p.step("motif_sejour", valeurs.e2(date(2020, 1, 1)), today)
    assert p.form == "demandeur_non_eligible"
    assert p.data["eligible"] is False
    assert p.data["motif_non_eligibilite"].startswith(DEBUT_MOTIF)
    assert MOTIF_AGE in p.data["motif_non_eligibilite"]


def test_moins_de_16_ans_la_page_non_eligible_a_un_motif(parcours, valeurs):
    today = date(2024, 2, 28)
    p = parcours(date(2008, 2, 29))
    p.step("informations_personnelles", valeurs.e1(), today)
    assert p.form == "demandeur_non_eligible"
    assert p.ready.name == "demandeur_trop_jeune"
    assert MOTIF_AGE in (p.data.get("motif_non_eligibilite") or "")


def test_longue_boucle_modifier_ma_saisie(parcours, valeurs, numeroter):
    """60 rounds ineligible → « Modifier ma saisie », then the application still completes (trap 4)."""
    p = a_l_etape2(parcours, valeurs)
    for n in range(60):
        p.step("motif_sejour", valeurs.e2(date(2023, 5, 2 + n % 20)), AUJOURDHUI)
        assert p.form == "demandeur_non_eligible", n
        p.step("demandeur_non_eligible", {}, AUJOURDHUI)
        assert p.form == "motif_sejour", n
        assert p.data["date_prise_en_charge_ase"] == date(2023, 5, 2 + n % 20)
    p.step("motif_sejour", valeurs.e2(date(2023, 5, 1)), AUJOURDHUI)
    p.step("justificatifs", valeurs.e3, AUJOURDHUI)
    p.step("depot", valeurs.e4, AUJOURDHUI)
    assert p.status.etat == "examiner_demande"
    assert p.status.termine is False
    assert len(numeroter.calls) == 1


def test_tres_longue_boucle_modifier_ma_saisie(engine, valeurs):
    # No round trip per step here (it would cost seconds): the stall does not depend on it.
    wf = engine.start({"date_naissance": NE_LE})
    [t] = engine.ready_tasks(wf)
    engine.complete(wf, t.id, valeurs.e1(), AUJOURDHUI)
    for n in range(200):
        tasks = engine.ready_tasks(wf)
        assert [t.form for t in tasks] == ["motif_sejour"], f"round {n}: {engine.status(wf)}"
        engine.complete(wf, tasks[0].id, valeurs.e2(date(2024, 1, 1)), AUJOURDHUI)
        tasks = engine.ready_tasks(wf)
        assert [t.form for t in tasks] == ["demandeur_non_eligible"], f"round {n}: {engine.status(wf)}"
        engine.complete(wf, tasks[0].id, {}, AUJOURDHUI)
