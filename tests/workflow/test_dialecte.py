"""F-46 the modelers' dialect: DMN cells and timers as dmn-js, bpmn.io and Camunda Modeler write them.

Each construct is written by hand into a copy of the real files (tmp_path), then run by the real engine with both
outcomes (the rule matches, the rule does not); what cannot be translated faithfully is refused at start, naming the
file, the element and what to write instead.
"""

from __future__ import annotations

import re
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from app.workflow import dialecte, specs
from app.workflow.engine import Engine
from tests.workflow.conftest import Parcours, Recorder
from tests.workflow.test_instruction import agent, deposee, examen, lue

pytestmark = pytest.mark.feature("F-46")

REPO_ROOT = Path(__file__).resolve().parents[2]
BPMN_FILE = "bpmn/demande_titre_sejour_ase.bpmn"
NE_LE = date(2007, 5, 1)  # 16 on 1 May 2023, 18 on 1 May 2025, 19 on 1 May 2026


@pytest.fixture
def copie(tmp_path: Path) -> Path:
    shutil.copytree(REPO_ROOT / "bpmn", tmp_path / "bpmn")
    shutil.copytree(REPO_ROOT / "dmn", tmp_path / "dmn")
    return tmp_path


def lire(copie: Path) -> dict[str, str]:
    return specs.read_process_files(copie / "bpmn", copie / "dmn")


def cellules(copie: Path, fichier: str, textes: dict[str, str | None]) -> None:
    """Write `texte` into the <text> of each DMN element (input, entry, expression) named by id; None: empty."""
    chemin = copie / fichier
    arbre = etree.parse(str(chemin))
    for ident, texte in textes.items():
        (element,) = arbre.xpath("//*[@id=$i]", i=ident)
        (cible,) = element.xpath("*[local-name()='text'] | *[local-name()='inputExpression']/*[local-name()='text']")
        cible.text = texte
    arbre.write(str(chemin), xml_declaration=True, encoding="UTF-8")


def remplacer(chemin: Path, motif: str, remplacement: str) -> None:
    texte, n = re.subn(motif, remplacement, chemin.read_text(encoding="utf-8"))
    assert n == 1, f"{motif!r} trouvé {n} fois dans {chemin}"
    chemin.write_text(texte, encoding="utf-8")


def moteur(copie: Path, recorders: dict[str, Recorder] | None = None) -> Engine:
    return Engine(specs.parse_bundle(lire(copie)), recorders or {})


def refus(copie: Path) -> specs.ProcessDefinitionError:
    with pytest.raises(specs.ProcessDefinitionError) as erreur:
        specs.parse_bundle(lire(copie))
    return erreur.value


# --- The translation, cell by cell ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cellule", "python"),
    [
        ("-", "-"),
        ("", "-"),
        ("true", "? == True"),
        ("false", "? == False"),
        ('"CAS_1","CAS_2"', '? == "CAS_1" or ? == "CAS_2"'),
        ('"CAS_1", "CAS_2"', '? == "CAS_1" or ? == "CAS_2"'),
        ('"a,b"', '? == "a,b"'),
        ("[16..18[", "16 <= ? < 18"),
        ("]1..5]", "1 < ? <= 5"),
        ("(1..5)", "1 < ? < 5"),
        ("[1..5[, 7", "1 <= ? < 5 or ? == 7"),
        ("< 16", "? < 16"),
        (">= 19", "? >= 19"),
        ('not("CAS_1")', 'not (? == "CAS_1")'),
        ('not("CAS_1","CAS_2")', 'not (? == "CAS_1" or ? == "CAS_2")'),
        ('< date("2024-01-31")', '? < date.fromisoformat("2024-01-31")'),
        ("< anniversaire(date_naissance, 16)", "? < anniversaire(date_naissance, 16)"),
        ("null", "? == None"),
        # The project's Python dialect reads the same.
        ("16 <= ? < 18", "16 <= ? < 18"),
        ('? in ("CAS_1", "CAS_2")', '? in ("CAS_1", "CAS_2")'),
        ("False", "? == False"),
        ('"CAS_1"', '? == "CAS_1"'),
    ],
)
def test_cellule_d_entree(cellule, python):
    assert dialecte.test_unaire(cellule) == python


