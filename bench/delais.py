"""Benchmark 4 (F-47): a sweep of 10 000 due complement deadlines by two timer workers sharing them; target ≤ 60 s.

Run with `.venv/bin/python bench/delais.py [nombre] [--workers 2] [--lot 100]` (part of `make bench`). SQLite by
default (a fresh file, migrated); with DATABASE_URL=postgresql+psycopg://… a fresh database `bench_delais` is made on
that server, and dropped at the end.

The applications: one real one goes through the real web (deposit, complement asked, notification opened) with its
deadline moved into the past, then its `demande` and `etat_processus` rows are copied with new ids (tests/
delais_masse.py) — each copy fires the real BPMN and handlers (closure notification, mail queued, audit log).
Then `nombre` timers are swept by `--workers` processes of `flask delais-declencher` started together (each sweeps
everything due, batch after batch, sharing the batches through their leases). Prints the total wall time (process
start-up included), each worker's share, the seconds per 1 000 firings (median, p95 over consecutive groups of
1 000 `delai_echu` audit rows, by their time) and the workers' CPU time (a figure a loaded machine inflates less).
Checks every timer fired exactly once.

With `--profil`, no workers: the sweep runs in this process under pyinstrument, which prints the CPU time per
timer (this process only, the database server's excluded) and the profile (`--profil-html F` writes it as HTML).
With `--cpu`, the same in-process sweep without the profiler (whose overhead is about 2.4×): the CPU time per timer
and the SQL statements per timer (each one is the database server's CPU too), by kind.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("INSTANCE_DIR", tempfile.mkdtemp(prefix="bench-instance-"))
os.environ.setdefault("SECRET_KEY", "bench")

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import create_engine, func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import Demande, Evenement  # noqa: E402
from tests.delais_masse import cloner, declenchements, demande_echue, personnes_demo  # noqa: E402

CIBLE = 60.0
BASE_PG = "bench_delais"


def _base(dossier: Path) -> tuple[str, object]:
    """The database URL to use, and what to call to drop it (PostgreSQL) or None."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgresql"):
        return f"sqlite:///{dossier / 'bench.db'}", None
    serveur = create_engine(url, isolation_level="AUTOCOMMIT")
    with serveur.connect() as connexion:
        connexion.execute(text(f"DROP DATABASE IF EXISTS {BASE_PG}"))
        connexion.execute(text(f"CREATE DATABASE {BASE_PG}"))

    def supprimer() -> None:
        with serveur.connect() as connexion:
            connexion.execute(text(f"DROP DATABASE IF EXISTS {BASE_PG} WITH (FORCE)"))
        serveur.dispose()

    return make_url(url).set(database=BASE_PG).render_as_string(hide_password=False), supprimer


def _preparer(url: str, dossier: Path, nombre: int) -> list[int]:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "DOCUMENTS_DIR": dossier / "documents",
                      "MAIL_DOSSIER": dossier / "courriels", "SMTP_HOST": ""})
    with app.app_context():
        upgrade()
    resultat = app.test_cli_runner().invoke(args=["demo-charger"])
    assert resultat.exit_code == 0, resultat.output
    modele = demande_echue(app, app.test_client(), personnes_demo()["CAS_3"])
    debut = time.perf_counter()
    ids = [modele, *cloner(app, modele, nombre - 1)]
    print(f"{nombre} demandes au délai échu générées en {time.perf_counter() - debut:.1f} s", flush=True)
    with app.app_context():
        db.engine.dispose()
    return ids


