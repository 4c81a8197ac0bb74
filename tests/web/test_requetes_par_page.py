"""What each applicant page asks the database for its frame (issue 13): the session with the account and its person in
one query, the bell of the header in another, whatever the page; a page's own work comes on top."""

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
    """How many SELECTs run meanwhile read each table (FROM or JOIN), and each set of tables read together."""
    lues: Counter = Counter()

    def noter(_connexion, _curseur, enonce: str, *_args) -> None:
        if enonce.lstrip().upper().startswith("SELECT"):
            tables = set(re.findall(r"\b(?:FROM|JOIN)\s+(\w+)", enonce))
            lues.update(tables)
            lues[tuple(sorted(tables))] += 1

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
    # the account and its person (their name is in the header) come with the session's row, in the same statement
    assert lues[("compte", "personne", "session_ouverte")] == 1
    assert lues["compte"] == 1
    assert lues["personne"] == 1
    assert lues["notification"] == (1 if page != "/notifications" else 3)  # the list page counts and lists its own
