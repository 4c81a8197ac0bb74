"""Defect 6 of issue 9: the first « Je continue » of many people at once on a new process version, and the 500 page
after a failed database write.

On a fresh database (or after the process files changed) the version row does not exist yet: every request that
starts a draft wants to create it at the same time. One row must be created, every person gets a draft, and no one
gets a 500. And when a request does fail on the database, the error page must still render (the session is rolled
back first), in French.
"""

from __future__ import annotations

import pytest
from flask import Blueprint
from sqlalchemy import func, select

from app.extensions import db
from app.models import Demande, VersionProcessus
from tests.conftest import csrf_token
from tests.web.helpers import login, text
from tests.web.test_depot_concurrence import MOT_DE_PASSE, adultes, tous_en_meme_temps


@pytest.mark.feature("F-48")
def test_huit_je_continue_simultanes_sur_une_base_neuve_une_seule_version_et_pas_de_500(app):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: a failure is the 500 page, not a test error
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(VersionProcessus)) == 0
        numeros = adultes(8)
    navigateurs = []
    for numero in numeros:
        client = app.test_client()
        assert login(client, numero, MOT_DE_PASSE).status_code == 302
        page = client.get("/titre-de-sejour/preambule").get_data(as_text=True)
        navigateurs.append((client, csrf_token(page)))

    reponses = tous_en_meme_temps([
        (lambda c=c, jeton=jeton: c.post("/titre-de-sejour/commencer", data={"csrf_token": jeton}))
        for c, jeton in navigateurs
    ])

    for reponse in reponses:
        assert not isinstance(reponse, BaseException), repr(reponse)
        assert reponse.status_code == 302, text(reponse)[:500]
        assert "/demandes/" in reponse.location
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(VersionProcessus)) == 1
        assert db.session.scalar(select(func.count()).select_from(Demande)) == 8
    for (client, _), reponse in zip(navigateurs, reponses, strict=True):
        page = text(client.get(reponse.location))
        assert "Étape 1 sur 5" in page


@pytest.mark.feature("F-48")
def test_la_page_d_erreur_s_affiche_apres_une_ecriture_refusee_par_la_base(app, demo):
    """A request whose flush fails (a unique constraint): the 500 page is the French one, the header included
    (it reads the database: the bell of a logged-in person), and the next request works."""
    app.config["PROPAGATE_EXCEPTIONS"] = False
    essai = Blueprint("essai_panne", __name__)

    @essai.route("/essai/ecriture-refusee")
    def ecriture_refusee() -> str:
        for _ in range(2):  # the same hash twice: the second insert breaks the unique constraint
            db.session.add(VersionProcessus(empreinte="0" * 64, processus="essai", fichiers={}))
            db.session.flush()
        return "jamais"

    app.register_blueprint(essai)
    client = app.test_client()
    personne = demo["CAS_3"]
    assert login(client, personne.numero_etranger, personne.mot_de_passe).status_code == 302

    reponse = client.get("/essai/ecriture-refusee")

    assert reponse.status_code == 500
    page = text(reponse)
    assert "Erreur du service" in page and "Une erreur est survenue" in page
    assert client.get("/mes-demandes").status_code == 200
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(VersionProcessus)) == 0
