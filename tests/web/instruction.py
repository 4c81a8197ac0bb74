"""Helpers for the instruction tests of tests/web: the agent's tasks completed through the store (as the
agent pages do, with values shaped like app/forms/examiner_demande.py and app/forms/decider.py
`values()`), the applicant's notifications read back from the database, the complement page posted
with CSRF by the test client."""

from __future__ import annotations

import html
import io
import re
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from app import clock
from app.extensions import db
from app.models import Demande, Notification
from tests.conftest import csrf_token
from tests.web.helpers import PNG_1PX, deposit

AGENT = "agent:test"


def demande_id(url: str) -> int:
    return int(re.search(r"/demandes/(\d+)", url).group(1))


def deposee(client: Any, person: Any, case: str = "CAS_3") -> int:
    """A deposited application of `person` (logged in by the walk); returns its id."""
    url, _ = deposit(client, person, case)
    return demande_id(url)


def tache_agent(app: Any, demande: int, form: str, values_for: Any, acteur: str = AGENT) -> None:
    """Complete the READY « Agent » task `form`; `values_for(task data)` gives the values."""
    with app.app_context():
        with app.extensions["demandes"].open(demande, clock.today()) as instance:
            tasks = instance.ready("Agent")
            assert [t.form for t in tasks] == [form], tasks
            instance.complete(tasks[0].id, values_for(tasks[0].data), acteur)


def examiner(app: Any, demande: int, non_valides: dict[str, str] | None = None, message: str = "") -> None:
    """« Demande à examiner »: every document with files valid except `non_valides` (code → observation);
    a complement if some are not valid, else the decision."""
    non_valides = non_valides or {}

    def values(data: dict[str, Any]) -> dict[str, Any]:
        codes = [p["code"] for p in data["pieces"] if p["code"] in data.get("documents", {})
                 or p.get("nature") == "ephoto"]
        assert set(non_valides) <= set(codes), (non_valides, codes)
        return {
            "avis_documents": {c: {"valide": c not in non_valides, "observation": non_valides.get(c, "")}
                               for c in codes},
            "suite": "complement" if non_valides else "decision",
            "message_agent": message,
        }

    tache_agent(app, demande, "examiner_demande", values)


def decider_favorable(app: Any, demande: int, debut: date | None = None, fin: date | None = None,
                      montant: int = 0) -> tuple[date, date]:
    debut = debut or clock_today(app) + timedelta(days=1)
    fin = fin or date(debut.year + 1, debut.month, debut.day) - timedelta(days=1)
    tache_agent(app, demande, "decider", lambda _: {"decision": "favorable", "titre_debut": debut,
                                                    "titre_fin": fin, "montant_taxe": montant, "motif_refus": ""})
    return debut, fin


def decider_defavorable(app: Any, demande: int, motif: str) -> None:
    tache_agent(app, demande, "decider", lambda _: {"decision": "defavorable", "titre_debut": None,
                                                    "titre_fin": None, "montant_taxe": 0, "motif_refus": motif})


def clock_today(app: Any) -> date:
    with app.app_context():
        return clock.today()


def ligne(app: Any, demande: int) -> Demande:
    """The application's plain columns, read fresh."""
    with app.app_context():
        row = db.session.get(Demande, demande)
        db.session.expunge(row)
        return row


def notifications(app: Any, demande: int) -> list[Notification]:
    with app.app_context():
        rows = db.session.scalars(select(Notification).where(Notification.demande_id == demande)
                                  .order_by(Notification.id)).all()
        for row in rows:
            db.session.expunge(row)
        return rows


def derniere(app: Any, demande: int, nature: str) -> Notification:
    return [n for n in notifications(app, demande) if n.nature == nature][-1]


def poster(client: Any, notification_id: int, action: str = "envoyer", fichiers: dict[str, Any] | None = None,
           **fields: Any) -> Any:
    """Post the complement page as a browser does: its CSRF token and task id, the given fields and files."""
    url = f"/notifications/{notification_id}"
    page = client.get(url).get_data(as_text=True)
    task = re.search(r'name="task_id" value="([^"]+)"', page)
    data = {"csrf_token": csrf_token(page), "task_id": task.group(1) if task else "", "action": action, **fields}
    for name, (contenu, nom) in (fichiers or {}).items():
        data[name] = (io.BytesIO(contenu), nom)
    return client.post(url, data=data, content_type="multipart/form-data")


def png(nom: str = "nouveau.png") -> tuple[bytes, str]:
    return PNG_1PX, nom


def lisible(client: Any, url: str) -> str:
    """The page's <main> as a person reads it: tags removed, entities decoded, white space made one space."""
    page = client.get(url, follow_redirects=True).get_data(as_text=True)
    main = re.search(r"<main\b.*?</main>", page, re.S).group(0)
    main = re.sub(r"<script\b.*?</script>", " ", main, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", main))).strip()
