"""The search by name of the agents' queue (F-31, F-47): the same rows as the per-name search it replaces, on SQLite
and on PostgreSQL, where it reads the trigram index of migration 0010 (and still works where pg_trgm is refused).

The reference is the search as it was before 0010, written here: every word a case-insensitive substring (ILIKE on
PostgreSQL, LIKE on SQLite) of the birth name, the usual name or the first names, `%` and `_` taken literally.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import UTC, datetime

import pytest
from sqlalchemy import and_, create_engine, inspect, or_, select, text, update
from sqlalchemy.engine import make_url

from app import instruction
from app.extensions import db
from app.models import Demande, Personne
from tests.bases import sur_postgresql
from tests.web.agent_outils import NORD, login_agent
from tests.web.test_agent_file import _creer, lignes, resume

pytestmark = [pytest.mark.feature("F-47"), pytest.mark.feature("F-31")]

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
INDEX, INDEX_NUMERO = "ix_demande_noms_trigrammes", "ix_demande_numero_trigrammes"

# Nord, deposited: (birth name, usual name, first names).
NOMS = [
    ("O'CONNOR", "", "Siobhan"),
    ("DIALLO-TRAORE", "", "Jean-Pierre"),
    ("DUPONT", "MARTIN", "Aminata"),
    ("KONE", "", "Aminata Fatoumata"),
    ("CENT%POUR", "", "Cent"),
    ("CENTXPOUR", "", "Cent"),
    ("SOUS_TIRET", "", "Ligne"),
    ("SOUSXTIRET", "", "Ligne"),
    ("LÉGER", "", "Éloïse"),
    ("léger", "", "éloïse"),
]
# What an agent expects to find (ASCII case-folding only, the same on both databases): birth names listed.
ATTENDUS = {
    "kone": ["KONE"],
    "AMINATA": ["DUPONT", "KONE"],
    "aminata martin": ["DUPONT"],
    "Aminata KONE": ["KONE"],
    "  aminata   kone  ": ["KONE"],
    "o'connor": ["O'CONNOR"],
    "'": ["O'CONNOR"],
    "jean-pierre": ["DIALLO-TRAORE"],
    "diallo-tra": ["DIALLO-TRAORE"],
    "%": ["CENT%POUR"],
    "t%p": ["CENT%POUR"],
    "_": ["SOUS_TIRET"],
    "s_t": ["SOUS_TIRET"],
    "pont mar": ["DUPONT"],
    "pontmartin": [],  # a word is never found across two names
    "martin aminata kone": [],
    "zzz": [],
}
AUTRES = ["léger", "LÉGER", "éloïse", "Éloïse", "é", "ger loï", "a", "on", "ne"]  # compared with the reference only


@pytest.fixture
def file(app):
    with app.app_context():
        db.session.info["version"] = app.extensions["demandes"].catalog.current_version(db.session).id
        for n, (nom, usage, prenoms) in enumerate(NOMS, start=1):
            _creer(db.session, n, nom, prenoms, "59", "examiner_demande", "Demande à examiner", n)
            if usage:  # the register's change reaches `demande` through the triggers of 0009
                db.session.flush()
                db.session.execute(update(Personne).where(Personne.nom_naissance == nom).values(nom_usage=usage))
        _creer(db.session, 40, "KONE", "Aminata", "75", "examiner_demande", "Demande à examiner", 40)  # Paris
        _creer(db.session, 41, "KONE", "Aminata", "59", "brouillon", "Brouillon", 0, numero=False)
        db.session.commit()
    return app


@pytest.fixture
def nord(file):
    client = file.test_client()
    login_agent(client, NORD)
    return client


def _reference(app, q: str) -> list[str]:
    """The birth names the search found before 0010 (one ILIKE / LIKE per name), in deposit order."""
    with app.app_context():
        sqlite = db.engine.dialect.name == "sqlite"
        conditions = []
        for mot in q.split():
            motif = "%" + mot.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            conditions.append(or_(*(c.like(motif, escape="\\") if sqlite else c.ilike(motif, escape="\\")
                                    for c in (Demande.nom_naissance, Demande.nom_usage, Demande.prenoms))))
        return list(db.session.scalars(select(Demande.nom_naissance).where(
            Demande.numero.is_not(None), Demande.departement == "59", and_(*conditions))
            .order_by(Demande.deposee_le, Demande.id)))


def _trouves(client, q: str) -> list[str]:
    reponse = client.get("/agent/demandes", query_string={"q": q, "etat": "toutes"})
    assert reponse.status_code == 200
    noms = [ligne[1] for ligne in lignes(reponse)]
    assert resume(reponse).startswith(f"{len(noms)} demande")
    return [nom.split(" (")[0] for nom in noms]


@pytest.mark.parametrize("q", list(ATTENDUS))
def test_la_recherche_trouve_ce_qu_attend_l_agent(nord, file, q):
    assert _trouves(nord, q) == ATTENDUS[q] == _reference(file, q)


def test_la_recherche_trouve_les_memes_demandes_qu_avant(nord, file):
    for q in AUTRES:
        assert _trouves(nord, q) == _reference(file, q), q
    assert _trouves(nord, "é") == _reference(file, "é") != []


def test_une_recherche_trop_large_n_est_pas_comptee_et_le_dit(nord, file, monkeypatch):
    # Counting every match of « e » reads the whole prefecture: beyond the cap the page lists the first ones only.
    monkeypatch.setattr(instruction, "RECHERCHE_MAX", 4)  # instead of 1 000, not to write a thousand applications
    reponse = nord.get("/agent/demandes", query_string={"q": "e", "etat": "toutes"})
    assert len(_reference(file, "e")) > 4
    assert resume(reponse) == ("Plus de 4 demandes : les 4 premières sont listées, précisez la recherche pour voir "
                               "les autres — page 1 sur 1")
    assert [ligne[1].split(" (")[0] for ligne in lignes(reponse)] == _reference(file, "e")[:4]
    reponse = nord.get("/agent/demandes", query_string={"q": "aminata", "etat": "toutes"})
    assert resume(reponse) == "2 demandes"  # within the cap: the exact count


@pytest.mark.skipif(not sur_postgresql(), reason="the trigram index exists on PostgreSQL only (SQLite: no-op)")
def test_sur_postgresql_la_recherche_lit_l_index_de_trigrammes(file):
    with file.app_context():
        assert INDEX in {i["name"] for i in inspect(db.engine).get_indexes("demande")}
        connexion = db.session.connection()
        # A handful of rows: the planner would read the whole table or a b-tree on `numero`. Forbid the first and
        # drop the others for this transaction (rolled back), to read through the trigram index as 100 000 rows make
        # it do: its expression must be the query's, word for word, for the planner to use it at all.
        connexion.exec_driver_sql("SET LOCAL enable_seqscan = off")
        for nom, contrainte in connexion.exec_driver_sql(
                "SELECT i.indexname, c.conname FROM pg_indexes i LEFT JOIN pg_constraint c ON c.conname = i.indexname "
                "WHERE i.tablename = 'demande' AND i.indexdef LIKE '%%numero%%' AND i.indexname <> %(index)s",
                {"index": INDEX}).all():
            connexion.exec_driver_sql(f"ALTER TABLE demande DROP CONSTRAINT {contrainte}" if contrainte
                                      else f"DROP INDEX {nom}")
        for q, attendus in (("Aminata KONE", ["KONE", "KONE"]), ("o'connor", ["O'CONNOR"]), ("t%p", ["CENT%POUR"]),
                            ("diallo-tra", ["DIALLO-TRAORE"]), ("pontmartin", [])):
            requete = select(Demande.nom_naissance).where(
                Demande.numero.is_not(None), *(instruction._un_nom_contient(mot, sqlite=False) for mot in q.split())
            ).order_by(Demande.deposee_le)  # every department: the Nord and the Paris KONE
            compilee = requete.compile(db.engine)
            plan = "\n".join(r[0] for r in connexion.exec_driver_sql("EXPLAIN " + str(compilee), compilee.params))
            # The words are the index's condition (not a mere `numero IS NOT NULL` read of the whole index).
            assert re.search(rf"Bitmap Index Scan on {INDEX}.*\n *Index Cond: .*~~\*", plan), plan
            assert list(db.session.scalars(requete)) == attendus, q
        db.session.rollback()


def _migrer(url: str, *arguments: str) -> subprocess.CompletedProcess:
    """`flask db …` in its own process, as an operator runs it."""
    env = {**os.environ, "DATABASE_URL": url}
    return subprocess.run([sys.executable, "-m", "flask", "--app", "app", "db", *arguments], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.skipif(not sur_postgresql(), reason="0010 is a no-op on SQLite; the migrations' round trip is tested "
                    "there by tests/unit/test_migrations.py")
def test_0010_se_defait_et_se_refait_sur_postgresql(file, nord):
    url = file.config["SQLALCHEMY_DATABASE_URI"]
    with file.app_context():
        db.engine.dispose()
    resultat = _migrer(url, "downgrade", "0009_file_agent")
    assert resultat.returncode == 0, resultat.stderr
    with file.app_context():
        assert not {INDEX, INDEX_NUMERO} & {i["name"] for i in inspect(db.engine).get_indexes("demande")}
    assert _trouves(nord, "Aminata KONE") == ["KONE"]  # without the index: the same rows
    resultat = _migrer(url, "upgrade")
    assert resultat.returncode == 0, resultat.stderr
    with file.app_context():
        assert {INDEX, INDEX_NUMERO} <= {i["name"] for i in inspect(db.engine).get_indexes("demande")}
        db.engine.dispose()
    assert _trouves(nord, "Aminata KONE") == ["KONE"]


@pytest.mark.skipif(not sur_postgresql(), reason="pg_trgm is a PostgreSQL extension")
def test_sans_droit_de_creer_pg_trgm_la_migration_passe_et_le_dit(file, nord):
    url = make_url(file.config["SQLALCHEMY_DATABASE_URI"])
    role = f"sans_trgm_{os.getpid()}_{datetime.now(UTC):%H%M%S%f}"
    with file.app_context():
        db.engine.dispose()
    resultat = _migrer(url.render_as_string(hide_password=False), "downgrade", "0009_file_agent")
    assert resultat.returncode == 0, resultat.stderr
    proprietaire = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with proprietaire.connect() as connexion:
            connexion.execute(text("DROP EXTENSION IF EXISTS pg_trgm"))
            # A role that may update the schema's version but not create in the database (no extension).
            connexion.execute(text(f"CREATE ROLE {role} LOGIN"))
            connexion.execute(text(f"REVOKE CREATE ON DATABASE \"{url.database}\" FROM PUBLIC, {role}"))
            connexion.execute(text(f"GRANT USAGE ON SCHEMA public TO {role}"))
            connexion.execute(text(f"GRANT SELECT, UPDATE ON alembic_version TO {role}"))
        resultat = _migrer(url.set(username=role).render_as_string(hide_password=False), "upgrade",
                           "0010_recherche_file")
        assert resultat.returncode == 0, resultat.stderr
        assert "Extension pg_trgm indisponible" in resultat.stderr
        assert f"index {INDEX} et {INDEX_NUMERO} non créés" in resultat.stderr
        with proprietaire.connect() as connexion:
            assert connexion.scalar(text("SELECT version_num FROM alembic_version")) == "0010_recherche_file"
            assert connexion.scalar(text("SELECT count(*) FROM pg_indexes WHERE indexname LIKE '%trigrammes'")) == 0
        assert _trouves(nord, "Aminata KONE") == ["KONE"]  # a slower plan, the same rows
    finally:
        with proprietaire.connect() as connexion:
            connexion.execute(text(f"DROP OWNED BY {role}"))
            connexion.execute(text(f"DROP ROLE {role}"))
        proprietaire.dispose()
