"""F-22: step 3 lists the documents required for the applicant's case."""

from __future__ import annotations

import pytest

from tests.web.helpers import get_text, to_step3

COMMUNES = [
    "Justificatif de nationalité",
    "Justificatif d'identité",
    "Justificatif de domicile datant de moins de 6 mois",
    "Décision de placement par l'autorité judiciaire",
    "Justificatifs d'activité professionnelle",
    "Nature des liens avec la famille restée dans le pays d'origine",
]
ACCORD = "Accord du parent/représentant légal ou du mandataire"
EMANCIPATION = "Justificatif d'émancipation"


@pytest.mark.feature("F-22")
@pytest.mark.parametrize(
    ("case", "accord", "emancipation"),
    [("CAS_1", True, False), ("CAS_2", False, True), ("CAS_3", False, False)],
)
def test_pieces_demandees_selon_le_cas(client, demo, case, accord, emancipation):
    page = get_text(client, to_step3(client, demo[case], case))
    assert "Étape 3 sur 5" in page
    for titre in COMMUNES:
        assert titre in page, titre
    assert (ACCORD in page) is accord
    assert (EMANCIPATION in page) is emancipation


@pytest.mark.feature("F-22")
def test_la_page_dit_honnetement_si_l_envoi_est_disponible(client, demo):
    """Until uploads exist (F-10) the page says so; once they exist it must not say they are missing."""
    page = get_text(client, to_step3(client, demo["CAS_3"], "CAS_3"))
    if 'type="file"' not in page:
        assert "Envoi des fichiers pas encore disponible" in page
        assert "l'envoi des documents et du numéro ephoto n'est pas encore disponible" in page
    else:
        assert "Envoi des fichiers pas encore disponible" not in page
