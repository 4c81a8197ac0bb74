"""F-46 Decision examples that analysts own: each DMN decision has `dmn/<décision>.exemples.csv` beside it
(inputs → expected outputs), run here through the decision tables and script engine the process uses.
Changing a rule means changing its examples, not Python tests.

The broken cases work on copies of dmn/ in tmp_path and check the French message: file, line, outputs
expected versus obtained.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.workflow import specs
from app.workflow.exemples_decisions import fichier_exemples, verifier_exemples

from .conftest import BPMN_DIR, DMN_DIR, REPO_ROOT

pytestmark = pytest.mark.feature("F-46")

DECISIONS = sorted(p.stem for p in DMN_DIR.glob("*.dmn"))


@pytest.mark.parametrize("decision", DECISIONS)
def test_les_exemples_de_la_decision_passent(bundle, decision):
    assert decision in bundle.decisions
    problemes = verifier_exemples(bundle, DMN_DIR, [decision])
    assert not problemes, "Exemples en échec :\n" + "\n".join(problemes)


def test_chaque_decision_du_processus_a_ses_exemples(bundle):
    for decision in bundle.decisions:
        assert fichier_exemples(DMN_DIR, decision).exists(), decision


# --- broken copies ------------------------------------------------------------------------------------------


@pytest.fixture
def copie(tmp_path):
    """A copy of dmn/ to break, and the bundle of the real BPMN with it."""
    dossier = tmp_path / "dmn"
    shutil.copytree(REPO_ROOT / "dmn", dossier)  # the repository's text, whose layout the edits below match

    def verifier(decision: str) -> list[str]:
        bundle = specs.parse_bundle(specs.read_process_files(BPMN_DIR, dossier))
        return verifier_exemples(bundle, dossier, [decision])

    verifier.dossier = dossier
    return verifier


def _remplacer(chemin: Path, avant: str, apres: str) -> None:
    texte = chemin.read_text(encoding="utf-8")
    assert texte.count(avant) == 1, avant
    chemin.write_text(texte.replace(avant, apres), encoding="utf-8")


def _numero_de_ligne(chemin: Path, debut: str) -> int:
    lignes = chemin.read_text(encoding="utf-8").splitlines()
    return next(n for n, ligne in enumerate(lignes, start=1) if ligne.startswith(debut))


def test_un_exemple_faux_donne_fichier_ligne_attendu_et_obtenu(copie):
    exemples = copie.dossier / "cas_usager.exemples.csv"
    _remplacer(exemples, "Jour des 16 ans, émancipé;01/05/2007;01/05/2023;oui;CAS_2;",
               "Jour des 16 ans, émancipé;01/05/2007;01/05/2023;oui;CAS_1;")
    ligne = _numero_de_ligne(exemples, "Jour des 16 ans, émancipé")
    assert copie("cas_usager") == [
        f"dmn/cas_usager.exemples.csv, ligne {ligne} (date_naissance = 01/05/2007, date_du_jour = 01/05/2023, "
        "emancipe = oui) — règle appliquée : 3 (« Mineur de 16 ou 17 ans émancipé ») :\n"
        "    cas : attendu « CAS_1 », obtenu « CAS_2 »"
    ]


def test_une_regle_changee_sans_ses_exemples_est_signalee(copie):
    """An analyst moves the age of majority in the table and forgets the examples: they fail, by line."""
    _remplacer(copie.dossier / "cas_usager.dmn",
               '<inputEntry id="cas_usager_r4_i1"><text>18 &lt;= ? &lt; 19</text>',
               '<inputEntry id="cas_usager_r4_i1"><text>17 &lt;= ? &lt; 19</text>')
    problemes = copie("cas_usager")
    exemples = copie.dossier / "cas_usager.exemples.csv"
    ligne = _numero_de_ligne(exemples, "Veille des 18 ans, non émancipé")
    assert any(p.startswith(f"dmn/cas_usager.exemples.csv, ligne {ligne} ") for p in problemes), problemes
    assert any("plusieurs règles s'appliquent (2, 4) alors que la table est à réponse unique (UNIQUE)" in p
               for p in problemes), problemes


def test_une_liste_collectee_fausse(copie):
    exemples = copie.dossier / "attestations.exemples.csv"
    _remplacer(exemples, "CAS_3;polygamie | sanctions;", "CAS_3;sanctions;")
    ligne = _numero_de_ligne(exemples, "CAS 3 : majeur")
    assert copie("attestations") == [
        f"dmn/attestations.exemples.csv, ligne {ligne} (cas = CAS_3) — règles appliquées : 2, 3 :\n"
        "    attestations.code : attendu « sanctions », obtenu « polygamie | sanctions »"
    ]


def test_une_regle_sans_exemple_est_signalee(copie):
    exemples = copie.dossier / "cas_usager.exemples.csv"
    lignes = exemples.read_text(encoding="utf-8").splitlines()
    exemples.write_text("\n".join(ligne for ligne in lignes if ";oui;CAS_3;" not in ligne and ";non;CAS_3;"
                                  not in ligne) + "\n", encoding="utf-8")
    assert copie("cas_usager") == [
        "dmn/cas_usager.exemples.csv : aucun exemple ne passe par la règle 4 (« Majeur, dans l'année qui suit le "
        "18e anniversaire ») de la table « cas_usager » ; ajoutez-en un",
        "dmn/cas_usager.exemples.csv : aucun exemple ne passe par la règle 5 (« Majeur après le 19e anniversaire : "
        "signalé à l'agent (CESEDA L. 423-22) ») de la table « cas_usager » ; ajoutez-en un",
    ]


def test_colonne_inconnue_et_colonne_manquante(copie):
    exemples = copie.dossier / "eligibilite.exemples.csv"
    _remplacer(exemples, "commentaire;date_naissance;date_du_jour;date_prise_en_charge_ase;",
               "commentaire;date_naissance;date_du_jour;date_placement;")
    assert copie("eligibilite") == [
        "dmn/eligibilite.exemples.csv : colonne « date_placement » inconnue : ni une donnée lue par la table "
        "(date_du_jour, date_naissance, date_prise_en_charge_ase, placement), ni une de ses sorties "
        "(eligible, motif_non_eligibilite)",
        "dmn/eligibilite.exemples.csv : colonne « date_prise_en_charge_ase » manquante : la table lit cette donnée",
    ]


def test_date_impossible_et_booleen_illisible(copie):
    exemples = copie.dossier / "eligibilite.exemples.csv"
    _remplacer(exemples, ";01/05/2007;01/06/2024;01/05/2023;oui;", ";01/05/2007;01/06/2024;31/02/2023;oui;")
    _remplacer(exemples, ";01/05/2007;01/06/2024;30/04/2023;oui;", ";01/05/2007;01/06/2024;30/04/2023;peut-être;")
    premiere = _numero_de_ligne(exemples, "Confié à l'ASE le jour de ses 16 ans")
    seconde = _numero_de_ligne(exemples, "Confié à l'ASE la veille de ses 16 ans")
    assert copie("eligibilite") == [
        f"dmn/eligibilite.exemples.csv, ligne {premiere} : « 31/02/2023 » n'est pas une date qui existe (JJ/MM/AAAA)",
        f"dmn/eligibilite.exemples.csv, ligne {seconde} : colonne « eligible » : « peut-être » : écrivez oui ou non",
    ]


def test_fichier_d_exemples_absent(copie):
    (copie.dossier / "attestations.exemples.csv").unlink()
    assert copie("attestations") == [
        "dmn/attestations.exemples.csv : fichier d'exemples absent pour la décision « attestations » ; créez-le "
        "(une ligne par exemple : les données lues par la table, puis les sorties attendues)"
    ]


def test_tableur_separateur_virgule_et_bom(copie):
    """What a spreadsheet may write: a BOM, commas, quoted cells."""
    exemples = copie.dossier / "attestations.exemples.csv"
    exemples.write_text(
        '\ufeffcommentaire,cas,attestations.code\n"CAS 1, mineur",CAS_1,travail | sanctions\n'
        "CAS 2,CAS_2,travail | polygamie | sanctions\n,MOINS_16,sanctions\n", encoding="utf-8")
    assert copie("attestations") == []


def test_joker_et_non_verifie(copie):
    exemples = copie.dossier / "eligibilite.exemples.csv"
    _remplacer(exemples, "Confié à l'ASE le jour du dépôt;01/05/2007;01/06/2024;01/06/2024;non;…au plus tard à",
               "Confié à l'ASE le jour du dépôt;01/05/2007;01/06/2024;01/06/2024;-;…au plus tôt à")
    ligne = _numero_de_ligne(exemples, "Confié à l'ASE le jour du dépôt")
    [probleme] = copie("eligibilite")
    assert probleme.startswith(f"dmn/eligibilite.exemples.csv, ligne {ligne} ")
    assert "motif_non_eligibilite : attendu « …au plus tôt à l'âge de 16 ans… », obtenu « Vous ne pouvez" in probleme
    assert "eligible :" not in probleme
