"""Helpers to walk the draft with Flask's test client, CSRF on, by the same forms a browser posts."""

from __future__ import annotations

from typing import Any

from tests.conftest import csrf_token, task_id


def login(client: Any, numero: str, mot_de_passe: str) -> Any:
    page = client.get("/connexion").get_data(as_text=True)
    return client.post(
        "/connexion", data={"csrf_token": csrf_token(page), "identifiant": numero, "mot_de_passe": mot_de_passe}
    )


def start_draft(client: Any) -> str:
    """From the situation choice to step 1; returns the step URL."""
    page = client.get("/titre-de-sejour").get_data(as_text=True)
    client.post("/titre-de-sejour", data={"csrf_token": csrf_token(page), "situation": "vulnerabilite", "motif": "ase"})
    page = client.get("/titre-de-sejour/preambule").get_data(as_text=True)
    response = client.post("/titre-de-sejour/commencer", data={"csrf_token": csrf_token(page)})
    assert response.status_code == 302
    return response.location


def post_step(client: Any, url: str, action: str = "poursuivre", **fields: Any) -> Any:
    """Post the current step's form with the given fields and action button."""
    page = client.get(url).get_data(as_text=True)
    data = {"csrf_token": csrf_token(page), "task_id": task_id(page), "action": action, **fields}
    return client.post(url, data=data)


STEP1 = {"adresse": "20 Rue Nationale", "numero_voie": "20", "voie": "Rue Nationale", "code_postal": "59800",
         "ville": "Lille", "pays": "FRANCE", "code_insee": "59350", "telephone": "01 01 01 01 01"}


def step2(date_placement: str, attestations: list[str], **extra: Any) -> dict[str, Any]:
    fields = {"date_prise_en_charge_ase": date_placement, "date_entree_france": "2020-01-15",
              "situation_familiale": "Célibataire", "enfants_a_charge": "non"}
    fields.update({f"attestation_{code}": "y" for code in attestations})
    fields.update(extra)
    return fields
