"""Two real `flask worker` processes sharing the outbox against the real SMTP server (F-47, F-27).

50 queued mails, each received exactly once (by its Message-ID, the row's), whichever worker claimed it; the server
answers slowly so that both workers are at work at the same time. Retries keep the Message-ID and back off
(1 min, 2, 4… capped at 2 h). The crash window — the server has the mail, the worker dies before recording it —
is tested in test_courriels_worker_tue.py: that one mail goes a second time, with the same Message-ID.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from app import clock
from app.courriels import delai_avant_nouvel_essai, envoyer_les_courriels_dus, mettre_en_file
from app.extensions import db
from app.models import Courriel
from tests.smtp import Boite

pytestmark = pytest.mark.feature("F-47")
ROOT = Path(__file__).resolve().parents[2]
NOMBRE = 50


class BoiteLente(Boite):
    """Takes 40 ms per message, as a real relay does: a worker alone would need 2 s for the 50."""

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, N802 (aiosmtpd's hook name)
        await asyncio.sleep(0.04)
        return await super().handle_DATA(server, session, envelope)


def _en_file(app, nombre: int) -> dict[int, str]:
    with app.app_context():
        courriels = [mettre_en_file(db.session, "notification", f"jeune{i}@example.org", {"lien": "http://x/connexion"})
                     for i in range(nombre)]
        db.session.commit()
        ids = {c.id: c.message_id for c in courriels}
        db.engine.dispose()  # no connection of ours open while the workers start
    return ids


def test_deux_workers_50_courriels_chacun_recu_une_seule_fois(app_smtp, smtp, tmp_path):
    smtp.arreter()
    smtp.boite = BoiteLente()
    smtp.demarrer()
    message_ids = _en_file(app_smtp, NOMBRE)
    assert len(set(message_ids.values())) == NOMBRE

    env = {**os.environ, "DATABASE_URL": app_smtp.config["SQLALCHEMY_DATABASE_URI"], "SMTP_HOST": "127.0.0.1",
           "SMTP_PORT": str(smtp.port), "SMTP_TLS": "aucun", "WORKER_INTERVALLE": "0.2"}
    logs = [tmp_path / f"worker{i}.log" for i in range(2)]
    workers = [subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "worker", "--une-fois"], cwd=ROOT,
                                env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT) for log in logs]
    for worker in workers:
        worker.wait(timeout=300)
    sorties = [log.read_text() for log in logs]
    assert [w.returncode for w in workers] == [0, 0], sorties

    recus = [m["Message-ID"] for m in smtp.messages]
    assert sorted(recus) == sorted(message_ids.values())  # each exactly once, none lost
    envoyes = [sum(int(n) for n in re.findall(r"envoyés : (\d+)", s)) for s in sorties]
    assert sum(envoyes) == NOMBRE and all(envoyes), sorties  # both workers took a share
    with app_smtp.app_context():
        lignes = db.session.scalars(select(Courriel).where(Courriel.id.in_(message_ids))).all()
        assert {c.etat for c in lignes} == {"envoye"} and {c.tentatives for c in lignes} == {1}
        assert all(c.reserve_jusqua is None for c in lignes)


def test_un_echec_reessaye_plus_tard_avec_le_meme_message_id(app_smtp, smtp):
    message_ids = _en_file(app_smtp, 1)
    (courriel_id, message_id), = message_ids.items()
    smtp.arreter()  # the server is down: the attempt fails, the mail waits
    with app_smtp.app_context():
        avant = clock.now()
        assert envoyer_les_courriels_dus(db.session) == {"envoye": 0, "a_envoyer": 1, "echec": 0}
        courriel = db.session.get(Courriel, courriel_id)
        assert courriel.tentatives == 1 and courriel.derniere_erreur.startswith("ConnectionRefusedError")
        attente = clock.paris(courriel.prochain_essai) - avant
        assert timedelta(seconds=55) <= attente <= timedelta(minutes=1, seconds=5)
        assert envoyer_les_courriels_dus(db.session)["a_envoyer"] == 0  # not due again before its time
    assert [delai_avant_nouvel_essai(n) for n in (1, 2, 3, 8, 20)] == [
        timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4), timedelta(hours=2), timedelta(hours=2)]

    smtp.demarrer()
    with app_smtp.app_context():
        db.session.execute(update(Courriel).where(Courriel.id == courriel_id)
                           .values(prochain_essai=clock.now() - timedelta(seconds=1)))  # its time has come
        db.session.commit()
        assert envoyer_les_courriels_dus(db.session)["envoye"] == 1
        assert db.session.get(Courriel, courriel_id).tentatives == 2
    assert [m["Message-ID"] for m in smtp.messages] == [message_id]
