"""Locust: full applicant journeys, as a browser makes them (run by bench/parcours.py, which starts the server).

One journey, one fresh demo applicant (CAS 3, from the accounts bench/parcours.py generated): GET/POST login,
GET/POST « Votre situation », GET preamble, POST « Je continue », steps 1 to 4 (GET then POST each; step 3 sends a
PNG in every file input of the page and the ephoto number), the deposit lands on the confirmation page, then POST
logout. Redirects are not followed: each page is one request, named by its page in the statistics. A request
fails when its status or its page is not what the journey expects (a refused step, a stale page, a 5xx).

Settings (environment): BENCH_PAUSE seconds between two pages (0: none), BENCH_PREMIER and BENCH_NOMBRE the
accounts this run may use (n° étranger 598xxxxxxx), BENCH_MOT_DE_PASSE, BENCH_PLACEMENT (ISO date of the ASE
placement asked at step 2).
"""

from __future__ import annotations

import io
import itertools
import os
import random
import re
import time

from locust import FastHttpUser, constant, task
from locust.exception import StopUser
from PIL import Image
from urllib3 import encode_multipart_formdata

PAUSE = float(os.environ.get("BENCH_PAUSE", "1"))
PREMIER = int(os.environ.get("BENCH_PREMIER", "0"))
NOMBRE = int(os.environ.get("BENCH_NOMBRE", "100"))
MOT_DE_PASSE = os.environ.get("BENCH_MOT_DE_PASSE", "Bench-Parcours-1!")
PLACEMENT = os.environ.get("BENCH_PLACEMENT", "")
COMPTES = itertools.count(PREMIER)  # one process, gevent: next() is atomic enough

STEP1 = {"adresse": "20 Rue Nationale", "numero_voie": "20", "voie": "Rue Nationale", "code_postal": "59800",
         "ville": "Lille", "pays": "FRANCE", "code_insee": "59350", "telephone": "01 01 01 01 01"}
STEP2 = {"date_prise_en_charge_ase": PLACEMENT, "date_entree_france": "2020-01-15",
         "situation_familiale": "Célibataire", "enfants_a_charge": "non", "attestation_polygamie": "y",
         "attestation_sanctions": "y"}
EPHOTO = "1234567890123456789012"


def _png() -> bytes:
    """A small scanned page: 400 × 300, grey text-like stripes (about 2 kB)."""
    image = Image.new("L", (400, 300), 255)
    for y in range(20, 280, 12):
        image.paste(60, (30, y, 370 - (y * 7) % 120, y + 4))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


PNG = _png()


def numero(i: int) -> str:
    return f"598{i:07d}"


def champ(page: str, name: str) -> str:
    match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', page) or re.search(
        rf'value="([^"]*)"[^>]*name="{name}"', page)
    if not match:
        raise ValueError(f"pas de champ {name} dans la page")
    return match.group(1)


class Usager(FastHttpUser):
    wait_time = constant(0)  # between journeys; the pause between pages is in `page`

    def on_start(self) -> None:
        # Locust starts `-r` users at the same instant once a second: ten applicants would press « Se connecter »
        # in the same millisecond, and with equal pauses keep doing so journey after journey. People arrive
        # spread out: each starts at a random moment of its first pause.
        if PAUSE:
            time.sleep(random.uniform(0, PAUSE))

    def pause(self) -> None:
        if PAUSE:
            time.sleep(PAUSE)  # gevent-patched

    def get(self, url: str, nom: str, attendu: str) -> str:
        with self.client.get(url, name=nom, allow_redirects=False, catch_response=True) as response:
            texte = response.text or ""
            if response.status_code != 200 or attendu not in texte:
                response.failure(f"{response.status_code}, « {attendu} » absent")
                raise StopIteration
        self.pause()
        return texte

    def post(self, url: str, nom: str, data: dict, fichiers: dict | None = None, vers: str = "") -> str:
        champs = list(data.items()) + [(k, v) for k, v in (fichiers or {}).items()]
        corps, type_ = encode_multipart_formdata(champs)
        with self.client.post(url, name=nom, data=corps, headers={"Content-Type": type_}, allow_redirects=False,
                              catch_response=True) as response:
            location = response.headers.get("Location", "") if response.headers else ""
            if response.status_code != 302 or vers not in location:
                response.failure(f"{response.status_code} vers « {location} » (attendu « {vers} »)")
                raise StopIteration
        self.pause()
        return location

    @task
    def parcours(self) -> None:
        i = next(COMPTES)
        if i >= PREMIER + NOMBRE:
            raise StopUser  # out of accounts: bench/parcours.py generates enough for its runs
        try:
            self._parcours(numero(i))
        except StopIteration:
            self.client.cookiejar.clear()  # a failed journey: the next one starts logged out

    def _parcours(self, identifiant: str) -> None:
        page = self.get("/connexion", "GET connexion", "Mot de passe")
        self.post("/connexion", "POST connexion", {"csrf_token": champ(page, "csrf_token"),
                                                   "identifiant": identifiant, "mot_de_passe": MOT_DE_PASSE})
        page = self.get("/titre-de-sejour", "GET situation", "situation")
        self.post("/titre-de-sejour", "POST situation", {"csrf_token": champ(page, "csrf_token"),
                                                         "situation": "vulnerabilite", "motif": "ase"},
                  vers="/titre-de-sejour/preambule")
        page = self.get("/titre-de-sejour/preambule", "GET préambule", "commencer")
        url = self.post("/titre-de-sejour/commencer", "POST commencer", {"csrf_token": champ(page, "csrf_token")},
                        vers="/demandes/")
        url = "/" + url.split("/", 3)[3] if url.startswith("http") else url
        for etape, valeurs in ((1, STEP1), (2, STEP2), (3, None), (4, {"observations": ""})):
            page = self.get(url, f"GET étape {etape}", f"Étape {etape} sur 5")
            fichiers = None
            if valeurs is None:  # the documents: a PNG in every file input, the ephoto number if asked
                noms = [re.search(r'\bname="([^"]+)"', balise) for balise in re.findall(r"<input[^>]*>", page)
                        if 'type="file"' in balise]
                fichiers = {nom.group(1): ("piece.png", PNG, "image/png") for nom in noms if nom}
                valeurs = {"ephoto": EPHOTO} if 'name="ephoto"' in page else {}
            vers = "/confirmation" if etape == 4 else url
            fin = self.post(url, f"POST étape {etape}", {"csrf_token": champ(page, "csrf_token"),
                                                         "task_id": champ(page, "task_id"), "action": "poursuivre",
                                                         **valeurs}, fichiers, vers=vers)
        fin = "/" + fin.split("/", 3)[3] if fin.startswith("http") else fin
        page = self.get(fin, "GET confirmation", "confirmation-de-depot.pdf")
        self.post("/deconnexion", "POST déconnexion", {"csrf_token": champ(page, "csrf_token")}, vers="/")
