"""sessions et état des processus : index de la purge des sessions, compression lz4 de l'état sur PostgreSQL (F-47)

Revision ID: 0012_sessions_etat_lz4
Revises: 0011_pdf_en_file

Every login deletes the sessions inactive for too long (`vue_le` older than the limit), inside its write
transaction — on SQLite, under the whole database's write lock. Without an index that DELETE reads the whole table,
which grows with the number of people logged in during the inactivity period.

On PostgreSQL, a workflow's state (about 50 kB of JSON, rewritten by every step saved and every timer fired) is
compressed with lz4 instead of the default pglz: about a third of the database server's time to write it, measured
(0.4 ms instead of 0.9–1.4 ms per update), for slightly larger rows. Rows already stored stay as they are until
rewritten. A server built without lz4 keeps pglz (a warning says so).
"""
import logging

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0012_sessions_etat_lz4"
down_revision = "0011_pdf_en_file"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")


def upgrade():
    op.create_index("ix_session_ouverte_vue_le", "session_ouverte", ["vue_le"])
    connexion = op.get_bind()
    if connexion.dialect.name != "postgresql":
        return
    try:
        with connexion.begin_nested():  # a savepoint: a refusal must not abort the migration's transaction
            connexion.execute(sa.text("ALTER TABLE etat_processus ALTER COLUMN etat SET COMPRESSION lz4"))
    except sa.exc.DBAPIError as erreur:
        log.warning("Compression lz4 indisponible (%s) : l'état des processus reste compressé par pglz (plus lent à "
                    "écrire, même contenu).", str(erreur.orig).strip().splitlines()[0])


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE etat_processus ALTER COLUMN etat SET COMPRESSION DEFAULT")
    op.drop_index("ix_session_ouverte_vue_le", table_name="session_ouverte")
