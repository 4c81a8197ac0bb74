"""file des agents à grande échelle : compteurs tenus par la base, index couvrants (F-31, F-47)

Revision ID: 0009_file_agent
Revises: 0008_delais_reservation

The agents' queue over 100 000 applications (issue 13, benchmark 3) must not count every row of its prefectures
on each page. `file_compte` holds the number of deposited applications per department, state (and its name) and
assigned agent (0: none); triggers keep it in the transaction that inserts, changes or deletes an application,
whatever writes it (the store, the agents' pages, a bulk load), in an order that two transactions cannot deadlock
on (PostgreSQL: the lower key first). The queue reads these few rows for its totals and its per-state counts.

The register's names of the applicant are copied into `demande` (`nom_naissance`, `nom_usage`, `prenoms`), kept by
triggers too (filled at insert when not given, followed when the register changes a name), so that sorting and
searching by name need no join. Three partial indexes (deposited applications only), one per sort (deposit date,
number, name), hold every column the queue's filters and search read: a page's ids come from one index alone,
even far into the list.

Caution for later migrations: on SQLite, a batch operation that rebuilds the `demande` table drops its triggers;
such a migration must create them again (`creer_les_declencheurs` below). tests/web/test_file_volume.py checks they
are in place and that the counts match a real count.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0009_file_agent"
down_revision = "0008_delais_reservation"
branch_labels = None
depends_on = None

DEPOSEE = "numero IS NOT NULL"
CLE = "departement, etat, etat_libelle, agent_id"


NOMS = "nom_naissance, nom_usage, prenoms"
NOMS_DU_REGISTRE = """(SELECT p.nom_naissance, p.nom_usage, p.prenoms FROM compte c JOIN personne p ON p.id = c.personne_id
                      WHERE c.id = {compte})"""
INDEX = {  # name → columns: the sort key first, then what the filters and the search read
    "ix_demande_file_depot": ["departement", "deposee_le", "id", "etat", "agent_id", "numero", "nom_naissance",
                              "nom_usage", "prenoms"],
    "ix_demande_file_numero": ["departement", "numero", "etat", "agent_id", "nom_naissance", "nom_usage", "prenoms"],
    "ix_demande_file_nom": ["departement", "nom_naissance", "prenoms", "id", "etat", "agent_id", "numero",
                            "nom_usage"],
}


def creer_les_declencheurs_des_noms() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION demande_noms() RETURNS trigger AS $$
            BEGIN
                IF TG_OP = 'UPDATE' OR NEW.nom_naissance IS NULL THEN
                    SELECT p.nom_naissance, p.nom_usage, p.prenoms INTO NEW.nom_naissance, NEW.nom_usage, NEW.prenoms
                    FROM compte c JOIN personne p ON p.id = c.personne_id WHERE c.id = NEW.compte_id;
                END IF;
                RETURN NEW;
            END; $$ LANGUAGE plpgsql""")
        op.execute("""CREATE TRIGGER demande_noms BEFORE INSERT OR UPDATE OF compte_id ON demande
                      FOR EACH ROW EXECUTE FUNCTION demande_noms()""")
        op.execute(f"""
            CREATE FUNCTION personne_noms() RETURNS trigger AS $$
            BEGIN
                UPDATE demande SET ({NOMS}) = (NEW.nom_naissance, NEW.nom_usage, NEW.prenoms)
                WHERE compte_id IN (SELECT id FROM compte WHERE personne_id = NEW.id);
                RETURN NULL;
            END; $$ LANGUAGE plpgsql""")
        op.execute("""CREATE TRIGGER personne_noms AFTER UPDATE OF nom_naissance, nom_usage, prenoms ON personne
                      FOR EACH ROW EXECUTE FUNCTION personne_noms()""")
        return
    op.execute(f"""CREATE TRIGGER demande_noms_ajout AFTER INSERT ON demande WHEN NEW.nom_naissance IS NULL BEGIN
                   UPDATE demande SET ({NOMS}) = {NOMS_DU_REGISTRE.format(compte="NEW.compte_id")}
                   WHERE id = NEW.id; END""")
    op.execute(f"""CREATE TRIGGER demande_noms_compte AFTER UPDATE OF compte_id ON demande BEGIN
                   UPDATE demande SET ({NOMS}) = {NOMS_DU_REGISTRE.format(compte="NEW.compte_id")}
                   WHERE id = NEW.id; END""")
    op.execute(f"""CREATE TRIGGER personne_noms AFTER UPDATE OF nom_naissance, nom_usage, prenoms ON personne BEGIN
                   UPDATE demande SET ({NOMS}) = (NEW.nom_naissance, NEW.nom_usage, NEW.prenoms)
                   WHERE compte_id IN (SELECT id FROM compte WHERE personne_id = NEW.id); END""")


