"""`flask processus versions` (F-41): every version, its short hash, dates, origin, files changed and the number of
applications running on it, the current one marked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app.extensions import db
from app.models import Demande, VersionProcessus
from tests.web.helpers import login, start_draft
from tests.web.instruction import demande_id
from tests.workflow import versions_modifiees as vm

pytestmark = pytest.mark.feature("F-41")


def test_versions_en_ligne_de_commande(app: Any, demo: Any, tmp_path: Path) -> None:
    client = app.test_client()
    assert login(client, demo["CAS_3"].numero_etranger, demo["CAS_3"].mot_de_passe).status_code == 302
    brouillon = demande_id(start_draft(client))
    bpmn, dmn = vm.copier(tmp_path)
    vm.retirer_tache(bpmn, "justificatifs")
    vm.ajouter_piece(dmn, "CAS_1")
    v2 = vm.enregistrer(app, bpmn, dmn)
    with app.app_context():
        v1 = db.session.get(Demande, brouillon).version_processus
        courts = {v.id: v.empreinte[:12] for v in db.session.query(VersionProcessus)}
        assert v1.id != v2

    result = app.test_cli_runner().invoke(args=["processus", "versions"])
    assert result.exit_code == 0, result.output
    lignes = result.output.splitlines()
    assert lignes[0].split() == ["N°", "Empreinte", "Vue", "le", "Activée", "le", "Origine", "En", "cours",
                                 "Fichiers", "changés"]
    premiere = next(ligne for ligne in lignes if courts[v1.id] in ligne)
    seconde = next(ligne for ligne in lignes if courts[v2] in ligne)
    assert premiere.startswith(f"{v1.id} ") and "fichiers" in premiere and "première version" in premiere
    assert " 1  " in premiere  # the draft runs on it
    assert seconde.startswith(f"{v2} *") and "publication (analyste:test)" in seconde
    assert "~ bpmn/demande_titre_sejour_ase.bpmn, ~ dmn/pieces_justificatives.dmn" in seconde
    assert " 0  " in seconde
    assert lignes[-1] == "* : la version que prennent les nouvelles demandes."
