"""recherche dans la file des agents : index de trigrammes des noms et du n° (PostgreSQL, pg_trgm) (F-31, F-47)

Revision ID: 0010_recherche_file
Revises: 0009_file_agent

The queue's search by name (every word a case-insensitive substring of the birth name, the usual name or the first
names) cannot use a b-tree: on PostgreSQL it read every deposited application of the prefecture through the covering
index (about 90 ms for 50 000 rows). A GIN index of trigrams (extension `pg_trgm`) over the three names in one text
finds the rows holding a word of 3 characters or more directly; the query (app/recherche.py, `NOMS_EN_UN`) uses the
very same expression. The search by number (`numero LIKE '%…%'`) gets a trigram index of `numero` as well. Both
partial, like the queue's indexes: deposited applications only.

`CREATE EXTENSION` needs the right to create in the database (pg_trgm is a trusted extension): where it is refused,
the migration still succeeds without the index, says so in the log, and the search gives the same rows more slowly.
SQLite: nothing to do (its LIKE over the covering index is fast enough at this size). No batch operation on `demande`
here: on SQLite it would drop the triggers of 0009.
"""
import logging

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0010_recherche_file"
down_revision = "0009_file_agent"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.env")

DEPOSEE = "numero IS NOT NULL"

INDEX_NOMS, INDEX_NUMERO = "ix_demande_noms_trigrammes", "ix_demande_numero_trigrammes"
# Word for word the expression of app/recherche.py (NOMS_EN_UN): the planner matches the query's text to it.
NOMS_EN_UN = ("coalesce(demande.nom_naissance, '') || ' ' || coalesce(demande.nom_usage, '') || ' ' "
              "|| coalesce(demande.prenoms, '')")


def upgrade():
    connexion = op.get_bind()
    if connexion.dialect.name != "postgresql":
        return
    try:
        with connexion.begin_nested():  # a savepoint: a refusal must not abort the migration's transaction
            connexion.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except sa.exc.DBAPIError as erreur:
        log.warning("Extension pg_trgm indisponible (%s) : index %s et %s non créés, la recherche par nom ou n° de la "
                    "file des agents lira toutes les demandes de la préfecture (mêmes résultats, plus lent). Pour les "
                    "créer plus tard : CREATE EXTENSION pg_trgm par un rôle autorisé, puis les deux CREATE INDEX de "
                    "la migration 0010_recherche_file.", str(erreur.orig).strip().splitlines()[0], INDEX_NOMS,
                    INDEX_NUMERO)
        return
    op.execute(f"CREATE INDEX {INDEX_NOMS} ON demande USING gin (({NOMS_EN_UN}) gin_trgm_ops) WHERE {DEPOSEE}")
    op.execute(f"CREATE INDEX {INDEX_NUMERO} ON demande USING gin (numero gin_trgm_ops) WHERE {DEPOSEE}")


def downgrade():
    # The extension stays: other objects of the database may use it, and it changes nothing by itself.
    if op.get_bind().dialect.name == "postgresql":
        for index in (INDEX_NUMERO, INDEX_NOMS):
            op.execute(f"DROP INDEX IF EXISTS {index}")
