"""The deposit confirmation PDF drawn off the deposit's request (F-24, F-47, issue 13).

The deposit queues it (`confirmation_a_dessiner`, in its transaction) and draws nothing; the real `flask worker`
command draws the queue, two of them sharing it without drawing one PDF twice; a claim whose worker died is taken
again once its lease has ended; a download before the worker draws it then, once; the PDF says the deposit's date
whoever draws it and whenever.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select, update

import app.confirmations as confirmations
from app import clock
from app.confirmations import dessiner_les_confirmations_dues, disponibles, reserver, sha256_de
from app.extensions import db
from app.models import ConfirmationADessiner, Courriel, Demande, Evenement
from app.priorite import NICE_BASSE
from tests.web.helpers import deposit

pytestmark = pytest.mark.feature("F-47")
ROOT = Path(__file__).resolve().parents[2]
NOMBRE = 16
BAIL = 12  # seconds: longer than a worker's start on a loaded machine


def pdfs_stockes(app) -> list[Path]:
    return [p for p in Path(app.config["DOCUMENTS_DIR"]).rglob("*") if p.is_file() and p.read_bytes()[:5] == b"%PDF-"]


def texte(contenu: bytes) -> str:
    return re.sub(r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(io.BytesIO(contenu)).pages))


def lien_pdf(confirmation: str) -> str:
    return confirmation.removesuffix("/confirmation") + "/confirmation-de-depot.pdf"


def worker(app, **env: str) -> subprocess.CompletedProcess:
    """The real worker command, once over what is due, as `make run` starts it (settings from the environment)."""
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": "cle-de-test-pdf",
           "DOCUMENTS_DIR": str(app.config["DOCUMENTS_DIR"]), "MAIL_DOSSIER": str(app.config["MAIL_DOSSIER"]), **env}
    return subprocess.run([sys.executable, "-m", "flask", "--app", "app", "worker", "--une-fois"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def dessinees(sortie: str) -> int:
    return sum(int(n) for n in re.findall(r"confirmations de dépôt dessinées : (\d+)", sortie))


def test_le_depot_ne_dessine_rien_le_telechargement_dessine_une_fois(app, client, demo):
    _, confirmation = deposit(client, demo["CAS_2"], "CAS_2")
    with app.app_context():
        demande = db.session.scalars(select(Demande)).one()
        assert demande.numero and demande.confirmation_sha256 is None
        assert db.session.get(ConfirmationADessiner, demande.id) is not None
    assert pdfs_stockes(app) == []  # nothing drawn in the deposit's request
    page = client.get(confirmation).get_data(as_text=True)
    assert re.search(r"J(?:'|&#39;)ouvre ma confirmation de dépôt de demande \(PDF\)", page)  # before the worker
    premier = client.get(lien_pdf(confirmation))
    assert premier.status_code == 200 and premier.data.startswith(b"%PDF-")
    assert client.get(lien_pdf(confirmation)).data == premier.data  # the same bytes every time
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ConfirmationADessiner)) == 0
        assert db.session.scalar(select(func.count()).select_from(Evenement)
                                 .where(Evenement.nature == "confirmation_produite")) == 1
    assert len(pdfs_stockes(app)) == 1
    # The worker then finds nothing left to draw.
    passe = worker(app)
    assert passe.returncode == 0 and dessinees(passe.stdout) == 0, passe.stderr


def test_la_date_d_emission_est_celle_du_depot_quel_que_soit_le_jour_du_dessin(app, client, demo, monkeypatch):
    _, confirmation = deposit(client, demo["CAS_3"], "CAS_3")
    with app.app_context():
        depot = clock.paris(db.session.scalars(select(Demande.deposee_le)).one()).date()
    # Drawn « three days later » (the worker was down): the PDF still says the deposit's date.
    plus_tard = clock.now() + timedelta(days=3)
    with monkeypatch.context() as m, app.app_context():
        m.setattr(clock, "now", lambda: plus_tard)
        assert dessiner_les_confirmations_dues(db.session) == {"dessinees": 1, "en_erreur": 0}
    contenu = texte(client.get(lien_pdf(confirmation)).data)
    assert f"DATE D'ÉMISSION : {depot:%d/%m/%Y}" in contenu, contenu
    assert f"{plus_tard:%d/%m/%Y}" not in contenu


def _file_de_confirmations(app, client, demo) -> list[int]:
    """One real deposit, then NOMBRE - 1 more applications queued like it (copies of its row and of its PDF's
    HTML with their own numbers): a queue long enough for two workers to share."""
    deposit(client, demo["CAS_2"], "CAS_2")
    with app.app_context():
        modele = db.session.scalars(select(Demande)).one()
        html = db.session.get(ConfirmationADessiner, modele.id).html
        ids = [modele.id]
        for i in range(1, NOMBRE):
            numero = f"{modele.numero[:-7]}{9_000_000 + i:07d}"
            copie = Demande(compte_id=modele.compte_id, version_processus_id=modele.version_processus_id,
                            etat=modele.etat, etat_libelle=modele.etat_libelle, numero=numero,
                            deposee_le=modele.deposee_le, departement=modele.departement)
            db.session.add(copie)
            db.session.flush()
            db.session.add(ConfirmationADessiner(demande_id=copie.id, html=html.replace(modele.numero, numero),
                                                 disponible_le=clock.now(), tentatives=0))
            ids.append(copie.id)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()  # no connection of ours open while the workers run
    return ids


def test_deux_workers_chaque_pdf_dessine_une_seule_fois(app, client, demo):
    ids = _file_de_confirmations(app, client, demo)
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": "cle-de-test-pdf",
           "DOCUMENTS_DIR": str(app.config["DOCUMENTS_DIR"]), "MAIL_DOSSIER": str(app.config["MAIL_DOSSIER"])}
    workers = [subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "worker", "--une-fois"], cwd=ROOT,
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for _ in range(2)]
    sorties = [w.communicate(timeout=300) for w in workers]
    assert [w.returncode for w in workers] == [0, 0], sorties
    assert not any("erreur" in err for _, err in sorties), sorties
    # Each PDF drawn by one worker only: the counts add up to the queue, no file is left over.
    assert sum(dessinees(out) for out, _ in sorties) == NOMBRE, sorties
    with app.app_context():
        lignes = db.session.execute(select(Demande.id, Demande.confirmation_sha256).where(Demande.id.in_(ids)))
        shas = dict(lignes.all())
        assert all(shas.values()) and len(set(shas.values())) == NOMBRE
        assert db.session.scalar(select(func.count()).select_from(ConfirmationADessiner)) == 0
        produites = db.session.scalars(select(Evenement.demande_id).where(Evenement.nature == "confirmation_produite"))
        assert sorted(produites) == sorted(ids)
    assert sorted(p.name for p in pdfs_stockes(app)) == sorted(shas.values())
    # What the applicant downloads is what the worker drew, and it says its own number.
    contenu = client.get(f"/demandes/{ids[0]}/confirmation-de-depot.pdf").data
    assert contenu == (Path(app.config["DOCUMENTS_DIR"]) / shas[ids[0]][:2] / shas[ids[0]]).read_bytes()
    with app.app_context():
        assert f"N° de la demande : {db.session.get(Demande, ids[0]).numero}" in texte(contenu)


def test_la_reservation_d_un_worker_tue_est_reprise_apres_son_bail(app, client, demo):
    _, confirmation = deposit(client, demo["CAS_3"], "CAS_3")
    app.config["PDF_RESERVATION"] = BAIL
    with app.app_context():
        # Its mail is not due yet: sending it would draw the PDF (a mail never waits for a claim).
        db.session.execute(update(Courriel).values(prochain_essai=clock.now() + timedelta(hours=1)))
        db.session.commit()
        # A worker claims the PDF, then dies before drawing it (the claim is committed; nothing else happens).
        demande_id, html = reserver(db.session)
        assert "CONFIRMATION DU DÉPÔT" in html
        ligne = db.session.get(ConfirmationADessiner, demande_id)
        assert ligne.tentatives == 1
        fin_du_bail = time.monotonic() + BAIL
        db.session.remove()
        db.engine.dispose()
    # While its lease runs, another worker leaves it alone…
    pendant = worker(app)
    assert pendant.returncode == 0 and dessinees(pendant.stdout) == 0, (pendant.stdout, pendant.stderr)
    assert time.monotonic() < fin_du_bail, "the machine is too slow for this lease: the check above proves nothing"
    assert pdfs_stockes(app) == []
    # …and takes it once the lease has ended.
    time.sleep(max(0.0, fin_du_bail - time.monotonic()) + 0.2)
    apres = worker(app)
    assert apres.returncode == 0 and dessinees(apres.stdout) == 1, (apres.stdout, apres.stderr)
    with app.app_context():
        assert db.session.get(Demande, demande_id).confirmation_sha256
        assert db.session.get(ConfirmationADessiner, demande_id) is None
    assert client.get(lien_pdf(confirmation)).data.startswith(b"%PDF-")


def test_le_lien_reste_quand_le_worker_dessine_entre_deux_lectures(app, client, demo):
    """A page read the application before the worker recorded its PDF (and deleted the queued row, in one commit):
    the link and the download are still there — found in one statement, never between the two writes (seen once
    under load, on PostgreSQL: the confirmation page without its link)."""
    _, confirmation = deposit(client, demo["CAS_2"], "CAS_2")
    with app.app_context():
        lue = db.session.scalars(select(Demande)).one()  # read before the worker: no PDF yet
        assert lue.confirmation_sha256 is None
        ailleurs = db.engine.connect()  # the worker's own connection records the PDF and drops the row
        with ailleurs.begin():
            ailleurs.execute(update(Demande).where(Demande.id == lue.id).values(confirmation_sha256="a" * 64))
            ailleurs.execute(ConfirmationADessiner.__table__.delete().where(
                ConfirmationADessiner.demande_id == lue.id))
        ailleurs.close()
        assert lue.confirmation_sha256 is None  # the page's object still says « not drawn »
        assert disponibles(db.session, [lue]) == {lue.id}
        assert sha256_de(db.session, lue.id) == "a" * 64


def test_le_worker_dessine_a_basse_priorite_les_requetes_passent_avant(app, client, demo, monkeypatch):
    """The worker draws on the web's cores: its drawing thread runs at a low CPU priority (nice 10), while the
    download that needs the PDF at once draws it at the request's own priority."""
    vues: list[int] = []
    dessiner = confirmations.html_en_pdf

    def html_en_pdf(html: str, *args, **kwargs) -> bytes:
        vues.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
        return dessiner(html, *args, **kwargs)

    monkeypatch.setattr(confirmations, "html_en_pdf", html_en_pdf)
    _, confirmation = deposit(client, demo["CAS_3"], "CAS_3")
    assert client.get(lien_pdf(confirmation)).data.startswith(b"%PDF-")  # drawn by the download, in its request
    deposit(client, demo["CAS_2"], "CAS_2")
    with app.app_context():
        assert dessiner_les_confirmations_dues(db.session) == {"dessinees": 1, "en_erreur": 0}
    assert vues == [os.getpriority(os.PRIO_PROCESS, 0), NICE_BASSE]
