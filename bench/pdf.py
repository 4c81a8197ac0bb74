"""Benchmark: producing the deposit confirmation PDF (F-24), as the BPMN service task does it at deposit.

Run with `make bench` (or `.venv/bin/python bench/pdf.py [rounds]`). Prints the median time of the operator
`produire_confirmation` (draw the HTML template with xhtml2pdf and its embedded DejaVu font, then store the
bytes under their SHA-256), its two halves, and the first call of the process (fonts read once); target ≤ 50 ms.

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

from app import clock, create_app, documents  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import Compte, Personne  # noqa: E402
from app.pdf import render_pdf  # noqa: E402
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
    assert demande.numero and demande.confirmation_sha256
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
        base = demande.numero[:-7]
        totals, renders, stores = [], [], []
        for i in range(rounds):
            demande.numero, demande.confirmation_sha256 = f"{base}{i + 2:07d}", None
            start = time.perf_counter()
            produire_confirmation.handle(ctx)
            totals.append(time.perf_counter() - start)
        for i in range(rounds):  # the two halves, measured apart
            demande.numero = f"{base}{rounds + i + 2:07d}"
            start = time.perf_counter()
            contenu = render_pdf("pdf/confirmation_depot.html", demande=demande, personne=identite(ctx),
                                 date_depot=clock.paris(demande.deposee_le).date(), date_emission=ctx.today)
            middle = time.perf_counter()
            documents.stocker(contenu)
            stores.append(time.perf_counter() - middle)
            renders.append(middle - start)
        db.session.rollback()
    median = statistics.median(totals) * 1000
    print(f"rounds: {rounds}")
    print(f"confirmation PDF (operator produire_confirmation: render + store): median {median:.1f} ms, "
          f"p90 {statistics.quantiles(totals, n=10)[-1] * 1000:.1f} ms, size {len(contenu) // 1024} KiB "
          f"(target ≤ {TARGET_MS} ms: {'ok' if median <= TARGET_MS else 'ABOVE'})")
    print(f"  render (Jinja + xhtml2pdf + font subset): median {statistics.median(renders) * 1000:.1f} ms; "
          f"store (SHA-256 + file): median {statistics.median(stores) * 1000:.2f} ms")
    print(f"  first deposit of the process (4 steps, fonts read once): {first_deposit_ms:.0f} ms")


if __name__ == "__main__":
    main()
