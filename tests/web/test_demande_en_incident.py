"""Defect 11 of issue 9: an application whose stored workflow cannot be read is shown as such, never as a 500.

Its owner gets a clear page with a way out (« Je continue » starts a new draft; the broken one is kept, and
« Mes demandes » shows it « En incident »); an agent gets the incident instead of the review; everyone else works
as before; and when the row is repaired the application opens again and the incident is cleared.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Demande, EtatProcessus
from tests.conftest import csrf_token
from tests.web.agent_outils import NORD, demande_id, login_agent
from tests.web.helpers import deposit, login, post_step, row_containing, start_draft, step1_for, text

NE_PEUT_PAS = "Votre demande ne peut pas être ouverte pour le moment"

CORRUPTIONS = {
    "json invalide": lambda etat: {"etat": etat[: len(etat) // 2]},
    "sérialiseur inconnu": lambda etat: {"version_serialiseur": "0.0-inconnu"},
    "structure vide": lambda etat: {"etat": "{}"},
}


def _ident(url: str) -> int:
    return int(re.search(r"/demandes/(\d+)", url).group(1))


def corrompre(app, ident: int, corruption: str) -> dict[str, str]:
    """Break the stored workflow of an application as a bad migration or a disk fault would; returns the original
    values, to repair it later."""
    with app.app_context():
        etat = db.session.get(EtatProcessus, ident)
        origine = {"etat": etat.etat, "version_serialiseur": etat.version_serialiseur}
        for champ, valeur in CORRUPTIONS[corruption](etat.etat).items():
            setattr(etat, champ, valeur)
        db.session.commit()
    return origine


def reparer(app, ident: int, origine: dict[str, str]) -> None:
    with app.app_context():
        etat = db.session.get(EtatProcessus, ident)
        etat.etat, etat.version_serialiseur = origine["etat"], origine["version_serialiseur"]
        db.session.commit()


def demande(app, ident: int) -> Demande:
    with app.app_context():
        row = db.session.get(Demande, ident)
        db.session.expunge(row)
        return row


def je_continue(client) -> object:
    page = client.get("/titre-de-sejour/preambule").get_data(as_text=True)
    return client.post("/titre-de-sejour/commencer", data={"csrf_token": csrf_token(page)})


@pytest.mark.feature("F-48")
@pytest.mark.parametrize("corruption", list(CORRUPTIONS))
def test_un_brouillon_illisible_n_est_pas_une_impasse_pour_son_titulaire(app, demo, corruption):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: an unexpected error would be a 500 page
    client = app.test_client()
    personne = demo["CAS_3"]
    assert login(client, personne.numero_etranger, personne.mot_de_passe).status_code == 302
    url = start_draft(client)
    assert post_step(client, url, **step1_for("CAS_3")).status_code == 302
    casse = _ident(url)
    corrompre(app, casse, corruption)

    # The step page, every action on it, and abandoning: the incident page, never a 500.
    reponse = client.get(url)
    assert reponse.status_code == 302 and reponse.location.endswith(f"/demandes/{casse}/incident")
    page = text(client.get(reponse.location))
    assert NE_PEUT_PAS in page and "Commencer une nouvelle demande" in page
    jeton = csrf_token(client.get("/titre-de-sejour/preambule").get_data(as_text=True))
    for action in ("poursuivre", "precedent", "quitter", "abandonner", "aller:1"):
        reponse = client.post(url, data={"csrf_token": jeton, "task_id": "x", "action": action})
        assert reponse.status_code == 302 and reponse.location.endswith("/incident"), (action, reponse.status_code)
    reponse = client.post(f"/demandes/{casse}/abandonner", data={"csrf_token": jeton})
    assert reponse.status_code == 302 and reponse.location.endswith("/incident")

    rangee = demande(app, casse)
    assert rangee.incident and rangee.incident_le is not None
    assert rangee.etat == "brouillon"  # left as it was, for the administrators

    # « Je continue » now starts a new draft instead of coming back to the broken one.
    reponse = je_continue(client)
    assert reponse.status_code == 302
    nouvelle = _ident(reponse.location)
    assert nouvelle != casse
    assert "Étape 1 sur 5" in text(client.get(reponse.location))
    assert _ident(je_continue(client).location) == nouvelle  # and keeps leading to it

    mes_demandes = client.get("/mes-demandes")
    assert mes_demandes.status_code == 200
    lignes = re.findall(r"<tr\b.*?</tr>", mes_demandes.get_data(as_text=True), re.S)
    en_incident = [ligne for ligne in lignes if f"/demandes/{casse}/incident" in ligne]
    assert len(en_incident) == 1 and "En incident" in text_of(en_incident[0])
    assert "erreur technique" in text_of(en_incident[0])
    assert any(f"/demandes/{nouvelle}" in ligne and "Reprendre" in ligne for ligne in lignes)
    with app.app_context():  # kept, not deleted
        assert db.session.get(Demande, casse) is not None
        assert db.session.get(EtatProcessus, casse) is not None


def text_of(html_fragment: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html_fragment))


@pytest.mark.feature("F-48")
def test_une_demande_en_incident_ne_bloque_personne_d_autre(app, demo):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    titulaire, autre = app.test_client(), app.test_client()
    assert login(titulaire, demo["CAS_3"].numero_etranger, demo["CAS_3"].mot_de_passe).status_code == 302
    assert login(autre, demo["CAS_1"].numero_etranger, demo["CAS_1"].mot_de_passe).status_code == 302
    url_cassee = start_draft(titulaire)
    url_autre = start_draft(autre)
    corrompre(app, _ident(url_cassee), "json invalide")
    assert titulaire.get(url_cassee).location.endswith("/incident")

    reponse = post_step(autre, url_autre, **step1_for("CAS_1"))

    assert reponse.status_code == 302 and reponse.location.endswith(url_autre)
    assert "Étape 2 sur 5" in text(autre.get(url_autre))
    assert demande(app, _ident(url_autre)).incident is None
    assert client_sees_no_incident(autre)


def client_sees_no_incident(client) -> bool:
    return "En incident" not in text(client.get("/mes-demandes"))


@pytest.mark.feature("F-48")
def test_une_demande_reparee_se_rouvre_et_son_incident_est_leve(app, demo):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    client = app.test_client()
    personne = demo["CAS_3"]
    assert login(client, personne.numero_etranger, personne.mot_de_passe).status_code == 302
    url = start_draft(client)
    ident = _ident(url)
    origine = corrompre(app, ident, "sérialiseur inconnu")
    assert client.get(url).location.endswith("/incident")
    assert demande(app, ident).incident

    reparer(app, ident, origine)  # an administrator puts back a readable state

    page = client.get(url)
    assert page.status_code == 200 and "Étape 1 sur 5" in text(page)
    rangee = demande(app, ident)
    assert rangee.incident is None and rangee.incident_le is None
    assert client_sees_no_incident(client)
    # The incident page of a repaired application leads back to it.
    assert client.get(f"/demandes/{ident}/incident").location.endswith(url)
    assert post_step(client, url, **step1_for("CAS_3")).status_code == 302
    assert "Étape 2 sur 5" in text(client.get(url))


@pytest.mark.feature("F-48")
def test_l_agent_voit_l_incident_au_lieu_de_la_revue(app, demo):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    usager, autre = app.test_client(), app.test_client()
    _, confirmation = deposit(usager, demo["CAS_3"], "CAS_3")
    _, confirmation_autre = deposit(autre, demo["CAS_1"], "CAS_1")
    cassee, saine = demande_id(confirmation), demande_id(confirmation_autre)
    agent = app.test_client()
    assert login_agent(agent, NORD).status_code == 302
    assert agent.get(f"/agent/demandes/{cassee}").status_code == 200
    corrompre(app, cassee, "json invalide")

    reponse = agent.get(f"/agent/demandes/{cassee}")

    assert reponse.status_code == 200
    page = text(reponse)
    assert "en incident" in page and "Cette demande ne peut pas être ouverte" in page
    assert "JSONDecodeError" in page  # the error itself, for whoever looks into it
    assert demande(app, cassee).incident_le is not None
    # The queue and the other applications work as before.
    file = agent.get("/agent/demandes")
    assert file.status_code == 200 and row_containing(file.get_data(as_text=True), demande(app, saine).numero)
    assert agent.get(f"/agent/demandes/{saine}").status_code == 200
    # The owner: « Mes demandes » shows it in incident, the deposit still stands.
    mes_demandes = text(usager.get("/mes-demandes"))
    assert "En incident" in mes_demandes and demande(app, cassee).numero in mes_demandes
    incident = text(usager.get(f"/demandes/{cassee}/incident"))
    assert NE_PEUT_PAS in incident and "ce dépôt reste enregistré" in incident
    assert "Commencer une nouvelle demande" not in incident
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Demande).where(Demande.incident.is_not(None))) == 1
