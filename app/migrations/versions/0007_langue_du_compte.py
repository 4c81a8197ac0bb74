"""langue du compte : « fr » ou « en », choisie dans l'en-tête, pour les pages et les courriels (F-18)

Revision ID: 0007_langue_du_compte
Revises: 0006_espace_analystes
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "0007_langue_du_compte"
down_revision = "0006_espace_analystes"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("compte", schema=None) as batch_op:
        batch_op.add_column(sa.Column("langue", sa.String(length=5), server_default="fr", nullable=False))


def downgrade():
    with op.batch_alter_table("compte", schema=None) as batch_op:
        batch_op.drop_column("langue")