def _par_millier(app_url: str, nombre: int) -> list[float]:
    """Seconds taken by each consecutive group of 1 000 firings (audit rows' times)."""
    moteur = create_engine(app_url)
    with moteur.connect() as connexion:
        instants = [t for (t,) in connexion.execute(
            select(Evenement.le).where(Evenement.nature == "delai_echu").order_by(Evenement.le))]
    moteur.dispose()
    groupe = min(1000, max(len(instants) // 2, 1))
    return [(instants[i + groupe - 1] - instants[i]).total_seconds() * 1000 / groupe
            for i in range(0, len(instants) - groupe + 1, groupe)]


def _profiler(url: str, dossier: Path, ids: list[int], lot: int, html: str | None) -> None:
    """The sweep in this process, under pyinstrument: CPU per timer and where it goes."""
    from pyinstrument import Profiler

    from app.timers import declencher_les_delais

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SMTP_HOST": "", "MAIL_DOSSIER": dossier / "courriels"})
    with app.app_context():
        profil = Profiler(interval=0.0005)
        debut, cpu = time.perf_counter(), time.process_time()
        with profil:
            bilan = declencher_les_delais(db.session, app.extensions["demandes"], lot=lot)
        cpu, total = time.process_time() - cpu, time.perf_counter() - debut
        db.engine.dispose()
    comptes = declenchements(app, ids)
    print(profil.output_text(unicode=True, color=False, show_all=False))
    if html:
        Path(html).write_text(profil.output_html())
    print(f"délais déclenchés : {len(bilan.declenches)} / {len(ids)} (audit : {len(comptes)}), erreurs : "
          f"{len(bilan.erreurs)} {list(bilan.erreurs.values())[:1]}")
    print(f"un processus, sous le profileur : {total:.1f} s, CPU {cpu * 1000 / max(len(bilan.declenches), 1):.2f} ms "
          f"par délai — charge : {os.getloadavg()[0]:.2f}")


def _mesurer(url: str, dossier: Path, ids: list[int], lot: int) -> None:
    """The sweep in this process, no profiler: CPU per timer and the SQL statements it sends, by kind."""
    from collections import Counter

    from sqlalchemy import event

    from app.timers import declencher_les_delais

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SMTP_HOST": "", "MAIL_DOSSIER": dossier / "courriels"})
    ordres: Counter[str] = Counter()
    with app.app_context():
        def compter(_conn: object, _curseur: object, sql: str, *_args: object) -> None:
            mots = sql.split(None, 3)
            ordres[" ".join(mots[:3] if mots[0] in ("INSERT", "DELETE") else mots[:1])] += 1

        event.listen(db.engine, "before_cursor_execute", compter)
        debut, cpu = time.perf_counter(), time.process_time()
        bilan = declencher_les_delais(db.session, app.extensions["demandes"], lot=lot)
        cpu, total = time.process_time() - cpu, time.perf_counter() - debut
        event.remove(db.engine, "before_cursor_execute", compter)
        db.engine.dispose()
    comptes = declenchements(app, ids)
    n = max(len(bilan.declenches), 1)
    print(f"délais déclenchés : {len(bilan.declenches)} / {len(ids)} (audit : {len(comptes)}), erreurs : "
          f"{len(bilan.erreurs)} {list(bilan.erreurs.values())[:1]}")
    print(f"un processus : {total:.1f} s, CPU {cpu * 1000 / n:.2f} ms par délai, {sum(ordres.values()) / n:.1f} "
          f"ordres SQL par délai ({', '.join(f'{k} {v / n:.2f}' for k, v in ordres.most_common())}) — charge : "
          f"{os.getloadavg()[0]:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("nombre", nargs="?", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--lot", type=int, default=100)
    parser.add_argument("--profil", action="store_true", help="the sweep in this process, under pyinstrument")
    parser.add_argument("--profil-html", metavar="FICHIER", help="with --profil: the profile as HTML too")
    parser.add_argument("--cpu", action="store_true", help="the sweep in this process: CPU and SQL per timer")
    args = parser.parse_args()
    dossier = Path(tempfile.mkdtemp(prefix="bench-delais-"))
    url, supprimer = _base(dossier)
    try:
        ids = _preparer(url, dossier, args.nombre)
        if args.profil:
            _profiler(url, dossier, ids, args.lot, args.profil_html)
            return
        if args.cpu:
            _mesurer(url, dossier, ids, args.lot)
            return
        env = {**os.environ, "DATABASE_URL": url, "SMTP_HOST": "", "MAIL_DOSSIER": str(dossier / "courriels")}
        print(f"Base : {make_url(url).get_backend_name()} — {args.workers} workers « flask delais-declencher "
              f"--lot {args.lot} » — charge : {os.getloadavg()[0]:.2f}", flush=True)
        avant = resource.getrusage(resource.RUSAGE_CHILDREN)
        debut = time.perf_counter()
        processus = [subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "delais-declencher",
                                       "--lot", str(args.lot)], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                      stderr=subprocess.STDOUT, text=True) for _ in range(args.workers)]
        sorties = [p.communicate()[0] for p in processus]
        total = time.perf_counter() - debut
        apres = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (apres.ru_utime - avant.ru_utime) + (apres.ru_stime - avant.ru_stime)
        for numero, (sortie, p) in enumerate(zip(sorties, processus, strict=True), 1):
            lignes = sortie.strip().splitlines() or ["(rien)"]
            print(f"  worker {numero} : {lignes[0] if p.returncode == 0 else ' / '.join(lignes[-3:])}")
        app = create_app({"SQLALCHEMY_DATABASE_URI": url})
        comptes = declenchements(app, ids)
        with app.app_context():
            restantes = db.session.scalar(select(func.count()).select_from(Demande).where(
                Demande.id.in_(ids), Demande.etat != "demande_cloturee"))
            db.engine.dispose()
        doubles = sum(1 for n in comptes.values() if n > 1)
        par_millier = sorted(_par_millier(url, args.nombre))
        p95 = par_millier[min(len(par_millier) - 1, round(0.95 * (len(par_millier) - 1)))]
        print(f"délais déclenchés : {len(comptes)} / {len(ids)}, restants : {restantes}, déclenchés deux fois : "
              f"{doubles}")
        print(f"total : {total:.1f} s (cible ≤ {CIBLE:.0f} s) — par 1 000 : médiane "
              f"{statistics.median(par_millier):.1f} s, p95 {p95:.1f} s — charge après : {os.getloadavg()[0]:.2f}")
        # Less sensitive to a loaded machine than the wall time: the workers' own CPU (not the database server's).
        print(f"CPU des workers : {cpu:.1f} s, {cpu * 1000 / max(len(comptes), 1):.1f} ms par délai — sur "
              f"{os.cpu_count()} cœurs libres, au mieux {cpu / (os.cpu_count() or 1):.1f} s")
        if restantes or doubles or len(comptes) != len(ids):
            sys.exit("ERREUR : des délais non déclenchés ou déclenchés deux fois")
    finally:
        if supprimer:
            supprimer()


if __name__ == "__main__":
    main()
