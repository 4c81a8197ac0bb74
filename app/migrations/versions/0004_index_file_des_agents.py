"""index de la file des agents : département et date de dépôt

Revision ID: 0004_index_file_des_agents
Revises: 0003_agents_notifs_instruction

The agents' queue (F-31) lists the deposited applications of some departments, oldest deposit first:
one composite index serves that query without reading the other rows.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = "0004_index_file_des_agents"
down_revision = "0003_agents_notifs_instruction"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("demande", schema=None) as batch_op:
        batch_op.create_index("ix_demande_departement_deposee_le", ["departement", "deposee_le"], unique=False)


def downgrade():
    with op.batch_alter_table("demande", schema=None) as batch_op:
        batch_op.drop_index("ix_demande_departement_deposee_le")
