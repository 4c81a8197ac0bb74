"""Benchmark 2 of issue 13 (F-47): full applicant journeys against gunicorn, with Locust headless.

Run with `make bench` or `.venv/bin/python bench/parcours.py [--workers N] [--duree-a 60] [--duree-palier 20]
[--paliers 2,4,6,8,12,16] [--seulement a|b]`. On SQLite (a fresh file) by default; with DATABASE_URL
(`postgresql+psycopg://user@host:port/db`), on PostgreSQL: a fresh database `bench_parcours_<pid>` is created on
that server for the run and dropped after. Loopback only; a few minutes in all.

It builds a fresh instance (real migrations, `flask demo-charger`) and generates the applicants the journeys need
through the real register (`register.import_rows`, CAS 3 rows, n° étranger 598xxxxxxx), each with an account and a
known password hashed at the production Argon2 parameters (the login is measured as it is in production); starts
`.venv/bin/gunicorn -w N 'app:create_app()'` on a free port; then runs bench/locust_parcours.py (one journey =
16 pages: login, situation, preamble, steps 1–4 with a PNG in every file input of step 3, deposit → confirmation,
logout; see that file), after 10 s of unmeasured warm-up:
  (a) 50 applicants pausing 1 s between pages — target: p95 of every page ≤ 150 ms, 0 errors;
  (b) no pauses, more and more users (`--paliers`): requests/s and p95 at each level — the figure is the highest
      requests/s with p95 (all pages) ≤ 150 ms, target ≥ 150 on a 2-core machine.
The machine's load average is printed with each figure (a shared machine makes them noisy). Exits 1 when a target
is missed. The server, the database and the folder are removed at the end, whatever happens.
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
LOCUSTFILE = Path(__file__).resolve().parent / "locust_parcours.py"
MOT_DE_PASSE = "Bench-Parcours-1!"
CIBLE_P95_MS = 150
CIBLE_RPS = 150
DEBIT_MAX = 250  # requests/s (b) may reach before its applicants run out (a user without one stops)
COMPTES_A = 0  # set in main(), from the durations: one fresh applicant per journey
COMPTES_PALIER = 0
URL_BASE = ""  # set in main(): the measured instance's database
ECHAUFFEMENT_S, COMPTES_ECHAUFFEMENT = 10, 200
PAGES_PAR_PARCOURS = 16


def charge() -> str:
    un, cinq, quinze = os.getloadavg()
    return f"load {un:.2f} {cinq:.2f} {quinze:.2f} ({os.cpu_count()} CPU)"


# --- The instance ---------------------------------------------------------------------------------------------


def base_postgresql(url: str) -> tuple[str, str]:
    """A fresh database on the server of `url`: (its URL, the admin URL to drop it with)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    nom = f"bench_parcours_{os.getpid()}"
    admin = make_url(url)
    moteur = create_engine(admin, isolation_level="AUTOCOMMIT")
    with moteur.connect() as connexion:
        connexion.execute(text(f'DROP DATABASE IF EXISTS "{nom}"'))
        connexion.execute(text(f'CREATE DATABASE "{nom}"'))
    moteur.dispose()
    return admin.set(database=nom).render_as_string(hide_password=False), admin.render_as_string(hide_password=False)


