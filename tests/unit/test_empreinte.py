"""F-41 a process version is its normalized content: rewriting a file as a modeler does is not a new version.

Each test starts from the real files of bpmn/ and dmn/ and rewrites them by hand the way bpmn.io, dmn-js or Camunda
Modeler do on save (tests/workflow/test_resauvegarde.py does it with the modelers' own library).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.workflow import empreinte, specs

pytestmark = pytest.mark.feature("F-41")

RACINE = Path(__file__).resolve().parents[2]
BPMN = "bpmn/demande_titre_sejour_ase.bpmn"
CAS = "dmn/cas_usager.dmn"


@pytest.fixture
def fichiers() -> dict[str, str]:
    return specs.read_process_files(RACINE / "bpmn", RACINE / "dmn")


def avec(fichiers: dict[str, str], nom: str, motif: str, remplacement: str, compte: int = 1) -> dict[str, str]:
    texte, n = re.subn(motif, remplacement, fichiers[nom])
    assert n == compte if compte else n > 0, f"{motif!r} trouvé {n} fois dans {nom}"
    return {**fichiers, nom: texte}


def test_l_empreinte_des_versions_est_celle_du_contenu_normalise(fichiers):
    assert specs.content_hash(fichiers) == empreinte.empreinte(fichiers)
    assert re.fullmatch(r"[0-9a-f]{64}", specs.content_hash(fichiers))


@pytest.mark.parametrize(
    ("nom", "motif", "remplacement"),
    [
        # Indentation and line ends, another XML declaration.
        (CAS, r"\n\s*", "\n"),
        (CAS, r"^<\?xml[^>]*\?>", "<?xml version='1.0' encoding='utf-8'?>"),
        # Entities: the same character written another way.
        (CAS, "Cas de l'usager", "Cas de l&#39;usager"),
        # Attribute order.
        (CAS, r'<decisionTable id="table_cas_usager" hitPolicy="UNIQUE">',
         '<decisionTable hitPolicy="UNIQUE" id="table_cas_usager">'),
        # dmn-moddle writes no attribute equal to its default (UNIQUE is the default hit policy).
        (CAS, r' hitPolicy="UNIQUE"', ""),
        # Empty elements written open and closed.
        (CAS, r'typeRef="string" />', 'typeRef="string"></output>'),
        # Another prefix for the same namespace, or the default namespace.
        (BPMN, r"\bbpmn(?=:\w|=)", "bpmn2"),
        (BPMN, r"<bpmn:definitions xmlns:bpmn=", "<bpmn:definitions xmlns:inutile=\"urn:x\" xmlns:bpmn="),
        # Comments are dropped by every modeler.
        (BPMN, r"(<bpmn:process )", r"<!-- un commentaire -->\1"),
        # Camunda Modeler names itself and its execution platform.
        (BPMN, r"(<bpmn:definitions )",
         r'\1exporter="Camunda Modeler" exporterVersion="5.31.0" '
         r'xmlns:modeler="http://camunda.org/schema/modeler/1.0" modeler:executionPlatform="Camunda Platform" '),
        # Attributes equal to the BPMN schema's default (an interrupting boundary event, a non-compensation task).
        (BPMN, r'(<bpmn:boundaryEvent )', r'\1cancelActivity="true" '),
        (BPMN, r'(<bpmn:userTask )', r'\1isForCompensation="false" startQuantity="1" '),
        (BPMN, r'(<bpmndi:BPMNEdge )', r'\1messageVisibleKind="initiating" '),
        # Diagram coordinates are reals.
        (BPMN, r'(<dc:Bounds x="\d+)(")', r"\1.0\2"),
    ],
    ids=["indentation", "declaration", "entite", "ordre-attributs", "defaut-dmn", "element-vide", "prefixe",
         "espace-inutile", "commentaire", "camunda-modeler", "defaut-bpmn", "bpmn-defaut-tache", "defaut-di", "reels"],
)
def test_une_reecriture_sans_changement_garde_la_version(fichiers, nom, motif, remplacement):
    texte, n = re.subn(motif, remplacement, fichiers[nom], flags=re.MULTILINE)
    assert n > 0, f"{motif!r} absent de {nom}"
    reecrits = {**fichiers, nom: texte}
    assert reecrits[nom] != fichiers[nom]
    assert specs.content_hash(reecrits) == specs.content_hash(fichiers)


def test_le_prefixe_par_defaut_et_le_type_xsi_se_normalisent(fichiers):
    """The same DMN written with a `dmn:` prefix, as some tools do."""
    texte = fichiers[CAS]
    prefixe = re.sub(r"<(/?)(\w)", r"<\1dmn:\2", texte)
    prefixe = prefixe.replace('xmlns="https://', 'xmlns:dmn="https://')
    assert prefixe != texte
    assert empreinte.normaliser(prefixe) == empreinte.normaliser(texte)


@pytest.mark.parametrize(
    ("nom", "motif", "remplacement"),
    [
        # A rule's condition, a rule's output, a hit policy, a label, a timer, a form: the process changes.
        (CAS, r"<text>&lt; 16</text>", "<text>&lt; 15</text>"),
        (CAS, r'<text>"CAS 3 : usager majeur"</text>', '<text>"CAS 3 : majeur"</text>'),
        (CAS, r'hitPolicy="UNIQUE"', 'hitPolicy="FIRST"'),
        (CAS, r'label="Cas"', 'label="Cas de la personne"'),
        (BPMN, r'(<bpmn:timeDuration[^>]*>)[^<]*(<)', r'\1"P15D"\2'),
        (BPMN, r'(<spiffworkflow:property name="form" value=")depot(")', r"\1depot_v2\2"),
        # Whitespace inside a string of a cell is content.
        (CAS, r'"CAS_1"</text>', '"CAS_1 "</text>'),
    ],
    ids=["condition", "sortie", "politique", "libelle", "minuterie", "formulaire", "espace-dans-chaine"],
)
def test_une_vraie_modification_fait_une_nouvelle_version(fichiers, nom, motif, remplacement):
    modifies = avec(fichiers, nom, motif, remplacement, compte=0)
    assert specs.content_hash(modifies) != specs.content_hash(fichiers)


def test_l_ordre_des_regles_compte(fichiers):
    """The order of a table's rules is part of its meaning (first match, output order of COLLECT)."""
    texte = fichiers[CAS]
    regles = re.findall(r"\s*<rule id=\"cas_usager_r[12]\">.*?</rule>", texte, flags=re.DOTALL)
    assert len(regles) == 2
    inverse = texte.replace(regles[0] + regles[1], regles[1] + regles[0])
    assert inverse != texte
    assert specs.content_hash({**fichiers, CAS: inverse}) != specs.content_hash(fichiers)


def test_le_nom_du_fichier_compte(fichiers):
    renomme = {("dmn/cas.dmn" if nom == CAS else nom): texte for nom, texte in fichiers.items()}
    assert specs.content_hash(renomme) != specs.content_hash(fichiers)


def test_un_fichier_mal_forme_a_l_empreinte_de_son_texte(fichiers):
    """The hash never fails: parsing refuses the file afterwards, with its line number."""
    casse = {**fichiers, CAS: fichiers[CAS].replace("</definitions>", "")}
    assert empreinte.normaliser(casse[CAS]) == casse[CAS].encode("utf-8")
    assert specs.content_hash(casse) != specs.content_hash(fichiers)
    with pytest.raises(specs.ProcessDefinitionError, match="XML mal formé"):
        specs.parse_bundle(casse)


def test_la_version_garde_les_fichiers_tels_quels(fichiers):
    """Normalizing is for the hash only: a version stores and shows the files as the analyst wrote them."""
    reecrits = avec(fichiers, CAS, r' hitPolicy="UNIQUE"', "")
    bundle = specs.parse_bundle(reecrits)
    assert bundle.files == reecrits
    assert bundle.content_hash == specs.content_hash(fichiers)
