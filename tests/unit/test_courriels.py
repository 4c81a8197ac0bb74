"""The outbox (F-27): queued in the caller's transaction, delivered over real SMTP by the worker, retried; claimed
one mail at a time for a short lease, each mail with one Message-ID on every attempt; without SMTP, delivered to
the local mail store (.eml files that only the operator reads)."""

from __future__ import annotations

import email
import stat
from datetime import timedelta
from email import policy
from pathlib import Path
from threading import Barrier, Thread

import pytest
from sqlalchemy import select, update

from app import clock
from app.courriels import ECHEC, MAX_TENTATIVES, envoyer_les_courriels_dus, mettre_en_file, reserver
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
        assert "ConnectionRefusedError" in courriel.derniere_erreur  # kept in the row, for the operator
        assert envoyer_les_courriels_dus(db.session) == {"envoye": 0, "a_envoyer": 0, "echec": 0}  # never retried


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


# --- Claims: one mail at a time, a short lease, one Message-ID -----------------------------------------------------


@pytest.mark.feature("F-27")
def test_un_worker_mort_ne_retient_que_son_courriel_jusqu_a_la_fin_du_bail(app_smtp, smtp, monkeypatch):
    ids = _file(app_smtp, 5)
    with app_smtp.app_context():
        depart = clock.now()
        mort = reserver(db.session)  # a worker claims its mail, then dies before sending it
        assert mort == ids[0]
        # Another worker sends every other mail at once.
        assert envoyer_les_courriels_dus(db.session) == {"envoye": 4, "a_envoyer": 0, "echec": 0}
        assert sorted(m["To"] for m in smtp.messages) == [f"jeune{i}@example.org" for i in range(1, 5)]
        assert db.session.get(Courriel, mort).etat == "en_cours"
        # Within the 60 s lease the dead worker's mail waits; once it has ended, it goes.
        monkeypatch.setattr(clock, "now", lambda: depart + timedelta(seconds=55))
        assert envoyer_les_courriels_dus(db.session)["envoye"] == 0
        monkeypatch.setattr(clock, "now", lambda: depart + timedelta(seconds=61))
        assert envoyer_les_courriels_dus(db.session)["envoye"] == 1
        assert db.session.get(Courriel, mort).etat == "envoye"
    assert sorted(m["To"] for m in smtp.messages) == sorted(f"jeune{i}@example.org" for i in range(5))


@pytest.mark.feature("F-27")
def test_la_duree_du_bail_se_regle(app_smtp, smtp, monkeypatch):
    app_smtp.config["MAIL_RESERVATION"] = 5
    [courriel_id] = _file(app_smtp)
    with app_smtp.app_context():
        depart = clock.now()
        assert reserver(db.session) == courriel_id
        monkeypatch.setattr(clock, "now", lambda: depart + timedelta(seconds=6))
        assert envoyer_les_courriels_dus(db.session)["envoye"] == 1
    assert len(smtp.messages) == 1


@pytest.mark.feature("F-27")
def test_le_message_id_est_fixe_a_la_mise_en_file_et_garde_a_chaque_tentative(app_smtp, smtp, monkeypatch):
    smtp.arreter()
    [courriel_id] = _file(app_smtp)
    with app_smtp.app_context():
        message_id = db.session.get(Courriel, courriel_id).message_id
        assert message_id and message_id.startswith("<") and message_id.endswith("@titre-sejour-ase.example.org>")
        assert envoyer_les_courriels_dus(db.session)["a_envoyer"] == 1
        assert db.session.get(Courriel, courriel_id).message_id == message_id
        smtp.demarrer()
        later = clock.now() + timedelta(minutes=2)
        monkeypatch.setattr(clock, "now", lambda: later)
        assert envoyer_les_courriels_dus(db.session)["envoye"] == 1
    [message] = smtp.messages
    assert message["Message-ID"] == message_id


@pytest.mark.feature("F-27")
def test_un_courriel_en_file_sans_message_id_en_recoit_un_a_sa_premiere_reservation(app_smtp, smtp, monkeypatch):
    smtp.arreter()
    ids = _file(app_smtp, 2)
    with app_smtp.app_context():  # rows queued before the column existed
        db.session.execute(update(Courriel).values(message_id=None))
        db.session.commit()
        assert envoyer_les_courriels_dus(db.session)["a_envoyer"] == 2
        premiers = [db.session.get(Courriel, i).message_id for i in ids]
        assert all(premiers) and premiers[0] != premiers[1]
        smtp.demarrer()
        later = clock.now() + timedelta(minutes=2)
        monkeypatch.setattr(clock, "now", lambda: later)
        assert envoyer_les_courriels_dus(db.session)["envoye"] == 2
        assert [db.session.get(Courriel, i).message_id for i in ids] == premiers
    assert sorted(m["Message-ID"] for m in smtp.messages) == sorted(premiers)


# --- Without SMTP: the local mail store --------------------------------------------------------------------------


