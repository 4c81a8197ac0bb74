"""The outbox (F-27): queued in the caller's transaction, delivered over real SMTP by the worker, retried."""

from __future__ import annotations

from datetime import timedelta
from threading import Barrier, Thread

import pytest
from sqlalchemy import select

from app import clock
from app.courriels import ECHEC, MAX_TENTATIVES, envoyer_les_courriels_dus, mettre_en_file
from app.extensions import db
from app.models import Courriel


def _file(app, n: int = 1) -> list[int]:
    with app.app_context():
        ids = [mettre_en_file(db.session, "notification", f"jeune{i}@example.org", {"lien": "http://127.0.0.1:5000/connexion"}).id
               for i in range(n)]
        db.session.commit()
        return ids


@pytest.mark.feature("F-27")
def test_un_courriel_en_file_est_livre_par_smtp(app_smtp, smtp):
    _file(app_smtp)
    with app_smtp.app_context():
        assert envoyer_les_courriels_dus(db.session)["envoye"] == 1
        courriel = db.session.scalars(select(Courriel)).one()
        assert courriel.etat == "envoye" and courriel.envoye_le is not None
    [message] = smtp.messages
    assert message["To"] == "jeune0@example.org"
    assert message["Subject"] == "Vous avez reçu une notification"
    assert "La Direction Générale des Etrangers en France" in message["From"]
    texte = message.get_body(("plain",)).get_content()
    assert "Vous venez de recevoir une notification, elle est accessible depuis votre espace personnel" in texte
    assert "Se connecter : http://127.0.0.1:5000/connexion" in texte
    assert "Ce message est généré automatiquement, merci de ne pas y répondre." in texte
    assert 'href="http://127.0.0.1:5000/connexion"' in message.get_body(("html",)).get_content()


@pytest.mark.feature("F-27")
def test_rien_n_est_envoye_pour_une_action_annulee(app_smtp, smtp):
    with app_smtp.app_context():
        mettre_en_file(db.session, "notification", "jeune@example.org", {"lien": "http://x"})
        db.session.rollback()
        assert envoyer_les_courriels_dus(db.session)["envoye"] == 0
    assert smtp.messages == []


@pytest.mark.feature("F-27")
def test_serveur_smtp_en_panne_puis_revenu(app_smtp, smtp, monkeypatch):
    smtp.arreter()
    [courriel_id] = _file(app_smtp)
    with app_smtp.app_context():
        assert envoyer_les_courriels_dus(db.session)["a_envoyer"] == 1
        courriel = db.session.get(Courriel, courriel_id)
        assert courriel.etat == "a_envoyer" and courriel.tentatives == 1
        assert "ConnectionRefusedError" in courriel.derniere_erreur
        retry_at = clock.paris(courriel.prochain_essai)
        # Not due yet: a second pass sends nothing, even with the server back.
        smtp.demarrer()
        assert envoyer_les_courriels_dus(db.session)["envoye"] == 0
        # Time moves past the back-off (not slept): delivered.
        later = retry_at + timedelta(seconds=1)
        monkeypatch.setattr(clock, "now", lambda: later)
        assert envoyer_les_courriels_dus(db.session)["envoye"] == 1
    assert len(smtp.messages) == 1


@pytest.mark.feature("F-27")
def test_echec_definitif_visible_apres_les_tentatives(app_smtp, smtp, monkeypatch):
    smtp.arreter()
    [courriel_id] = _file(app_smtp)
    with app_smtp.app_context():
        moment = clock.now()
        for _ in range(MAX_TENTATIVES):
            moment += timedelta(hours=3)
            monkeypatch.setattr(clock, "now", lambda m=moment: m)
            envoyer_les_courriels_dus(db.session)
        courriel = db.session.get(Courriel, courriel_id)
        assert courriel.etat == ECHEC and courriel.tentatives == MAX_TENTATIVES
    client = app_smtp.test_client()
    app_smtp.config["PAGE_COURRIELS"] = True
    page = client.get("/dev/courriels").get_data(as_text=True)
    assert "échec" in page and "Dernière erreur" in page


@pytest.mark.feature("F-27")
def test_deux_workers_n_envoient_pas_deux_fois(app_smtp, smtp):
    _file(app_smtp, 10)
    barrier = Barrier(2)

    def worker() -> None:
        with app_smtp.app_context():
            barrier.wait()
            envoyer_les_courriels_dus(db.session, limite=10)
            db.session.remove()

    threads = [Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    destinataires = sorted(m["To"] for m in smtp.messages)
    assert destinataires == sorted(f"jeune{i}@example.org" for i in range(10))


@pytest.mark.feature("F-27")
def test_sans_smtp_les_courriels_restent_dans_la_boite_lisible_en_developpement(app):
    _file(app)
    with app.app_context():
        assert envoyer_les_courriels_dus(db.session)["envoye"] == 0
    page = app.test_client().get("/dev/courriels").get_data(as_text=True)
    assert "Vous avez reçu une notification" in page and 'href="http://127.0.0.1:5000/connexion"' in page


def test_page_de_developpement_absente_d_une_instance_officielle(app):
    app.config["INSTANCE_OFFICIELLE"] = True
    assert app.test_client().get("/dev/courriels").status_code == 404
