"""« Essayer la décision » (F-45), without the web: a decision table of the real dmn/ files tried on typed values gives
what the decision examples (dmn/*.exemples.csv) say, through the process's own DMN engine; values are parsed by type,
never evaluated; bad values get French messages.

Extra tables (a text input, a date input, overlapping rules) are parsed beside the real files, as a version would.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from app.workflow import specs
from app.workflow.essai_decision import AUTRE, DecisionInconnue, essayer, table, tables
from app.workflow.expressions import age_au, anniversaire

from .conftest import BPMN_DIR, DMN_DIR

pytestmark = pytest.mark.feature("F-45")


def exemples(decision: str) -> list[dict[str, str]]:
    texte = (DMN_DIR / f"{decision}.exemples.csv").read_text(encoding="utf-8-sig")
    return [ligne for ligne in csv.DictReader(texte.splitlines(), delimiter=";") if any(ligne.values())]


def jour(texte: str) -> date:
    j, m, a = (int(x) for x in texte.split("/"))
    return date(a, m, j)


def oui_non(valeur: bool) -> str:
    return "oui" if valeur else "non"


# --- the real tables against their examples -------------------------------------------------------------------


@pytest.mark.parametrize("ligne", exemples("cas_usager"), ids=lambda ligne: ligne["commentaire"])
def test_cas_usager_donne_le_cas_des_exemples(bundle, ligne):
    """The age computed from the example's dates, and « émancipé », give the example's case and lateness."""
    age = age_au(jour(ligne["date_naissance"]), jour(ligne["date_du_jour"]))
    resultat = essayer(bundle, "cas_usager", {"entree_1": str(age), "entree_2": ligne["emancipe"]})
    assert resultat.erreurs == {} and resultat.echec == ""
    assert resultat.sorties["cas"] == ligne["cas"]
    assert resultat.sorties["demande_tardive"] is (ligne["demande_tardive"] == "oui")
    assert len(resultat.regles) == 1  # UNIQUE: the first rule that applies
    assert resultat.regles[0].sorties[0] == ligne["cas"]


@pytest.mark.parametrize("ligne", exemples("eligibilite"), ids=lambda ligne: ligne["commentaire"])
def test_eligibilite_donne_l_eligibilite_des_exemples(bundle, ligne):
    naissance = jour(ligne["date_naissance"])
    age = age_au(naissance, jour(ligne["date_du_jour"]))
    a_temps = jour(ligne["date_prise_en_charge_ase"]) <= anniversaire(naissance, 16)
    resultat = essayer(bundle, "eligibilite", {"entree_1": str(age), "entree_2": oui_non(a_temps),
                                                "entree_3": ligne["placement"]})
    assert resultat.sorties["eligible"] is (ligne["eligible"] == "oui")


def test_une_regle_trouvee_porte_son_numero_son_annotation_et_ses_sorties(bundle):
    resultat = essayer(bundle, "cas_usager", {"entree_1": "17", "entree_2": "oui"})
    [regle] = resultat.regles
    assert (regle.numero, regle.annotation, regle.id) == (3, "Mineur de 16 ou 17 ans émancipé", "cas_usager_r3")
    assert regle.sorties == ["CAS_2", "CAS 2 : usager mineur émancipé", "non", "(vide)"]
    assert resultat.valeurs == {"entree_1": 17, "entree_2": True}


@pytest.mark.parametrize("ligne", exemples("attestations"), ids=lambda ligne: ligne["commentaire"])
def test_collect_donne_chaque_regle_qui_s_applique(bundle, ligne):
    """COLLECT: every rule that applies, in order, and the collected outputs the process would get."""
    [entree] = table(bundle, "attestations").entrees
    cas = ligne["cas"] if ligne["cas"] in entree.options else AUTRE  # MOINS_16: a value the cells do not list
    resultat = essayer(bundle, "attestations", {"entree_1": cas})
    codes = [c.strip() for c in ligne["attestations.code"].split("|")]
    assert [r.sorties[0] for r in resultat.regles] == codes
    assert [a["code"] for a in resultat.sorties["attestations"]] == codes
    assert resultat.avertissement == ""  # several rules are the point of a COLLECT table


def test_pieces_du_cas_1(bundle):
    ligne = next(e for e in exemples("pieces_justificatives") if e["cas"] == "CAS_1" and e["placement"] == "ase")
    resultat = essayer(bundle, "pieces_justificatives", {"entree_1": "CAS_1", "entree_2": "ase"})
    assert [p["code"] for p in resultat.sorties["pieces"]] == [c.strip() for c in ligne["pieces.code"].split("|")]


def test_aucune_regle(bundle):
    """17 years old, « émancipé » left empty: neither True nor False, no rule applies."""
    resultat = essayer(bundle, "cas_usager", {"entree_1": "17", "entree_2": ""})
    assert resultat.regles == [] and resultat.sorties == {} and resultat.aucune_regle
    assert resultat.erreurs == {} and resultat.echec == ""


# --- describing the tables -------------------------------------------------------------------------------------


def test_les_tables_de_la_version(bundle):
    decrites = {t.id: t for t in tables(bundle)}
    assert set(decrites) == {"attestations", "cas_usager", "eligibilite", "pieces_justificatives"}
    cas = decrites["cas_usager"]
    assert (cas.nom, cas.politique, cas.fichier) == ("Cas de l'usager", "UNIQUE", "dmn/cas_usager.dmn")
    assert [(e.libelle, e.genre, e.calculee) for e in cas.entrees] == [
        ("Âge à la date du jour (années révolues)", "entier", True), ("Mineur (+16 ans) émancipé", "booleen", False)]
    assert [s.nom for s in cas.sorties] == ["cas", "cas_libelle", "demande_tardive", "motif_non_eligibilite"]
    # The rows as the file writes them, with their annotation.
    assert [r.entrees for r in cas.regles[:3]] == [["< 16", "-"], ["16 <= ? < 18", "False"], ["16 <= ? < 18", "True"]]
    assert cas.regles[4].annotation.startswith("Majeur après le 19e anniversaire")
    assert decrites["pieces_justificatives"].politique == "COLLECT"


def test_une_liste_de_chaines_donne_une_liste_de_choix(bundle):
    [entree] = table(bundle, "attestations").entrees
    assert (entree.genre, entree.options) == ("choix", ("CAS_1", "CAS_2", "CAS_3"))
    assert essayer(bundle, "attestations", {"entree_1": "CAS_9"}).erreurs == {
        "entree_1": "Choisissez une valeur de la liste"}


def test_decision_inconnue(bundle):
    with pytest.raises(DecisionInconnue):
        essayer(bundle, "n_existe_pas", {})


# --- values are read by type, never evaluated ---------------------------------------------------------------------


def test_valeurs_illisibles_en_francais(bundle):
    resultat = essayer(bundle, "cas_usager", {"entree_1": "__import__('os')", "entree_2": "peut-être"})
    assert resultat.erreurs == {
        "entree_1": "« __import__('os') » n'est pas un nombre entier : saisissez par exemple 17",
        "entree_2": "Choisissez Oui, Non ou (vide)",
    }
    assert resultat.regles == [] and resultat.sorties == {}
    assert "n'est pas un nombre entier" in essayer(bundle, "cas_usager", {"entree_1": "16.5"}).erreurs["entree_1"]
    assert essayer(bundle, "cas_usager", {"entree_1": "x" * 201}).erreurs == {
        "entree_1": "Saisissez 200 caractères au plus"}


def test_une_valeur_vide_que_les_regles_comparent(bundle):
    """No age: `None < 16` cannot be evaluated; the page says which field and which rule, in French."""
    resultat = essayer(bundle, "cas_usager", {"entree_1": "", "entree_2": "non"})
    assert resultat.erreurs == {"entree_1": "Les règles comparent cette valeur : renseignez-la"}
    assert resultat.echec.startswith("La table n'a pas pu être évaluée avec ces valeurs (règle 1 : ")


DMN_ESSAI = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="def_essai" name="Essai" namespace="http://essai">
  <decision id="essai_texte" name="Essai de texte">
    <decisionTable id="table_essai_texte" hitPolicy="UNIQUE">
      <input id="in_ville" label="Ville">
        <inputExpression id="in_ville_e" typeRef="string"><text>ville</text></inputExpression></input>
      <output id="out_r" label="Réponse" name="reponse" typeRef="string" />
      <rule id="r1"><description>Le texte exact, reçu comme une chaîne</description>
        <inputEntry id="r1_i"><text>"__import__('os')"</text></inputEntry>
        <outputEntry id="r1_o"><text>"chaîne"</text></outputEntry></rule>
      <rule id="r2"><description>Après M dans l'ordre alphabétique</description>
        <inputEntry id="r2_i"><text>? &gt; "M"</text></inputEntry>
        <outputEntry id="r2_o"><text>"après M"</text></outputEntry></rule>
      <rule id="r3"><description>Le reste</description>
        <inputEntry id="r3_i"><text>-</text></inputEntry>
        <outputEntry id="r3_o"><text>"autre"</text></outputEntry></rule>
    </decisionTable>
  </decision>
</definitions>
"""
DMN_ESSAI_DATE = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="def_essai_date" name="Essai" namespace="http://essai">
  <decision id="essai_date" name="Essai de date">
    <decisionTable id="table_essai_date" hitPolicy="UNIQUE">
      <input id="in_d" label="Date du dépôt">
        <inputExpression id="in_d_e" typeRef="date"><text>date_depot</text></inputExpression></input>
      <input id="in_n" label="Montant">
        <inputExpression id="in_n_e" typeRef="number"><text>montant</text></inputExpression></input>
      <output id="out_d" label="Période" name="periode" typeRef="string" />
      <rule id="d1"><description>Avant 2024</description>
        <inputEntry id="d1_i"><text>? &lt; date(2024, 1, 1)</text></inputEntry>
        <inputEntry id="d1_n"><text>-</text></inputEntry>
        <outputEntry id="d1_o"><text>"avant"</text></outputEntry></rule>
      <rule id="d2"><description>Depuis 2024, petit montant</description>
        <inputEntry id="d2_i"><text>? &gt;= date(2024, 1, 1)</text></inputEntry>
        <inputEntry id="d2_n"><text>&lt; 10</text></inputEntry>
        <outputEntry id="d2_o"><text>"depuis, petit"</text></outputEntry></rule>
      <rule id="d3"><description>Depuis 2024, recouvre la règle 2</description>
        <inputEntry id="d3_i"><text>? &gt;= date(2024, 1, 1)</text></inputEntry>
        <inputEntry id="d3_n"><text>-</text></inputEntry>
        <outputEntry id="d3_o"><text>"depuis"</text></outputEntry></rule>
    </decisionTable>
  </decision>