@pytest.fixture
def app_locale(app, tmp_path):
    """The app without SMTP_HOST, its mail store in this test's folder."""
    app.config.update(SMTP_HOST="", MAIL_DOSSIER=tmp_path / "courriels")
    return app


def _mode(chemin: Path) -> int:
    return stat.S_IMODE(chemin.stat().st_mode)


@pytest.mark.feature("F-27")
@pytest.mark.feature("F-48")
def test_sans_smtp_chaque_courriel_est_un_fichier_eml_prive_a_l_operateur(app_locale, tmp_path):
    piece = tmp_path / "confirmation.pdf"
    piece.write_bytes(b"%PDF-1.4 contenu de la confirmation\n%%EOF\n")
    dossier = app_locale.config["MAIL_DOSSIER"]
    dossier.mkdir(mode=0o755)  # an existing folder, too open: made private
    dossier.chmod(0o755)
    with app_locale.app_context():
        courriel = mettre_en_file(db.session, "notification", "jeune@example.org",
                                  {"lien": "http://127.0.0.1:5000/connexion"},
                                  pieces_jointes=[{"chemin": str(piece), "type": "application/pdf",
                                                   "nom": "confirmation-de-depot.pdf"}])
        db.session.commit()
        courriel_id, message_id = courriel.id, courriel.message_id
        assert envoyer_les_courriels_dus(db.session) == {"envoye": 1, "a_envoyer": 0, "echec": 0}
        assert db.session.get(Courriel, courriel_id).etat == "envoye"
        assert envoyer_les_courriels_dus(db.session)["envoye"] == 0  # delivered once
    [fichier] = list(dossier.iterdir())  # no temporary file left behind
    assert fichier.suffix == ".eml" and fichier.name.endswith(f"-{courriel_id:08d}.eml")
    assert _mode(dossier) == 0o700 and _mode(fichier) == 0o600
    brut = fichier.read_bytes()
    assert b"\r\n" in brut and b"\n" not in brut.replace(b"\r\n", b"")  # as SMTP carries it
    message = email.message_from_bytes(brut, policy=policy.default)
    assert message["To"] == "jeune@example.org" and message["Subject"] == "Vous avez reçu une notification"
    assert message["Message-ID"] == message_id and message["Date"]
    assert "Se connecter : http://127.0.0.1:5000/connexion" in message.get_body(("plain",)).get_content()
    assert 'href="http://127.0.0.1:5000/connexion"' in message.get_body(("html",)).get_content()
    [jointe] = list(message.iter_attachments())
    assert jointe.get_filename() == "confirmation-de-depot.pdf" and jointe.get_content() == piece.read_bytes()


@pytest.mark.feature("F-27")
def test_dossier_impossible_a_ecrire_le_courriel_est_reessaye(app_locale):
    app_locale.config["MAIL_DOSSIER"].write_text("un fichier, pas un dossier")
    [courriel_id] = _file(app_locale)
    with app_locale.app_context():
        assert envoyer_les_courriels_dus(db.session)["a_envoyer"] == 1
        courriel = db.session.get(Courriel, courriel_id)
        assert courriel.etat == "a_envoyer" and "FileExistsError" in courriel.derniere_erreur


@pytest.mark.feature("F-27")
def test_courriels_lister_montre_date_destinataire_objet_fichier_et_affiche_un_courriel(app_locale):
    runner = app_locale.test_cli_runner()
    assert "Aucun courriel dans" in runner.invoke(args=["courriels-lister"]).output
    _file(app_locale, 3)
    result = runner.invoke(args=["worker", "--une-fois"])
    assert result.exit_code == 0, result.output
    dossier = app_locale.config["MAIL_DOSSIER"]
    assert f"les courriels sont déposés dans {dossier}" in result.output and "/dev" not in result.output

    result = runner.invoke(args=["courriels-lister"])
    assert result.exit_code == 0, result.output
    fichiers = sorted(dossier.glob("*.eml"))
    assert len(fichiers) == 3 and f"3 courriel(s) dans {dossier}" in result.output
    with app_locale.app_context():
        jour = f"{clock.today():%d/%m/%Y}"
    for i, fichier in enumerate(fichiers):
        ligne = next(ligne for ligne in result.output.splitlines() if str(fichier) in ligne)
        assert ligne.startswith(jour) and f"jeune{i}@example.org" in ligne
        assert "« Vous avez reçu une notification »" in ligne
    assert "jeune0@example.org" not in runner.invoke(args=["courriels-lister", "--nombre", "2"]).output

    result = runner.invoke(args=["courriels-lister", "--afficher", fichiers[1].name])
    assert result.exit_code == 0, result.output
    assert "À : jeune1@example.org" in result.output and "Objet : Vous avez reçu une notification" in result.output
    assert "Se connecter : http://127.0.0.1:5000/connexion" in result.output
    assert runner.invoke(args=["courriels-lister", "--afficher", str(fichiers[1])]).output == result.output

    result = runner.invoke(args=["courriels-lister", "--afficher", "inconnu.eml"])
    assert result.exit_code != 0 and "Courriel introuvable : inconnu.eml" in result.output
