"""espace des analystes : comptes, éléments par demande, versions activées, brouillons, journal en ajout seul

Revision ID: 0006_espace_analystes
Revises: 0005_durcissement

Analysts get their own accounts; each application keeps the element it waits at (indexed with its
version, for the counts on the diagram); a process version records when it became the current one and
whether it came from the files or was published from the browser; analysts' drafts are kept; the audit
log refuses UPDATE and DELETE (triggers on SQLite and PostgreSQL).
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "0006_espace_analystes"
down_revision = "0005_durcissement"
branch_labels = None
depends_on = None

REFUS = "le journal des événements est en ajout seul"


def upgrade():
    op.create_table(
        "analyste",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("nom", sa.String(length=120), nullable=False),
        sa.Column("prenom", sa.String(length=120), nullable=False),
        sa.Column("mot_de_passe", sa.String(length=255), nullable=False),
        sa.Column("actif", sa.Boolean(), nullable=False),
        sa.Column("cree_le", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("email"),
    )
    with op.batch_alter_table("version_processus", schema=None) as batch_op:
        batch_op.add_column(sa.Column("activee_le", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("origine", sa.String(length=20), server_default="fichiers", nullable=False))
        batch_op.add_column(sa.Column("publiee_par", sa.String(length=80), nullable=True))
        batch_op.create_index(batch_op.f("ix_version_processus_activee_le"), ["activee_le"], unique=False)
    op.execute("UPDATE version_processus SET activee_le = creee_le")
    op.create_table(
        "brouillon_processus",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("analyste_id", sa.Integer(), nullable=False),
        sa.Column("base_version_id", sa.Integer(), nullable=True),
        sa.Column("fichiers", sa.JSON(), nullable=False),
        sa.Column("etat", sa.String(length=20), nullable=False),
        sa.Column("verification", sa.JSON(), nullable=True),
        sa.Column("essais", sa.JSON(), nullable=True),
        sa.Column("essais_empreinte", sa.String(length=64), nullable=True),
        sa.Column("publie_version_id", sa.Integer(), nullable=True),
        sa.Column("cree_le", sa.DateTime(timezone=True), nullable=False),
        sa.Column("modifie_le", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["analyste_id"], ["analyste.id"]),
        sa.ForeignKeyConstraint(["base_version_id"], ["version_processus.id"]),
        sa.ForeignKeyConstraint(["publie_version_id"], ["version_processus.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("brouillon_processus", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_brouillon_processus_analyste_id"), ["analyste_id"], unique=False)
    with op.batch_alter_table("demande", schema=None) as batch_op:
        batch_op.add_column(sa.Column("element", sa.String(length=120), nullable=True))
        batch_op.create_index("ix_demande_version_element", ["version_processus_id", "element"], unique=False)
    op.execute("UPDATE demande SET element = etat")
    with op.batch_alter_table("evenement", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_evenement_le"), ["le"], unique=False)
    _journal_en_ajout_seul()


def _journal_en_ajout_seul():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION evenement_ajout_seul() RETURNS trigger AS $$
            BEGIN RAISE EXCEPTION '{REFUS}'; END; $$ LANGUAGE plpgsql""")
        op.execute("""
            CREATE TRIGGER evenement_ajout_seul BEFORE UPDATE OR DELETE ON evenement
            FOR EACH ROW EXECUTE FUNCTION evenement_ajout_seul()""")
        return
    for action in ("UPDATE", "DELETE"):
        op.execute(f"""
            CREATE TRIGGER evenement_sans_{action.lower()} BEFORE {action} ON evenement
            BEGIN SELECT RAISE(ABORT, '{REFUS}'); END""")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS evenement_ajout_seul ON evenement")
        op.execute("DROP FUNCTION IF EXISTS evenement_ajout_seul()")
    else:
        op.execute("DROP TRIGGER IF EXISTS evenement_sans_update")
        op.execute("DROP TRIGGER IF EXISTS evenement_sans_delete")
    with op.batch_alter_table("evenement", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evenement_le"))
    with op.batch_alter_table("demande", schema=None) as batch_op:
        batch_op.drop_index("ix_demande_version_element")
        batch_op.drop_column("element")
    with op.batch_alter_table("brouillon_processus", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_brouillon_processus_analyste_id"))
    op.drop_table("brouillon_processus")
    with op.batch_alter_table("version_processus", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_version_processus_activee_le"))
        batch_op.drop_column("publiee_par")
        batch_op.drop_column("origine")
        batch_op.drop_column("activee_le")
    op.drop_table("analyste")