@pytest.mark.parametrize(
    ("genre", "texte", "python"),
    [
        ("timeDuration", "P45D", '"P45D"'),
        ("timeDuration", "PT12H", '"PT12H"'),
        ("timeDuration", "P2W", '"P2W"'),
        ("timeDuration", "P1M2DT3H", '"P1M2DT3H"'),
        ("timeDuration", ' "P30D" ', '"P30D"'),
        ("timeDuration", "delai_reponse", "delai_reponse"),
        ("timeDate", "2025-01-31T09:00:00", '"2025-01-31T09:00:00"'),
        ("timeCycle", "R3/PT1H", '"R3/PT1H"'),
    ],
)
def test_minuterie(genre, texte, python):
    assert dialecte.minuterie(genre, texte) == python


# --- Each construct on the real decisions, both outcomes ------------------------------------------------------------


def cas(engine: Engine, age_au: date, emancipe: bool) -> dict[str, Any]:
    return engine.decide("cas_usager", {"date_naissance": NE_LE, "date_du_jour": age_au, "emancipe": emancipe})


AGES = [date(2023, 4, 30), date(2023, 5, 1), date(2024, 6, 1), date(2025, 5, 1), date(2026, 5, 1), date(2030, 1, 1)]


@pytest.mark.parametrize("intervalle_majeur", ["[18..19[", "]17..19[", "(17..19)", "[18..18]"])
def test_booleens_et_intervalles_de_dmn_js(copie, bundle, intervalle_majeur):
    """`true`/`false` in input and output cells, ranges: the same cases as the project's Python dialect."""
    cellules(copie, "dmn/cas_usager.dmn", {
        "cas_usager_r2_i1": "[16..18[", "cas_usager_r2_i2": "false",
        "cas_usager_r3_i1": "[16..18[", "cas_usager_r3_i2": "true",
        "cas_usager_r4_i1": intervalle_majeur,
        **{f"cas_usager_r{n}_o3": "false" for n in (1, 2, 3, 4)}, "cas_usager_r5_o3": "true",
    })
    feel, python = moteur(copie), Engine(bundle, {})
    for jour in AGES:
        for emancipe in (False, True):
            assert cas(feel, jour, emancipe) == cas(python, jour, emancipe), (jour, emancipe)
    # Matched and not matched, values typed as Python's.
    assert cas(feel, date(2024, 6, 1), False)["cas"] == "CAS_1"
    assert cas(feel, date(2024, 6, 1), True)["cas"] == "CAS_2"
    assert cas(feel, date(2025, 5, 1), True)["cas"] == "CAS_3"
    assert cas(feel, date(2025, 5, 1), True)["demande_tardive"] is False
    assert cas(feel, date(2026, 5, 1), False)["demande_tardive"] is True
    assert cas(feel, date(2023, 4, 30), False)["cas"] == "MOINS_16"


def test_liste_de_chaines_et_negation(copie):
    """`"CAS_1","CAS_2"` matches either value (Python alone reads a tuple that never matches); not(…) the others."""
    cellules(copie, "dmn/attestations.dmn", {
        "attestations_r1_i1": '"CAS_1","CAS_2"',
        "attestations_r2_i1": 'not("CAS_1")',
    })
    engine = moteur(copie)

    def codes(cas_usager: str) -> list[str]:
        return [a["code"] for a in engine.decide("attestations", {"cas": cas_usager})["attestations"]]

    assert codes("CAS_1") == ["travail", "sanctions"]
    assert codes("CAS_2") == ["travail", "polygamie", "sanctions"]
    assert codes("CAS_3") == ["polygamie", "sanctions"]


@pytest.mark.parametrize("vide", [None, "", "  ", "-"])
def test_cellule_vide_ou_tiret(copie, vide):
    cellules(copie, "dmn/pieces_justificatives.dmn", {"pieces_justificatives_r1_i1": vide})
    engine = moteur(copie)
    for valeur in ("CAS_1", "CAS_2", "CAS_3"):
        pieces = engine.decide("pieces_justificatives", {"cas": valeur, "placement": "ase"})["pieces"]
        assert "ephoto" in [piece["code"] for piece in pieces]


