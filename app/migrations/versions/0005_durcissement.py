"""durcissement : sessions révocables, limites partagées, administrateurs, incidents, Message-ID stable

Revision ID: 0005_durcissement
Revises: 0004_index_file_des_agents

Sessions are kept server-side (logout and password changes end them); rate-limit counters live in
the database so that every web process shares them; an agent may be an administrator (applications
of no configured prefecture, incidents); a workflow that cannot be loaded is marked as an incident;
each mail keeps one Message-ID across retries.
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "0005_durcissement"
down_revision = "0004_index_file_des_agents"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "session_ouverte",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("empreinte", sa.String(length=64), nullable=False),
        sa.Column("acteur", sa.String(length=40), nullable=False),
        sa.Column("creee_le", sa.DateTime(timezone=True), nullable=False),
        sa.Column("vue_le", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("empreinte"),
    )
    with op.batch_alter_table("session_ouverte", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_session_ouverte_acteur"), ["acteur"], unique=False)
    op.create_table(
        "limite",
        sa.Column("cle", sa.String(length=255), nullable=False),
        sa.Column("compte", sa.Integer(), nullable=False),
        sa.Column("expire", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("cle"),
    )
    with op.batch_alter_table("limite", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_limite_expire"), ["expire"], unique=False)
    with op.batch_alter_table("agent", schema=None) as batch_op:
        batch_op.add_column(sa.Column("administrateur", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("demande", schema=None) as batch_op:
        batch_op.add_column(sa.Column("incident", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("incident_le", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_demande_incident_le"), ["incident_le"], unique=False)
    with op.batch_alter_table("courriel", schema=None) as batch_op:
        batch_op.add_column(sa.Column("message_id", sa.String(length=255), nullable=True))


def downgrade():
    with op.batch_alter_table("courriel", schema=None) as batch_op:
        batch_op.drop_column("message_id")
    with op.batch_alter_table("demande", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_demande_incident_le"))
        batch_op.drop_column("incident_le")
        batch_op.drop_column("incident")
    with op.batch_alter_table("agent", schema=None) as batch_op:
        batch_op.drop_column("administrateur")
    with op.batch_alter_table("limite", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_limite_expire"))
    op.drop_table("limite")
    with op.batch_alter_table("session_ouverte", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_session_ouverte_acteur"))
    op.drop_table("session_ouverte")
