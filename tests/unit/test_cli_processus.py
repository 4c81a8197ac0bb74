"""F-46 `flask processus verifier [FICHIERS…]` and `flask processus catalogue`, and the start-up check: the readable
list of every problem, a non-zero exit status, never a traceback."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest

from app import DemarrageRefuse, create_app
from app.workflow.specs import ProcessDefinitionError

pytestmark = pytest.mark.feature("F-46")

ROOT = Path(__file__).resolve().parents[2]
BPMN = "demande_titre_sejour_ase.bpmn"
TETE = "Les fichiers du processus ne respectent pas le contrat avec le code"


@pytest.fixture
def application(tmp_path: Path):
    # These commands read the process files only: the database is never opened (SQLite in both runs).
    return create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}"})


@pytest.fixture
def cassee(tmp_path: Path) -> Path:
    """A copy of bpmn/ and dmn/ with two problems: an unknown form, a notification nature nobody knows."""
    copie = tmp_path / "processus"
    shutil.copytree(ROOT / "bpmn", copie / "bpmn")
    shutil.copytree(ROOT / "dmn", copie / "dmn")
    bpmn = copie / "bpmn" / BPMN
    texte, n = re.subn(r'(name="form" value=")justificatifs(")', r"\1justificatifs_v2\2", bpmn.read_text("utf-8"))
    texte, m = re.subn(r"&#39;cloture&#39;", "&#39;clotures&#39;", texte)
    assert (n, m) == (1, 1)
    bpmn.write_text(texte, encoding="utf-8")
    return copie


def invoquer(application, *args: str):
    return application.test_cli_runner().invoke(args=["processus", *args])


def test_verifier_les_fichiers_du_projet(application):
    result = invoquer(application, "verifier")
    assert result.exit_code == 0, result.output
    assert "Conformes au contrat avec le code : " in result.output
    assert f"bpmn/{BPMN}" in result.output


def test_verifier_des_fichiers_donnes_liste_tous_les_problemes(application, cassee):
    fichiers = [str(cassee / "bpmn" / BPMN), *sorted(str(p) for p in (cassee / "dmn").glob("*.dmn"))]
    result = invoquer(application, "verifier", *fichiers)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith(f"{TETE} (2 problèmes) :")
    assert f"- {cassee / 'bpmn' / BPMN} — « Justificatifs » (justificatifs) : formulaire inconnu" in result.stderr
    assert "« clotures »" in result.stderr
    assert "Traceback" not in result.output


def test_verifier_des_dossiers(application, cassee):
    result = invoquer(application, "verifier", str(cassee / "bpmn"), str(cassee / "dmn"))
    assert result.exit_code == 1 and "(2 problèmes)" in result.stderr


def test_verifier_sans_fichier_bpmn(application, cassee, tmp_path):
    autre = tmp_path / "notes.txt"
    autre.write_text("?", encoding="utf-8")
    result = invoquer(application, "verifier", str(cassee / "dmn"), str(autre))
    assert result.exit_code == 1
    assert "notes.txt — fichier : ni .bpmn ni .dmn" in result.stderr
    assert "aucun fichier BPMN parmi les fichiers donnés" in result.stderr


def test_catalogue_en_markdown(application):
    result = invoquer(application, "catalogue")
    assert result.exit_code == 0, result.output
    texte = result.stdout
    assert texte.startswith("# Catalogue du processus « ")
    for titre in ("## Couloirs", "## Formulaires", "## Opérateurs", "## Décisions (DMN)",
                  "## Messages, délais et éléments dont le code dépend", "## Données"):
        assert f"\n{titre}" in texte, titre
    assert "### `decider`" in texte and "« Décision à prendre » (`decider`)" in texte
    assert "| `motif_refus` | Motif du refus | TextAreaField |" in texte  # a form's fields, from its class
    assert "| `nature` | oui | l'une de ces valeurs, entre apostrophes : 'demande_complement'" in texte
    assert "### `cas_usager` — « Cas de l'usager » (`dmn/cas_usager.dmn`)" in texte
    assert "| `cas_libelle` | Libellé du cas | oui |" in texte
    assert "| `abandon` |" in texte and "| `delai_reponse` |" in texte
    assert "| `attestation` |" in texte and "(`attestation_pdf`)" in texte


def test_catalogue_dans_un_fichier(application, tmp_path):
    sortie = tmp_path / "CATALOGUE.md"
    result = invoquer(application, "catalogue", "--sortie", str(sortie))
    assert result.exit_code == 0, result.output
    assert f"Catalogue écrit dans {sortie}." in result.output
    assert sortie.read_text(encoding="utf-8").startswith("# Catalogue du processus")


def test_l_application_refuse_de_demarrer_avec_la_liste(cassee, tmp_path):
    # Refused before any database is opened (SQLite in both runs).
    with pytest.raises(DemarrageRefuse) as refus:
        create_app({"BPMN_DIR": cassee / "bpmn", "DMN_DIR": cassee / "dmn",
                    "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}"})
    assert isinstance(refus.value, ProcessDefinitionError) and isinstance(refus.value, click.ClickException)
    assert str(refus.value).startswith(f"{TETE} (2 problèmes) :")
    assert len(refus.value.problemes) == 2
    assert refus.value.__suppress_context__  # one exception, not a chain of SpiffWorkflow's


def test_la_ligne_de_commande_affiche_la_liste_sans_traceback(cassee, tmp_path):
    """The start-up check as an operator meets it: `flask` prints the list alone and exits with status 1."""
    # Refused before any database is opened (SQLite in both runs).
    env = {**os.environ, "BPMN_DIR": str(cassee / "bpmn"), "DMN_DIR": str(cassee / "dmn"),
           "INSTANCE_DIR": str(tmp_path / "instance"), "SECRET_KEY": "test",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    flask = Path(sys.executable).with_name("flask")
    result = subprocess.run([str(flask), "--app", "app", "processus", "verifier"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stderr
    assert result.stderr.startswith(f"{TETE} (2 problèmes) :"), result.stderr
    assert "Traceback" not in result.stderr and "Error:" not in result.stderr
