"""A real `flask worker` killed (SIGKILL) while the SMTP server takes its mail (F-27).

The server has the mail, the worker never commits: the claim holds back that one mail only, and only for its
lease; once the lease is over it goes again, with the same Message-ID (delivery is at least once).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from app import clock
from app.courriels import envoyer_les_courriels_dus, mettre_en_file
from app.extensions import db
from app.models import Courriel
from tests.smtp import Boite

ROOT = Path(__file__).resolve().parents[2]


class BoiteQuiTueLeWorker(Boite):
    """Keeps the first message it receives, then kills the worker before it can commit."""

    def __init__(self) -> None:
        super().__init__()
        self.worker: subprocess.Popen[bytes] | None = None
        self.tue = threading.Event()

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, N802 (aiosmtpd's hook name)
        reponse = await super().handle_DATA(server, session, envelope)
        if self.worker is not None and not self.tue.is_set():
            self.worker.send_signal(signal.SIGKILL)
            self.worker.wait(timeout=10)
            self.tue.set()
        return reponse


def _etats(app, ids: list[int]) -> list[str]:
    with app.app_context():
        return [db.session.get(Courriel, i).etat for i in ids]


@pytest.mark.feature("F-27")
def test_worker_tue_pendant_l_envoi_un_seul_courriel_retenu_puis_renvoye_avec_le_meme_message_id(
        app_smtp, smtp, tmp_path):
    boite = BoiteQuiTueLeWorker()
    smtp.arreter()
    smtp.boite = boite
    smtp.demarrer()
    with app_smtp.app_context():
        ids = [mettre_en_file(db.session, "notification", f"jeune{i}@example.org", {"lien": "http://x/connexion"}).id
               for i in range(3)]
        db.session.commit()
        message_id = db.session.get(Courriel, ids[0]).message_id
        db.engine.dispose()  # no connection of ours open while the worker starts

    env = {**os.environ, "DATABASE_URL": app_smtp.config["SQLALCHEMY_DATABASE_URI"], "SMTP_HOST": "127.0.0.1",
           "SMTP_PORT": str(smtp.port), "SMTP_TLS": "aucun", "WORKER_INTERVALLE": "0.2"}
    journal = (tmp_path / "worker.log").open("wb")
    worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "worker"], cwd=ROOT, env=env,
                              stdout=journal, stderr=subprocess.STDOUT)
    boite.worker = worker
    try:
        assert boite.tue.wait(timeout=90), (tmp_path / "worker.log").read_text()
    finally:
        if worker.poll() is None:
            worker.kill()
        worker.wait(timeout=10)
        journal.close()
    assert worker.returncode == -signal.SIGKILL
    assert [m["To"] for m in smtp.messages] == ["jeune0@example.org"]  # the server has it; the row says otherwise
    assert _etats(app_smtp, ids) == ["en_cours", "a_envoyer", "a_envoyer"]

    # Another worker, at once: the dead worker's claim holds back its own mail only.
    with app_smtp.app_context():
        assert envoyer_les_courriels_dus(db.session) == {"envoye": 2, "a_envoyer": 0, "echec": 0}
        reserve_jusqua = clock.paris(db.session.get(Courriel, ids[0]).reserve_jusqua)
        assert reserve_jusqua <= clock.now() + timedelta(seconds=60)
    assert _etats(app_smtp, ids) == ["en_cours", "envoye", "envoye"]

    # The lease ends (moved into the past rather than waited for): the mail goes again, recognisably the same.
    with app_smtp.app_context():
        db.session.execute(update(Courriel).where(Courriel.id == ids[0])
                           .values(reserve_jusqua=clock.now() - timedelta(seconds=1)))
        db.session.commit()
        assert envoyer_les_courriels_dus(db.session)["envoye"] == 1
    assert _etats(app_smtp, ids) == ["envoye"] * 3
    deux_fois = [m for m in smtp.messages if m["To"] == "jeune0@example.org"]
    assert len(deux_fois) == 2 and {m["Message-ID"] for m in deux_fois} == {message_id}
    autres = {m["Message-ID"] for m in smtp.messages if m["To"] != "jeune0@example.org"}
    assert len(autres) == 2 and message_id not in autres
