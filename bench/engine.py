"""Benchmark: one task completion through app/workflow on SQLite vs the bare SpiffWorkflow round trip.

Run with `make bench` (or `.venv/bin/python bench/engine.py [rounds]`). Prints medians in ms and their ratio.

Both sides complete the same user task (« Justificatifs ») of the same process, then go back to it
(not timed), so the instance keeps the same size round after round.
- app/workflow: load the row under lock, deserialize, complete, engine steps, serialize, write the
  state and the list columns, commit (SQLite file, WAL off, as `make run` uses it).
- bare: deserialize_json, complete, do_engine_steps, serialize_json, in memory.
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
from SpiffWorkflow.util.task import TaskState  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import Compte, Personne  # noqa: E402
from app.workflow.engine import SERIALIZER  # noqa: E402
from app.workflow.expressions import ProcessScriptEngine  # noqa: E402

TODAY = date.today()
STEP1 = {"emancipe": False, "adresse": "20 Rue Nationale", "outre_mer": False, "numero_voie": "20",
         "voie": "Rue Nationale", "complement": "", "code_postal": "59800", "ville": "Lille", "pays": "FRANCE",
         "code_insee": "59350", "telephone": "0101010101"}


def step2(placement: date) -> dict:
    return {"date_prise_en_charge_ase": placement, "date_entree_france": date(2020, 1, 15),
            "situation_familiale": "Célibataire", "date_debut_union": None, "pays_union": "",
            "enfants_a_charge": False, "attestations_cochees": ["polygamie", "sanctions"]}


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def bench_app(rounds: int) -> tuple[float, list[float]]:
    tmp = Path(tempfile.mkdtemp(prefix="bench-db-"))
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'bench.db'}"})
    with app.app_context():
        upgrade()
        assert app.test_cli_runner().invoke(args=["demo-charger"]).exit_code == 0
        query = db.select(Compte).join(Personne).where(Personne.numero_etranger == "5903007192")
        compte = db.session.scalars(query).one()
        placement = compte.personne.date_naissance.replace(year=compte.personne.date_naissance.year + 15)
        store = app.extensions["demandes"]
        demande = store.create(compte, {"date_naissance": compte.personne.date_naissance}, TODAY)
        for values in (STEP1, step2(placement)):
            with store.open(demande.id, TODAY) as inst:
                inst.complete(inst.ready("Usager")[0].id, values, "bench")
        samples = []
        for _ in range(rounds):
            start = time.perf_counter()
            with store.open(demande.id, TODAY) as inst:
                [task] = inst.ready("Usager")
                assert task.form == "justificatifs"
                inst.complete(task.id, {}, "bench")
            samples.append(time.perf_counter() - start)
            with store.open(demande.id, TODAY) as inst:
                [task] = inst.ready("Usager")
                assert task.form == "depot" and inst.back(task.id, "bench")
        return median_ms(samples), samples


def bench_bare(rounds: int) -> float:
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    engine = app.extensions["demandes"].catalog._engines[app.extensions["demandes"].catalog.current.content_hash]
    born = date(TODAY.year - 18, 1, 1)
    wf = engine.start({"date_naissance": born})
    for values in (STEP1, step2(date(born.year + 15, 1, 1))):
        [task] = wf.get_tasks(state=TaskState.READY, manual=True)
        task.data.update(values, date_du_jour=TODAY)
        task.run()
        wf.do_engine_steps()
    state = SERIALIZER.serialize_json(wf)
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        wf = SERIALIZER.deserialize_json(state)
        wf.script_engine = ProcessScriptEngine(lambda *a: {})
        [task] = wf.get_tasks(state=TaskState.READY, manual=True, lane="Usager")
        task.data["date_du_jour"] = TODAY
        task.run()
        wf.do_engine_steps()
        after = SERIALIZER.serialize_json(wf)
        samples.append(time.perf_counter() - start)
        assert '"justificatifs"' in after
    return median_ms(samples)


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    app_ms, _ = bench_app(rounds)
    bare_ms = bench_bare(rounds)
    print(f"rounds: {rounds}")
    print(f"app/workflow + SQLite (load, complete, engine steps, save, commit): median {app_ms:.2f} ms")
    print(f"bare SpiffWorkflow round trip (deserialize, complete, engine steps, serialize): median {bare_ms:.2f} ms")
    print(f"ratio: {app_ms / bare_ms:.2f} (target ≤ 3)")


if __name__ == "__main__":
    main()
