"""« Mot de passe oublié » does the same work for a known and an unknown identifiant (F-48): its answer, and
the time it takes, do not tell who has an account."""

from __future__ import annotations

import statistics
import time

import pytest
from flask import template_rendered
from sqlalchemy import func, select

from app.extensions import db
from app.models import Courriel
from tests.conftest import csrf_token

pytestmark = pytest.mark.feature("F-48")

INCONNU = "1234567890"


def _demander(client, jeton: str, identifiant: str, adresse: str):
    return client.post("/mot-de-passe-oublie", data={"csrf_token": jeton, "identifiant": identifiant},
                       environ_base={"REMOTE_ADDR": adresse})


def _courriels(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Courriel))


def test_les_memes_gabarits_sont_rendus_pour_un_identifiant_connu_ou_non(app, client, demo):
    jeton = csrf_token(client.get("/mot-de-passe-oublie").get_data(as_text=True))
    rendus: list[str] = []

    def noter(_app, template, context, **_extra) -> None:
        rendus.append(template.name)

    avant = _courriels(app)
    with template_rendered.connected_to(noter, app):
        connu = _demander(client, jeton, demo["CAS_3"].numero_etranger, "192.0.2.1")
        pour_le_connu, rendus[:] = list(rendus), []
        inconnu = _demander(client, jeton, INCONNU, "192.0.2.2")
    assert connu.status_code == inconnu.status_code == 302 and connu.location == inconnu.location
    assert {"mail/mot_de_passe_oublie.txt", "mail/mot_de_passe_oublie.html"} <= set(pour_le_connu)
    assert sorted(rendus) == sorted(pour_le_connu)  # the unknown one renders the very same mail…
    assert _courriels(app) == avant + 1  # …which is queued only for the real account


def test_meme_duree_pour_un_identifiant_connu_ou_non(app, client, demo):
    """Interleaved requests (each from its own address, under every limit): medians within a factor of 2.

    Before, the unknown identifiant answered about 4 times faster (no link signed, no mail rendered, nothing
    written); now both render the mail and commit one write, only the queueing differs."""
    jeton = csrf_token(client.get("/mot-de-passe-oublie").get_data(as_text=True))
    connus = [demo[cas].numero_etranger for cas in ("CAS_1", "CAS_2", "CAS_3", "NON_ELIGIBLE")]
    durees: dict[str, list[float]] = {"connu": [], "inconnu": []}
    _demander(client, jeton, INCONNU, "192.0.2.250")  # warm-up: templates compiled, connections opened
    for tour in range(4):
        for i, numero in enumerate(connus):
            for sorte, identifiant in (("connu", numero), ("inconnu", f"12345{tour}{i}789")):
                adresse = f"198.51.{tour}.{2 * i + (sorte == 'connu') + 1}"
                debut = time.perf_counter()
                response = _demander(client, jeton, identifiant, adresse)
                durees[sorte].append(time.perf_counter() - debut)
                assert response.status_code == 302
    connu, inconnu = (statistics.median(durees[s]) for s in ("connu", "inconnu"))
    assert max(connu, inconnu) / min(connu, inconnu) < 2, (connu, inconnu)
