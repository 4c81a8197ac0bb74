"""F-09: an applicant taken in charge by the ASE after their 16th birthday."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Personne
from tests.web.helpers import ATTESTATIONS, buttons, get_text, input_date, is_checked, post_step, step2, text, to_step2

TEXTE_SEED = (
    "Vous ne pouvez pas accéder à cette téléprocédure. La demande de titre de séjour pour ce motif est accessible "
    "uniquement aux demandeurs confiés à l'Aide Sociale à l'Enfance (ASE) au plus tard à l'âge de 16 ans. Pour en "
    "savoir plus, vous pouvez vous rapprocher de la préfecture dont vous dépendez."
)


def seizieme_anniversaire(app, numero: str) -> date:
    with app.app_context():
        naissance = db.session.scalar(select(Personne.date_naissance).filter_by(numero_etranger=numero))
    try:
        return naissance.replace(year=naissance.year + 16)
    except ValueError:  # born on 29 February
        return date(naissance.year + 16, 3, 1)


@pytest.fixture
def non_eligible(client, demo):
    """The NON_ELIGIBLE demo person has posted their real placement date; returns (url, that date)."""
    person = demo["NON_ELIGIBLE"]
    url = to_step2(client, person, "CAS_3")
    placement = person.date_placement.isoformat()
    assert post_step(client, url, **step2(placement, ATTESTATIONS["CAS_3"])).status_code == 302
    return url, placement


@pytest.mark.feature("F-09")
def test_page_demandeur_non_eligible(client, non_eligible):
    url, _ = non_eligible
    page = get_text(client, url)
    assert "Demandeur non éligible" in page
    assert TEXTE_SEED in page
    assert [b for b in buttons(page) if b != "Se déconnecter"] == ["Modifier ma saisie", "Abandonner la demande"]


@pytest.mark.feature("F-09")
def test_modifier_ma_saisie_revient_a_l_etape_2_avec_la_date(client, non_eligible):
    url, placement = non_eligible
    assert post_step(client, url, action="poursuivre").status_code == 302
    page = get_text(client, url)
    assert "Étape 2 sur 5" in page and "Je renseigne mon motif de séjour" in page
    assert input_date(page, "date_prise_en_charge_ase") == date.fromisoformat(placement)
    assert input_date(page, "date_entree_france") == date(2020, 1, 15)
    assert is_checked(page, "attestation_polygamie") and is_checked(page, "attestation_sanctions")


@pytest.mark.feature("F-09")
def test_date_le_jour_des_16_ans_mene_a_l_etape_3(app, client, demo, non_eligible):
    url, _ = non_eligible
    post_step(client, url, action="poursuivre")
    anniversaire = seizieme_anniversaire(app, demo["NON_ELIGIBLE"].numero_etranger)
    response = post_step(client, url, **step2(anniversaire.isoformat(), ATTESTATIONS["CAS_3"]))
    assert response.status_code == 302
    page = get_text(client, url)
    assert "Étape 3 sur 5" in page and "Demandeur non éligible" not in page


@pytest.mark.feature("F-09")
def test_date_le_lendemain_des_16_ans_reste_non_eligible(app, client, demo, non_eligible):
    url, _ = non_eligible
    post_step(client, url, action="poursuivre")
    lendemain = seizieme_anniversaire(app, demo["NON_ELIGIBLE"].numero_etranger) + timedelta(days=1)
    post_step(client, url, **step2(lendemain.isoformat(), ATTESTATIONS["CAS_3"]))
    assert "Demandeur non éligible" in get_text(client, url)


@pytest.mark.feature("F-09")
@pytest.mark.feature("F-06")
def test_abandonner_depuis_la_page_non_eligible_demande_confirmation(client, non_eligible):
    url, _ = non_eligible
    response = post_step(client, url, action="abandonner")
    assert response.location == f"{url}/abandonner"
    page = text(client.get(response.location))
    assert "Oui, abandonner la demande" in page and "Non, reprendre ma demande" in page
