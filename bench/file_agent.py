"""Benchmark 3 of issue 13 (F-47): the agents' queue over 100 000 applications, and « Mes demandes ».

Run with `.venv/bin/python bench/file_agent.py [--demandes 100000] [--repetitions 60]`: SQLite in a temporary
folder; with `DATABASE_URL=postgresql+psycopg://user@host:port/db` set, on that PostgreSQL server instead, in a
database `bench_file_agent` created (and dropped at the end) for the run. About a minute on SQLite for 100 000.

It builds the schema with the real migrations, loads the demo (`demo-charger`) and generates the applications with
`flask demo-volume`'s code (timed), then asks the real pages through Flask's test client (whole requests: routing,
session, queries, template), logged in as the Nord agent (the prefecture of about 60 % of the rows) and as one
generated applicant. Each scenario is asked `--repetitions` times after one warm-up of each URL; prints median and
p95 in ms of the wall-clock time (the target) and of this process's CPU time (less sensitive to other load on the
machine; on PostgreSQL the server's own CPU is not in it), and exits with 1 when a target is missed: queue p95 ≤
50 ms, « Mes demandes » p95 ≤ 20 ms. PostgreSQL gets a `VACUUM ANALYZE` after the load, as autovacuum would.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CIBLE_FILE_MS = 50.0
CIBLE_MES_DEMANDES_MS = 20.0
BASE_PG = "bench_file_agent"


def _url_de_la_base(dossier: Path) -> tuple[str, Callable[[], None]]:
    """SQLite in `dossier`, or a fresh database on the PostgreSQL server of DATABASE_URL (dropped by the callback)."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgresql"):
        return f"sqlite:///{dossier / 'file.db'}", lambda: None
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    serveur = create_engine(make_url(url), isolation_level="AUTOCOMMIT")

    def executer(sql: str) -> None:
        with serveur.connect() as connexion:
            connexion.execute(text(sql))

    executer(f"DROP DATABASE IF EXISTS {BASE_PG} WITH (FORCE)")
    executer(f"CREATE DATABASE {BASE_PG}")
    return make_url(url).set(database=BASE_PG).render_as_string(hide_password=False), \
        lambda: executer(f"DROP DATABASE IF EXISTS {BASE_PG} WITH (FORCE)")