</definitions>
"""


@pytest.fixture(scope="module")
def bundle_essai() -> specs.ProcessBundle:
    fichiers = specs.read_process_files(BPMN_DIR, DMN_DIR)
    fichiers["dmn/essai.dmn"] = DMN_ESSAI
    fichiers["dmn/essai_date.dmn"] = DMN_ESSAI_DATE
    return specs.parse_bundle(fichiers)


def test_le_texte_d_un_champ_est_une_chaine_jamais_une_expression(bundle_essai, tmp_path: Path):
    [entree] = table(bundle_essai, "essai_texte").entrees
    assert entree.genre == "texte"  # a cell compares otherwise than with strings: a free text field
    resultat = essayer(bundle_essai, "essai_texte", {"entree_1": "__import__('os')"})
    assert resultat.valeurs == {"entree_1": "__import__('os')"}
    assert [r.numero for r in resultat.regles] == [1] and resultat.sorties == {"reponse": "chaîne"}
    temoin = tmp_path / "temoin"
    code = f"__import__('os').system('touch {temoin}')"
    assert essayer(bundle_essai, "essai_texte", {"entree_1": code}).sorties == {"reponse": "après M"}
    assert not temoin.exists()
    assert essayer(bundle_essai, "essai_texte", {"entree_1": "().__class__.__base__"}).sorties == {
        "reponse": "autre"}


def test_date_et_nombre(bundle_essai):
    entrees = table(bundle_essai, "essai_date").entrees
    assert [e.genre for e in entrees] == ["date", "nombre"]
    depuis = essayer(bundle_essai, "essai_date", {"entree_1": "2024-05-01", "entree_2": "9,5"})
    assert depuis.valeurs == {"entree_1": date(2024, 5, 1), "entree_2": 9.5}
    assert depuis.sorties == {"periode": "depuis, petit"}
    # A UNIQUE table whose rules overlap: the engine keeps the first, the page warns.
    assert depuis.avertissement.startswith("Plusieurs règles s'appliquent (2, 3)")
    assert essayer(bundle_essai, "essai_date", {"entree_1": "31/12/2023", "entree_2": ""}).sorties == {
        "periode": "avant"}
    erreurs = essayer(bundle_essai, "essai_date", {"entree_1": "31/02/2024", "entree_2": "beaucoup"}).erreurs
    assert erreurs == {"entree_1": "« 31/02/2024 » n'est pas une date qui existe (JJ/MM/AAAA)",
                       "entree_2": "« beaucoup » n'est pas un nombre : saisissez par exemple 12 ou 12,5"}
    assert essayer(bundle_essai, "essai_date", {"entree_1": "demain"}).erreurs == {
        "entree_1": "« demain » : écrivez une date JJ/MM/AAAA"}
    assert essayer(bundle_essai, "essai_date", {"entree_1": "oui"}).erreurs == {
        "entree_1": "« oui » n'est pas une date : saisissez-la au format JJ/MM/AAAA"}
