"""The Alembic migrations build exactly the tables the models describe."""

from __future__ import annotations


def test_les_migrations_correspondent_aux_modeles(app):
    result = app.test_cli_runner().invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output


def test_les_migrations_se_defont_et_se_refont(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "downgrade", "base"]).exit_code == 0
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
