"""Helpers for the agents' tests: log in as a demo agent, act on an application by the forms a browser posts."""

from __future__ import annotations

import re
from typing import Any

from app import agents
from tests.conftest import csrf_token, task_id

NORD, PARIS = agents.DEMO[0], agents.DEMO[1]


def login_agent(client: Any, agent: Any = NORD, mot_de_passe: str | None = None) -> Any:
    page = client.get("/agent/connexion").get_data(as_text=True)
    return client.post("/agent/connexion", data={"csrf_token": csrf_token(page), "email": agent.email,
                                                 "mot_de_passe": mot_de_passe or agent.mot_de_passe})


def demande_id(confirmation_url: str) -> int:
    """The application id from the applicant's confirmation URL (/demandes/<id>/confirmation)."""
    return int(re.search(r"/demandes/(\d+)/", confirmation_url).group(1))


def prendre(client: Any, ident: int) -> Any:
    page = client.get(f"/agent/demandes/{ident}").get_data(as_text=True)
    return client.post(f"/agent/demandes/{ident}/prendre", data={"csrf_token": csrf_token(page)})


def liberer(client: Any, ident: int) -> Any:
    page = client.get(f"/agent/demandes/{ident}").get_data(as_text=True)
    return client.post(f"/agent/demandes/{ident}/liberer", data={"csrf_token": csrf_token(page)})


def codes_examines(page: str) -> list[str]:
    """The documents the « examiner_demande » form asks an opinion on (one radio group each)."""
    return list(dict.fromkeys(re.findall(r'name="avis_([a-z_]+)"', page)))


def examiner(client: Any, ident: int, suite: str, non_valides: dict[str, str] | None = None,
             message: str = "", **extra: Any) -> Any:
    """Post the review: every document valid except `non_valides` (code → observation), then `suite`."""
    page = client.get(f"/agent/demandes/{ident}").get_data(as_text=True)
    non_valides = non_valides or {}
    data: dict[str, Any] = {"csrf_token": csrf_token(page), "task_id": task_id(page), "suite": suite,
                            "message_agent": message}
    for code in codes_examines(page):
        data[f"avis_{code}"] = "non_valide" if code in non_valides else "valide"
        data[f"observation_{code}"] = non_valides.get(code, "")
    data.update(extra)
    return client.post(f"/agent/demandes/{ident}", data=data)


def decider(client: Any, ident: int, **fields: Any) -> Any:
    page = client.get(f"/agent/demandes/{ident}").get_data(as_text=True)
    data = {"csrf_token": csrf_token(page), "task_id": task_id(page), **fields}
    return client.post(f"/agent/demandes/{ident}", data=data)


def lire_et_repondre(app: Any, ident: int, reponses: dict[str, tuple], message: str = "") -> None:
    """The applicant's side, through the store and the real process: the latest « Demande de complément » is
    opened (message « notification_lue »), then answered: per document ("maintenir", raison) or
    ("mettre_a_jour", contenu, nom) — a new file of the round, as the applicant's page stores it."""
    from sqlalchemy import select

    from app import clock, documents
    from app.extensions import db
    from app.models import Demande, Document, Notification

    with app.app_context():
        store = app.extensions["demandes"]
        demande = db.session.get(Demande, ident)
        acteur = f"usager:{demande.compte_id}"
        notification = db.session.scalars(select(Notification).where(
            Notification.demande_id == ident, Notification.nature == "demande_complement")
            .order_by(Notification.id.desc())).first()
        with store.open(ident, clock.today()) as instance:
            notification.lue_le = clock.now()
            instance.message("notification_lue", {"lue_le": notification.lue_le.isoformat(),
                                                  "notification": notification.id}, acteur)
        tour = notification.contenu["tour"]
        with store.open(ident, clock.today()) as instance:
            task = instance.ready("Usager")[0]
            actuels = dict(task.data["documents"])
            reponse = {}
            for code, (choix, *reste) in reponses.items():
                if choix == "maintenir":
                    reponse[code] = {"choix": choix, "raison": reste[0], "fichiers": []}
                    continue
                contenu, nom = reste
                document = Document(demande_id=ident, compte_id=demande.compte_id, piece=code, nom_original=nom,
                                    type_mime="image/png", taille=len(contenu), sha256=documents.stocker(contenu),
                                    tour=tour)
                db.session.add(document)
                db.session.flush()
                reponse[code] = {"choix": choix, "raison": "", "fichiers": [document.id]}
                actuels[code] = [document.id]
            instance.complete(task.id, {"reponse_complement": reponse, "message_usager": message,
                                        "documents": actuels, "tour_complement": tour}, acteur)
            notification.repondue_le = clock.now()
