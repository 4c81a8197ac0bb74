"""F-42 The audit log is append-only: the database itself refuses to change or delete an event (triggers of
migration 0006), whatever code or SQL tries; the one writer adds rows; the CSV cells cannot become formulas."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DatabaseError

from app import journal
from app.extensions import db
from app.models import Compte, Evenement, Personne
from app.workflow.store import journaliser
from tests.dates import aujourdhui

pytestmark = pytest.mark.feature("F-42")
APP = Path(__file__).resolve().parents[2] / "app"


def _une_demande(app) -> int:
    compte = db.session.scalars(select(Compte).join(Personne)).first()
    return app.extensions["demandes"].create(compte, {"date_naissance": compte.personne.date_naissance},
                                             aujourdhui()).id


def test_le_journal_refuse_update_et_delete(app):
    with app.app_context():
        ident = _une_demande(app)
        journaliser(db.session, ident, "agent:1", "prise_en_charge", {"precedent": None})
        db.session.commit()
        avant = db.session.execute(select(Evenement.id, Evenement.acteur, Evenement.nature, Evenement.detail)
                                   .where(Evenement.demande_id == ident).order_by(Evenement.id)).all()
        assert [r.nature for r in avant] == ["demande_creee", "prise_en_charge"]

        for instruction in (update(Evenement).where(Evenement.demande_id == ident).values(acteur="agent:2"),
                            delete(Evenement).where(Evenement.demande_id == ident),
                            text("UPDATE evenement SET detail = '{}'"), text("DELETE FROM evenement")):
            with pytest.raises(DatabaseError):
                db.session.execute(instruction)
            db.session.rollback()
        # Through the ORM too: changing a loaded event fails at flush.
        evenement = db.session.get(Evenement, avant[-1].id)
        evenement.nature = "liberation"
        with pytest.raises(DatabaseError):
            db.session.commit()
        db.session.rollback()
        db.session.delete(db.session.get(Evenement, avant[-1].id))
        with pytest.raises(DatabaseError):
            db.session.commit()
        db.session.rollback()

        apres = db.session.execute(select(Evenement.id, Evenement.acteur, Evenement.nature, Evenement.detail)
                                   .where(Evenement.demande_id == ident).order_by(Evenement.id)).all()
        assert apres == avant
        # Adding stays possible.
        journaliser(db.session, ident, "agent:1", "liberation", {})
        db.session.commit()
        assert db.session.scalar(select(db.func.count()).select_from(Evenement)
                                 .where(Evenement.demande_id == ident)) == 3


@pytest.mark.parametrize(("valeur", "cellule"), [
    ("=1+2", "'=1+2"), ("+33 1 23", "'+33 1 23"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"), ("Décision favorable", "Décision favorable"), ("", ""), (None, ""), (12, "12"),
])
def test_une_cellule_qui_commence_comme_une_formule_est_echappee(valeur, cellule):
    assert journal.cellule(valeur) == cellule


def test_chaque_nature_ecrite_par_le_code_a_son_libelle():
    """The catalogue names every nature the code writes: a new one without its French label fails here."""
    # where each writer takes the nature
    position = {"journaliser": 3, "journaliser_plusieurs": 3, "ligne_de_journal": 1, "_log": 1, "_journaliser": 2}
    ecrites = set()
    for path in APP.rglob("*.py"):
        for noeud in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(noeud, ast.Call):
                continue
            nom = getattr(noeud.func, "id", getattr(noeud.func, "attr", ""))
            if nom in position and len(noeud.args) > position[nom]:
                nature = noeud.args[position[nom]]
                if isinstance(nature, ast.Constant) and isinstance(nature.value, str):
                    ecrites.add(nature.value)
    assert {"etape_validee", "decision", "service_execute", "notification_envoyee", "notification_lue",
            "courriel_en_file", "courriel_envoye", "courriel_echec", "document_televerse", "document_supprime",
            "document_maintenu", "document_remplace"} <= ecrites, ecrites
    assert sorted(n for n in ecrites if journal.nature_de(n) is None) == []
    assert journal.nature_de("message:notification_lue") is not None and journal.nature_de("migration") is not None
