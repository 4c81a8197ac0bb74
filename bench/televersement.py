"""Benchmark: 4 clients upload maximal accepted images while 20 others save steps (issue 9, defect 4).

Run with `.venv/bin/python bench/televersement.py [seconds] [uploaders]` (default 20 s of measurement and 4
uploaders, 0 for the savers alone; about a minute in all,
setup included, and never more than `seconds` + 3 minutes). Loopback only: it starts its own threaded werkzeug
server in a child process on 127.0.0.1 (a free port), with a fresh instance folder and SQLite database built by
the real migrations and the demo data, plus 24 applicants (CAS 3) for the clients; the server is stopped and
the folder deleted at the end, whatever happens.

- 4 uploaders, each on step 3 of their own draft, upload in turn the largest images the service accepts
  (jugement.PIXELS_MAX pixels: a noisy JPEG of ~8 MB and a PNG of a few MB), then remove them, again and again;
- 20 savers, each on their own draft, post step 1 (« Enregistrer et poursuivre ») then step 2 (« Revenir à
  l'étape précédente ») again and again, with a short pause; each post saves the application (write lock).

Prints the savers' median and p95 (target: p95 ≤ 1 s), the uploads' median, the number of errors (5xx,
refused uploads, timeouts) and whether the server survived; exits with 1 when the target is missed.
"""

from __future__ import annotations

import io
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

UPLOADERS, SAVERS = 4, 20
PAUSE_S = 1.0  # between two saves of one saver: a person clicking fast
TARGET_P95_S = 1.0
TIMEOUT_S = 60
PASSWORD = "Bench-Televersement-1!"
STEP1 = {"adresse": "20 Rue Nationale", "numero_voie": "20", "voie": "Rue Nationale", "code_postal": "59800",
         "ville": "Lille", "pays": "FRANCE", "code_insee": "59350", "telephone": "01 01 01 01 01"}


# --- The server (child process) ---------------------------------------------------------------------------------


def serve(folder: Path) -> None:
    """Build a fresh instance in `folder`, print `PORT <n>` and serve until killed."""
    os.environ["INSTANCE_DIR"] = str(folder)
    os.environ.setdefault("SECRET_KEY", "bench-televersement")
    from argon2 import PasswordHasher
    from flask_migrate import upgrade
    from werkzeug.serving import WSGIRequestHandler, make_server

    from app import clock, create_app
    from app.extensions import db
    from app.models import Compte, Personne
    from app.register import demo_people, import_rows

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.db'}",
                      "DOCUMENTS_DIR": folder / "documents", "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade()
        assert app.test_cli_runner().invoke(args=["demo-charger"]).exit_code == 0
        cas3 = next(row for row, person in demo_people(clock.today()) if person.cas.startswith("CAS 3"))
        import_rows(db.session, [{**cas3, "numero_etranger": numero(i)} for i in range(UPLOADERS + SAVERS)])
        hashed = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)  # logins are not measured
        for i in range(UPLOADERS + SAVERS):
            personne = db.session.scalar(db.select(Personne).filter_by(numero_etranger=numero(i)))
            db.session.add(Compte(personne_id=personne.id, email=f"{numero(i)}@bench.example.org", mot_de_passe=hashed))
        db.session.commit()

    class Quiet(WSGIRequestHandler):
        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            if str(code).startswith("5"):
                super().log_request(code, size)

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=Quiet)
    print(f"PORT {server.server_port}", flush=True)
    server.serve_forever()


def numero(i: int) -> str:
    return f"599{i:07d}"


def placement() -> str:
    """The CAS 3 person's ASE placement date (15th birthday), as step 2 asks for it."""
    from app.register import demo_people

    person = next(p for _, p in demo_people(date.today()) if p.cas.startswith("CAS 3"))
    return person.date_placement.isoformat()


# --- Images: the largest the service accepts ---------------------------------------------------------------------


