"""Sessions can be ended (F-48): logout and a new password end them server-side, a copied cookie dies with
them, and a session idle for SESSION_INACTIVITE_MINUTES expires with a French message on the next page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, select
from sqlalchemy import text as sql

from app import clock
from app.extensions import db
from app.models import Compte, Personne, SessionOuverte
from tests.comptes_outils import choisir_mot_de_passe, demander_oubli, distribuer, lien_du_message
from tests.conftest import csrf_token
from tests.web.agent_outils import NORD, login_agent
from tests.web.helpers import get_text, login, text

pytestmark = pytest.mark.feature("F-48")

EXPIREE = "Votre session a expiré après 30 minutes sans activité. Veuillez vous identifier à nouveau."


def _copie(app, client):
    """Another browser holding a copy of `client`'s session cookie (as a thief would)."""
    voleur = app.test_client()
    voleur.set_cookie("session", client.get_cookie("session").value)
    return voleur


def _connecte(client) -> bool:
    return client.get("/mes-demandes").status_code == 200


def _decaler(monkeypatch, delta: timedelta) -> None:
    """Move the app's clock forward by `delta` (from where it is now)."""
    moment = clock.now() + delta
    monkeypatch.setattr(clock, "now", lambda: moment)


def _compte(numero: str) -> Compte:
    return db.session.scalar(select(Compte).join(Personne).where(Personne.numero_etranger == numero))


def _sessions_du_compte(app, numero: str) -> list[SessionOuverte]:
    with app.app_context():
        compte = _compte(numero)
        return db.session.scalars(select(SessionOuverte).where(SessionOuverte.acteur == f"usager:{compte.id}")).all()


def _deconnecter(client, url_page: str, url_deconnexion: str):
    page = client.get(url_page).get_data(as_text=True)
    return client.post(url_deconnexion, data={"csrf_token": csrf_token(page)})


def test_cookie_copie_refuse_apres_la_deconnexion(app, client, demo):
    person = demo["CAS_3"]
    assert login(client, person.numero_etranger, person.mot_de_passe).status_code == 302
    voleur = _copie(app, client)
    assert _connecte(voleur)  # the copy works while the session is open…
    assert _deconnecter(client, "/mes-demandes", "/deconnexion").status_code == 302
    assert not _connecte(client)
    response = voleur.get("/mes-demandes")  # …and not after its owner logged out
    assert response.status_code == 302 and response.location.startswith("/connexion")
    assert _sessions_du_compte(app, person.numero_etranger) == []


def test_cookie_d_agent_copie_refuse_apres_la_deconnexion(app, client):
    assert login_agent(client, NORD).status_code == 302
    voleur = _copie(app, client)
    assert voleur.get("/agent/demandes").status_code == 200
    assert _deconnecter(client, "/agent/demandes", "/agent/deconnexion").status_code == 302
    response = voleur.get("/agent/demandes")
    assert response.status_code == 302 and response.location.startswith("/agent/connexion")


def test_nouveau_mot_de_passe_ferme_toutes_les_sessions_du_compte(app_smtp, demo, smtp):
    app_smtp.config["URL_BASE"] = "http://localhost"
    person, autre = demo["CAS_3"], demo["CAS_1"]
    telephone, ordinateur, tiers = app_smtp.test_client(), app_smtp.test_client(), app_smtp.test_client()
    for navigateur in (telephone, ordinateur):
        assert login(navigateur, person.numero_etranger, person.mot_de_passe).status_code == 302
    voleur = _copie(app_smtp, ordinateur)
    assert login(tiers, autre.numero_etranger, autre.mot_de_passe).status_code == 302
    assert all(_connecte(n) for n in (telephone, ordinateur, voleur, tiers))

    # « Mot de passe oublié » from a fourth browser, the link of the mail, a new password.
    navigateur = app_smtp.test_client()
    assert demander_oubli(navigateur, person.numero_etranger).status_code == 302
    assert distribuer(app_smtp)["envoye"] == 1
    assert choisir_mot_de_passe(navigateur, lien_du_message(smtp.messages[-1]), "Nouveau-Mot-2!").status_code == 302

    for ancienne in (telephone, ordinateur, voleur):
        response = ancienne.get("/mes-demandes")
        assert response.status_code == 302 and response.location.startswith("/connexion")
    assert _sessions_du_compte(app_smtp, person.numero_etranger) == []
    assert _connecte(tiers)  # another account's session is untouched
    assert login(telephone, person.numero_etranger, "Nouveau-Mot-2!").status_code == 302 and _connecte(telephone)


