"""The analysts' versions pages (F-41, F-44): every version with its files changed and the applications running on
it (counts as in the database), one version's details and a read-only simulation of the migration toward the
current version, for analysts only."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from app import clock
from app.extensions import db
from app.models import Demande, EtatProcessus, Evenement
from tests.web.agent_outils import login_agent
from tests.web.analyste_outils import login_analyste
from tests.web.helpers import deposit, login, start_draft
from tests.web.instruction import demande_id
from tests.workflow import versions_modifiees as vm


def lisible(page: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def ligne(page: str, ident: str) -> str:
    match = re.search(rf'<tr id="{ident}">(.*?)</tr>', page, re.S)
    assert match, ident
    return lisible(match.group(1))


def en_cours(page: str, ident: str) -> int:
    """The « Demandes en cours » cell of a version's row."""
    match = re.search(rf'<tr id="{ident}">.*?class="en-cours">(\d+)</td>', page, re.S)
    assert match, ident
    return int(match.group(1))


@pytest.fixture
def monde(app: Any, demo: Any, tmp_path: Path) -> dict[str, int]:
    """On the first version: a deposited application, a draft at step 1 and an abandoned draft; then a second
    version (one more document for CAS 3), current."""
    person = demo["CAS_3"]
    deposee = demande_id(deposit(app.test_client(), person, "CAS_3")[1])
    client = app.test_client()
    assert login(client, person.numero_etranger, person.mot_de_passe).status_code == 302
    brouillon = demande_id(start_draft(client))
    autre = app.test_client()
    assert login(autre, demo["CAS_1"].numero_etranger, demo["CAS_1"].mot_de_passe).status_code == 302
    abandonnee = demande_id(start_draft(autre))
    with app.app_context():
        with app.extensions["demandes"].open(abandonnee, clock.today()) as instance:
            instance.abandon("usager:test")
        v1 = db.session.get(Demande, brouillon).version_processus_id
    bpmn, dmn = vm.copier(tmp_path)
    vm.ajouter_piece(dmn, "CAS_3")
    return {"v1": v1, "v2": vm.enregistrer(app, bpmn, dmn), "deposee": deposee, "brouillon": brouillon,
            "abandonnee": abandonnee}


@pytest.mark.feature("F-41")
def test_liste_des_versions(app: Any, client: Any, monde: dict[str, int]) -> None:
    login_analyste(client)
    page = client.get("/analyste/versions").get_data(as_text=True)
    with app.app_context():
        en_base = dict(db.session.execute(select(Demande.version_processus_id, func.count())
                                          .where(Demande.etat != "demande_abandonnee")
                                          .group_by(Demande.version_processus_id)).all())
    premiere, seconde = ligne(page, f"version-{monde['v1']}"), ligne(page, f"version-{monde['v2']}")
    assert en_base[monde["v1"]] == 2  # the abandoned draft has ended: not counted
    assert "première version" in premiere and "courante" not in premiere
    assert en_cours(page, f"version-{monde['v1']}") == en_base[monde["v1"]]
    assert "courante" in seconde and "~ dmn/pieces_justificatives.dmn" in seconde
    assert "publiée depuis l'espace analyste (analyste:test)" in seconde
    assert en_cours(page, f"version-{monde['v2']}") == en_base.get(monde["v2"], 0) == 0
    assert f'href="/analyste/versions/{monde["v1"]}"' in page
    assert f'href="/analyste/versions/{monde["v1"]}/processus"' in page  # the diagram, when that page exists
    assert "<title>Versions du processus — Espace analyste" in page


@pytest.mark.feature("F-44")
def test_une_version_et_la_simulation(app: Any, client: Any, monde: dict[str, int]) -> None:
    with app.app_context():
        avant = (db.session.scalars(select(EtatProcessus.etat).order_by(EtatProcessus.demande_id)).all(),
                 db.session.scalars(select(Demande.version).order_by(Demande.id)).all(),
                 db.session.scalar(select(func.count()).select_from(Evenement)))
        numero = db.session.get(Demande, monde["deposee"]).numero
    login_analyste(client)
    page = client.get(f"/analyste/versions/{monde['v1']}").get_data(as_text=True)
    texte = lisible(page)
    assert "Demande à examiner examiner_demande 1" in texte
    assert "Informations personnelles informations_personnelles 1" in texte
    assert re.search(r'id="total-en-cours">2<', page)
    assert f"brouillon n° {monde['brouillon']} Informations personnelles peut être déplacée" in texte
    assert f"{numero} Demande à examiner reste sur cette version" in texte
    assert "déjà prise, donnerait un autre résultat" in texte
    assert f"flask --app app processus migrer --de {monde['v1']} --vers {monde['v2']}" in texte
    assert "Cette page ne modifie rien" in texte
    with app.app_context():
        assert (db.session.scalars(select(EtatProcessus.etat).order_by(EtatProcessus.demande_id)).all(),
                db.session.scalars(select(Demande.version).order_by(Demande.id)).all(),
                db.session.scalar(select(func.count()).select_from(Evenement))) == avant
    courante = lisible(client.get(f"/analyste/versions/{monde['v2']}").get_data(as_text=True))
    assert "il n'y a pas de version plus récente" in courante
    assert client.get("/analyste/versions/999999").status_code == 404


@pytest.mark.feature("F-41")
def test_reserve_aux_analystes(app: Any, client: Any, monde: dict[str, int]) -> None:
    for url in ("/analyste/versions", f"/analyste/versions/{monde['v1']}"):
        reponse = client.get(url)
        assert reponse.status_code == 302 and "/analyste/connexion" in reponse.location
    assert login_agent(client).status_code == 302
    for url in ("/analyste/versions", f"/analyste/versions/{monde['v1']}"):
        assert client.get(url).status_code in (302, 403, 404)
        assert "Versions du processus" not in client.get(url, follow_redirects=True).get_data(as_text=True)
