"""Slowing down repeated attempts (F-48): counters shared by every worker, per address and identifier and per
address, so that a stranger cannot lock an owner out; X-Forwarded-For read only behind a configured proxy."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import pytest
from sqlalchemy import func, select

from app import create_app
from app.extensions import db
from app.models import Compte, Courriel, Limite, Personne
from tests.comptes_outils import chemin, demander_creation, demander_oubli
from tests.conftest import ROOT, csrf_token
from tests.web.agent_outils import NORD
from tests.web.helpers import login, text

pytestmark = pytest.mark.feature("F-48")

INCORRECT = "Identifiant ou mot de passe incorrect."
TROP = re.compile(r"Trop de tentatives en peu de temps\. Pour protéger votre compte, veuillez patienter : "
                  r"réessayez dans (\d+) minutes?\.")
MAUVAIS = "Mauvais-Mot-1!"
INCONNU = {"environ_base": {"REMOTE_ADDR": "198.51.100.66"}}
TITULAIRE = {"environ_base": {"REMOTE_ADDR": "203.0.113.20"}}


def _tentative(client, identifiant: str, mot_de_passe: str, **env):
    page = client.get("/connexion", **env).get_data(as_text=True)
    return client.post("/connexion", data={"csrf_token": csrf_token(page), "identifiant": identifiant,
                                           "mot_de_passe": mot_de_passe}, **env)


def _tentative_agent(client, mot_de_passe: str, **env):
    page = client.get("/agent/connexion", **env).get_data(as_text=True)
    return client.post("/agent/connexion", data={"csrf_token": csrf_token(page), "email": NORD.email,
                                                 "mot_de_passe": mot_de_passe}, **env)


def _refusee(response) -> bool:
    return response.status_code == 429 and TROP.search(text(response)) is not None


# A second worker: another process on the same database, posting failed logins from 127.0.0.1.
WORKER = textwrap.dedent("""
    import re, sys
    from app import create_app
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": sys.argv[1]})
    client = app.test_client()
    statuts = []
    for _ in range(int(sys.argv[3])):
        page = client.get("/connexion").get_data(as_text=True)
        jeton = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        reponse = client.post("/connexion", data={"csrf_token": jeton, "identifiant": sys.argv[2],
                                                  "mot_de_passe": "Mauvais-Mot-1!"})
        statuts.append(str(reponse.status_code))
    print(" ".join(statuts))
