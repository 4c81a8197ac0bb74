"""Timer workers as real processes sharing due timers (F-47): `flask delais-declencher` and `flask worker` started
as subprocesses on the test's database (SQLite file, or PostgreSQL in the PostgreSQL run), 200 due complement
deadlines cloned from a real one (tests/delais_masse.py). Every timer fires exactly once (its `delai_echu` audit
row, its closure), none is left, and a worker killed mid-batch leaves its claims to another after the lease."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from app.extensions import db
from app.models import Courriel, Demande, Notification
from tests.delais_masse import cloner, declenchements, demande_echue

pytestmark = pytest.mark.feature("F-47")
ROOT = Path(__file__).resolve().parents[2]
NOMBRE = 200


def _env(app, tmp_path: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "SMTP_HOST": "",
            "MAIL_DOSSIER": str(tmp_path / "courriels"), "WORKER_INTERVALLE": "0.2", **extra}


def _flask(env: dict[str, str], *args: str, log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", *args], cwd=ROOT, env=env,
                            stdout=log.open("wb"), stderr=subprocess.STDOUT)


def _echues(app, ids: list[int]) -> list[int]:
    """Applications still waiting for their answer deadline (not closed)."""
    with app.app_context():
        return list(db.session.scalars(select(Demande.id).where(Demande.id.in_(ids),
                                                                Demande.etat != "demande_cloturee")))


@pytest.fixture
def echues(app, client, demo):
    """NOMBRE + 1 applications whose complement deadline has passed: one real, the others its copies."""
    modele = demande_echue(app, client, demo["CAS_3"])
    ids = [modele, *cloner(app, modele, NOMBRE)]
    with app.app_context():
        db.engine.dispose()  # no connection of ours open while the workers start
    return ids


def _declenches(sortie: str) -> int:
    return sum(int(n) for n in re.findall(r"délais déclenchés : (\d+)", sortie))


def test_deux_commandes_cron_se_partagent_200_delais_chacun_declenche_une_fois(app, echues, tmp_path):
    env = _env(app, tmp_path)
    logs = [tmp_path / f"cron{i}.log" for i in range(2)]
    processus = [_flask(env, "delais-declencher", "--lot", "10", log=log) for log in logs]
    for p in processus:
        p.wait(timeout=300)
    sorties = [log.read_text() for log in logs]
    assert [p.returncode for p in processus] == [0, 0], sorties

    # Everything due was fired by these two runs (one process each, batch after batch, no new process per 100)…
    assert _echues(app, echues) == []
    assert sum(_declenches(s) for s in sorties) == len(echues), sorties
    # …each timer exactly once: one `delai_echu` in each audit log, one closure notification, one mail queued.
    assert declenchements(app, echues) == dict.fromkeys(echues, 1)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Notification).where(
            Notification.nature == "cloture")) == len(echues)
        assert db.session.scalar(select(func.count()).select_from(Demande).where(
            Demande.delai_reserve_jusqua.is_not(None))) == 0  # every claim cleared with its firing
    # A third run finds nothing.
    relance = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "delais-declencher"], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=120)
    assert "délais déclenchés : 0" in relance.stdout, relance.stdout + relance.stderr


def test_deux_workers_se_partagent_les_delais_puis_les_courriels(app, echues, tmp_path):
    env = _env(app, tmp_path)
    logs = [tmp_path / f"worker{i}.log" for i in range(2)]
    processus = [_flask(env, "worker", "--une-fois", "--lot", "10", log=log) for log in logs]
    for p in processus:
        p.wait(timeout=300)
    sorties = [log.read_text() for log in logs]
    assert [p.returncode for p in processus] == [0, 0], sorties
    assert _echues(app, echues) == []
    assert declenchements(app, echues) == dict.fromkeys(echues, 1)
    assert sum(_declenches(s) for s in sorties) == len(echues), sorties
    # The closures' mails went out too, each once (local mail store: one file per mail row).
    with app.app_context():
        fermes = db.session.scalars(select(Courriel.id).where(Courriel.demande_id.in_(echues[1:]))).all()
        assert len(fermes) == NOMBRE
        assert db.session.scalar(select(func.count()).select_from(Courriel).where(Courriel.etat != "envoye")) == 0
    assert len(list((tmp_path / "courriels").glob("*.eml"))) >= NOMBRE


def test_worker_tue_au_milieu_d_un_lot_ses_delais_repris_par_un_autre_apres_le_bail(app, echues, tmp_path):
    lot = 50
    log = tmp_path / "tue.log"
    premier = _flask(_env(app, tmp_path, DELAIS_RESERVATION="600"), "worker", "--lot", str(lot), log=log)
    try:
        fin = time.monotonic() + 120
        while time.monotonic() < fin and premier.poll() is None:
            faits = sum(declenchements(app, echues).values())
            if faits >= 3:
                break
            time.sleep(0.02)
        premier.send_signal(signal.SIGKILL)
    finally:
        premier.kill()
        premier.wait(timeout=10)
    assert premier.returncode == -signal.SIGKILL, log.read_text()
    avant = declenchements(app, echues)
    assert 3 <= sum(avant.values()) < lot, log.read_text()  # killed within its first batch
    with app.app_context():
        retenues = list(db.session.scalars(select(Demande.id).where(
            Demande.id.in_(echues), Demande.delai_reserve_jusqua.is_not(None), Demande.etat != "demande_cloturee")))
    # The dead worker's claims: the rest of its batch, not fired, held by its lease.
    assert retenues and len(retenues) + sum(avant.values()) == lot

    # Another worker at once: everything else, but not what the dead one holds (its lease still runs).
    env = _env(app, tmp_path)
    second = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "worker", "--une-fois"], cwd=ROOT,
                            env=env, capture_output=True, text=True, timeout=300)
    assert second.returncode == 0, second.stdout + second.stderr
    assert sorted(_echues(app, echues)) == sorted(retenues)

    # The lease ends (moved into the past rather than waited for): the claims are taken over and fired.
    with app.app_context():
        db.session.execute(update(Demande).where(Demande.id.in_(retenues))
                           .values(delai_reserve_jusqua=datetime.now(UTC) - timedelta(seconds=1))
                           .execution_options(synchronize_session=False))
        db.session.commit()
        db.engine.dispose()
    troisieme = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "worker", "--une-fois"], cwd=ROOT,
                               env=env, capture_output=True, text=True, timeout=300)
    assert troisieme.returncode == 0, troisieme.stdout + troisieme.stderr
    assert _declenches(troisieme.stdout) == len(retenues)
    # Nothing lost, nothing twice: the killed worker's uncommitted firing was rolled back whole.
    assert _echues(app, echues) == []
    assert declenchements(app, echues) == dict.fromkeys(echues, 1)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Notification).where(
            Notification.nature == "cloture")) == len(echues)
