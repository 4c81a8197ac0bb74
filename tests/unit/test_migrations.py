"""The Alembic migrations build exactly the tables the models describe."""

from __future__ import annotations

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from app import MIGRATIONS, create_app
from app.extensions import db


def test_les_migrations_correspondent_aux_modeles(app):
    result = app.test_cli_runner().invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output


def test_les_migrations_se_defont_et_se_refont(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "downgrade", "base"]).exit_code == 0
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0


@pytest.mark.feature("F-47")
def test_les_identifiants_de_revision_tiennent_dans_alembic_version():
    # PostgreSQL's alembic_version.version_num is VARCHAR(32): a longer id rolls the whole upgrade back there.
    scripts = ScriptDirectory(str(MIGRATIONS))
    trop_longs = [r.revision for r in scripts.walk_revisions() if len(r.revision) > 32]
    assert trop_longs == []
    assert len(list(scripts.walk_revisions())) >= 8


@pytest.mark.feature("F-47")
def test_une_base_marquee_avec_l_ancien_identifiant_de_0003_se_met_a_jour(tmp_path):
    # About SQLite itself: only SQLite could store the old 37-character id, so this stays SQLite in both runs.
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'ancienne.db'}"})
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade", "0003_agents_notifs_instruction"]).exit_code == 0
    with app.app_context():
        db.session.execute(text("UPDATE alembic_version SET version_num = '0003_agents_notifications_instruction'"))
        db.session.commit()
    resultat = runner.invoke(args=["db", "upgrade"])
    assert resultat.exit_code == 0, resultat.output
    with app.app_context():
        assert db.session.scalar(text("SELECT version_num FROM alembic_version")) == \
            ScriptDirectory(str(MIGRATIONS)).get_current_head()
        # 0004, the revision after the renamed one, did run.
        assert "ix_demande_departement_deposee_le" in {i["name"] for i in inspect(db.engine).get_indexes("demande")}


@pytest.mark.feature("F-47")
def test_postgresql_l_etat_des_processus_est_compresse_en_lz4(app):
    """Each step saved and each timer fired rewrites a ~50 kB state: lz4 writes it in a third of pglz's time."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("compression des colonnes propre à PostgreSQL")
        methode = db.session.scalar(text(
            "SELECT attcompression FROM pg_attribute WHERE attrelid = 'etat_processus'::regclass AND attname = 'etat'"))
        assert methode == "l"
