"""The whole draft of a CAS 3 applicant through the test client, CSRF on."""

from __future__ import annotations

import pytest

from tests.web.helpers import STEP1, login, post_step, start_draft, step2


@pytest.mark.feature("F-06")
@pytest.mark.feature("F-11")
@pytest.mark.feature("F-12")
def test_cas3_du_login_a_la_confirmation(client, demo):
    person = demo["CAS_3"]
    assert login(client, person.numero_etranger, person.mot_de_passe).status_code == 302
    url = start_draft(client)
    assert "Étape 1 sur 5" in client.get(url).get_data(as_text=True)
    assert post_step(client, url, **STEP1).status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "Étape 2 sur 5" in page and "polygamie" in page and "travailler ou faire un stage" not in page
    response = post_step(client, url, **step2(person.date_placement.isoformat(), ["polygamie", "sanctions"]))
    assert response.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "Étape 3 sur 5" in page and "Justificatif de nationalité" in page
    assert "Accord du parent/représentant légal ou du mandataire" not in page
    post_step(client, url)
    page = client.get(url).get_data(as_text=True)
    assert "Je confirme le dépôt définitif de ma demande." in page
    response = post_step(client, url, observations="Rien à signaler")
    assert response.status_code == 302 and response.location.endswith("/confirmation")
    page = client.get(response.location).get_data(as_text=True)
    assert "Votre demande a bien été enregistrée" in page
    numero = page.split("N° de la demande : <strong>")[1][:19]
    assert numero.isdigit() and numero.startswith("5901")
    assert numero in client.get("/mes-demandes").get_data(as_text=True)
