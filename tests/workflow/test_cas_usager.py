"""F-20 case of the applicant, F-21 attestations per case, F-22 required documents per case.

Through the real process: step 1 runs the `cas_usager` and `attestations` decisions (their
outputs are in the data of the next task), step 2 the `eligibilite` one, and the
`pieces_justificatives` decision feeds step 3.
"""

from datetime import date

import pytest

NE_LE = date(2007, 5, 1)  # 16 on 1 May 2023, 18 on 1 May 2025, 19 on 1 May 2026
NE_29_FEV_2008 = date(2008, 2, 29)  # 16 on 29 Feb 2024 (leap year)
NE_29_FEV_2004 = date(2004, 2, 29)  # 18 on 1 March 2022, 19 on 1 March 2023 (common years)

TRAVAIL = {
    "code": "travail",
    "libelle": "Avoir besoin de disposer d'un titre afin de pouvoir travailler ou faire un stage.",
}
POLYGAMIE = {
    "code": "polygamie",
    "libelle": "Ne pas vivre en France en état de polygamie, même si mon pays d'origine l'autorise.",
}
SANCTIONS = {
    "code": "sanctions",
    "libelle": "Avoir connaissance des sanctions pénales encourues par l'auteur d'une fausse attestation.",
}
ATTESTATIONS = {
    "CAS_1": [TRAVAIL, SANCTIONS],
    "CAS_2": [TRAVAIL, POLYGAMIE, SANCTIONS],
    "CAS_3": [POLYGAMIE, SANCTIONS],
}

PIECES_COMMUNES = {
    "ephoto",
    "nationalite",
    "identite",
    "domicile",
    "placement_ase",
    "activite_professionnelle",
    "liens_famille",
    "insertion",
}
PIECES = {
    "CAS_1": PIECES_COMMUNES | {"accord_representant"},
    "CAS_2": PIECES_COMMUNES | {"emancipation"},
    "CAS_3": PIECES_COMMUNES,
}


def apres_etape1(parcours, valeurs, naissance, emancipe, today):
    p = parcours(naissance)
    assert p.status.form == "informations_personnelles"
    assert p.status.etape == 1
    p.step("informations_personnelles", valeurs.e1(emancipe=emancipe), today)
    return p


# --- F-20 -------------------------------------------------------------------------------------------


@pytest.mark.feature("F-20")
@pytest.mark.parametrize(
    ("naissance", "today", "emancipe", "cas", "tardive"),
    [
        # 16th birthday: CAS 1 or 2 from that very day.
        (NE_LE, date(2023, 5, 1), False, "CAS_1", False),
        (NE_LE, date(2023, 5, 1), True, "CAS_2", False),
        # The day before the 18th birthday: still a minor.
        (NE_LE, date(2025, 4, 30), False, "CAS_1", False),
        (NE_LE, date(2025, 4, 30), True, "CAS_2", False),
        # The 18th birthday itself: CAS 3, the emancipation box does not matter any more.
        (NE_LE, date(2025, 5, 1), False, "CAS_3", False),
        (NE_LE, date(2025, 5, 1), True, "CAS_3", False),
        # The day before the 19th birthday: not late; the 19th birthday: late.
        (NE_LE, date(2026, 4, 30), False, "CAS_3", False),
        (NE_LE, date(2026, 5, 1), False, "CAS_3", True),
        (NE_LE, date(2030, 1, 1), True, "CAS_3", True),
        # Born 29 February 2008: 16 on 29 February 2024 and on 1 March 2024.
        (NE_29_FEV_2008, date(2024, 2, 29), False, "CAS_1", False),
        (NE_29_FEV_2008, date(2024, 3, 1), True, "CAS_2", False),
        # Born 29 February 2004: 18th birthday on 1 March 2022, 19th on 1 March 2023.
        (NE_29_FEV_2004, date(2022, 2, 28), False, "CAS_1", False),
        (NE_29_FEV_2004, date(2022, 2, 28), True, "CAS_2", False),
        (NE_29_FEV_2004, date(2022, 3, 1), False, "CAS_3", False),
        (NE_29_FEV_2004, date(2023, 2, 28), False, "CAS_3", False),
        (NE_29_FEV_2004, date(2023, 3, 1), False, "CAS_3", True),
    ],
)
def test_cas_selon_age_et_emancipation(parcours, valeurs, naissance, today, emancipe, cas, tardive):
    p = apres_etape1(parcours, valeurs, naissance, emancipe, today)
    assert p.form == "motif_sejour"
    assert p.status.etape == 2
    data = p.data
    assert data["cas"] == cas
    assert data["demande_tardive"] is tardive
    assert data["cas_libelle"].startswith(cas.replace("_", " "))
    assert data["date_du_jour"] == today
    assert p.workflow_data["cas"] == cas


