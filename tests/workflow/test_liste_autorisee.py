"""F-45 The allow-list: a process file may hold no script, and its expressions only what the allow-list names.

Hostile expressions are put where an analyst's modeler would write them — a gateway condition, a DMN cell, a
service-task parameter — in private copies of the real bpmn/ and dmn/; the contract check must refuse each one,
naming the file, the element's label and id and the refused part, and refuse to load the files."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from app import forms, tasks
from app.workflow import dialecte, liste_autorisee, specs
from app.workflow.verification import Code, Probleme, ProcessusRefuse, charger, rapport, verifier

pytestmark = pytest.mark.feature("F-45")

REPO_ROOT = Path(__file__).resolve().parents[2]
BPMN_DIR = Path(os.environ.get("BPMN_DIR") or REPO_ROOT / "bpmn")
DMN_DIR = Path(os.environ.get("DMN_DIR") or REPO_ROOT / "dmn")
BPMN_FILE = "bpmn/demande_titre_sejour_ase.bpmn"
CODE = Code(forms.REGISTRY, tasks.HANDLERS)

HOSTILES = [
    "__import__('os').system('x')",
    "().__class__.__bases__[0].__subclasses__()",
    "getattr(suite, 'upper')() == 'X'",
    "eval('1 + 1') == 2",
    "exec('import os') is None",
    "open('/etc/passwd').read() != ''",
    "globals()['x'] == 1",
    "suite.__class__ == str",
    "(lambda: True)()",
    "[x for x in (1, 2)] == []",
    "f'{suite.__class__}' == ''",
    "(suite := 'complement') == 'complement'",
    "date.today() > date(2020, 1, 1)",
    "9 ** 9 ** 9 > 0",
    "type(suite) == str",
    "vars() == {}",
    "_secret == 1",
]


@pytest.fixture
def copie(tmp_path: Path) -> Path:
    shutil.copytree(REPO_ROOT / "bpmn", tmp_path / "bpmn")
    shutil.copytree(REPO_ROOT / "dmn", tmp_path / "dmn")
    return tmp_path


def remplacer(path: Path, motif: str, remplacement: str) -> None:
    text = path.read_text(encoding="utf-8")
    new, count = re.subn(motif, lambda _: remplacement, text)
    assert count == 1, f"{motif!r} trouvé {count} fois dans {path}"
    path.write_text(new, encoding="utf-8")


def xml(texte: str) -> str:
    return texte.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def problemes(copie: Path) -> list[Probleme]:
    return verifier(specs.read_process_files(copie / "bpmn", copie / "dmn"), CODE)[1]


def refuse(liste: list[Probleme], fichier: str, element: str, libelle: str) -> Probleme:
    trouves = [p for p in liste if p.fichier == fichier and p.element == element and p.libelle == libelle
               and "ne peut pas exécuter sans risque" in p.message]
    assert len(trouves) == 1, rapport(liste) if liste else "(aucun problème)"
    return trouves[0]


def test_les_fichiers_du_projet_passent_la_liste_autorisee():
    fichiers = specs.read_process_files(BPMN_DIR, DMN_DIR)
    traduits = {nom: dialecte.traduire(nom, texte)[0] for nom, texte in fichiers.items()}
    assert liste_autorisee.problemes(traduits) == []
    assert verifier(fichiers, CODE)[1] == []


@pytest.mark.parametrize("hostile", HOSTILES)
def test_une_condition_de_passerelle_hostile_est_refusee(copie: Path, hostile: str):
    remplacer(copie / BPMN_FILE, r'>suite == "complement"<', f">{xml(hostile)}<")
    liste = problemes(copie)
    probleme = refuse(liste, BPMN_FILE, "f_vers_complement", "demande de complément")
    assert hostile in probleme.message and "Attendu :" in probleme.message
    with pytest.raises(ProcessusRefuse):
        charger(specs.read_process_files(copie / "bpmn", copie / "dmn"), CODE)


@pytest.mark.parametrize("hostile", HOSTILES)
def test_une_cellule_dmn_hostile_est_refusee(copie: Path, hostile: str):
    remplacer(copie / "dmn" / "cas_usager.dmn", r'(?<=<inputEntry id="cas_usager_r2_i2"><text>)False(?=</text>)',
              xml(hostile))
    probleme = refuse(problemes(copie), "dmn/cas_usager.dmn", "cas_usager_r2", "règle 2 de « Cas de l'usager »")
    assert "colonne 2" in probleme.message


@pytest.mark.parametrize("cellule, partie", [
    (".__class__", ".__class__"),            # the engine would evaluate `emancipe.__class__`
    ("? .__class__ == bool", ".__class__"),  # with `?` as the column's value
])
def test_une_cellule_completee_par_l_entree_est_verifiee_comme_le_moteur_l_evalue(copie: Path, cellule: str,
                                                                                   partie: str):
    remplacer(copie / "dmn" / "cas_usager.dmn", r'(?<=<inputEntry id="cas_usager_r2_i2"><text>)False(?=</text>)',
              xml(cellule))
    probleme = refuse(problemes(copie), "dmn/cas_usager.dmn", "cas_usager_r2", "règle 2 de « Cas de l'usager »")
    assert partie in probleme.message


def test_une_sortie_et_une_entree_dmn_hostiles_sont_refusees(copie: Path):
    table = copie / "dmn" / "cas_usager.dmn"
    remplacer(table, r'(?<=<outputEntry id="cas_usager_r1_o1"><text>)"MOINS_16"(?=</text>)',
              xml("__import__('os').getcwd()"))
    remplacer(table, r'(?<=<text>)emancipe(?=</text>)', "emancipe.__class__")
    liste = problemes(copie)
    assert "« cas »" in refuse(liste, "dmn/cas_usager.dmn", "cas_usager_r1", "règle 1 de « Cas de l'usager »").message
    entree = [p for p in liste if "ne peut pas exécuter sans risque" in p.message and "l'entrée" in p.message]
    assert len(entree) == 1 and "emancipe.__class__" in entree[0].message, rapport(liste)


def test_un_parametre_de_service_hostile_est_refuse(copie: Path):
    remplacer(copie / BPMN_FILE, r'value="&#39;confirmation_depot&#39;"',
              'value="__import__(&#39;os&#39;).getcwd() or &#39;confirmation_depot&#39;"')
    liste = problemes(copie)
    trouves = [p for p in liste if "paramètre" in p.message and "ne peut pas exécuter sans risque" in p.message]
    assert len(trouves) == 1 and trouves[0].element and trouves[0].libelle, rapport(liste)


def test_une_tache_de_script_est_refusee(copie: Path):
    remplacer(copie / BPMN_FILE, r'<bpmn:userTask id="informations_personnelles" name="Informations personnelles">',
              '<bpmn:scriptTask id="script_pirate" name="Nettoyage"><bpmn:script>import os</bpmn:script>'
              '</bpmn:scriptTask>\n<bpmn:userTask id="informations_personnelles" name="Informations personnelles">')
    liste = problemes(copie)
    scripts = [p for p in liste if p.element == "script_pirate" and "aucun script n'est permis" in p.message]
    assert {p.libelle for p in scripts} == {"Nettoyage"} and len(scripts) == 2, rapport(liste)  # the task, its script
    assert any(p.message.startswith("tâche de script") for p in scripts)


def test_un_pre_script_est_refuse(copie: Path):
    remplacer(copie / BPMN_FILE, r'(<bpmn:userTask id="informations_personnelles" name="Informations personnelles">'
                                 r'\s*<bpmn:extensionElements>)',
              '<bpmn:userTask id="informations_personnelles" name="Informations personnelles">'
              '<bpmn:extensionElements><spiffworkflow:preScript>import os</spiffworkflow:preScript>')
    liste = problemes(copie)
    assert any(p.element == "informations_personnelles" and p.libelle == "Informations personnelles"
               and p.message.startswith("script exécuté avant la tâche") for p in liste), rapport(liste)


@pytest.mark.parametrize("permise", [
    'cas in ("CAS_1", "CAS_2")', "age_au(date_naissance, date_du_jour) >= 16", "not eligible",
    'decision == "favorable" and suite != "complement"', "date_naissance.year + 16 > 2000",
    "date_prise_en_charge_ase <= anniversaire(date_naissance, 16)", '"a" if eligible else "b"', "-1 < 0",
    'pieces["code"] == "x"', "date(2024, 1, 31) > date_du_jour",
])
def test_ce_que_la_liste_permet(permise: str):
    assert liste_autorisee.refus(permise) == []