""")


def test_les_echecs_comptes_par_un_autre_processus_comptent_ici(app, client, demo):
    person = demo["CAS_3"]
    worker = subprocess.run([sys.executable, "-c", WORKER, app.config["SQLALCHEMY_DATABASE_URI"],
                             person.numero_etranger, "5"], cwd=ROOT, env=dict(os.environ), capture_output=True,
                            text=True, timeout=120)
    assert worker.returncode == 0, worker.stderr[-2000:]
    assert worker.stdout.split() == ["200"] * 5
    # This process has seen none of those five failures: the counters are in the shared database.
    assert _refusee(_tentative(client, person.numero_etranger, person.mot_de_passe))
    assert client.get("/mes-demandes").status_code == 302


def test_quatre_workers_en_meme_temps_laissent_passer_cinq_echecs_pas_plus(app, demo):
    """4 app objects on one database file (4 workers), 3 simultaneous attempts each: exactly 5 are checked."""
    person = demo["CAS_3"]
    workers = [app] + [create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
                       for _ in range(3)]
    depart = Barrier(len(workers))

    def essayer(worker) -> list[int]:
        client = worker.test_client()
        jeton = csrf_token(client.get("/connexion").get_data(as_text=True))
        depart.wait()
        return [client.post("/connexion", data={"csrf_token": jeton, "identifiant": person.numero_etranger,
                                                "mot_de_passe": MAUVAIS}).status_code for _ in range(3)]

    with ThreadPoolExecutor(len(workers)) as pool:
        statuts = [s for liste in pool.map(essayer, workers) for s in liste]
    assert sorted(statuts) == [200] * 5 + [429] * 7


def test_le_titulaire_se_connecte_d_ailleurs_malgre_les_echecs_d_un_inconnu(client, demo):
    person = demo["CAS_3"]
    for _ in range(5):
        assert INCORRECT in text(_tentative(client, person.numero_etranger, MAUVAIS, **INCONNU))
    assert _refusee(_tentative(client, person.numero_etranger, person.mot_de_passe, **INCONNU))
    # The owner, at home: not refused, logged in.
    assert _tentative(client, person.numero_etranger, person.mot_de_passe, **TITULAIRE).status_code == 302
    assert client.get("/mes-demandes", **TITULAIRE).status_code == 200
    # And the stranger is still slowed down.
    assert _refusee(_tentative(client, person.numero_etranger, MAUVAIS, **INCONNU))


def test_l_agent_se_connecte_d_ailleurs_malgre_les_echecs_d_un_inconnu(app):
    inconnu, agent = app.test_client(), app.test_client()
    for _ in range(5):
        assert INCORRECT in text(_tentative_agent(inconnu, MAUVAIS, **INCONNU))
    assert _refusee(_tentative_agent(inconnu, NORD.mot_de_passe, **INCONNU))
    assert _tentative_agent(agent, NORD.mot_de_passe, **TITULAIRE).status_code == 302


def test_mot_de_passe_oublie_et_creation_d_ailleurs_malgre_un_inconnu(app, client, demo):
    person = demo["CAS_3"]
    for _ in range(3):
        assert demander_oubli(client, person.numero_etranger, **INCONNU).status_code == 302
    assert _refusee(demander_oubli(client, person.numero_etranger, **INCONNU))
    assert demander_oubli(client, person.numero_etranger, **TITULAIRE).status_code == 302

    for _ in range(5):
        assert demander_creation(client, email="jeune@example.org", numero="1234567890", **INCONNU).status_code == 302
    assert _refusee(demander_creation(client, email="jeune@example.org", numero="1234567890", **INCONNU))
    assert demander_creation(client, email="jeune@example.org", numero="1234567890", **TITULAIRE).status_code == 302


def test_les_liens_envoyes_a_un_compte_sont_plafonnes_sans_le_dire(app, client, demo):
    """Asked from many addresses, a mailbox gets 5 links an hour; the page is the same, the last link works."""
    person = demo["CAS_3"]
    for i in range(8):
        response = demander_oubli(client, person.numero_etranger, environ_base={"REMOTE_ADDR": f"192.0.2.{i + 1}"})
        assert response.status_code == 302 and response.location == "/mot-de-passe-oublie/demande-enregistree"
    with app.app_context():
        compte = db.session.scalar(select(Compte).join(Personne).where(
            Personne.numero_etranger == person.numero_etranger))
        courriels = db.session.scalars(select(Courriel).where(Courriel.compte_id == compte.id,
                                                              Courriel.modele == "mot_de_passe_oublie")
                                       .order_by(Courriel.id)).all()
        assert len(courriels) == 5
        dernier = re.search(r"https?://\S+/mot-de-passe\?jeton=[\w.\-]+", courriels[-1].texte).group(0)
    assert client.get(chemin(dernier)).status_code == 200  # not replaced by the requests that sent nothing


def test_x_forwarded_for_ignore_sans_proxy_configure(client, demo):
    """Without PROXY_FIX_X_FOR, a forged X-Forwarded-For changes nothing: the peer's address counts."""
    person = demo["CAS_3"]
    for i in range(5):
        env = {"headers": {"X-Forwarded-For": f"192.0.2.{i + 1}"}}
        assert INCORRECT in text(_tentative(client, person.numero_etranger, MAUVAIS, **env))
    assert _refusee(_tentative(client, person.numero_etranger, person.mot_de_passe,
                               headers={"X-Forwarded-For": "192.0.2.99"}))


def test_x_forwarded_for_lu_derriere_un_proxy_configure(app, demo):
    """PROXY_FIX_X_FOR=1: every request comes from the proxy (127.0.0.1); the client is its X-Forwarded-For."""
    derriere = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                           "PROXY_FIX_X_FOR": 1})
    person = demo["CAS_3"]
    inconnu, titulaire = derriere.test_client(), derriere.test_client()
    par_l_inconnu = {"headers": {"X-Forwarded-For": "198.51.100.66"}}
    for _ in range(5):
        assert INCORRECT in text(_tentative(inconnu, person.numero_etranger, MAUVAIS, **par_l_inconnu))
    assert _refusee(_tentative(inconnu, person.numero_etranger, person.mot_de_passe, **par_l_inconnu))
    assert _tentative(titulaire, person.numero_etranger, person.mot_de_passe,
                      headers={"X-Forwarded-For": "203.0.113.20"}).status_code == 302


def test_une_connexion_reussie_ne_compte_pas(client, demo):
    person = demo["CAS_3"]
    for _ in range(4):
        assert INCORRECT in text(_tentative(client, person.numero_etranger, MAUVAIS))
    for _ in range(10):  # four failures then many successes: never refused
        assert login(client, person.numero_etranger, person.mot_de_passe).status_code == 302
    assert INCORRECT in text(_tentative(client, person.numero_etranger, MAUVAIS))
    assert _refusee(_tentative(client, person.numero_etranger, person.mot_de_passe))


def test_un_stockage_de_la_bibliotheque_limits_reste_possible(app, demo):
    """RATELIMIT_STORAGE_URI=memory:// (or redis://…): the same rules, counted there instead of in the database."""
    memoire = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                          "RATELIMIT_STORAGE_URI": "memory://"})
    person, client = demo["CAS_3"], memoire.test_client()
    for _ in range(5):
        assert INCORRECT in text(_tentative(client, person.numero_etranger, MAUVAIS, **INCONNU))
    assert _refusee(_tentative(client, person.numero_etranger, person.mot_de_passe, **INCONNU))
    assert _tentative(client, person.numero_etranger, person.mot_de_passe, **TITULAIRE).status_code == 302
    with memoire.app_context():
        assert db.session.scalar(select(func.count()).select_from(Limite)) == 0
