"""F-40 the `flask registre-importer` command and F-41 the refusal of a broken process definition."""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from app import create_app
from app.extensions import db
from app.models import Personne
from app.workflow.specs import ProcessDefinitionError

ROOT = Path(__file__).resolve().parents[2]
ENTETE = "numero_etranger;nom_naissance;nom_usage;prenoms;sexe;date_naissance;pays_naissance;lieu_naissance;" \
         "nationalite;titres"
BONNE_LIGNE = "7501234567;KONATÉ;;Moussa;Masculin;03/04/2007;MALI;Bamako;Malienne;" \
              "01/01/2024|31/12/2024|Document de circulation||Accepté"


def importer(app, tmp_path: Path, *lignes: str):
    fichier = tmp_path / "registre.csv"
    fichier.write_text("\n".join([ENTETE, *lignes]) + "\n", encoding="utf-8")
    return app.test_cli_runner().invoke(args=["registre-importer", str(fichier)])


def personne(app, numero: str) -> Personne | None:
    with app.app_context():
        found = db.session.scalar(select(Personne).filter_by(numero_etranger=numero))
        if found is not None:
            db.session.expunge(found)
        return found


@pytest.mark.feature("F-40")
def test_import_d_un_fichier_csv(app, tmp_path):
    result = importer(app, tmp_path, BONNE_LIGNE)
    assert result.exit_code == 0, result.output
    assert "1 personne(s) importée(s)" in result.output
    found = personne(app, "7501234567")
    assert (found.nom_naissance, found.prenoms, found.date_naissance) == ("KONATÉ", "Moussa", date(2007, 4, 3))
    assert (found.pays_naissance, found.lieu_naissance, found.nationalite) == ("MALI", "Bamako", "Malienne")


@pytest.mark.feature("F-40")
@pytest.mark.parametrize(
    ("mauvaise", "attendu"),
    [
        ("7509999999;DOE;;Jane;Féminin;31/02/2007;MALI;Bamako;Malienne;", "n'est pas une date JJ/MM/AAAA"),
        ("750999999;DOE;;Jane;Féminin;01/02/2007;MALI;Bamako;Malienne;", "le n° étranger doit comporter 10 chiffres"),
    ],
    ids=["date", "numero-9-chiffres"],
)
def test_ligne_invalide_erreur_en_francais_et_rien_n_est_importe(app, tmp_path, mauvaise, attendu):
    result = importer(app, tmp_path, BONNE_LIGNE, mauvaise)
    assert result.exit_code != 0
    assert "ligne 3" in result.output and attendu in result.output, result.output
    assert personne(app, "7501234567") is None


@pytest.mark.feature("F-41")
def test_formulaire_inconnu_l_application_refuse_de_demarrer(tmp_path):
    shutil.copytree(ROOT / "bpmn", tmp_path / "bpmn")
    shutil.copytree(ROOT / "dmn", tmp_path / "dmn")
    bpmn = tmp_path / "bpmn" / "demande_titre_sejour_ase.bpmn"
    source, count = re.subn(r'(<spiffworkflow:property name="form" value=")justificatifs(")',
                            r"\1formulaire_inexistant\2", bpmn.read_text(encoding="utf-8"))
    assert count == 1
    bpmn.write_text(source, encoding="utf-8")
    with pytest.raises(ProcessDefinitionError) as raised:  # before any database is opened (SQLite in both runs)
        create_app({"BPMN_DIR": tmp_path / "bpmn", "DMN_DIR": tmp_path / "dmn",
                    "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}"})
    message = str(raised.value)
    assert "demande_titre_sejour_ase.bpmn" in message
    assert "justificatifs" in message and "formulaire_inexistant" in message