def supprimer_base_postgresql(admin_url: str, url: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    moteur = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with moteur.connect() as connexion:
        connexion.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    moteur.dispose()


def preparer(environnement: dict[str, str], nombre: int) -> str:
    """Migrations, demo data and `nombre` applicants with accounts (in a child process: the same settings as the
    server). Returns the ASE placement date step 2 asks for (the CAS 3 person's)."""
    code = f"""
import sys
from flask_migrate import upgrade
from app import clock, create_app, mots_de_passe
from app.extensions import db
from app.models import Compte, Personne
from app.register import demo_people, import_rows

app = create_app()
with app.app_context():
    upgrade()
    assert app.test_cli_runner().invoke(args=["demo-charger"]).exit_code == 0
    ligne, personne = next((r, p) for r, p in demo_people(clock.today()) if p.cas.startswith("CAS 3"))
    numeros = [f"598{{i:07d}}" for i in range({nombre})]
    import_rows(db.session, [{{**ligne, "numero_etranger": n}} for n in numeros])
    empreinte = mots_de_passe.hacher({MOT_DE_PASSE!r})  # one hash for all: same cost to verify, made once
    ids = dict(db.session.execute(db.select(Personne.numero_etranger, Personne.id)
                                  .where(Personne.numero_etranger.in_(numeros))).all())
    db.session.add_all([Compte(personne_id=ids[n], email=f"{{n}}@bench.example.org", mot_de_passe=empreinte,
                               cree_le=clock.now(), email_confirme_le=clock.now()) for n in numeros])
    db.session.commit()
    print(personne.date_placement.isoformat())
"""
    sortie = subprocess.run([sys.executable, "-c", code], env=environnement, cwd=ROOT, capture_output=True, text=True,
                            timeout=900)
    if sortie.returncode != 0:
        raise RuntimeError(f"préparation échouée :\n{sortie.stderr[-3000:]}")
    return sortie.stdout.strip().splitlines()[-1]


def port_libre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def demarrer_gunicorn(environnement: dict[str, str], workers: int, port: int, dossier: Path) -> subprocess.Popen:
    serveur = subprocess.Popen(
        [str(BIN / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}", "--timeout", "120",
         "--error-logfile", str(dossier / "gunicorn.log"), "app:create_app()"],
        env=environnement, cwd=ROOT, start_new_session=True)
    limite = time.monotonic() + 120
    while time.monotonic() < limite:
        if serveur.poll() is not None:
            raise RuntimeError(f"gunicorn s'est arrêté : {(dossier / 'gunicorn.log').read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/connexion", timeout=5) as reponse:
                if reponse.status == 200:
                    return serveur
        except OSError:
            time.sleep(0.5)
    raise RuntimeError("gunicorn ne répond pas")


def demarrer_worker(environnement: dict[str, str], dossier: Path) -> subprocess.Popen:
    """The background worker, as `make run` starts it beside gunicorn: the deposits' PDFs and mails it does are on
    the same CPUs as the pages measured."""
    with (dossier / "worker.log").open("wb") as journal:
        return subprocess.Popen([str(BIN / "flask"), "--app", "app", "worker"], env=environnement, cwd=ROOT,
                                stdout=journal, stderr=subprocess.STDOUT, start_new_session=True)


def bilan_worker(dossier: Path) -> str:
    journal = (dossier / "worker.log").read_text(errors="replace")
    pdfs = sum(int(m) for m in re.findall(r"confirmations de dépôt dessinées : (\d+)", journal))
    erreurs = journal.count("erreur du worker")
    return f"worker : {pdfs} confirmations de dépôt dessinées pendant la mesure, {erreurs} erreur(s)"


def pdf_en_attente() -> str:
    """The confirmations deposited but not drawn yet: the worker draws at low priority, after the pages; a queue that
    grows level after level is work the measured rate did not pay for."""
    from sqlalchemy import create_engine, text

    moteur = create_engine(URL_BASE)
    try:
        with moteur.connect() as connexion:
            n = connexion.execute(text("SELECT count(*) FROM confirmation_a_dessiner")).scalar_one()
    finally:
        moteur.dispose()
    return f"{n} PDF de dépôt en attente du worker"


def arreter(serveur: subprocess.Popen) -> None:
    if serveur.poll() is None:
        os.killpg(serveur.pid, signal.SIGTERM)  # its own session: the master and its workers, nothing else
        try:
            serveur.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(serveur.pid, signal.SIGKILL)
            serveur.wait(timeout=30)


# --- Locust runs ----------------------------------------------------------------------------------------------


def locust(port: int, dossier: Path, nom: str, utilisateurs: int, duree: int, pause: float, premier: int,
           nombre: int, placement: str, par_seconde: int) -> list[dict[str, str]]:
    """One headless Locust run (`par_seconde` users started per second); its statistics rows (one per page, then
    « Aggregated »)."""
    environnement = {**os.environ, "BENCH_PAUSE": str(pause), "BENCH_PREMIER": str(premier),
                     "BENCH_NOMBRE": str(nombre), "BENCH_MOT_DE_PASSE": MOT_DE_PASSE, "BENCH_PLACEMENT": placement}
    prefixe = dossier / nom
    execution = subprocess.run(
        [str(BIN / "locust"), "-f", str(LOCUSTFILE), "--headless", "--host", f"http://127.0.0.1:{port}",
         "-u", str(utilisateurs), "-r", str(par_seconde), "-t", f"{duree}s", "--stop-timeout", "10",
         "--csv", str(prefixe), "--only-summary", "--loglevel", "WARNING", "--exit-code-on-error", "0"],
        env=environnement, cwd=ROOT, capture_output=True, text=True, timeout=duree + 120)
    if execution.returncode != 0:
        raise RuntimeError(f"locust a échoué :\n{execution.stderr[-3000:]}")
    with open(f"{prefixe}_stats.csv", newline="") as fichier:
        lignes = list(csv.DictReader(fichier))
    echecs = Path(f"{prefixe}_failures.csv")
    if echecs.exists():
        for ligne in list(csv.DictReader(echecs.open(newline="")))[:5]:
            print(f"    échec : {ligne['Name']} × {ligne['Occurrences']} : {ligne['Error'][:160]}")
    return lignes


def total(lignes: list[dict[str, str]]) -> dict[str, str]:
    return next(ligne for ligne in lignes if ligne["Name"] == "Aggregated")


def scenario_a(port: int, dossier: Path, duree: int, placement: str) -> bool:
    print(f"(a) 50 usagers, 1 s de pause entre les pages, {duree} s — {charge()}")
    lignes = locust(port, dossier, "a", 50, duree, 1.0, 0, COMPTES_A, placement, 10)  # arriving over 5 s
    pages = [ligne for ligne in lignes if ligne["Name"] != "Aggregated"]
    print(f"    {'page':<20} {'requêtes':>8} {'échecs':>6} {'médiane':>8} {'p95':>6} {'max':>6}")
    for ligne in pages:
        print(f"    {ligne['Name']:<20} {ligne['Request Count']:>8} {ligne['Failure Count']:>6} "
              f"{float(ligne['50%']):>6.0f}ms {float(ligne['95%']):>4.0f}ms "
              f"{float(ligne['Max Response Time']):>4.0f}ms")
    agg = total(lignes)
    pire = max(pages, key=lambda ligne: float(ligne["95%"]))
    ok = int(agg["Failure Count"]) == 0 and float(pire["95%"]) <= CIBLE_P95_MS and int(agg["Request Count"]) > 0
    print(f"    toutes pages : {agg['Request Count']} requêtes, {float(agg['Requests/s']):.1f} req/s, médiane "
          f"{float(agg['50%']):.0f} ms, p95 {float(agg['95%']):.0f} ms ; pire p95 par page {float(pire['95%']):.0f} ms "
          f"({pire['Name']}) ; échecs {agg['Failure Count']} — cible p95 par page ≤ {CIBLE_P95_MS} ms, 0 échec : "
          f"{'ATTEINTE' if ok else 'MANQUÉE'} — {charge()} ; {pdf_en_attente()}")
    return ok




def scenario_b(port: int, dossier: Path, paliers: list[int], duree: int, placement: str) -> bool:
    print(f"(b) sans pause, {duree} s par palier — {charge()}")
    meilleur = 0.0
    for n, utilisateurs in enumerate(paliers):
        lignes = locust(port, dossier, f"b{utilisateurs}", utilisateurs, duree, 0.0,
                        COMPTES_A + n * COMPTES_PALIER, COMPTES_PALIER, placement, utilisateurs)
        agg = total(lignes)
        pages = [ligne for ligne in lignes if ligne["Name"] != "Aggregated"]
        pire = max(pages, key=lambda ligne: float(ligne["95%"])) if pages else agg
        rps, p95, echecs = float(agg["Requests/s"]), float(agg["95%"]), int(agg["Failure Count"])
        tenu = p95 <= CIBLE_P95_MS and echecs == 0
        if tenu:
            meilleur = max(meilleur, rps)
        print(f"    {utilisateurs:>3} usagers : {rps:6.1f} req/s, médiane {float(agg['50%']):.0f} ms, p95 {p95:.0f} ms "
              f"(pire page {pire['Name']} {float(pire['95%']):.0f} ms), échecs {echecs} — {charge()} ; "
              f"{pdf_en_attente()}")
        if p95 > 3 * CIBLE_P95_MS:
            break  # well past the knee: more users only queue
    ok = meilleur >= CIBLE_RPS
    print(f"    débit le plus haut avec p95 ≤ {CIBLE_P95_MS} ms : {meilleur:.1f} req/s — cible ≥ {CIBLE_RPS} : "
          f"{'ATTEINTE' if ok else 'MANQUÉE'}")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, default=max(2, os.cpu_count() or 1))  # gunicorn.conf.py's default
    parser.add_argument("--duree-a", type=int, default=60)
    parser.add_argument("--duree-palier", type=int, default=20)
    parser.add_argument("--paliers", default="2,4,6,8,12,16")
    parser.add_argument("--seulement", choices=["a", "b"])
    args = parser.parse_args()
    paliers = [int(p) for p in args.paliers.split(",")]
    global COMPTES_A, COMPTES_PALIER, URL_BASE  # noqa: PLW0603 - sized once from the arguments
    COMPTES_A = 50 * (args.duree_a // PAGES_PAR_PARCOURS + 2)  # a journey lasts more than 16 s with the pauses
    COMPTES_PALIER = DEBIT_MAX * args.duree_palier // PAGES_PAR_PARCOURS + max(paliers)

    dossier = Path(tempfile.mkdtemp(prefix="bench-parcours-"))
    url_demandee = os.environ.get("DATABASE_URL", "")
    admin_url = None
    serveur = worker = None
    try:
        if url_demandee.startswith("postgresql"):
            url, admin_url = base_postgresql(url_demandee)
            base = "PostgreSQL"
        else:
            url, base = f"sqlite:///{dossier / 'bench.db'}", "SQLite"
        URL_BASE = url
        environnement = {**os.environ, "INSTANCE_DIR": str(dossier), "SECRET_KEY": "bench-parcours",
                         "DATABASE_URL": url, "DOCUMENTS_DIR": str(dossier / "documents"),
                         "MAIL_DOSSIER": str(dossier / "courriels"),
                         "GUNICORN_ACCESS_LOG": ""}  # gunicorn.conf.py: no access log (the bench's own cost)
        debut = time.perf_counter()
        mesures = COMPTES_A + len(paliers) * COMPTES_PALIER
        placement = preparer(environnement, mesures + COMPTES_ECHAUFFEMENT)
        print(f"parcours : {base}, gunicorn {args.workers} workers (sync) ; "
              f"{mesures + COMPTES_ECHAUFFEMENT} usagers préparés en {time.perf_counter() - debut:.0f} s")
        port = port_libre()
        serveur = demarrer_gunicorn(environnement, args.workers, port, dossier)
        worker = demarrer_worker(environnement, dossier)
        # Not measured: each worker process compiles its templates and opens its connections at its first pages.
        locust(port, dossier, "echauffement", 8, ECHAUFFEMENT_S, 0.0, mesures, COMPTES_ECHAUFFEMENT, placement, 8)
        ok = True
        if args.seulement in (None, "a"):
            ok &= scenario_a(port, dossier, args.duree_a, placement)
        if args.seulement in (None, "b"):
            ok &= scenario_b(port, dossier, paliers, args.duree_palier, placement)
        if serveur.poll() is not None:
            print("gunicorn s'est arrêté pendant la mesure")
            ok = False
        print(bilan_worker(dossier))
        return 0 if ok else 1
    finally:
        if worker is not None:
            arreter(worker)
        if serveur is not None:
            arreter(serveur)
        if admin_url is not None:
            supprimer_base_postgresql(admin_url, url)
        shutil.rmtree(dossier, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
