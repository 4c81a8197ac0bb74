"""The 30-day answer deadline (F-15) driven by the timer driver (app/timers.py), with the real BPMN and
handlers: only due applications are loaded (indexed column), one transaction each, idempotent; the
worker and `flask delais-declencher` run it. Timers are moved into the past, never waited for."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from app.extensions import db
from app.models import Courriel, Demande, Evenement
from app.timers import declencher_les_delais, echues
from tests.conftest import csrf_token
from tests.delais import echoir_demande
from tests.web.instruction import deposee, derniere, examiner, ligne, lisible, notifications

pytestmark = [pytest.mark.feature("F-15"), pytest.mark.feature("F-33")]


def _lue(app, client, demo, person="CAS_3"):
    """A complement asked and its notification opened: the 30-day clock runs."""
    demande = deposee(client, demo[person], person)
    examiner(app, demande, {"identite": "Copie partielle."})
    notification = derniere(app, demande, "demande_complement")
    client.get(f"/notifications/{notification.id}")
    assert ligne(app, demande).etat == "repondre_complement"
    return demande, notification


def _declencher(app):
    with app.app_context():
        return declencher_les_delais(db.session, app.extensions["demandes"])


def test_sans_reponse_le_worker_cloture_la_demande_et_previent_l_usager(app_smtp, smtp, client, demo):
    app = app_smtp
    demande, notification = _lue(app, client, demo)
    assert _declencher(app).declenches == []  # not due: nothing loaded
    assert app.test_cli_runner().invoke(args=["courriels-envoyer"]).exit_code == 0  # the earlier mails
    envoyes = len(smtp.messages)
    assert envoyes == 2  # the deposit's confirmation and the complement's notification

    assert echoir_demande(app, demande) == ["delai_reponse"]
    due = ligne(app, demande).prochain_timer.replace(tzinfo=UTC)
    assert due < datetime.now(UTC) and ligne(app, demande).echeance == ligne(app, demande).prochain_timer

    result = app.test_cli_runner().invoke(args=["worker", "--une-fois"])
    assert result.exit_code == 0, result.output
    assert "délais déclenchés : 1" in result.output

    row = ligne(app, demande)
    assert (row.etat, row.etat_libelle) == ("demande_cloturee", "Demande clôturée")
    assert row.prochain_timer is None and row.echeance is None
    assert [n.nature for n in notifications(app, demande)] == ["demande_complement", "cloture"]
    with app.app_context():
        natures = db.session.scalars(select(Evenement.nature).where(Evenement.demande_id == demande)).all()
        # The timer's closure is logged after what it caused (notification, mail queued), then the mail's delivery.
        assert natures[-5:] == ["notification_envoyee", "courriel_en_file", "service_execute", "delai_echu",
                                "courriel_envoye"], natures
    # The closure's e-mail went out in the same pass of the worker.
    assert len(smtp.messages) == envoyes + 1
    assert "Vous venez de recevoir une notification" in smtp.messages[-1].get_body(("plain",)).get_content()

    # The applicant is told: the closure notification, and the complement can no longer be answered.
    cloture = derniere(app, demande, "cloture")
    assert "Clôture de votre demande non lue" in lisible(client, "/notifications")
    page = lisible(client, f"/notifications/{cloture.id}")
    assert f"Je vous informe que votre demande en ligne de titre de séjour n° {row.numero} a été clôturée." in page
    page = lisible(client, f"/notifications/{notification.id}")
    assert "Le délai de 30 jours pour répondre à cette demande de complément est dépassé" in page
    assert "Valider et envoyer" not in page


def test_la_commande_pour_cron(app, client, demo):
    demande, _ = _lue(app, client, demo)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["delais-declencher"])
    assert result.exit_code == 0 and "délais déclenchés : 0" in result.output
    echoir_demande(app, demande)
    result = runner.invoke(args=["delais-declencher"])
    assert result.exit_code == 0 and "délais déclenchés : 1" in result.output
    assert ligne(app, demande).etat == "demande_cloturee"
    result = runner.invoke(args=["delais-declencher"])  # again: nothing left
    assert "délais déclenchés : 0" in result.output
    assert [n.nature for n in notifications(app, demande)] == ["demande_complement", "cloture"]


def test_une_notification_jamais_ouverte_ne_fait_pas_partir_le_delai(app, client, demo):
    demande = deposee(client, demo["CAS_3"])
    examiner(app, demande, {"identite": "Copie partielle."})
    row = ligne(app, demande)
    assert row.etat == "attente_lecture"
    assert row.echeance is None and row.prochain_timer is None
    assert echoir_demande(app, demande) == []  # no timer to move into the past
    assert _declencher(app).declenches == []
    assert ligne(app, demande).etat == "attente_lecture"
    assert [n.nature for n in notifications(app, demande)] == ["demande_complement"]


def test_seules_les_demandes_echues_sont_chargees_par_l_index(app, client, demo, monkeypatch):
    echue, _ = _lue(app, client, demo, "CAS_3")
    plus_tard, _ = _lue(app, app.test_client(), demo, "CAS_1")
    echoir_demande(app, echue)
    store = app.extensions["demandes"]
    ouvertes = []
    ouvrir = store.open

    def espion(demande_id, *args, **kwargs):
        ouvertes.append(demande_id)
        return ouvrir(demande_id, *args, **kwargs)

    monkeypatch.setattr(store, "open", espion)
    assert _declencher(app).declenches == [echue]
    assert ouvertes == [echue]  # the other application (due in 30 days) was not loaded
    assert ligne(app, plus_tard).etat == "repondre_complement"
    with app.app_context():
        query = select(Demande.id).where(Demande.prochain_timer.is_not(None),
                                         Demande.prochain_timer <= datetime.now(UTC))
        compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
        if db.engine.dialect.name == "sqlite":
            plan = " ".join(str(r) for r in db.session.execute(text(f"EXPLAIN QUERY PLAN {compiled}")).all())
        else:  # PostgreSQL reads a few rows faster without an index: it is told to avoid a full scan if it can
            db.session.execute(text("SET LOCAL enable_seqscan = off"))
            plan = " ".join(str(r) for r in db.session.execute(text(f"EXPLAIN {compiled}")).all())
            db.session.rollback()
        assert "ix_demande_prochain_timer" in plan, plan
        assert echues(db.session, datetime.now(UTC)) == []


def test_une_reponse_apres_l_echeance_perd(app, client, demo):
    demande, notification = _lue(app, client, demo)
    html_avant = client.get(f"/notifications/{notification.id}").get_data(as_text=True)
    echoir_demande(app, demande)  # due; no driver has run yet

    # The page already says it is too late…
    page = lisible(client, f"/notifications/{notification.id}")
    assert "Le délai de 30 jours pour répondre à cette demande de complément est dépassé" in page
    assert "Valider et envoyer" not in page
    # …and an answer posted from a page opened before the deadline loses: the closure is recorded instead.
    task = html_avant.split('name="task_id" value="')[1].split('"')[0]
    response = client.post(f"/notifications/{notification.id}", data={
        "csrf_token": csrf_token(html_avant), "task_id": task, "action": "envoyer",
        "reponse_identite": "maintenir", "raison_identite": "Trop tard ?"})
    assert response.status_code == 302
    assert "Le délai de réponse est dépassé : votre demande a été clôturée." in lisible(client, response.location)
    assert ligne(app, demande).etat == "demande_cloturee"
    assert derniere(app, demande, "demande_complement").repondue_le is None
    assert [n.nature for n in notifications(app, demande)] == ["demande_complement", "cloture"]
    assert _declencher(app).declenches == []  # nothing left for the driver


def test_deux_declencheurs_en_meme_temps_ne_cloturent_qu_une_fois(app, client, demo):
    demande, _ = _lue(app, client, demo)
    echoir_demande(app, demande)
    barriere = threading.Barrier(2)
    bilans, erreurs = [], []

    def driver():
        with app.app_context():
            try:
                barriere.wait(5)
                bilans.append(declencher_les_delais(db.session, app.extensions["demandes"]))
            except Exception as err:  # pragma: no cover - shown by the assertion below
                erreurs.append(err)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=driver) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert erreurs == [] and len(bilans) == 2
    assert all(not b.erreurs for b in bilans)
    # One driver fired it; the other found nothing left to fire (or was refused by the version check).
    assert sorted(len(b.declenches) for b in bilans) == [0, 1]
    assert ligne(app, demande).etat == "demande_cloturee"
    # One closure, one notification, one e-mail, whichever driver won.
    assert [n.nature for n in notifications(app, demande)] == ["demande_complement", "cloture"]
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Courriel).where(
            Courriel.demande_id == demande, Courriel.modele == "notification")) == 2
        assert db.session.scalar(select(db.func.count()).select_from(Evenement).where(
            Evenement.demande_id == demande, Evenement.nature == "delai_echu")) == 1


def test_une_demande_modifiee_entre_temps_est_laissee_au_passage_suivant(app, client, demo, monkeypatch):
    """The version check: an application changed by someone else while the driver worked is skipped, not lost."""
    demande, _ = _lue(app, client, demo)
    echoir_demande(app, demande)
    store = app.extensions["demandes"]
    ouvrir = store.open

    class Concurrent:
        def __init__(self, *args, **kwargs):
            self.ctx = ouvrir(*args, **kwargs)

        def __enter__(self):
            instance = self.ctx.__enter__()
            # Someone else saved the application meanwhile: its version moved on (written on the same
            # connection, as SQLite's write lock is already held by this transaction).
            db.session.execute(text("UPDATE demande SET version = version + 1 WHERE id = :id"), {"id": demande})
            return instance

        def __exit__(self, *exc):
            return self.ctx.__exit__(*exc)

    monkeypatch.setattr(store, "open", Concurrent)
    with app.app_context():
        bilan = declencher_les_delais(db.session, store)
    assert bilan.ignores == [demande] and bilan.declenches == []
    assert ligne(app, demande).etat == "repondre_complement"  # rolled back, for the next pass
    monkeypatch.setattr(store, "open", ouvrir)
    assert _declencher(app).declenches == [demande]
    assert ligne(app, demande).etat == "demande_cloturee"


def test_echeance_dans_le_futur_rien_ne_bouge(app, client, demo):
    demande, _ = _lue(app, client, demo)
    echoir_demande(app, demande, datetime.now(UTC) + timedelta(days=1))
    assert _declencher(app).declenches == []
    assert ligne(app, demande).etat == "repondre_complement"


def test_une_demande_en_erreur_ne_retient_pas_les_autres(app, client, demo, monkeypatch):
    premiere, _ = _lue(app, client, demo, "CAS_3")
    seconde, _ = _lue(app, app.test_client(), demo, "CAS_1")
    echoir_demande(app, premiere, datetime.now(UTC) - timedelta(hours=2))  # the oldest: driven first
    echoir_demande(app, seconde)
    handlers = app.extensions["demandes"].catalog.handlers
    notifier = handlers["notifier"]

    def en_panne(ctx, **params):
        if ctx.demande.id == premiere:
            raise OSError("disque plein")
        return notifier(ctx, **params)

    monkeypatch.setitem(handlers, "notifier", en_panne)
    bilan = _declencher(app)
    assert list(bilan.erreurs) == [premiere] and "disque plein" in bilan.erreurs[premiere]
    assert bilan.declenches == [seconde]
    assert ligne(app, premiere).etat == "repondre_complement"  # rolled back whole: no half-closed application
    assert [n.nature for n in notifications(app, premiere)] == ["demande_complement"]
    result = app.test_cli_runner().invoke(args=["delais-declencher"])
    assert "délais déclenchés : 0" in result.output and f"demande {premiere} en erreur" in result.output

    monkeypatch.setitem(handlers, "notifier", notifier)  # repaired: the next pass closes it
    assert _declencher(app).declenches == [premiere]
    assert ligne(app, premiere).etat == "demande_cloturee"