def creer_les_declencheurs() -> None:
    creer_les_declencheurs_des_noms()
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION file_compte_suivre() RETURNS trigger AS $$
            DECLARE
                ancien boolean := TG_OP <> 'INSERT' AND OLD.numero IS NOT NULL AND OLD.departement IS NOT NULL;
                nouveau boolean := TG_OP <> 'DELETE' AND NEW.numero IS NOT NULL AND NEW.departement IS NOT NULL;
                ancien_d_abord boolean;
            BEGIN
                IF ancien AND nouveau AND (OLD.departement, OLD.etat, OLD.etat_libelle, coalesce(OLD.agent_id, 0))
                        = (NEW.departement, NEW.etat, NEW.etat_libelle, coalesce(NEW.agent_id, 0)) THEN
                    RETURN NULL;
                END IF;
                ancien_d_abord := NOT nouveau OR (ancien
                    AND (OLD.departement, OLD.etat, OLD.etat_libelle, coalesce(OLD.agent_id, 0))
                        < (NEW.departement, NEW.etat, NEW.etat_libelle, coalesce(NEW.agent_id, 0)));
                IF ancien AND ancien_d_abord THEN
                    UPDATE file_compte SET nombre = nombre - 1 WHERE departement = OLD.departement
                        AND etat = OLD.etat AND etat_libelle = OLD.etat_libelle
                        AND agent_id = coalesce(OLD.agent_id, 0);
                END IF;
                IF nouveau THEN
                    INSERT INTO file_compte ({CLE}, nombre)
                    VALUES (NEW.departement, NEW.etat, NEW.etat_libelle, coalesce(NEW.agent_id, 0), 1)
                    ON CONFLICT ({CLE}) DO UPDATE SET nombre = file_compte.nombre + 1;
                END IF;
                IF ancien AND NOT ancien_d_abord THEN
                    UPDATE file_compte SET nombre = nombre - 1 WHERE departement = OLD.departement
                        AND etat = OLD.etat AND etat_libelle = OLD.etat_libelle
                        AND agent_id = coalesce(OLD.agent_id, 0);
                END IF;
                RETURN NULL;
            END; $$ LANGUAGE plpgsql""")
        op.execute("""
            CREATE TRIGGER file_compte_suivre
            AFTER INSERT OR DELETE OR UPDATE OF numero, departement, etat, etat_libelle, agent_id ON demande
            FOR EACH ROW EXECUTE FUNCTION file_compte_suivre()""")
        return
    retrait = """
        UPDATE file_compte SET nombre = nombre - 1 WHERE OLD.numero IS NOT NULL AND departement = OLD.departement
            AND etat = OLD.etat AND etat_libelle = OLD.etat_libelle AND agent_id = coalesce(OLD.agent_id, 0);"""
    ajout = f"""
        INSERT INTO file_compte ({CLE}, nombre)
        SELECT NEW.departement, NEW.etat, NEW.etat_libelle, coalesce(NEW.agent_id, 0), 1
        WHERE NEW.numero IS NOT NULL AND NEW.departement IS NOT NULL
        ON CONFLICT ({CLE}) DO UPDATE SET nombre = nombre + 1;"""
    op.execute(f"CREATE TRIGGER file_compte_ajout AFTER INSERT ON demande BEGIN {ajout} END")
    op.execute(f"CREATE TRIGGER file_compte_retrait AFTER DELETE ON demande BEGIN {retrait} END")
    op.execute("CREATE TRIGGER file_compte_changement AFTER UPDATE OF numero, departement, etat, etat_libelle, "
               f"agent_id ON demande BEGIN {retrait} {ajout} END")


def supprimer_les_declencheurs() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for declencheur, table in (("file_compte_suivre", "demande"), ("demande_noms", "demande"),
                                   ("personne_noms", "personne")):
            op.execute(f"DROP TRIGGER IF EXISTS {declencheur} ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {declencheur}()")
        return
    for nom in ("file_compte_ajout", "file_compte_retrait", "file_compte_changement", "demande_noms_ajout",
                "demande_noms_compte", "personne_noms"):
        op.execute(f"DROP TRIGGER IF EXISTS {nom}")


def upgrade():
    op.create_table(
        "file_compte",
        sa.Column("departement", sa.String(length=3), nullable=False),
        sa.Column("etat", sa.String(length=60), nullable=False),
        sa.Column("etat_libelle", sa.String(length=120), nullable=False),
        sa.Column("agent_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("nombre", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("departement", "etat", "etat_libelle", "agent_id"),
    )
    op.execute(f"""
        INSERT INTO file_compte ({CLE}, nombre)
        SELECT departement, etat, etat_libelle, coalesce(agent_id, 0), count(*) FROM demande
        WHERE numero IS NOT NULL AND departement IS NOT NULL
        GROUP BY departement, etat, etat_libelle, coalesce(agent_id, 0)""")
    with op.batch_alter_table("demande", schema=None) as batch_op:
        batch_op.add_column(sa.Column("nom_naissance", sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column("nom_usage", sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column("prenoms", sa.String(length=200), nullable=True))
    op.execute(f"UPDATE demande SET ({NOMS}) = {NOMS_DU_REGISTRE.format(compte='demande.compte_id')}")
    creer_les_declencheurs()
    with op.batch_alter_table("demande", schema=None) as batch_op:
        for nom, colonnes in INDEX.items():
            batch_op.create_index(nom, colonnes, unique=False, sqlite_where=sa.text(DEPOSEE),
                                  postgresql_where=sa.text(DEPOSEE))


def downgrade():
    with op.batch_alter_table("demande", schema=None) as batch_op:
        for nom in INDEX:
            batch_op.drop_index(nom)
    supprimer_les_declencheurs()
    with op.batch_alter_table("demande", schema=None) as batch_op:
        batch_op.drop_column("prenoms")
        batch_op.drop_column("nom_usage")
        batch_op.drop_column("nom_naissance")
    op.drop_table("file_compte")
