"""The timer sweep (F-47): what goes wrong with one application of a batch stays with it (its transaction is rolled
back whole), the others are recorded; on SQLite a worker starved of the write lock by another's sweep waits again."""

from __future__ import annotations

import sqlite3
import threading
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, func, select, update
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import Demande, EtatProcessus, Evenement, Notification
from app.timers import declencher_les_delais, reserver
from tests.delais_masse import cloner, declenchements, demande_echue

pytestmark = pytest.mark.feature("F-47")


@pytest.fixture
def echues(app, client, demo):
    modele = demande_echue(app, client, demo["CAS_3"])
    return [modele, *cloner(app, modele, 11)]


def test_une_demande_illisible_au_milieu_d_un_lot_n_empeche_pas_les_autres(app, echues):
    store = app.extensions["demandes"]
    illisible = echues[3]
    with app.app_context():
        db.session.execute(update(EtatProcessus).where(EtatProcessus.demande_id == illisible).values(etat="{"))
        db.session.commit()
        bilan = declencher_les_delais(db.session, store)
        assert list(bilan.erreurs) == [illisible]
        assert sorted(bilan.declenches) == sorted(i for i in echues if i != illisible)
        # Shown « en incident », no longer claimed.
        demande = db.session.get(Demande, illisible)
        assert demande.incident and "état du processus illisible" in demande.incident
        assert demande.etat == "repondre_complement" and demande.delai_reserve_jusqua is None
        assert declencher_les_delais(db.session, store).reserves == 0
    assert declenchements(app, echues) == {i: 1 for i in echues if i != illisible}
    with app.app_context():
        assert db.session.scalar(select(Notification.id).where(Notification.demande_id == illisible,
                                                               Notification.nature == "cloture")) is None
        assert db.session.scalar(select(Evenement.id).where(Evenement.demande_id == illisible,
                                                            Evenement.nature == "courriel_en_file")) is None


def test_un_echec_de_service_annule_seulement_sa_demande_dans_le_lot(app, echues, monkeypatch):
    """The closure's handler fails for one application after writing its notification: only that application's
    transaction is rolled back — no notification, no mail, no audit row of it — and the others are all recorded."""
    store = app.extensions["demandes"]
    notifier = store.catalog.handlers["notifier"]
    en_panne = echues[5]

    def notifier_puis_panne(ctx, **params):
        resultat = notifier(ctx, **params)  # the notification, its mail and their audit rows are written (flushed)
        if ctx.demande.id == en_panne:
            raise OSError("disque plein")
        return resultat

    monkeypatch.setitem(store.catalog.handlers, "notifier", notifier_puis_panne)
    with app.app_context():
        bilan = declencher_les_delais(db.session, store)
        assert list(bilan.erreurs) == [en_panne] and "disque plein" in bilan.erreurs[en_panne]
        assert len(bilan.declenches) == len(echues) - 1
        assert db.session.get(Demande, en_panne).etat == "repondre_complement"
        assert db.session.scalars(select(Evenement.nature).where(Evenement.demande_id == en_panne,
                                                                 Evenement.nature.in_(
                                                                     ["notification_envoyee", "courriel_en_file",
                                                                      "delai_echu"]))).all() == []
        assert db.session.scalar(select(Notification.id).where(Notification.demande_id == en_panne,
                                                               Notification.nature == "cloture")) is None
        monkeypatch.setitem(store.catalog.handlers, "notifier", notifier)
        assert declencher_les_delais(db.session, store).declenches == [en_panne]  # released at the end: retried
    assert declenchements(app, echues) == dict.fromkeys(echues, 1)


def test_sur_sqlite_un_worker_affame_attend_encore_le_verrou_au_lieu_d_echouer(app, echues):
    """SQLite: another worker's sweep holds the write lock longer than the busy timeout (its transactions back to
    back); the claim waits again instead of failing with « database is locked », and gets the batch once free."""
    with app.app_context():
        url = db.engine.url
    if url.get_backend_name() != "sqlite":
        pytest.skip("PostgreSQL locks rows, not the database: SKIP LOCKED, see test_delais_reservation")
    impatient = create_engine(url, connect_args={"timeout": 0.2})  # busy timeout 0.2 s instead of 30
    autre = sqlite3.connect(url.database, isolation_level=None, check_same_thread=False)
    autre.execute("BEGIN IMMEDIATE")  # the other worker, at work for 1 s: five busy timeouts
    threading.Timer(1.0, autre.commit).start()
    debut = time.monotonic()
    with Session(impatient) as session:
        ids, _ = reserver(session, datetime.now(UTC), 100, 60)
    assert time.monotonic() - debut >= 0.9
    assert sorted(ids) == sorted(echues)
    autre.close()
    impatient.dispose()


def test_sur_sqlite_un_delai_declenche_par_un_autre_entre_la_lecture_et_le_verrou_n_est_pas_enregistre_deux_fois(
        app, echues, monkeypatch):
    """SQLite fires on the state read before the write lock (optimistic firing). Another worker fires the same
    application between that read and the lock: the first one's save is refused by the version, and its whole
    transaction — notification, mail, audit lines — is rolled back: the closure is recorded and mailed once."""
    with app.app_context():
        if db.engine.url.get_backend_name() != "sqlite":
            pytest.skip("PostgreSQL fires under the row lock, on a state read under it: no read before the lock")
    store = app.extensions["demandes"]
    cible, lire = echues[4], store._prelire
    autre_worker: list[threading.Thread] = []

    def lire_puis_laisser_un_autre_declencher(session, demande_id, today):
        prelu = lire(session, demande_id, today)
        if demande_id == cible and not autre_worker:
            def declencher_ailleurs() -> None:
                with app.app_context(), store.open(cible, today) as instance:
                    instance.fire_due_timers()
                    instance.demande.delai_reserve_jusqua = None
            autre_worker.append(threading.Thread(target=declencher_ailleurs))
            autre_worker[0].start()
            autre_worker[0].join()
        return prelu

    monkeypatch.setattr(store, "_prelire", lire_puis_laisser_un_autre_declencher)
    with app.app_context():
        bilan = declencher_les_delais(db.session, store)
        assert bilan.ignores == [cible]  # refused at the save: the other worker had saved meanwhile
        assert sorted(bilan.declenches) == sorted(i for i in echues if i != cible)
        assert db.session.get(Demande, cible).etat != "repondre_complement"  # closed, by the other worker
        assert db.session.scalar(select(func.count(Notification.id)).where(
            Notification.demande_id == cible, Notification.nature == "cloture")) == 1
        assert db.session.scalar(select(func.count(Evenement.id)).where(
            Evenement.demande_id == cible, Evenement.nature == "courriel_en_file")) == 1
    assert declenchements(app, echues) == dict.fromkeys(echues, 1)
