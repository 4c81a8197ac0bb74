"""The analysts' accounts and space (F-45): `flask analyste-creer`, the demo analyst, login, the home page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app import clock
from app.extensions import db
from app.models import Analyste, Demande, VersionProcessus
from tests.conftest import csrf_token
from tests.web.analyste_outils import ANALYSTE, login_analyste
from tests.web.helpers import get_text, login, start_draft

pytestmark = pytest.mark.feature("F-45")


def test_connexion_refusee_en_francais_sans_dire_ce_qui_est_faux(client):
    page = client.get("/analyste/connexion").get_data(as_text=True)
    reponse = client.post("/analyste/connexion", data={"csrf_token": csrf_token(page), "email": ANALYSTE["email"],
                                                       "mot_de_passe": "pas-le-bon"})
    assert reponse.status_code == 200
    assert "Identifiant ou mot de passe incorrect." in reponse.get_data(as_text=True)
    assert client.get("/analyste/").status_code == 302  # still not logged in


def test_accueil_dit_la_version_courante_et_ses_demandes(app, client, demo):
    usager = app.test_client()
    login(usager, demo["CAS_1"].numero_etranger, demo["CAS_1"].mot_de_passe)
    start_draft(usager)
    login_analyste(client)
    page = get_text(client, "/analyste/")
    with app.app_context():
        version = db.session.scalar(select(VersionProcessus).order_by(VersionProcessus.activee_le.desc()))
        en_cours = db.session.scalar(select(func.count()).select_from(Demande)
                                     .where(Demande.version_processus_id == version.id))
    assert en_cours == 1
    assert f"Version courante : {version.empreinte[:12]}" in page
    assert "1 demande en cours sur cette version" in page
    for lien in ("Versions du processus", "Diagramme et positions", "Tables de décision", "Couverture des tests",
                 "Brouillons et publication"):
        assert lien in page, lien
    assert demo["CAS_1"].numero_etranger not in page  # nothing personal


def test_un_analyste_ne_voit_pas_les_pages_des_usagers(client):
    login_analyste(client)
    reponse = client.get("/mes-demandes")
    assert reponse.status_code == 403
    assert "Vous êtes connecté(e) avec un compte analyste." in reponse.get_data(as_text=True)


def test_session_inactive_renvoie_a_la_connexion_des_analystes(app, client, monkeypatch):
    login_analyste(client)
    plus_tard = clock.now() + timedelta(minutes=app.config["SESSION_INACTIVITE_MINUTES"] + 1)
    monkeypatch.setattr(clock, "now", lambda: plus_tard)
    reponse = client.get("/analyste/versions")
    assert reponse.status_code == 302 and reponse.location.startswith("/analyste/connexion")


def test_commande_analyste_creer(app):
    runner = app.test_cli_runner()
    resultat = runner.invoke(args=["analyste-creer", "Lea.Petit@Example.org", "--nom", "PETIT", "--prenom", "Léa",
                                   "--generer-mot-de-passe"])
    assert resultat.exit_code == 0, resultat.output
    assert "Analyste créé : Léa PETIT <lea.petit@example.org>" in resultat.output
    assert "affiché une seule fois" in resultat.output
    doublon = runner.invoke(args=["analyste-creer", "lea.petit@example.org", "--nom", "X", "--prenom", "Y",
                                  "--generer-mot-de-passe"])
    assert doublon.exit_code != 0 and "Un analyste existe déjà avec l'adresse lea.petit@example.org." in doublon.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Analyste)) == 2  # with the demo analyst
