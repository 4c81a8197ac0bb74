"""CPU per journey, page by page, in one process (no server, no load tool): where bench/parcours.py's time goes.

Run with `.venv/bin/python bench/profil_parcours.py [journeys] [--profil PAGE]`. Builds a fresh SQLite instance
(real migrations, demo data, CAS 3 applicants with accounts at the production Argon2 parameters), then walks the
same journey as bench/locust_parcours.py with Flask's test client (CSRF on), and prints the CPU time (process time)
of each page: median over the journeys, and the total per journey. With `--profil "POST étape 1"` (a page name as
printed), that page is run under pyinstrument in every journey and its merged profile printed; with `--cprofile` as
well, under cProfile timed by process_time instead (CPU only, exact call counts: readable on a busy machine), and with
`--requetes`, the number of SQL statements of each page (median).
"""

from __future__ import annotations

import argparse
import io
import os
import re
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DOSSIER = Path(tempfile.mkdtemp(prefix="bench-profil-"))
os.environ["INSTANCE_DIR"] = str(DOSSIER)
os.environ.setdefault("SECRET_KEY", "bench-profil")

from flask_migrate import upgrade  # noqa: E402

from app import clock, create_app, mots_de_passe  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import Compte, Personne  # noqa: E402
from app.register import demo_people, import_rows  # noqa: E402
from bench.locust_parcours import EPHOTO, PNG, STEP1, champ  # noqa: E402

MOT_DE_PASSE = "Bench-Profil-1!"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("parcours", type=int, nargs="?", default=10)
    parser.add_argument("--profil", default="")
    parser.add_argument("--cprofile", action="store_true")
    parser.add_argument("--requetes", action="store_true")
    args = parser.parse_args()

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{DOSSIER / 'bench.db'}",
                      "DOCUMENTS_DIR": DOSSIER / "documents", "MAIL_DOSSIER": DOSSIER / "courriels"})
    with app.app_context():
        upgrade()
        assert app.test_cli_runner().invoke(args=["demo-charger"]).exit_code == 0
        ligne, personne = next((r, p) for r, p in demo_people(clock.today()) if p.cas.startswith("CAS 3"))
        numeros = [f"597{i:07d}" for i in range(args.parcours)]
        import_rows(db.session, [{**ligne, "numero_etranger": n} for n in numeros])
        empreinte = mots_de_passe.hacher(MOT_DE_PASSE)
        for n in numeros:
            pid = db.session.scalar(db.select(Personne.id).filter_by(numero_etranger=n))
            db.session.add(Compte(personne_id=pid, email=f"{n}@bench.example.org", mot_de_passe=empreinte))
        db.session.commit()
        placement = personne.date_placement.isoformat()
    step2 = {"date_prise_en_charge_ase": placement, "date_entree_france": "2020-01-15",
             "situation_familiale": "Célibataire", "enfants_a_charge": "non", "attestation_polygamie": "y",
             "attestation_sanctions": "y"}

    profiler: Any = None
    if args.profil and args.cprofile:
        import cProfile

        profiler = cProfile.Profile(time.process_time)
        profiler.start, profiler.stop = profiler.enable, profiler.disable
    elif args.profil:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0005)
    cpu: dict[str, list[float]] = defaultdict(list)
    requetes: dict[str, list[int]] = defaultdict(list)
    compte = [0]
    enonces: list[str] = []  # the current page's SQL (with --requetes); the profiled page's is printed
    enonces_profil: list[str] = []
    if args.requetes:
        from sqlalchemy import event

        def compter(_connexion: Any, _curseur: Any, enonce: str, *_: Any) -> None:
            compte[0] += 1
            enonces.append(" ".join(enonce.split())[:150])

        with app.app_context():
            event.listen(db.engine, "before_cursor_execute", compter)

    def mesure(nom: str, methode: Any, url: str, **donnees: Any) -> Any:
        if profiler is not None and nom == args.profil:
            profiler.start()
        compte[0] = 0
        enonces.clear()
        debut = time.process_time()
        reponse = methode(url, **donnees)
        cpu[nom].append(time.process_time() - debut)
        requetes[nom].append(compte[0])
        if nom == args.profil:
            enonces_profil[:] = enonces
        if profiler is not None and nom == args.profil:
            profiler.stop()
        if reponse.status_code >= 400:
            raise RuntimeError(f"{nom}: HTTP {reponse.status_code}")
        return reponse

    for numero in numeros:
        client = app.test_client()
        page = mesure("GET connexion", client.get, "/connexion").get_data(as_text=True)
        mesure("POST connexion", client.post, "/connexion", data={
            "csrf_token": champ(page, "csrf_token"), "identifiant": numero, "mot_de_passe": MOT_DE_PASSE})
        page = mesure("GET situation", client.get, "/titre-de-sejour").get_data(as_text=True)
        mesure("POST situation", client.post, "/titre-de-sejour", data={
            "csrf_token": champ(page, "csrf_token"), "situation": "vulnerabilite", "motif": "ase"})
        page = mesure("GET préambule", client.get, "/titre-de-sejour/preambule").get_data(as_text=True)
        url = mesure("POST commencer", client.post, "/titre-de-sejour/commencer", data={
            "csrf_token": champ(page, "csrf_token")}).location
        fin = url
        for etape, valeurs in ((1, STEP1), (2, step2), (3, None), (4, {"observations": ""})):
            page = mesure(f"GET étape {etape}", client.get, url).get_data(as_text=True)
            assert f"Étape {etape} sur 5" in page, etape
            fichiers = {}
            if valeurs is None:
                for balise in re.findall(r"<input[^>]*>", page):
                    nom = re.search(r'\bname="([^"]+)"', balise)
                    if nom and 'type="file"' in balise:
                        fichiers[nom.group(1)] = [(io.BytesIO(PNG), "piece.png", "image/png")]
                valeurs = {"ephoto": EPHOTO} if 'name="ephoto"' in page else {}
            donnees = {"csrf_token": champ(page, "csrf_token"), "task_id": champ(page, "task_id"),
                       "action": "poursuivre", **valeurs, **fichiers}
            fin = mesure(f"POST étape {etape}", client.post, url, data=donnees).location
        assert fin.endswith("/confirmation"), fin
        page = mesure("GET confirmation", client.get, fin).get_data(as_text=True)
        mesure("POST déconnexion", client.post, "/deconnexion", data={"csrf_token": champ(page, "csrf_token")})

    par_parcours = sum(statistics.median(v) for v in cpu.values())
    print(f"{args.parcours} parcours ; CPU par page (médiane) — load {os.getloadavg()[0]:.2f}")
    for nom, valeurs in cpu.items():
        sql = f"  {statistics.median(requetes[nom]):4.0f} requêtes SQL" if args.requetes else ""
        print(f"  {nom:<18} {statistics.median(valeurs) * 1000:7.1f} ms{sql}")
    print(f"  {'par parcours':<18} {par_parcours * 1000:7.1f} ms (somme des médianes)")
    for enonce in enonces_profil:
        print("   ", enonce)
    if profiler is not None and args.cprofile:
        import pstats

        if os.environ.get("PROFIL_FICHIER"):  # the raw profile, for pstats (e.g. print_callers)
            profiler.dump_stats(os.environ["PROFIL_FICHIER"])
        statistiques = pstats.Stats(profiler).strip_dirs()
        statistiques.sort_stats("tottime").print_stats(35)
        statistiques.sort_stats("cumulative").print_stats(60)
    elif profiler is not None:
        print(profiler.output_text(unicode=True, color=False, show_all=False))


if __name__ == "__main__":
    main()
