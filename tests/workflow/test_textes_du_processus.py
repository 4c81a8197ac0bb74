"""What the process states for people to read (app/workflow/textes_du_processus.py), on the real BPMN and on small
changed copies: steps, timer durations and their French wording, history labels, the complement-round limit, and
the start-up problems when the diagram states them wrongly."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from app.filters import duree_fr
from app.workflow import contrat, specs
from app.workflow.textes_du_processus import COMPLEMENTS_MAX, TextesDuProcessus, duree_litterale, textes

pytestmark = pytest.mark.feature("F-46")

REPO_ROOT = Path(__file__).resolve().parents[2]
BPMN = "demande_titre_sejour_ase.bpmn"
DUREE = r'<bpmn:timeDuration xsi:type="bpmn:tFormalExpression">"P30D"</bpmn:timeDuration>'


def copie(tmp_path: Path, *remplacements: tuple[str, str]) -> TextesDuProcessus:
    """The texts of a copy of bpmn/ and dmn/ where each (pattern, replacement) applies once to the BPMN."""
    for dossier in ("bpmn", "dmn"):
        shutil.copytree(REPO_ROOT / dossier, tmp_path / dossier)
    fichier = tmp_path / "bpmn" / BPMN
    texte = fichier.read_text(encoding="utf-8")
    for motif, remplacement in remplacements:
        texte, n = re.subn(motif, remplacement, texte)
        assert n == 1, f"{motif!r} trouvé {n} fois"
    fichier.write_text(texte, encoding="utf-8")
    return TextesDuProcessus(specs.parse_bundle(specs.read_process_files(tmp_path / "bpmn", tmp_path / "dmn")))


def messages(t: TextesDuProcessus) -> list[str]:
    return [str(p) for p in t.problemes(delais=[d.id for d in contrat.DELAIS])]


# --- the real process ----------------------------------------------------------------------------------------------


def test_les_etapes_du_processus(bundle):
    t = textes(bundle)
    assert t.titres == ["Informations personnelles", "Motif de séjour", "Justificatifs", "Dépôt de la demande",
                        "Confirmation"]
    assert [e.numero for e in t.etapes] == [1, 2, 3, 4, 5]
    # Step 2 has three pages; the first in the file names it, the « non éligible » pages only share its number.
    assert t.etape_du_formulaire("demandeur_non_eligible").titre == "Motif de séjour"
    assert t.etape_du_formulaire("depot").numero == 4
    assert t.etapes[-1].formulaires == ()  # the confirmation page, stated on the draft's end event
    assert all(e.description for e in t.etapes)
    assert messages(t) == []


def test_le_delai_et_les_libelles_du_processus(bundle):
    t = textes(bundle)
    assert t.duree(contrat.DELAI_REPONSE.id) == "P30D"
    assert t.limite(COMPLEMENTS_MAX) == 30
    assert t.libelle_debut() == "Brouillon de demande créé"
    assert t.libelle_message(contrat.ABANDON.nom) == "Demande abandonnée par l'usager"
    assert t.libelle_message(contrat.NOTIFICATION_LUE.nom) == (
        "Accusé de réception de la demande de complément : le délai de réponse court")
    assert t.libelle_delai("repondre_complement") == "Délai de réponse expiré"
    assert t.libelle_tache_validee("decider", {"decision": "defavorable"}) == "Décision défavorable"
    assert t.libelle_tache_validee("examiner_demande", {"suite": "decision"}) == (
        "Demande examinée : passage à la décision")
    assert t.libelle_tache_validee("justificatifs", {}) == "Étape « Justificatifs » validée"


# --- durations -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("iso", "mots"), [
    ("P30D", "30 jours"), ("P15D", "15 jours"), ("P1D", "1 jour"), ("P1M", "1 mois"), ("P2M", "2 mois"),
    ("PT48H", "48 heures"), ("PT1H", "1 heure"), ("P1Y", "1 an"), ("P2Y", "2 ans"), ("P2W", "2 semaines"),
    ("PT30M", "30 minutes"), ("P1M15D", "1 mois et 15 jours"), ("P1DT12H", "1 jour et 12 heures"),
    ("P1Y2M3D", "1 an, 2 mois et 3 jours"), ("P1,5D", "1,5 jour"), ("P2.5D", "2,5 jours"),
])
def test_une_duree_dite_en_francais(iso, mots):
    assert duree_fr(iso) == mots


@pytest.mark.parametrize(("expression", "duree"), [
    ('"P30D"', "P30D"), ("'P1M'", "P1M"), ("P45D", "P45D"), (" PT48H ", "PT48H"),
    ("delai_reponse", None), ('"trente jours"', None), ("", None), ("P", None),
])
def test_la_duree_ecrite_dans_le_diagramme(expression, duree):
    assert duree_litterale(expression) == duree


def test_la_duree_du_minuteur_d_une_copie(tmp_path):
    t = copie(tmp_path, (DUREE, DUREE.replace('"P30D"', '"PT48H"')))
    assert t.duree(contrat.DELAI_REPONSE.id) == "PT48H"
    assert duree_fr(t.duree(contrat.DELAI_REPONSE.id)) == "48 heures"


def test_un_delai_calcule_n_est_pas_annonce(tmp_path):
    t = copie(tmp_path, (DUREE, DUREE.replace('"P30D"', "duree_choisie")))
    assert t.duree(contrat.DELAI_REPONSE.id) is None
    assert messages(t) == [
        "bpmn/demande_titre_sejour_ase.bpmn — élément « Délai de réponse expiré (delai_reponse) » : le délai doit "
        "être une durée écrite dans le diagramme, par exemple P30D ou \"P30D\" (30 jours), P1M (1 mois), PT48H "
        "(48 heures) : les pages, courriels et PDF l'annoncent"]


# --- steps and limits stated wrongly ---------------------------------------------------------------------------------


def test_titre_et_description_d_une_etape(tmp_path):
    t = copie(tmp_path, (r'name="titre" value="Confirmation"', 'name="titre" value="Reçu"'),
              (r'<bpmn:userTask id="depot" name="Dépôt de la demande">',
               '<bpmn:userTask id="depot" name="Je dépose">'))
    assert t.titres[3:] == ["Je dépose", "Reçu"]


def test_etapes_trouees_et_numero_illisible(tmp_path):
    t = copie(tmp_path, (r'name="etape" value="3"', 'name="etape" value="trois"'))
    assert [e.numero for e in t.etapes] == [1, 2, 4, 5]
    assert messages(t) == [
        "bpmn/demande_titre_sejour_ase.bpmn — élément « Justificatifs (justificatifs) » : propriété « etape » = "
        "« trois » : un numéro d'étape est un entier à partir de 1",
        "bpmn/demande_titre_sejour_ase.bpmn — élément « Informations personnelles (informations_personnelles) » : "
        "les étapes doivent être numérotées de 1 à 5 sans trou : il manque l'étape 3"]


@pytest.mark.parametrize("valeur", ["0", "51", "beaucoup"])
def test_limite_des_complements_hors_bornes(tmp_path, valeur):
    t = copie(tmp_path, (r'name="complements_max" value="30"', f'name="complements_max" value="{valeur}"'))
    assert messages(t) == [
        f"bpmn/demande_titre_sejour_ase.bpmn — élément « Demande à examiner (examiner_demande) » : propriété "
        f"« complements_max » = « {valeur} » : attendu un entier de 1 à 50 (au-delà, le moteur ne suit plus la boucle "
        "des compléments)"]


def test_limite_des_complements_manquante(tmp_path):
    t = copie(tmp_path, (r'\s*<spiffworkflow:property name="complements_max" value="30" />', ""))
    assert t.limite(COMPLEMENTS_MAX) is None
    [message] = messages(t)
    assert message.startswith("bpmn/demande_titre_sejour_ase.bpmn — élément « Demande à examiner (examiner_demande) » "
                              ": propriété « complements_max » manquante : le formulaire « examiner_demande » la lit")