def maximal_images() -> list[tuple[str, bytes]]:
    from PIL import Image

    from app.jugement import PIXELS_MAX

    width = int((PIXELS_MAX * 4 / 3) ** 0.5)
    height = PIXELS_MAX // width
    smooth = Image.effect_noise((width // 4, height // 4), 40).resize((width, height))  # a photo's texture
    blocks = Image.effect_noise((width // 8, height // 8), 60).resize((width, height), Image.Resampling.NEAREST)
    jpeg, png = io.BytesIO(), io.BytesIO()
    Image.merge("RGB", (smooth, smooth.rotate(180), Image.linear_gradient("L").resize((width, height)))).save(
        jpeg, "JPEG", quality=85)
    Image.merge("RGBA", (blocks, blocks.transpose(Image.Transpose.FLIP_LEFT_RIGHT),
                         blocks.transpose(Image.Transpose.FLIP_TOP_BOTTOM), Image.new("L", (width, height), 255))
                ).save(png, "PNG", compress_level=6)
    return [(f"photo-{width}x{height}.jpg", jpeg.getvalue()), (f"scan-{width}x{height}.png", png.getvalue())]


# --- Clients -----------------------------------------------------------------------------------------------------


@dataclass
class Results:
    saves: list[float] = field(default_factory=list)
    uploads: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def error(self, what: str) -> None:
        with self.lock:
            self.errors.append(what)


def hidden(page: str, name: str) -> str:
    match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', page) or re.search(
        rf'value="([^"]*)"[^>]*name="{name}"', page)
    if not match:
        raise RuntimeError(f"no {name} in the page")
    return match.group(1)


class Client:
    def __init__(self, base: str, i: int) -> None:
        self.base, self.http = base, requests.Session()
        page = self.get("/connexion")
        self.post("/connexion", {"csrf_token": hidden(page, "csrf_token"), "identifiant": numero(i),
                                 "mot_de_passe": PASSWORD})
        page = self.get("/titre-de-sejour")
        self.post("/titre-de-sejour", {"csrf_token": hidden(page, "csrf_token"), "situation": "vulnerabilite",
                                       "motif": "ase"})
        page = self.get("/titre-de-sejour/preambule")
        self.url = self.post("/titre-de-sejour/commencer", {"csrf_token": hidden(page, "csrf_token")}).headers[
            "Location"]

    def get(self, path: str) -> str:
        response = self.http.get(self.base + path, timeout=TIMEOUT_S)
        response.raise_for_status()
        return response.text

    def post(self, path: str, data: dict, files: dict | None = None) -> requests.Response:
        response = self.http.post(self.base + path, data=data, files=files, allow_redirects=False,
                                  timeout=TIMEOUT_S)
        if response.status_code >= 400:
            raise RuntimeError(f"{path}: HTTP {response.status_code}")
        return response

    def step(self, action: str = "poursuivre", files: dict | None = None, **fields: str) -> tuple[float, str]:
        """Post the current step (its tokens read from the page); (seconds taken by the post, the page after)."""
        page = self.get(self.url)
        data = {"csrf_token": hidden(page, "csrf_token"), "task_id": hidden(page, "task_id"), "action": action,
                **fields}
        start = time.perf_counter()
        self.post(self.url, data, files)
        return time.perf_counter() - start, page


def saver(client: Client, stop: threading.Event, results: Results) -> None:
    while not stop.is_set():
        try:
            took, _ = client.step(**STEP1)  # step 1 → step 2
            with results.lock:
                results.saves.append(took)
            time.sleep(PAUSE_S * random.uniform(0.5, 1.5))
            took, page = client.step("precedent")  # step 2 → step 1
            if "Étape 2 sur 5" not in page:
                raise RuntimeError("the saver is not on step 2")
            with results.lock:
                results.saves.append(took)
            time.sleep(PAUSE_S * random.uniform(0.5, 1.5))
        except Exception as err:  # noqa: BLE001 - counted, the client carries on
            results.error(f"save: {err}")


def uploader(client: Client, images: list[tuple[str, bytes]], stop: threading.Event, results: Results) -> None:
    turn = 0
    while not stop.is_set():
        name, content = images[turn % len(images)]
        turn += 1
        try:
            took, _ = client.step("joindre", files={"fichier_identite": (name, content, "application/octet-stream")})
            page = client.get(client.url)
            if f"SUPPRIMER {name.upper()}" not in page:
                raise RuntimeError(f"upload of {name} refused")
            with results.lock:
                results.uploads.append(took)
            client.step("supprimer:" + re.findall(r'value="supprimer:(\d+)"', page)[-1])  # stay under 3 files
        except Exception as err:  # noqa: BLE001 - counted, the client carries on
            results.error(f"upload: {err}")


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1] if len(samples) >= 20 else max(samples)


def main() -> int:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 20.0
    uploading = int(sys.argv[2]) if len(sys.argv) > 2 else UPLOADERS  # 0: the savers alone, for comparison
    folder = Path(tempfile.mkdtemp(prefix="bench-televersement-"))
    server = subprocess.Popen([sys.executable, __file__, "--serveur", str(folder)], stdout=subprocess.PIPE,
                              text=True, cwd=ROOT)
    try:
        images = maximal_images()  # while the server builds its instance
        watchdog = threading.Timer(180, server.kill)  # a server that never starts does not hang the bench
        watchdog.start()
        line = server.stdout.readline()
        watchdog.cancel()
        if not line.startswith("PORT "):
            print("the server did not start", file=sys.stderr)
            return 1
        base = f"http://127.0.0.1:{line.split()[1]}"
        date_placement = placement()
        step2 = {"date_prise_en_charge_ase": date_placement, "date_entree_france": "2020-01-15",
                 "situation_familiale": "Célibataire", "enfants_a_charge": "non", "attestation_polygamie": "y",
                 "attestation_sanctions": "y"}
        uploaders = [Client(base, i) for i in range(UPLOADERS)]
        for client in uploaders:  # to step 3
            client.step(**STEP1)
            client.step(**step2)
        savers = [Client(base, UPLOADERS + i) for i in range(SAVERS)]

        stop, results = threading.Event(), Results()
        threads = [threading.Thread(target=uploader, args=(c, images, stop, results), daemon=True)
                   for c in uploaders[:uploading]]
        threads += [threading.Thread(target=saver, args=(c, stop, results), daemon=True) for c in savers]
        for thread in threads:
            thread.start()
        time.sleep(seconds)
        stop.set()
        deadline = time.monotonic() + TIMEOUT_S  # each request has its own timeout: they end by then
        for thread in threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
        alive = server.poll() is None
    finally:
        server.kill()
        server.wait(timeout=30)
        shutil.rmtree(folder, ignore_errors=True)

    sizes = ", ".join(f"{name} {len(content) / 1e6:.1f} MB" for name, content in images)
    print(f"{seconds:.0f} s: {uploading} uploaders of maximal images ({sizes}), {SAVERS} savers "
          f"(pause {PAUSE_S * 1000:.0f} ms ±50 %)")
    if results.saves:
        print(f"saves: {len(results.saves)}, median {statistics.median(results.saves) * 1000:.0f} ms, "
              f"p95 {p95(results.saves) * 1000:.0f} ms, max {max(results.saves) * 1000:.0f} ms "
              f"(target p95 ≤ {TARGET_P95_S * 1000:.0f} ms)")
    if results.uploads:
        print(f"uploads: {len(results.uploads)}, median {statistics.median(results.uploads) * 1000:.0f} ms, "
              f"p95 {p95(results.uploads) * 1000:.0f} ms")
    print(f"errors: {len(results.errors)}" + "".join(f"\n  {e}" for e in sorted(set(results.errors))[:10]))
    print(f"server: {'still running' if alive else 'CRASHED'}")
    ok = alive and not results.errors and results.saves and p95(results.saves) <= TARGET_P95_S
    return 0 if ok else 1


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--serveur":
        serve(Path(sys.argv[2]))
    else:
        sys.exit(main())
