"""Migration of running applications to a newer process version (F-44), through the REAL bpmn/ and dmn/ and the web.

Applications are walked by the test client to a known task; a modified copy of the files is registered as a new
version; `flask processus migrer` runs in simulation (nothing changes) and then for real.
(a) a version that asks one more document for CAS 3: a draft at step 1 moves, asks the new document at step 3 and
    goes to the end on the new version; a deposited application, whose document list was decided by the old table,
    stays (the decision would differ).
(b) a version without the step « Justificatifs »: an application standing there stays, with the reason, and goes on.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Demande, EtatProcessus, Evenement, VersionProcessus, utcnow
from tests.web.helpers import (
    ATTESTATIONS,
    deposit,
    get_text,
    login,
    post_step,
    start_draft,
    step1_for,
    step2,
    step3_fields,
    to_step3,
)
from tests.web.instruction import decider_favorable, demande_id, examiner
from tests.workflow import versions_modifiees as vm
from tests.workflow.versions_modifiees import enregistrer

pytestmark = pytest.mark.feature("F-44")


def etat(app: Any, ident: int) -> tuple[int, int, str, int]:
    """(version of the process, row version, serialized workflow, migration events) of one application."""
    with app.app_context():
        demande = db.session.get(Demande, ident)
        migrations = db.session.scalars(select(Evenement).filter_by(demande_id=ident, nature="migration")).all()
        return (demande.version_processus_id, demande.version, db.session.get(EtatProcessus, ident).etat,
                len(migrations))


def migrer(app: Any, de: int, vers: int, *options: str) -> Any:
    return app.test_cli_runner().invoke(args=["processus", "migrer", "--de", str(de), "--vers", str(vers), *options])


def test_version_qui_ajoute_une_piece(app: Any, client: Any, demo: Any, tmp_path: Path) -> None:
    person = demo["CAS_3"]
    deposee = demande_id(deposit(app.test_client(), person, "CAS_3")[1])
    assert login(client, person.numero_etranger, person.mot_de_passe).status_code == 302
    url = start_draft(client)
    brouillon = demande_id(url)
    v1 = etat(app, brouillon)[0]
    bpmn, dmn = vm.copier(tmp_path)
    vm.ajouter_piece(dmn, "CAS_3")
    v2 = enregistrer(app, bpmn, dmn)
    avant = {ident: etat(app, ident) for ident in (brouillon, deposee)}

    simulation = migrer(app, v1, v2, "--simulation")
    assert simulation.exit_code == 0, simulation.output
    assert f"brouillon n° {brouillon} (à « informations_personnelles ») : peut être déplacée" in simulation.output
    assert "Rien n'a été modifié (simulation)" in simulation.output
    assert {ident: etat(app, ident) for ident in (brouillon, deposee)} == avant

    reel = migrer(app, v1, v2)
    assert reel.exit_code == 0, reel.output
    assert f"brouillon n° {brouillon} (à « informations_personnelles ») : déplacée" in reel.output
    # The deposited application's documents were decided by the old table: the new one would ask one more.
    with app.app_context():
        numero = db.session.get(Demande, deposee).numero
    assert f"{numero} (à « examiner_demande ») : reste en" in reel.output
    assert "la décision « Pièces justificatives du cas », déjà prise, donnerait un autre résultat" in reel.output
    assert "1 déplacée(s)" in reel.output
    assert etat(app, deposee) == avant[deposee]
    version, _, _, migrations = etat(app, brouillon)
    assert (version, migrations) == (v2, 1)
    with app.app_context():
        evenement = db.session.scalars(select(Evenement).filter_by(demande_id=brouillon, nature="migration")).one()
        empreintes = {v.id: v.empreinte[:12] for v in db.session.scalars(select(VersionProcessus))}
        assert evenement.acteur == "systeme:migration"
        assert (evenement.detail["de"], evenement.detail["vers"]) == (empreintes[v1], empreintes[v2])

    # On the new version, step 3 asks the new document; the application goes to the end.
    assert post_step(client, url, **step1_for("CAS_3")).status_code == 302
    assert post_step(client, url, **step2(person.date_placement.isoformat(), ATTESTATIONS["CAS_3"])).status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert vm.PIECE[1].replace("'", "&#39;") in page or vm.PIECE[1] in get_text(client, url)
    assert post_step(client, url, **step3_fields(page)).status_code == 302
    response = post_step(client, url, observations="")
    assert response.status_code == 302 and response.location.endswith("/confirmation")
    examiner(app, brouillon)
    decider_favorable(app, brouillon)
    with app.app_context():
        demande = db.session.get(Demande, brouillon)
        assert (demande.version_processus_id, demande.etat) == (v2, "demande_acceptee")
        documents = app.extensions["demandes"]
        with documents.open(brouillon, utcnow().date(), write=False) as instance:
            assert vm.PIECE[0] in {p["code"] for p in instance.data()["pieces"]}


def test_version_sans_la_tache_en_cours(app: Any, client: Any, demo: Any, tmp_path: Path) -> None:
    person = demo["CAS_3"]
    url = to_step3(client, person, "CAS_3")
    ident = demande_id(url)
    v1 = etat(app, ident)[0]
    bpmn, dmn = vm.copier(tmp_path)
    vm.retirer_tache(bpmn, "justificatifs")
    v2 = enregistrer(app, bpmn, dmn)
    avant = etat(app, ident)
    with app.app_context():
        court = db.session.get(VersionProcessus, v2).empreinte[:12]
    raison = f"la tâche en cours « Justificatifs » n'existe plus dans la version {court}"

    for options in (("--simulation",), ()):
        result = migrer(app, v1, v2, *options)
        assert result.exit_code == 0, result.output  # nothing that could move failed to
        assert f"brouillon n° {ident} (à « justificatifs ») : reste en" in result.output
        assert raison in result.output
        assert etat(app, ident) == avant

    # Still on its version, it goes on: step 3 then the deposit.
    assert "Étape 3 sur 5" in get_text(client, url)
    assert post_step(client, url, **step3_fields(client.get(url).get_data(as_text=True))).status_code == 302
    response = post_step(client, url, observations="")
    assert response.status_code == 302 and response.location.endswith("/confirmation")
    with app.app_context():
        demande = db.session.get(Demande, ident)
        assert (demande.version_processus_id, demande.element) == (v1, "examiner_demande")


def test_versions_designees_refusees(app: Any, client: Any, demo: Any, tmp_path: Path) -> None:
    """Unknown, ambiguous, identical or older versions are refused with a French message, nothing runs."""
    person = demo["CAS_3"]
    assert login(client, person.numero_etranger, person.mot_de_passe).status_code == 302
    v1 = etat(app, demande_id(start_draft(client)))[0]
    bpmn, dmn = vm.copier(tmp_path)
    vm.ajouter_piece(dmn, "CAS_1")
    v2 = enregistrer(app, bpmn, dmn)
    for de, vers, message in ((v1, v1, "la même version"), (v2, v1, "plus ancienne"),
                              (v1, 99, "aucune version n° 99"), (v1, "abc", "au moins 6 caractères"),
                              (v1, "ffffffffffff", "aucune version dont l'empreinte commence par")):
        result = migrer(app, de, vers)
        assert result.exit_code == 2, result.output
        assert "Migration impossible" in result.output and message in result.output
