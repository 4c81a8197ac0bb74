"""The production server (F-47): gunicorn with several worker processes, started by its configuration file
(gunicorn.conf.py) as `make run` and `make serve` start it, serves whole deposits.

The server runs in its own process on a free port, on the test's database (SQLite file, or PostgreSQL in the
PostgreSQL run), with its own instance folder. Three applicants (the demo CAS 1, 2 and 3) go at the same time from
the login to the deposit's confirmation over HTTP: situation, preamble, steps 1 to 4 with their uploads, deposit.
gunicorn's access log (its pid field) then says which process served each request: every applicant's session was
honoured by more than one process (sessions and rate limits live in the database, not in a process), and the
deposits are in the database with their PDF. SIGTERM then stops the server and its processes cleanly.
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
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest
import requests
from sqlalchemy import select

from app.extensions import db
from app.models import Demande
from tests.web.helpers import ATTESTATIONS, step1_for, step2, step3_fields

pytestmark = pytest.mark.feature("F-47")

ROOT = Path(__file__).resolve().parents[2]
PROCESSUS = 3
CAS = ("CAS_1", "CAS_2", "CAS_3")
# One line of the access log (format of gunicorn.conf.py): request, status, user agent, pid, duration.
LIGNE = re.compile(r'"(?P<methode>[A-Z]+) (?P<chemin>\S+) HTTP/[\d.]+" (?P<statut>\d{3}) .* "(?P<agent>[^"]*)" '
                   r"<(?P<pid>\d+)> \d+$")


def _port_libre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _enfants(pid: int) -> set[int]:
    """The processes whose parent is `pid` (read from /proc)."""
    enfants = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            champs = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(champs[1]) == pid:
            enfants.add(int(stat.parent.name))
    return enfants


@dataclass
class Serveur:
    processus: subprocess.Popen
    url: str
    acces: Path
    sortie: Path
    workers: set[int]


@contextmanager
def gunicorn(app: Any, dossier: Path) -> Iterator[Serveur]:
    """gunicorn started as `make serve` starts it (its configuration file, settings from the environment)."""
    port = _port_libre()
    dossier.mkdir(parents=True, exist_ok=True)
    acces, sortie = dossier / "acces.log", dossier / "gunicorn.log"
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "INSTANCE_DIR": str(dossier),
           "DOCUMENTS_DIR": str(app.config["DOCUMENTS_DIR"]), "MAIL_DOSSIER": str(app.config["MAIL_DOSSIER"]),
           "SECRET_KEY": "cle-de-test-du-serveur-de-production-0123456789", "GUNICORN_BIND": f"127.0.0.1:{port}",
           "GUNICORN_WORKERS": str(PROCESSUS), "GUNICORN_ACCESS_LOG": str(acces)}
    with sortie.open("wb") as journal:
        processus = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py")],
                                     cwd=ROOT, env=env, stdout=journal, stderr=subprocess.STDOUT)
    serveur = Serveur(processus, f"http://127.0.0.1:{port}", acces, sortie, set())
    try:
        fin = time.monotonic() + 60
        while time.monotonic() < fin and processus.poll() is None:
            serveur.workers = _enfants(processus.pid)
            try:
                if len(serveur.workers) == PROCESSUS and requests.get(serveur.url + "/connexion", timeout=5).ok:
                    break
            except requests.ConnectionError:
                pass
            time.sleep(0.2)
        else:
            raise AssertionError(f"gunicorn did not start:\n{sortie.read_text()}")
        yield serveur
    finally:
        if processus.poll() is None:
            processus.send_signal(signal.SIGTERM)
            try:
                processus.wait(45)
            except subprocess.TimeoutExpired:
                processus.kill()
                processus.wait(10)


def _jeton(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def _formulaire(page: str, **champs: Any) -> dict[str, Any]:
    """The step form as a browser posts it: CSRF token, task id, the « poursuivre » button and the fields."""
    return {"csrf_token": _jeton(page), "task_id": re.search(r'name="task_id" value="([^"]+)"', page).group(1),
            "action": "poursuivre", **champs}


def _parcours(url: str, personne: Any, cas: str) -> tuple[requests.Session, str, str]:
    """Login to confirmation over HTTP; returns the session, the confirmation URL and its application number."""
    http = requests.Session()
    http.headers["User-Agent"] = f"essai-{cas}"

    def poster(chemin: str, donnees: dict[str, Any], fichiers: dict[str, Any] | None = None) -> str:
        reponse = http.post(urljoin(url, chemin), data=donnees, files=fichiers, timeout=60, allow_redirects=False)
        assert reponse.status_code == 302, (chemin, reponse.status_code, reponse.text[:500])
        return urljoin(url, reponse.headers["Location"])

    page = http.get(url + "/connexion", timeout=30).text
    assert not poster("/connexion", {"csrf_token": _jeton(page), "identifiant": personne.numero_etranger,
                                     "mot_de_passe": personne.mot_de_passe}).endswith("/connexion")
    page = http.get(url + "/titre-de-sejour", timeout=30).text
    poster("/titre-de-sejour", {"csrf_token": _jeton(page), "situation": "vulnerabilite", "motif": "ase"})
    page = http.get(url + "/titre-de-sejour/preambule", timeout=30).text
    etape = poster("/titre-de-sejour/commencer", {"csrf_token": _jeton(page)})

    page = http.get(etape, timeout=30).text
    assert "Étape 1 sur 5" in page
    poster(etape, _formulaire(page, **step1_for(cas)))
    page = http.get(etape, timeout=30).text
    assert "Étape 2 sur 5" in page
    poster(etape, _formulaire(page, **step2(personne.date_placement.isoformat(), ATTESTATIONS[cas])))
    page = http.get(etape, timeout=30).text
    assert "Étape 3 sur 5" in page
    champs = step3_fields(page)
    fichiers = {nom: (valeur[1], valeur[0].getvalue(), "image/png") for nom, valeur in champs.items()
                if isinstance(valeur, tuple)}
    assert fichiers, "step 3 asks for no file"
    poster(etape, _formulaire(page, **{k: v for k, v in champs.items() if k not in fichiers}), fichiers)
    page = http.get(etape, timeout=30).text
    assert "Étape 4 sur 5" in page, "step 3 was not passed"
    confirmation = poster(etape, _formulaire(page, observations=""))
    assert confirmation.endswith("/confirmation")
    page = http.get(confirmation, timeout=30)
    assert page.status_code == 200
    numero = re.search(r"N° de la demande : <strong>(\d+)</strong>", page.text)
    assert numero, page.text[:500]
    return http, confirmation, numero.group(1)


def test_gunicorn_plusieurs_processus_sert_des_depots(app: Any, demo: dict[str, Any], tmp_path: Path) -> None:
    with app.app_context():
        db.engine.dispose()  # the server's processes alone use the database from now on
    resultats: dict[str, tuple[requests.Session, str, str]] = {}
    erreurs: list[BaseException] = []

    def parcourir(cas: str) -> None:
        try:
            resultats[cas] = _parcours(serveur.url, demo[cas], cas)
        except BaseException as erreur:  # noqa: BLE001 - reported by the main thread
            erreurs.append(erreur)

    def relire(cas: str) -> None:
        """The confirmation page read again through a new connection, with the applicant's cookie only."""
        http, confirmation, numero = resultats[cas]
        reponse = requests.get(confirmation, cookies=http.cookies.get_dict(), timeout=30,
                               headers={"User-Agent": f"essai-{cas}"}, allow_redirects=False)
        if reponse.status_code != 200 or numero not in reponse.text:
            erreurs.append(AssertionError(f"{cas}: confirmation read again gave {reponse.status_code}"))

    with gunicorn(app, tmp_path / "serveur") as serveur:
        # The three journeys at once: each request goes to whichever process is free.
        fils = [threading.Thread(target=parcourir, args=(cas,)) for cas in CAS]
        for fil in fils:
            fil.start()
        for fil in fils:
            fil.join(180)
        assert not erreurs, erreurs
        # Then each applicant's page read by several requests at once, which several processes share.
        fils = [threading.Thread(target=relire, args=(cas,)) for cas in CAS for _ in range(2 * PROCESSUS)]
        for fil in fils:
            fil.start()
        for fil in fils:
            fil.join(60)
        assert not erreurs, erreurs
        for http, confirmation, _ in resultats.values():  # each confirmation PDF, drawn on demand by one process
            pdf = http.get(confirmation.removesuffix("/confirmation") + "/confirmation-de-depot.pdf", timeout=60)
            assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-"), pdf.status_code
        anonyme = requests.get(resultats["CAS_3"][1], timeout=30, allow_redirects=False)
        assert anonyme.status_code == 302 and "/connexion" in anonyme.headers["Location"]
        # A password link's token, in the address and then in the Referer of what its page loads: never in the log.
        lien = f"{serveur.url}/mot-de-passe?jeton=jeton-secret-du-courriel"
        requests.get(lien, timeout=30)
        requests.get(serveur.url + "/connexion", headers={"Referer": lien}, timeout=30)
        workers = set(serveur.workers)
        maitre = serveur.processus

        maitre.send_signal(signal.SIGTERM)
        assert maitre.wait(45) == 0, serveur.sortie.read_text()
    fin = time.monotonic() + 10
    while time.monotonic() < fin and any(Path(f"/proc/{pid}").exists() for pid in workers):
        time.sleep(0.1)
    assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()], "a worker process outlived the server"
    assert "Shutting down" in serveur.sortie.read_text()

    journal = serveur.acces.read_text()
    assert "/mot-de-passe" in journal and "jeton-secret-du-courriel" not in journal
    lignes = [m.groupdict() for m in map(LIGNE.search, journal.splitlines()) if m]
    assert not [ligne for ligne in lignes if ligne["statut"].startswith("5")]
    assert {int(ligne["pid"]) for ligne in lignes} <= workers
    for cas in CAS:
        siennes = [ligne for ligne in lignes if ligne["agent"] == f"essai-{cas}"]
        connexion = [i for i, ligne in enumerate(siennes) if (ligne["methode"], ligne["chemin"]) ==
                     ("POST", "/connexion")]
        assert len(connexion) == 1 and len(siennes) >= 17, siennes
        connectees = siennes[connexion[0] + 1:]
        # Logged in on one process, recognised by others: the session is not kept in a process.
        assert len({ligne["pid"] for ligne in connectees}) >= 2, connectees
        assert all(ligne["statut"] in {"200", "302"} for ligne in connectees), connectees

    with app.app_context():
        deposees = db.session.scalars(select(Demande).where(Demande.numero.is_not(None))).all()
        assert sorted(d.numero for d in deposees) == sorted(numero for _, _, numero in resultats.values())
        for demande in deposees:
            sha = demande.confirmation_sha256
            assert sha and (Path(app.config["DOCUMENTS_DIR"]) / sha[:2] / sha).is_file()


