"""Many applications with a due complement deadline, fast, for the timer workers' tests and bench/delais.py (F-47).

One real application goes through the real web (deposit, complement asked, notification opened: the 30-day clock
runs) and its timer is moved into the past (tests/delais.py). Its two rows that the timer driver reads — `demande`
(the list columns, `prochain_timer` among them) and `etat_processus` (the serialized workflow, due time included) —
are then copied with new ids by bulk INSERTs: each copy is the same workflow state, fired by the same BPMN and
handlers (closure notification, mail queued, audit log) as the real one would be.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, insert, select, text

from app.extensions import db
from app.models import Demande, EtatProcessus, Evenement
from app.register import demo_people
from tests.dates import aujourdhui
from tests.delais import echoir_demande
from tests.web.instruction import deposee, derniere, examiner

PAQUET = 2000


def personnes_demo() -> dict[str, Any]:
    """The demo people by case, as the `demo` fixture gives them."""
    people = [p for _, p in demo_people(aujourdhui())]
    return dict(zip(["CAS_1", "CAS_2", "CAS_3", "NON_ELIGIBLE", "SANS_COMPTE"], people, strict=True))


def demande_echue(app: Any, client: Any, personne: Any) -> int:
    """A real application waiting for the applicant's complement, its answer deadline passed; returns its id."""
    demande = deposee(client, personne, "CAS_3")
    examiner(app, demande, {"identite": "Copie partielle."})
    client.get(f"/notifications/{derniere(app, demande, 'demande_complement').id}")  # opened: the clock runs
    assert echoir_demande(app, demande) == ["delai_reponse"]
    return demande


def cloner(app: Any, modele: int, nombre: int) -> list[int]:
    """`nombre` copies of application `modele` (its `demande` and `etat_processus` rows), with new ids and numbers."""
    with app.app_context():
        session = db.session
        demande = {c.name: v for c, v in zip(Demande.__table__.columns, session.execute(
            select(*Demande.__table__.columns).where(Demande.id == modele)).one(), strict=True)}
        etat = session.execute(select(EtatProcessus.version_serialiseur, EtatProcessus.etat)
                               .where(EtatProcessus.demande_id == modele)).one()
        debut = session.scalar(select(func.max(Demande.id))) + 1
        ids = list(range(debut, debut + nombre))
        for premier in range(0, nombre, PAQUET):
            paquet = ids[premier:premier + PAQUET]
            session.execute(insert(Demande.__table__), [
                {**demande, "id": i, "numero": f"C{i:018d}", "version": 1} for i in paquet])
            session.execute(insert(EtatProcessus.__table__), [
                {"demande_id": i, "version_serialiseur": etat.version_serialiseur, "etat": etat.etat} for i in paquet])
        if session.get_bind().dialect.name == "postgresql":  # ids chosen here: the sequence moves past them
            session.execute(text("SELECT setval(pg_get_serial_sequence('demande', 'id'), "
                                 "(SELECT max(id) FROM demande))"))
        session.commit()
        return ids


def declenchements(app: Any, ids: list[int] | None = None) -> dict[int, int]:
    """Per application, how many times a timer fired (its `delai_echu` audit rows)."""
    with app.app_context():
        query = select(Evenement.demande_id, func.count()).where(Evenement.nature == "delai_echu")
        if ids is not None:
            query = query.where(Evenement.demande_id.between(min(ids), max(ids)))
        return dict(db.session.execute(query.group_by(Evenement.demande_id)).all())
