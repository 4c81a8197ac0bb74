"""Benchmark: one task completion through app/workflow on SQLite vs the bare SpiffWorkflow round trip.

Run with `make bench` (or `.venv/bin/python bench/engine.py [rounds]`). After a warm-up, the two sides run
interleaved (alternating which goes first); prints min, median and p95 in ms of each, and the ratio (target ≤ 2).

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


def stats_ms(samples: list[float]) -> tuple[float, float, float]:
    """min, median and p95 in ms."""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return ordered[0] * 1000, statistics.median(ordered) * 1000, p95 * 1000


class AppSide:
    """One application in the SQLite database at « Justificatifs »; `round()` times one completion through the store."""

    def __init__(self) -> None:
        tmp = Path(tempfile.mkdtemp(prefix="bench-db-"))
        self.app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'bench.db'}"})
        with self.app.app_context():
            upgrade()
            assert self.app.test_cli_runner().invoke(args=["demo-charger"]).exit_code == 0
            query = db.select(Compte).join(Personne).where(Personne.numero_etranger == "5903007192")
            compte = db.session.scalars(query).one()
            naissance = compte.personne.date_naissance
            placement = naissance.replace(year=naissance.year + 15)
            self.store = self.app.extensions["demandes"]
            self.demande_id = self.store.create(compte, {"date_naissance": naissance}, TODAY).id
            for values in (STEP1, step2(placement)):
                with self.store.open(self.demande_id, TODAY) as inst:
                    inst.complete(inst.ready("Usager")[0].id, values, "bench")
            db.session.commit()

    def round(self) -> tuple[float, float]:
        """(wall seconds, CPU seconds) of one completion."""
        with self.app.app_context():
            start, cpu = time.perf_counter(), time.process_time()
            with self.store.open(self.demande_id, TODAY) as inst:
                [task] = inst.ready("Usager")
                assert task.form == "justificatifs"
                inst.complete(task.id, {}, "bench")
            elapsed = time.perf_counter() - start, time.process_time() - cpu
            with self.store.open(self.demande_id, TODAY) as inst:  # back to the same task, not timed
                [task] = inst.ready("Usager")
                assert task.form == "depot" and inst.back(task.id, "bench")
        return elapsed


class BareSide:
    """The same task of the same process with SpiffWorkflow alone, the state kept as JSON in memory."""

    def __init__(self) -> None:
        app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
        catalog = app.extensions["demandes"].catalog
        engine = catalog._engines[catalog.current.content_hash]
        born = date(TODAY.year - 18, 1, 1)
        wf = engine.start({"date_naissance": born})
        for values in (STEP1, step2(date(born.year + 15, 1, 1))):
            [task] = wf.get_tasks(state=TaskState.READY, manual=True)
            task.data.update(values, date_du_jour=TODAY)
            task.run()
            wf.do_engine_steps()
        self.state = SERIALIZER.serialize_json(wf)

    def round(self) -> tuple[float, float]:
        start, cpu = time.perf_counter(), time.process_time()
        wf = SERIALIZER.deserialize_json(self.state)
        wf.script_engine = ProcessScriptEngine(lambda *a: {})
        [task] = wf.get_tasks(state=TaskState.READY, manual=True, lane="Usager")
        task.data["date_du_jour"] = TODAY
        task.run()
        wf.do_engine_steps()
        after = SERIALIZER.serialize_json(wf)
        elapsed = time.perf_counter() - start, time.process_time() - cpu
        assert '"justificatifs"' in after
        return elapsed


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    warmup = max(10, rounds // 10)
    app_side, bare_side = AppSide(), BareSide()
    for _ in range(warmup):  # imports, caches, the SQLite page cache, the allocator: not measured
        app_side.round()
        bare_side.round()
    app_samples: list[tuple[float, float]] = []
    bare_samples: list[tuple[float, float]] = []
    for i in range(rounds):
        # Interleaved, and in alternating order, so that a slow moment of the machine falls on both sides alike.
        if i % 2:
            app_samples.append(app_side.round())
            bare_samples.append(bare_side.round())
        else:
            bare_samples.append(bare_side.round())
            app_samples.append(app_side.round())
    un, cinq, quinze = os.getloadavg()
    print(f"rounds: {rounds} (after {warmup} warm-up rounds), interleaved; load {un:.2f} {cinq:.2f} {quinze:.2f} "
          f"({os.cpu_count()} CPU)")
    for label, samples in (("app/workflow + SQLite (load, complete, engine steps, save, commit)", app_samples),
                           ("bare SpiffWorkflow (deserialize, complete, engine steps, serialize)", bare_samples)):
        low, median, p95 = stats_ms([wall for wall, _ in samples])
        cpu = statistics.median(c for _, c in samples) * 1000
        print(f"{label}: min {low:.2f} ms, median {median:.2f} ms, p95 {p95:.2f} ms (CPU median {cpu:.2f} ms)")
    ratio = statistics.median(w for w, _ in app_samples) / statistics.median(w for w, _ in bare_samples)
    ratio_min = min(w for w, _ in app_samples) / min(w for w, _ in bare_samples)
    ratio_cpu = statistics.median(c for _, c in app_samples) / statistics.median(c for _, c in bare_samples)
    print(f"ratio of medians: {ratio:.2f} (target ≤ 2); of minima: {ratio_min:.2f}; of CPU medians: {ratio_cpu:.2f} "
          "(the app's commit waits for the disk: its fsync is wall time, not CPU)")


if __name__ == "__main__":
    main()
