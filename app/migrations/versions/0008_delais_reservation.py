"""réservation des délais : le bail d'un worker sur les délais échus d'une demande (F-47)

Revision ID: 0008_delais_reservation
Revises: 0007_langue_du_compte

Several workers share the due timers: each claims a batch of applications by setting this column to the end of
its short lease, fires them, then clears it. A worker killed mid-batch leaves its claims to the others once the
lease has ended. The claim reads the existing index on `prochain_timer`; this column needs none.
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "0008_delais_reservation"
down_revision = "0007_langue_du_compte"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("demande", schema=None) as batch_op:
        batch_op.add_column(sa.Column("delai_reserve_jusqua", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("demande", schema=None) as batch_op:
        batch_op.drop_column("delai_reserve_jusqua")