def _mesurer(client, urls: list[str], repetitions: int,
             verifier: Callable[[str], None]) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU time (of this process: Flask, SQLAlchemy and, on SQLite, the database) per request, ms."""
    for url in urls:
        client.get(url)  # warm-up (template compiled, statement cache)
    durees, cpu = [], []
    for i in range(repetitions):
        url = urls[i % len(urls)]
        debut, debut_cpu = time.perf_counter(), time.process_time()
        reponse = client.get(url)
        durees.append((time.perf_counter() - debut) * 1000)
        cpu.append((time.process_time() - debut_cpu) * 1000)
        assert reponse.status_code == 200, (url, reponse.status_code)
        verifier(reponse.get_data(as_text=True))
    return durees, cpu


def csrf_token(page: str) -> str:
    return re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', page).group(1)


def _p95(valeurs: list[float]) -> float:
    return statistics.quantiles(valeurs, n=20, method="inclusive")[18]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demandes", type=int, default=100_000)
    parser.add_argument("--repetitions", type=int, default=60)
    args = parser.parse_args()

    dossier = Path(tempfile.mkdtemp(prefix="bench-file-agent-"))
    os.environ["INSTANCE_DIR"] = str(dossier)
    os.environ.setdefault("SECRET_KEY", "cle-du-banc-uniquement")
    url, effacer = _url_de_la_base(dossier)
    try:
        return _banc(url, dossier, args.demandes, args.repetitions)
    finally:
        effacer()
        shutil.rmtree(dossier, ignore_errors=True)


def _banc(url: str, dossier: Path, nombre: int, repetitions: int) -> int:
    from flask_migrate import upgrade
    from sqlalchemy import func, select, text

    from app import agents, create_app, volume
    from app.extensions import db
    from app.models import Compte, Demande, Personne

    base = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "DOCUMENTS_DIR": dossier / "documents",
                      "MAIL_DOSSIER": dossier / "courriels"})
    with app.app_context():
        upgrade()
    resultat = app.test_cli_runner().invoke(args=["demo-charger"])
    assert resultat.exit_code == 0, resultat.output
    with app.app_context():
        bilan = volume.generer(db.session, app.extensions["demandes"], nombre, ["59", "75"])
        print(f"{base} : {bilan.demandes} demandes générées en {bilan.secondes:.1f} s "
              f"({bilan.demandes / bilan.secondes:.0f} par seconde)")
        if base == "PostgreSQL":  # what autovacuum does soon after such a load: statistics and visibility map
            db.session.commit()
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connexion:
                connexion.execute(text("VACUUM ANALYZE"))
        nord = db.session.scalar(select(func.count()).select_from(Demande).where(
            Demande.departement == "59", Demande.numero.is_not(None)))
        # An applicant with two applications, and a name and a number to look for.
        compte_id = db.session.scalar(select(Demande.compte_id).group_by(Demande.compte_id)
                                      .having(func.count() > 1).order_by(Demande.compte_id).limit(1))
        numero_etranger = db.session.scalar(select(Personne.numero_etranger).join(
            Compte, Compte.personne_id == Personne.id).where(Compte.id == compte_id))
        numero = db.session.scalar(select(Demande.numero).where(Demande.departement == "59",
                                                                Demande.numero.is_not(None)).limit(1))
    print(f"  demandes déposées dans le Nord (59) : {nord}")

    agent = app.test_client()
    page = agent.get("/agent/connexion").get_data(as_text=True)
    assert agent.post("/agent/connexion", data={"csrf_token": csrf_token(page), "email": agents.DEMO[0].email,
                                                "mot_de_passe": agents.DEMO[0].mot_de_passe}).status_code == 302
    milieu = max(1, nord // 20 // 2)
    suivante = re.search(r'href="([^"]+)"[^>]*>Page suivante', agent.get(f"/agent/demandes?page={milieu}")
                         .get_data(as_text=True))
    assert suivante, "no « Page suivante » link in the middle of the queue"
    scenarios = {
        "file : page par défaut": ["/agent/demandes"],
        "file : filtre par état": ["/agent/demandes?etat=decider", "/agent/demandes?etat=a_traiter",
                                   "/agent/demandes?etat=toutes", "/agent/demandes?affectation=personne"],
        "file : tri": ["/agent/demandes?tri=nom", "/agent/demandes?tri=numero", "/agent/demandes?tri=depot_recent",
                       "/agent/demandes?tri=nom&etat=toutes"],
        "file : recherche nom ou n°": ["/agent/demandes?q=diallo", f"/agent/demandes?q={numero[-7:]}",
                                       "/agent/demandes?q=Aminata+KONE", f"/agent/demandes?q={numero}"],
        # Thousands of matches: « plus de 1 000 », the first ones listed, not counted (words of 1 and 3 letters).
        "file : recherche large (plus de 1 000)": ["/agent/demandes?q=a", "/agent/demandes?q=mar&tri=nom"],
        "file : page profonde (n° au milieu)": [f"/agent/demandes?page={milieu}",
                                               f"/agent/demandes?page={milieu}&tri=nom",
                                               f"/agent/demandes?page={milieu}&tri=numero"],
        "file : page profonde (suivante, dernière)": [suivante.group(1).replace("&amp;", "&"),
                                                     "/agent/demandes?page=1000000"],
    }

    def une_file(html: str) -> None:
        assert 'id="resultats"' in html

    mesures: dict[str, tuple[list[float], list[float]]] = {}
    for nom, urls in scenarios.items():
        mesures[nom] = _mesurer(agent, urls, repetitions, une_file)

    usager = app.test_client()
    page = usager.get("/connexion").get_data(as_text=True)
    assert usager.post("/connexion", data={"csrf_token": csrf_token(page), "identifiant": numero_etranger,
                                           "mot_de_passe": volume.MOT_DE_PASSE}).status_code == 302

    def ses_demandes(html: str) -> None:
        assert html.count('data-label="N° de la demande"') >= 2

    mesures["Mes demandes (usager, 2 demandes)"] = _mesurer(usager, ["/mes-demandes"], repetitions, ses_demandes)

    print(f"{'scénario':<44} {'médiane':>9} {'p95':>9}  {'CPU méd.':>9} {'CPU p95':>9}  cible (p95)")
    manque = False
    for nom, (durees, cpu) in mesures.items():
        cible = CIBLE_MES_DEMANDES_MS if nom.startswith("Mes demandes") else CIBLE_FILE_MS
        p95 = _p95(durees)
        manque |= p95 > cible
        print(f"{nom:<44} {statistics.median(durees):>7.1f}ms {p95:>7.1f}ms  {statistics.median(cpu):>7.1f}ms "
              f"{_p95(cpu):>7.1f}ms  ≤ {cible:.0f} ms {'OK' if p95 <= cible else 'MANQUÉE'}")
    print(f"charge de la machine (uptime) : {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} "
          f"{os.getloadavg()[2]:.2f}")
    return 1 if manque else 0


if __name__ == "__main__":
    sys.exit(main())
