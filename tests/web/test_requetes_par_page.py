"""What each applicant page asks the database for its frame (issue 13): the session, the account with its person, the
bell of the header — one query each, whatever the page; a page's own work comes on top."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from app.extensions import db
from tests.web.helpers import to_step2

pytestmark = pytest.mark.feature("F-47")


@contextmanager
def tables_lues(app) -> Iterator[Counter]:
    """The main table of each SELECT run meanwhile."""
    lues: Counter = Counter()

    def noter(_connexion, _curseur, enonce: str, *_args) -> None:
        table = re.search(r"\bFROM\s+(\w+)", enonce)
        if enonce.lstrip().upper().startswith("SELECT"):
            lues[table.group(1) if table else "?"] += 1

    with app.app_context():
        moteur = db.engine
    event.listen(moteur, "before_cursor_execute", noter)
    try:
        yield lues
    finally:
        event.remove(moteur, "before_cursor_execute", noter)


@pytest.mark.parametrize("page", ["etape", "/mes-demandes", "/titre-de-sejour", "/notifications"])
def test_le_cadre_d_une_page_coute_une_requete_par_sujet(app, client, demo, page) -> None:
    url = to_step2(client, demo["CAS_1"], "CAS_1")
    with tables_lues(app) as lues:
        reponse = client.get(url if page == "etape" else page)
    assert reponse.status_code == 200
    assert lues["session_ouverte"] == 1
    assert lues["compte"] == 1  # the person comes with it (their name is in the header)
    assert lues["personne"] == 0
    assert lues["notification"] == (1 if page != "/notifications" else 3)  # the list page counts and lists its own