def test_make_serve_refuse_sans_cle_ni_base() -> None:
    """`make serve` never starts on a laptop's defaults: without SECRET_KEY or DATABASE_URL it stops at once, and
    says what to set, before installing or starting anything."""
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DATABASE_URL"}}
    sans_cle = subprocess.run(["make", "--no-print-directory", "serve"], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=60)
    assert sans_cle.returncode != 0
    assert "SECRET_KEY n'est pas fixée" in sans_cle.stderr and "gunicorn" not in sans_cle.stdout

    courte = subprocess.run(["make", "--no-print-directory", "serve"], cwd=ROOT, env={**env, "SECRET_KEY": "court"},
                            capture_output=True, text=True, timeout=60)
    assert courte.returncode != 0 and "SECRET_KEY est trop courte" in courte.stderr

    sans_base = subprocess.run(["make", "--no-print-directory", "serve"], cwd=ROOT, timeout=60, capture_output=True,
                               text=True, env={**env, "SECRET_KEY": "k" * 64})
    assert sans_base.returncode != 0
    assert "DATABASE_URL n'est pas fixée" in sans_base.stderr and "gunicorn" not in sans_base.stdout


def test_gunicorn_refuse_des_fichiers_de_processus_hors_contrat(tmp_path: Path) -> None:
    """Process files that break the contract: the server does not start, and says why in French (the list of
    problems, without a Python traceback), once, instead of starting its processes again and again."""
    vide = tmp_path / "bpmn"
    vide.mkdir()
    env = {**os.environ, "INSTANCE_DIR": str(tmp_path), "BPMN_DIR": str(vide), "SECRET_KEY": "k" * 64,
           "DATABASE_URL": f"sqlite:///{tmp_path / 'inutile.db'}", "GUNICORN_BIND": f"127.0.0.1:{_port_libre()}",
           "GUNICORN_WORKERS": str(PROCESSUS)}
    refus = subprocess.run([sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py")], cwd=ROOT,
                           env=env, capture_output=True, text=True, timeout=60)
    assert refus.returncode != 0
    assert "Les fichiers du processus ne respectent pas le contrat avec le code" in refus.stderr
    assert "aucun fichier BPMN trouvé" in refus.stderr and "Traceback" not in refus.stderr
    assert refus.stderr.count("ne respectent pas le contrat") == 1


@pytest.mark.feature("F-47")
def test_le_maitre_gele_l_application_avant_chaque_fork(app: Any) -> None:
    """What the master built before forking (app, parsed processes, templates) is frozen out of the garbage
    collector: a web process's full collection no longer walks it (a pause of about 100 ms measured without)."""
    import gc
    import runpy

    reglages = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    gc.unfreeze()
    try:
        vivants = len(gc.get_objects())
        reglages["pre_fork"](None, None)
        assert gc.get_freeze_count() >= vivants and len(gc.get_objects()) < vivants // 10
    finally:
        gc.unfreeze()