@pytest.mark.feature("F-20")
@pytest.mark.parametrize(
    ("naissance", "today"),
    [
        (NE_LE, date(2023, 4, 30)),  # the day before the 16th birthday
        (NE_LE, date(2020, 1, 1)),
        (NE_29_FEV_2008, date(2024, 2, 28)),  # 15 on 28 February 2024
    ],
)
@pytest.mark.parametrize("emancipe", [False, True])
def test_moins_de_16_ans_non_eligible(parcours, valeurs, naissance, today, emancipe):
    p = apres_etape1(parcours, valeurs, naissance, emancipe, today)
    assert p.form == "demandeur_non_eligible"
    assert p.data["cas"] == "MOINS_16"
    assert p.data["demande_tardive"] is False
    assert p.status.etat == "brouillon"
    assert p.status.termine is False


# --- F-21 -------------------------------------------------------------------------------------------


@pytest.mark.feature("F-21")
@pytest.mark.parametrize(
    ("naissance", "today", "emancipe", "cas"),
    [
        (NE_LE, date(2024, 6, 1), False, "CAS_1"),
        (NE_LE, date(2024, 6, 1), True, "CAS_2"),
        (NE_LE, date(2025, 6, 1), False, "CAS_3"),
        (NE_LE, date(2025, 6, 1), True, "CAS_3"),
        (NE_LE, date(2026, 6, 1), False, "CAS_3"),  # late applicant: same attestations
    ],
)
def test_attestations_du_cas(parcours, valeurs, naissance, today, emancipe, cas):
    p = apres_etape1(parcours, valeurs, naissance, emancipe, today)
    assert p.form == "motif_sejour"
    assert p.data["cas"] == cas
    # Exactly the case's checkboxes, in the table's order, with the DMN's French wording.
    assert p.data["attestations"] == ATTESTATIONS[cas]


# --- F-22 -------------------------------------------------------------------------------------------


@pytest.mark.feature("F-22")
@pytest.mark.parametrize(
    ("naissance", "today", "emancipe", "cas"),
    [
        (NE_LE, date(2024, 6, 1), False, "CAS_1"),
        (NE_LE, date(2024, 6, 1), True, "CAS_2"),
        (NE_LE, date(2025, 6, 1), False, "CAS_3"),
        (NE_LE, date(2025, 6, 1), True, "CAS_3"),
    ],
)
def test_pieces_du_cas(parcours, valeurs, naissance, today, emancipe, cas):
    p = apres_etape1(parcours, valeurs, naissance, emancipe, today)
    p.step("motif_sejour", valeurs.e2(date(2022, 1, 10)), today)
    assert p.form == "justificatifs"
    assert p.status.etape == 3
    pieces = p.data["pieces"]
    codes = [piece["code"] for piece in pieces]
    assert len(codes) == len(set(codes)), codes
    assert set(codes) == PIECES[cas]
    if cas == "CAS_1":
        assert "accord_representant" in codes and "emancipation" not in codes
    elif cas == "CAS_2":
        assert "emancipation" in codes and "accord_representant" not in codes
    else:
        assert "emancipation" not in codes and "accord_representant" not in codes
    for piece in pieces:
        assert piece["titre"] and piece["aide"] and piece["rubrique"], piece
        assert piece["nature"] in {"ephoto", "fichier"}, piece
        assert isinstance(piece["obligatoire"], bool), piece
    par_code = {piece["code"]: piece for piece in pieces}
    assert par_code["ephoto"]["nature"] == "ephoto"
    assert par_code["placement_ase"]["titre"] == (
        "Décision de placement par l'autorité judiciaire au service de l'Aide Sociale à l'Enfance (ASE)"
    )
