"""Benchmark: the deposit confirmation PDF (F-24): what the deposit does, and what the worker does (F-47).

Run with `make bench` (or `.venv/bin/python bench/pdf.py [rounds]`). Prints, wall-clock and CPU medians:
the operator `produire_confirmation` as the deposit runs it (render the HTML, queue it: no PDF drawn in the
request); the worker's job per PDF (claim, draw with xhtml2pdf and the DejaVu font registered once per process,
store under the SHA-256, record; target ≤ 50 ms); the drawing and the storing alone; the first deposit of the process.

The application is a real one deposited through app/workflow on SQLite (the demo CAS 2 person, whose name
has accents); each round gives it another number, so each round draws and writes a new file.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("INSTANCE_DIR", tempfile.mkdtemp(prefix="bench-instance-"))
os.environ.setdefault("SECRET_KEY", "bench")

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import delete  # noqa: E402

from app import clock, create_app, documents  # noqa: E402
from app.confirmations import dessiner_les_confirmations_dues  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import Compte, ConfirmationADessiner, Personne  # noqa: E402
from app.pdf import html_en_pdf, render_html  # noqa: E402
from app.tasks import produire_confirmation  # noqa: E402
from app.tasks.identite import identite  # noqa: E402
from app.workflow.store import TaskContext  # noqa: E402

TARGET_MS = 50
STEP1 = {"emancipe": True, "adresse": "3 Allée de l'Étang", "outre_mer": False, "numero_voie": "3",
         "voie": "Allée de l'Étang", "complement": "Bâtiment Ève", "code_postal": "42000", "ville": "Saint-Étienne",
         "pays": "FRANCE", "code_insee": "42218", "telephone": "0101010101"}


def deposed_application(app) -> TaskContext:
    """The demo CAS 2 person's application, deposited through the store (number, PDF and mail included)."""
    store = app.extensions["demandes"]
    compte = db.session.scalars(db.select(Compte).join(Personne).where(Personne.numero_etranger == "5908002011")).one()
    born = compte.personne.date_naissance
    today = clock.today()
    demande = store.create(compte, {"date_naissance": born, "email": compte.email}, today)
    step2 = {"date_prise_en_charge_ase": born.replace(year=born.year + 14), "date_entree_france": date(2020, 1, 15),
             "situation_familiale": "Célibataire", "date_debut_union": None, "pays_union": "",
             "enfants_a_charge": False, "attestations_cochees": ["travail", "polygamie", "sanctions"]}
    for values in (STEP1, step2, {}, {"observations": ""}):
        with store.open(demande.id, today) as instance:
            instance.complete(instance.ready("Usager")[0].id, values, "bench")
    assert demande.numero and db.session.get(ConfirmationADessiner, demande.id) is not None
    with store.open(demande.id, today, write=False) as instance:
        data = instance.data()
    return TaskContext(demande, db.session, today, data=data)


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    tmp = Path(tempfile.mkdtemp(prefix="bench-pdf-"))
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'bench.db'}", "DOCUMENTS_DIR": tmp / "documents"})
    with app.app_context():
        upgrade()
        assert app.test_cli_runner().invoke(args=["demo-charger"]).exit_code == 0
        started = time.perf_counter()
        ctx = deposed_application(app)  # includes the process's first confirmation PDF
        first_deposit_ms = (time.perf_counter() - started) * 1000
        demande = ctx.demande
        demande_id, base = demande.id, demande.numero[:-7]
        db.session.commit()
        operateur, worker, renders, stores = [], [], [], []
        sortie: list[bytes] = []
        for i in range(rounds):  # the deposit's share: render the HTML and queue it
            db.session.execute(delete(ConfirmationADessiner))
            demande.numero, demande.confirmation_sha256 = f"{base}{i + 2:07d}", None
            operateur.append(_chrono(lambda: produire_confirmation.handle(ctx)))
            db.session.commit()
            worker.append(_chrono(lambda: dessiner_les_confirmations_dues(db.session, limite=1)))  # the worker's
            demande = db.session.get(type(demande), demande_id)
            ctx.demande = demande
        for i in range(rounds):  # the drawing and the storing, measured apart
            demande.numero = f"{base}{rounds + i + 2:07d}"
            html = render_html("pdf/confirmation_depot.html", demande=demande, personne=identite(ctx),
                               date_depot=clock.paris(demande.deposee_le).date(), date_emission=ctx.today)
            sortie.clear()
            renders.append(_chrono(lambda html=html: sortie.append(html_en_pdf(html))))
            stores.append(_chrono(lambda: documents.stocker(sortie[0])))
        db.session.rollback()
    median = statistics.median(m for m, _ in worker) * 1000
    print(f"rounds: {rounds} (wall-clock ms / CPU ms of this process, medians)")
    print(f"deposit's share (operator produire_confirmation: render HTML + queue): {_ms(operateur)}")
    print(f"worker, per PDF (claim + draw + store + record): {_ms(worker)}, "
          f"p90 {statistics.quantiles([m for m, _ in worker], n=10)[-1] * 1000:.1f} ms, size "
          f"{len(sortie[0]) // 1024} KiB (target ≤ {TARGET_MS} ms: {'ok' if median <= TARGET_MS else 'ABOVE'})")
    print(f"  draw (xhtml2pdf + font subset): {_ms(renders)}; store (SHA-256 + file): {_ms(stores, 2)}")
    print(f"  first deposit of the process (4 steps, fonts registered once): {first_deposit_ms:.0f} ms")


def _chrono(action) -> tuple[float, float]:
    """(wall-clock, CPU) seconds of one call."""
    mur, cpu = time.perf_counter(), time.process_time()
    action()
    return time.perf_counter() - mur, time.process_time() - cpu


def _ms(mesures: list[tuple[float, float]], decimales: int = 1) -> str:
    return (f"median {statistics.median(m for m, _ in mesures) * 1000:.{decimales}f} ms "
            f"(CPU {statistics.median(c for _, c in mesures) * 1000:.{decimales}f} ms)")


if __name__ == "__main__":
    main()
