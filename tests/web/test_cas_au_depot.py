"""F-20 Through the real app: the applicant turns 18 while the draft waits; the case is decided again when the
draft is opened and at deposit, the page says so in French, and the files of pieces still asked are kept."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Demande, Document, Personne
from tests.conftest import csrf_token, task_id
from tests.web.helpers import (
    ATTESTATIONS,
    get_text,
    login,
    post_step,
    step2,
    step3_fields,
    text,
    to_step3,
)

pytestmark = [pytest.mark.feature("F-20"), pytest.mark.feature("F-08"), pytest.mark.feature("F-10")]

AVIS = "Votre situation a changé depuis le début de votre demande : vous avez désormais 18 ans."


def jusqu_a_l_etape_4(client: Any, person: Any) -> str:
    """CAS 1 (17 years old today): steps 1 to 3 given, files uploaded for every document asked."""
    url = to_step3(client, person, "CAS_1")
    page = client.get(url).get_data(as_text=True)
    assert "Accord du parent/représentant légal ou du mandataire" in page
    response = post_step(client, url, **step3_fields(page))
    assert response.status_code == 302, text(response)
    assert "Étape 4 sur 5" in get_text(client, url)
    return url


def dix_huit_ans(app: Any, client: Any, person: Any) -> None:
    """The clock moved to the day after the 18th birthday; the applicant logs in again (months have passed)."""
    with app.app_context():
        naissance = db.session.scalar(select(Personne.date_naissance)
                                      .where(Personne.numero_etranger == person.numero_etranger))
    app.config["AUJOURDHUI"] = (naissance.replace(year=naissance.year + 18) + timedelta(days=1)).isoformat()
    assert login(client, person.numero_etranger, person.mot_de_passe).status_code == 302


def fichiers(app: Any, demande_id: int) -> dict[str, int]:
    with app.app_context():
        rows = db.session.scalars(select(Document).where(Document.demande_id == demande_id)).all()
        compte: dict[str, int] = {}
        for row in rows:
            compte[row.piece] = compte.get(row.piece, 0) + 1
        return compte


def demande(app: Any, demande_id: int) -> Demande:
    with app.app_context():
        return db.session.get(Demande, demande_id)


def test_brouillon_repris_apres_les_18_ans(app, client, demo):
    person = demo["CAS_1"]
    url = jusqu_a_l_etape_4(client, person)
    demande_id = int(url.rstrip("/").rsplit("/", 1)[1])
    avant = fichiers(app, demande_id)
    assert avant.get("accord_representant") and avant.get("identite") and avant.get("domicile")

    dix_huit_ans(app, client, person)
    page = get_text(client, url)  # the draft opened on a later day

    # Back to step 2, whose attestations changed, with the notice in French.
    assert "Étape 2 sur 5" in page
    assert AVIS in page
    assert "Votre demande relève maintenant du CAS 3 : usager majeur (et non plus du CAS 1)." in page
    assert "les attestations sur l'honneur (étape 2)" in page
    assert "Ne pas vivre en France en état de polygamie" in page  # CAS 3's attestations
    assert "Avoir besoin de disposer d'un titre afin de pouvoir travailler" not in page
    html = client.get(url).get_data(as_text=True)
    assert 'id="situation-changee"' in html and "fr-alert" in html

    # Step 2 again, then step 3: the files of the pieces still asked are there; the representative's consent is
    # no longer asked (its file is kept aside, not lost).
    with app.app_context():
        placement = person.date_placement.isoformat()
    response = post_step(client, url, **step2(placement, ATTESTATIONS["CAS_3"]))
    assert response.status_code == 302, text(response)
    page3 = client.get(url).get_data(as_text=True)
    assert "Étape 3 sur 5" in page3
    assert "Accord du parent/représentant légal ou du mandataire" not in page3
    assert "piece.png" in page3
    assert fichiers(app, demande_id) == avant

    # Nothing to add: step 3 passes with the files kept, and the deposit goes through as CAS 3.
    response = post_step(client, url, ephoto="")
    assert response.status_code == 302, text(response)
    assert "Étape 4 sur 5" in get_text(client, url)
    response = post_step(client, url, observations="")
    assert response.status_code == 302 and response.location.endswith("/confirmation"), text(response)
    deposee = demande(app, demande_id)
    assert deposee.numero and deposee.cas == "CAS_3"


def test_depot_le_lendemain_des_18_ans(app, client, demo):
    """Step 4 shown before the birthday, « Déposer » pressed after it: not deposited, back to step 2."""
    person = demo["CAS_1"]
    url = jusqu_a_l_etape_4(client, person)
    demande_id = int(url.rstrip("/").rsplit("/", 1)[1])
    tache = task_id(client.get(url).get_data(as_text=True))  # the page of step 4, shown before the birthday
    dix_huit_ans(app, client, person)
    jeton = csrf_token(client.get("/mes-demandes").get_data(as_text=True))
    response = client.post(url, data={"csrf_token": jeton, "task_id": tache, "action": "poursuivre",
                                      "observations": "Rien."})
    assert response.status_code == 302 and not response.location.endswith("/confirmation")
    assert demande(app, demande_id).numero is None
    page = get_text(client, response.location)
    assert "Étape 2 sur 5" in page and AVIS in page


def test_sans_changement_pas_d_avis(app, client, demo):
    person = demo["CAS_1"]
    url = jusqu_a_l_etape_4(client, person)
    page = get_text(client, url)
    assert "Étape 4 sur 5" in page and "Votre situation a changé" not in page
    response = post_step(client, url, observations="")
    assert response.status_code == 302 and response.location.endswith("/confirmation"), text(response)