def test_session_inactive_expiree_avec_un_message(app, client, demo, monkeypatch):
    person = demo["CAS_3"]
    assert login(client, person.numero_etranger, person.mot_de_passe).status_code == 302
    voleur = _copie(app, client)
    _decaler(monkeypatch, timedelta(minutes=30, seconds=5))
    response = client.get("/mes-demandes")
    assert response.status_code == 302 and response.location == "/connexion?next=/mes-demandes"
    page = text(client.get(response.location))
    assert EXPIREE in page and "Connectez-vous pour accéder à vos services" in page
    assert not _connecte(client) and not _connecte(voleur)
    assert _sessions_du_compte(app, person.numero_etranger) == []
    # Logging in again leads back to the page that was asked for.
    page = client.get("/connexion?next=%2Fmes-demandes").get_data(as_text=True)
    response = client.post("/connexion?next=%2Fmes-demandes", data={
        "csrf_token": csrf_token(page), "identifiant": person.numero_etranger, "mot_de_passe": person.mot_de_passe})
    assert response.status_code == 302 and response.location == "/mes-demandes"
    assert _connecte(client)


def test_session_d_agent_inactive_renvoie_a_la_connexion_agent(client, monkeypatch):
    assert login_agent(client, NORD).status_code == 302
    _decaler(monkeypatch, timedelta(hours=2))
    response = client.get("/agent/demandes?tri=nom")
    assert response.status_code == 302 and response.location.startswith("/agent/connexion?next=")
    page = text(client.get(response.location))
    assert EXPIREE in page and "Espace agent" in page
    assert client.get("/agent/demandes").status_code == 302


def test_la_duree_d_inactivite_se_regle(app, client, demo, monkeypatch):
    app.config["SESSION_INACTIVITE_MINUTES"] = 5
    person = demo["CAS_3"]
    login(client, person.numero_etranger, person.mot_de_passe)
    _decaler(monkeypatch, timedelta(minutes=4))
    assert _connecte(client)
    _decaler(monkeypatch, timedelta(minutes=5, seconds=1))
    assert "Votre session a expiré après 5 minutes sans activité." in get_text(client, "/mes-demandes")


def test_session_active_gardee_et_activite_notee_au_plus_une_fois_par_minute(app, client, demo, monkeypatch):
    person = demo["CAS_3"]
    login(client, person.numero_etranger, person.mot_de_passe)
    [ligne] = _sessions_du_compte(app, person.numero_etranger)
    # Two hours of work with a page every 20 minutes: never idle for 30.
    for _ in range(6):
        _decaler(monkeypatch, timedelta(minutes=20))
        assert _connecte(client)
    [apres] = _sessions_du_compte(app, person.numero_etranger)
    assert apres.id == ligne.id and apres.vue_le > ligne.vue_le + timedelta(minutes=119)
    # Within the same minute, pages do not write the row again (SQLite serializes writes).
    _decaler(monkeypatch, timedelta(seconds=30))
    assert _connecte(client) and _connecte(client)
    [encore] = _sessions_du_compte(app, person.numero_etranger)
    assert encore.vue_le == apres.vue_le


def test_un_ancien_cookie_sans_jeton_n_est_pas_connecte(app, client, demo):
    """A cookie signed by the server but from before server-side sessions (only Flask-Login's id in it)."""
    person = demo["CAS_3"]
    with app.app_context():
        acteur = _compte(person.numero_etranger).get_id()
    client.get("/connexion")
    with client.session_transaction() as session:
        session["_user_id"] = acteur
        session["_fresh"] = True
    response = client.get("/mes-demandes")
    assert response.status_code == 302 and response.location.startswith("/connexion")
    with client.session_transaction() as session:
        assert "_user_id" not in session  # simply logged out


def test_la_session_d_un_autre_acteur_ne_sert_pas(app, client, demo):
    """The token of one account's session, with another account's id in the cookie: refused."""
    person, autre = demo["CAS_3"], demo["CAS_1"]
    login(client, person.numero_etranger, person.mot_de_passe)
    assert _connecte(client)
    with app.app_context():
        acteur = _compte(autre.numero_etranger).get_id()
    with client.session_transaction() as session:
        session["_user_id"] = acteur
    assert client.get("/mes-demandes").status_code == 302


@pytest.mark.feature("F-47")
def test_la_purge_des_sessions_a_chaque_connexion_lit_un_index(app):
    """Each login deletes the sessions idle for too long, under its write transaction: through an index on the last
    activity, not by reading every session of everyone."""
    with app.app_context():
        purge = delete(SessionOuverte).where(SessionOuverte.vue_le < datetime.now(UTC))
        compiled = purge.compile(db.engine, compile_kwargs={"literal_binds": True})
        if db.engine.dialect.name == "sqlite":
            plan = " ".join(str(r) for r in db.session.execute(sql(f"EXPLAIN QUERY PLAN {compiled}")).all())
        else:  # a near-empty table is read faster without an index: PostgreSQL is told to avoid a full scan
            db.session.execute(sql("SET LOCAL enable_seqscan = off"))
            plan = " ".join(str(r) for r in db.session.execute(sql(f"EXPLAIN {compiled}")).all())
        db.session.rollback()
        assert "ix_session_ouverte_vue_le" in plan, plan