def test_dates_litterales(copie):
    """`date("…")` of dmn-js, compared to a date of the data; `null` and `false` in outputs."""
    cellules(copie, "dmn/eligibilite.dmn", {
        "eligibilite_in2": "date_prise_en_charge_ase",
        "eligibilite_r2_i2": '> date("2023-05-01")',
        "eligibilite_r3_i2": '<= date("2023-05-01")',
        "eligibilite_r2_o1": "false",
        "eligibilite_r3_o1": "true",
        "eligibilite_r3_o2": "null",
    })
    engine = moteur(copie)

    def eligible(placement: date) -> dict[str, Any]:
        return engine.decide("eligibilite", {"date_naissance": NE_LE, "date_du_jour": date(2024, 6, 1),
                                             "date_prise_en_charge_ase": placement, "placement": "ase"})

    assert eligible(date(2023, 5, 1)) == {"eligible": True, "motif_non_eligibilite": None}
    assert eligible(date(2023, 5, 2))["eligible"] is False


def test_le_parcours_entier_dans_le_dialecte(copie, valeurs, recorders):
    """Every decision and condition written as dmn-js and bpmn.io write them: an application goes to the agent."""
    cellules(copie, "dmn/eligibilite.dmn", {"eligibilite_r2_i2": "false", "eligibilite_r3_i2": "true",
                                            "eligibilite_r2_o1": "false", "eligibilite_r3_o1": "true"})
    cellules(copie, "dmn/cas_usager.dmn", {"cas_usager_r2_i1": "[16..18[", "cas_usager_r2_i2": "false"})
    cellules(copie, "dmn/attestations.dmn", {"attestations_r1_i1": '"CAS_1","CAS_2"'})
    remplacer(copie / BPMN_FILE, r">eligible == True<", ">eligible == true<")
    engine = moteur(copie, recorders)
    p = deposee(_parcours(engine), valeurs)
    assert p.workflow_data["cas"] == "CAS_1"
    assert p.workflow_data["eligible"] is True
    assert [a["code"] for a in p.workflow_data["attestations"]] == ["travail", "sanctions"]


def test_la_version_garde_le_texte_de_l_analyste(copie):
    cellules(copie, "dmn/attestations.dmn", {"attestations_r1_i1": '"CAS_1","CAS_2"'})
    fichiers = lire(copie)
    bundle = specs.parse_bundle(fichiers)
    assert bundle.files == fichiers
    assert '<text>"CAS_1","CAS_2"</text>' in bundle.files["dmn/attestations.dmn"]


def test_un_fichier_sans_dialecte_est_lu_tel_quel():
    texte = (REPO_ROOT / "dmn/attestations.dmn").read_text(encoding="utf-8").replace(
        '<text>-</text>', '<text>? != "rien"</text>')
    assert dialecte.traduire("dmn/attestations.dmn", texte) == (texte, [])


# --- Timers as Camunda Modeler writes them -------------------------------------------------------------------------


def _parcours(engine: Engine) -> Any:
    def start(date_naissance: date, context: Any = None, **register: Any) -> Parcours:
        return Parcours(engine, engine.start({"date_naissance": date_naissance, **register}, context), context)

    return start


def delai(copie: Path, valeurs: Any, recorders: dict[str, Recorder]) -> timedelta:
    """The complement deadline as the engine sets it once the notification is read."""
    engine = moteur(copie, recorders)
    p = deposee(_parcours(engine), valeurs)
    agent(p, "examiner_demande", examen("complement", {"identite": "Illisible."}))
    lue(p)
    (echeance,) = engine.timers(p.wf).values()
    return echeance - datetime.now(UTC)


@pytest.mark.parametrize(("ecrit", "attendu"), [("P45D", timedelta(days=45)), ("PT12H", timedelta(hours=12)),
                                                 ('"P30D"', timedelta(days=30))])
def test_duree_iso_nue(copie, valeurs, recorders, ecrit, attendu):
    remplacer(copie / BPMN_FILE, r"(<bpmn:timeDuration[^>]*>)[^<]*(</bpmn:timeDuration>)", rf"\g<1>{ecrit}\g<2>")
    assert attendu - timedelta(minutes=1) < delai(copie, valeurs, recorders) <= attendu


