"""A NUL character (U+0000) typed or pasted anywhere never reaches the database (F-47): PostgreSQL's text cannot
hold it, so it was a 500 there. It is dropped from form fields and query parameters, on both databases."""

from __future__ import annotations

import pytest

from tests.web.agent_outils import login_agent
from tests.web.helpers import login, text

pytestmark = pytest.mark.feature("F-47")


def test_un_identifiant_avec_un_caractere_nul_est_refuse_en_francais(app, client, demo):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: an unexpected error would be a 500 page
    reponse = login(client, "\x00", "²")
    assert reponse.status_code == 200
    assert "Identifiant" in text(reponse) and 'lang="fr"' in reponse.get_data(as_text=True)


def test_le_caractere_nul_est_retire_de_ce_qui_est_saisi(app, client, demo):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    personne = demo["CAS_3"]
    assert login(client, personne.numero_etranger[:5] + "\x00" + personne.numero_etranger[5:],
                 personne.mot_de_passe).status_code == 302  # the number, once NUL is dropped: logged in


def test_une_recherche_de_l_agent_avec_un_caractere_nul(app):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    agent = app.test_client()
    login_agent(agent)
    reponse = agent.get("/agent/demandes?q=MART%00INEZ&page=1%00")
    assert reponse.status_code == 200
