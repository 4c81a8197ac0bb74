"""confirmations de dépôt à dessiner : la file des PDF que le worker produit hors de la requête du dépôt (F-24, F-47)

Revision ID: 0011_pdf_en_file
Revises: 0010_recherche_file

Drawing the confirmation PDF took most of a deposit's time, inside the transaction that holds SQLite's write lock.
The deposit now writes one row here, in its own transaction: the confirmation's HTML as drawn at that moment (the
inputs frozen, so the PDF is the same whoever draws it and whenever). A worker claims a row for a short lease
(`disponible_le` pushed to the lease's end), draws it outside any transaction, stores the file, sets
`demande.confirmation_sha256` and deletes the row. A download or a mail that needs the PDF first draws it itself.
A new table, not a column of `demande`: no rebuild of that table (and its triggers) on SQLite, and the worker's
query reads a table that holds only the PDFs still to draw.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0011_pdf_en_file"
down_revision = "0010_recherche_file"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "confirmation_a_dessiner",
        sa.Column("demande_id", sa.Integer(), sa.ForeignKey("demande.id"), primary_key=True),
        sa.Column("html", sa.Text(), nullable=False),
        sa.Column("disponible_le", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tentatives", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("derniere_erreur", sa.Text(), nullable=True),
    )
    op.create_index("ix_confirmation_a_dessiner_disponible_le", "confirmation_a_dessiner", ["disponible_le"])


def downgrade():
    op.drop_index("ix_confirmation_a_dessiner_disponible_le", table_name="confirmation_a_dessiner")
    op.drop_table("confirmation_a_dessiner")