# --- Refused at start, saying what to write -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("texte", "conseil"),
    [
        ("P30J", "P30D (30 jours)"),
        ("30 jours", "P30D (30 jours)"),
        ('"P30J"', "P30D (30 jours)"),
        ("${delai}", "écrivez « delai »"),
        ("=delai_reponse", "écrivez « delai_reponse » sans le « = » initial"),
        ("", "minuterie sans valeur"),
    ],
)
def test_minuterie_refusee(copie, texte, conseil):
    remplacer(copie / BPMN_FILE, r"(<bpmn:timeDuration[^>]*>)[^<]*(</bpmn:timeDuration>)", rf"\g<1>{texte}\g<2>")
    erreur = refus(copie)
    assert erreur.file == BPMN_FILE
    assert "delai_reponse" in erreur.element  # the timer event, by its label and id
    assert conseil in erreur.message


def test_condition_camunda_refusee(copie):
    remplacer(copie / BPMN_FILE, r'>suite == "complement"<', '>${suite == "complement"}<')
    erreur = refus(copie)
    assert erreur.file == BPMN_FILE
    assert "f_vers_complement" in erreur.element
    assert 'écrivez « suite == "complement" »' in erreur.message


@pytest.mark.parametrize(
    ("texte", "conseil"),
    [
        ("= 16", "une comparaison (< 16)"),
        ("[16..", "un intervalle ([16..18["),
        ("[16..]", "intervalle sans borne"),
        ('"CAS_1",', "valeur manquante après la virgule"),
        ('date and time("2024-01-31T00:00:00")', "anniversaire(date, ans)"),
        ('< duration("P16Y")', "age_au(naissance, jour)"),
        ('date("2024-02-30")', 'date "2024-02-30" invalide'),
        ("if true then 16 else 18", "valeur_si_vrai if condition else valeur_si_faux"),
        ("? between 16 and 18", "16 <= valeur <= 18"),
    ],
)
def test_cellule_refusee(copie, texte, conseil):
    cellules(copie, "dmn/cas_usager.dmn", {"cas_usager_r2_i1": texte})
    erreur = refus(copie)
    assert erreur.file == "dmn/cas_usager.dmn"
    assert "cas_usager_r2" in erreur.element and "règle 2" in erreur.element
    assert "Âge à la date du jour" in erreur.element  # the column's label
    assert conseil in erreur.message


def test_egalite_feel_refusee_dans_une_sortie(copie):
    cellules(copie, "dmn/cas_usager.dmn", {"cas_usager_r2_o3": "cas = 1"})
    erreur = refus(copie)
    assert erreur.element.endswith("règle 2 (cas_usager_r2), colonne « Demande après le 19e anniversaire »")
    assert "écrivez « == »" in erreur.message


def test_tous_les_refus_a_la_fois(copie):
    cellules(copie, "dmn/cas_usager.dmn", {"cas_usager_r2_i1": "[16..", "cas_usager_r4_i1": "= 18"})
    cellules(copie, "dmn/attestations.dmn", {"attestations_r1_i1": 'date and time("2024-01-31T00:00:00")'})
    remplacer(copie / BPMN_FILE, r"(<bpmn:timeDuration[^>]*>)[^<]*(</bpmn:timeDuration>)", r"\g<1>P30J\g<2>")
    erreur = refus(copie)
    assert len(erreur.problemes) == 4
    assert {p.file for p in erreur.problemes} == {"dmn/cas_usager.dmn", "dmn/attestations.dmn", BPMN_FILE}
    for probleme in erreur.problemes:
        assert probleme.message in str(erreur)


def test_l_illisible_est_laisse_a_la_validation(copie):
    """Text that is neither FEEL nor Python is not this module's to judge: it reaches the start-up validation."""
    cellules(copie, "dmn/cas_usager.dmn", {"cas_usager_r2_i1": "16 <= ? <"})
    bundle = specs.parse_bundle(lire(copie))
    (regle,) = [r for r in bundle.decisions["cas_usager"].decision_table.rules if r.id == "cas_usager_r2"]
    assert regle.inputEntries[0].lhs == ["16 <= ? <"]
