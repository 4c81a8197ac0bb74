"""A real server process killed (SIGKILL) during a burst of deposits (F-48): nothing acknowledged is lost,
nothing is half done.

Eight applicants reach step 4 (through the test client, on the server's database); a real `flask run`
process then serves them; their « Déposer » are sent at once from eight threads, and the server is killed as
soon as three deposits are acknowledged, while the others are under way. Afterwards, read from the database
with a new app:
- every acknowledged deposit (302 to its confirmation) has its number, its confirmation PDF on disk and its
  confirmation mail in the outbox;
- every other application is either an intact draft (no number, its workflow still loads at the deposit step)
  or, if the kill came between the commit and the answer, a complete deposit as above — never something between.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import select

from app import clock, create_app
from app.extensions import db
from app.models import Courriel, Demande
from app.register import demo_people, import_rows
from tests.bases import Modele
from tests.dates import aujourdhui
from tests.web.conftest import CHEAP
from tests.web.helpers import to_depot

pytestmark = pytest.mark.feature("F-48")

ROOT = Path(__file__).resolve().parents[2]
NOMBRE = 8


def _port_libre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _applicants(app: Any) -> list[Any]:
    """Eight adults (CAS 3) with an account, made from the demo CAS 3 person."""
    from app.models import Compte, Personne

    modele, demo = demo_people(aujourdhui())[2]
    gens = []
    with app.app_context():
        for i in range(NOMBRE):
            numero = f"77000000{i:02d}"
            import_rows(db.session, [{**modele, "numero_etranger": numero, "nom_naissance": f"CRASH{i}"}])
            personne = db.session.scalar(select(Personne).where(Personne.numero_etranger == numero))
            db.session.add(Compte(personne_id=personne.id, email=f"{numero}@test.example.org",
                                  mot_de_passe=CHEAP.hash(demo.mot_de_passe)))
            gens.append(type(demo)(numero, demo.prenoms, f"CRASH{i}", demo.cas, demo.date_placement,
                                   demo.mot_de_passe))
        db.session.commit()
    return gens


def _serveur(base: str, instance: Path, documents: Path, port: int) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": base, "INSTANCE_DIR": str(instance),
           "DOCUMENTS_DIR": str(documents), "SECRET_KEY": "cle-de-test-crash"}
    serveur = subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "run", "--port", str(port)],
                               cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    fin = time.monotonic() + 30
    while time.monotonic() < fin:
        try:
            requests.get(f"http://127.0.0.1:{port}/", timeout=1)
            return serveur
        except requests.ConnectionError:
            time.sleep(0.1)
    serveur.kill()
    raise AssertionError("the server did not start")


def _pret_a_deposer(url_base: str, personne: Any, etape: str) -> tuple[requests.Session, dict[str, str]]:
    session = requests.Session()
    page = session.get(f"{url_base}/connexion", timeout=10).text
    jeton = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    reponse = session.post(f"{url_base}/connexion", timeout=10, allow_redirects=False, data={
        "csrf_token": jeton, "identifiant": personne.numero_etranger, "mot_de_passe": personne.mot_de_passe})
    assert reponse.status_code == 302, reponse.text[:300]
    page = session.get(url_base + etape, timeout=10).text
    assert "Étape 4 sur 5" in page
    donnees = {"csrf_token": re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1),
               "task_id": re.search(r'name="task_id" value="([^"]+)"', page).group(1),
               "action": "poursuivre", "observations": ""}
    return session, donnees


def test_serveur_tue_pendant_des_depots(demo_db: Modele, tmp_path: Path) -> None:
    base, instance, documents = demo_db.copie(tmp_path), tmp_path / "instance", tmp_path / "documents"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": base, "DOCUMENTS_DIR": documents})
    gens = _applicants(app)
    etapes = {}
    for personne in gens:
        etapes[personne.numero_etranger] = to_depot(app.test_client(), personne, "CAS_3")
    with app.app_context():
        db.session.remove()
        db.engine.dispose()

    port = _port_libre()
    url_base = f"http://127.0.0.1:{port}"
    serveur = _serveur(base, instance, documents, port)
    try:
        prets = [_pret_a_deposer(url_base, p, etapes[p.numero_etranger]) for p in gens]
        acquittes: dict[int, bool] = {}
        assez = threading.Event()
        verrou = threading.Lock()

        def deposer(i: int) -> None:
            session, donnees = prets[i]
            try:
                reponse = session.post(url_base + etapes[gens[i].numero_etranger], data=donnees, timeout=30,
                                       allow_redirects=False)
            except requests.RequestException:
                return  # killed before answering: not acknowledged
            with verrou:
                acquittes[i] = reponse.status_code == 302 and reponse.headers["Location"].endswith("/confirmation")
                if sum(acquittes.values()) >= 3:
                    assez.set()

        fils = [threading.Thread(target=deposer, args=(i,)) for i in range(NOMBRE)]
        for fil in fils:
            fil.start()
        assert assez.wait(60), f"fewer than three deposits acknowledged: {acquittes}"
        serveur.send_signal(signal.SIGKILL)
        serveur.wait(10)
        for fil in fils:
            fil.join(40)
    finally:
        if serveur.poll() is None:
            serveur.kill()
            serveur.wait(10)

    # The real worker command then draws the confirmation PDFs that the committed deposits queued.
    env = {**os.environ, "DATABASE_URL": base, "INSTANCE_DIR": str(instance), "DOCUMENTS_DIR": str(documents),
           "SECRET_KEY": "cle-de-test-crash", "MAIL_DOSSIER": str(tmp_path / "courriels")}
    travail = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "worker", "--une-fois"], cwd=ROOT,
                             env=env, capture_output=True, text=True, timeout=120)
    assert travail.returncode == 0 and "erreur" not in travail.stderr, travail.stderr
    verifie = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": base,
                          "DOCUMENTS_DIR": documents})
    bilan = {"acquittes": 0, "deposes_sans_reponse": 0, "brouillons": 0}
    with verifie.app_context():
        store = verifie.extensions["demandes"]
        for i, personne in enumerate(gens):
            ident = int(re.search(r"/demandes/(\d+)", etapes[personne.numero_etranger]).group(1))
            demande = db.session.get(Demande, ident)
            complete = demande.numero is not None
            if complete:
                assert re.fullmatch(r"[0-9]{19}", demande.numero)
                assert demande.confirmation_sha256 and (documents / demande.confirmation_sha256[:2]
                                                        / demande.confirmation_sha256).exists()
                assert db.session.scalar(select(Courriel.id).where(Courriel.demande_id == ident,
                                                                   Courriel.modele == "confirmation_depot"))
            else:
                assert not acquittes.get(i), f"deposit {ident} was acknowledged but is not deposited"
                assert demande.etat == "brouillon"
                with store.open(ident, clock.today(), write=False) as instance_wf:
                    assert [t.form for t in instance_wf.ready("Usager")] == ["depot"]
            if acquittes.get(i):
                bilan["acquittes"] += 1
            elif complete:
                bilan["deposes_sans_reponse"] += 1
            else:
                bilan["brouillons"] += 1
    assert bilan["acquittes"] >= 3
    print(f"après SIGKILL : {bilan}")
