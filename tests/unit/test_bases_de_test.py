"""The test-database contract (F-47): TEST_DATABASE_URL set, every test runs on its own PostgreSQL database cloned
from a migrated template, dropped after it; unset, on its own SQLite file."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from app import create_app
from app.extensions import db
from app.models import Personne
from tests.bases import TEST_DATABASE_URL, Serveur, sur_postgresql

pytestmark = pytest.mark.feature("F-47")


def _personnes(url: str) -> int:
    autre = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
    with autre.app_context():
        nombre = db.session.scalar(select(func.count()).select_from(Personne))
        db.session.remove()
        db.engine.dispose()
    return nombre


def test_chaque_test_a_sa_propre_base_du_moteur_demande(app, migrated_db, tmp_path):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    assert make_url(url).get_backend_name() == ("postgresql" if sur_postgresql() else "sqlite")
    assert _personnes(url) > 0  # the demo people, loaded into this test's database only
    vierge = migrated_db.copie(tmp_path, "autre.db")
    assert vierge != url
    assert _personnes(vierge) == 0  # the template itself was left as migrated


@pytest.mark.skipif(not sur_postgresql(), reason="PostgreSQL only: TEST_DATABASE_URL is not set")
def test_les_clones_d_un_test_sont_supprimes_apres_lui():
    serveur = Serveur(TEST_DATABASE_URL)
    serveur.du_test = []
    serveur.creer(serveur.nom("essai_modele"), de_session=True)
    clone = make_url(serveur.creer(serveur.nom("essai_clone"), modele=serveur.nom("essai_modele"))).database

    def presentes() -> set[str]:
        with serveur.admin.connect() as connexion:
            return set(connexion.scalars(text("SELECT datname FROM pg_database")))

    assert {clone, serveur.nom("essai_modele")} <= presentes()
    serveur.fin_de_test()
    assert clone not in presentes() and serveur.nom("essai_modele") in presentes()
    serveur.fin_de_session()
    assert serveur.nom("essai_modele") not in presentes()
