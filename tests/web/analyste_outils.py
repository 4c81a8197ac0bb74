"""Logging in as the demo analyst (F-45), for the tests of the analysts' space."""

from __future__ import annotations

from typing import Any

from tests.conftest import csrf_token

ANALYSTE = {"email": "analyste@demo.example.org", "mot_de_passe": "Demo-Analyste-1!"}


def login_analyste(client: Any) -> None:
    """Log in on « Espace analyste » as the demo analyst."""
    page = client.get("/analyste/connexion").get_data(as_text=True)
    reponse = client.post("/analyste/connexion", data={"csrf_token": csrf_token(page), **ANALYSTE})
    assert reponse.status_code == 302, reponse.get_data(as_text=True)
