"""The timers' claims (F-47): batches claimed with a lease by one statement, never shared by two live claims, taken
over once the lease ends; and why a timer never fires twice even when a lease ends under a worker still at work
(the application's row lock and the engine's saved state, see app/timers.py)."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from app import clock
from app.extensions import db
from app.models import Demande, Notification
from app.timers import Bilan, _declencher, declencher_les_delais, reserver
from tests.delais_masse import cloner, declenchements, demande_echue

pytestmark = pytest.mark.feature("F-47")


@pytest.fixture
def echues(app, client, demo):
    modele = demande_echue(app, client, demo["CAS_3"])
    return [modele, *cloner(app, modele, 9)]


def _expirer(ids: list[int]) -> None:
    db.session.execute(update(Demande).where(Demande.id.in_(ids))
                       .values(delai_reserve_jusqua=datetime.now(UTC) - timedelta(seconds=1))
                       .execution_options(synchronize_session=False))
    db.session.commit()


def test_deux_reservations_ne_prennent_jamais_les_memes_demandes(app, echues):
    with app.app_context():
        now = datetime.now(UTC)
        premier, bail = reserver(db.session, now, 4, 60)
        second, _ = reserver(db.session, now, 4, 60)
        troisieme, _ = reserver(db.session, now, 4, 60)
        assert len(premier) == 4 and len(second) == 4 and len(troisieme) == 2
        assert sorted(premier + second + troisieme) == sorted(echues)  # oldest first, disjoint, all
        assert reserver(db.session, now, 4, 60)[0] == []  # all claimed: nothing for a fourth worker
        assert bail > now + timedelta(seconds=55)
        _expirer(premier)  # its worker died: once the lease is over, another takes the same ones
        assert reserver(db.session, now, 10, 60)[0] == premier


def test_un_bail_echu_sous_un_worker_encore_au_travail_ne_declenche_pas_deux_fois(app, echues):
    store = app.extensions["demandes"]
    with app.app_context():
        lents, bail = reserver(db.session, datetime.now(UTC), 10, 60)  # a slow worker claims everything…
        _expirer(lents)  # …and outlives its lease: another worker sweeps them all
        autre = declencher_les_delais(db.session, store)
        assert sorted(autre.declenches) == sorted(echues)
        # The slow worker now fires what it claimed: under the row lock, it reloads the saved state, where the timer
        # has fired — nothing fires, nothing is recorded.
        bilan = Bilan()
        assert not any(_declencher(db.session, store, i, bail, bilan) for i in lents)
        assert sorted(bilan.sans_effet) == sorted(echues) and not bilan.declenches and not bilan.erreurs
    assert declenchements(app, echues) == dict.fromkeys(echues, 1)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Notification).where(
            Notification.nature == "cloture")) == len(echues)


def test_une_demande_en_incident_n_est_pas_reservee(app, echues):
    with app.app_context():
        db.session.execute(update(Demande).where(Demande.id == echues[0]).values(incident="état illisible"))
        db.session.commit()
        ids, _ = reserver(db.session, datetime.now(UTC), 100, 60)
        assert echues[0] not in ids and len(ids) == len(echues) - 1


def test_le_worker_garde_ce_qui_echoue_jusqu_a_la_fin_du_bail(app, echues, monkeypatch):
    """The worker (rendre=False) does not retry a failing application in a loop: it keeps its lease; the cron command
    (rendre=True) gives it back at the end of its run, for the next run."""
    store = app.extensions["demandes"]
    handlers = store.catalog.handlers
    notifier = handlers["notifier"]

    def en_panne(ctx, **params):
        if ctx.demande.id == echues[0]:
            raise OSError("disque plein")
        return notifier(ctx, **params)

    monkeypatch.setitem(handlers, "notifier", en_panne)
    with app.app_context():
        premier = declencher_les_delais(db.session, store, lot=3, lots=1, rendre=False)
        assert list(premier.erreurs) == [echues[0]] and len(premier.declenches) == 2
        suite = declencher_les_delais(db.session, store, lot=3, rendre=False)  # the rest, not the failing one again
        assert not suite.erreurs and len(suite.declenches) == len(echues) - 3
        assert db.session.get(Demande, echues[0]).delai_reserve_jusqua is not None
        assert declencher_les_delais(db.session, store).reserves == 0  # still held by its lease
        _expirer([echues[0]])
        monkeypatch.setitem(handlers, "notifier", notifier)  # repaired: retried after the lease
        assert declencher_les_delais(db.session, store).declenches == [echues[0]]
    assert declenchements(app, echues) == dict.fromkeys(echues, 1)


def test_une_demande_ouverte_par_une_action_est_sautee_sur_postgresql_attendue_sur_sqlite(app, echues):
    """The claim meets an application locked by an action in progress (a page, another worker firing it): PostgreSQL
    skips that row (SKIP LOCKED) and claims the others at once; SQLite has one writer at a time, the claim waits."""
    store = app.extensions["demandes"]
    tenue, fin = threading.Event(), threading.Event()

    def action() -> None:
        with app.app_context():
            with store.open(echues[0], clock.today()):
                tenue.set()
                fin.wait(10)
            db.session.remove()

    fil = threading.Thread(target=action)
    fil.start()
    try:
        assert tenue.wait(10)
        with app.app_context():
            postgres = db.session.get_bind().dialect.name == "postgresql"
            if not postgres:
                threading.Timer(0.5, fin.set).start()
            debut = time.monotonic()
            ids, _ = reserver(db.session, datetime.now(UTC), 100, 60)
            attente = time.monotonic() - debut
    finally:
        fin.set()
        fil.join(10)
    if postgres:
        assert sorted(ids) == sorted(echues[1:]) and attente < 0.5
    else:
        assert sorted(ids) == sorted(echues) and attente >= 0.4
