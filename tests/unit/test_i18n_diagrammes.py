"""The diagram's texts reach the catalogue without being retyped in Python (F-18): babel.cfg declares extractors for
the .bpmn and .dmn files, which read what the engine reads, and every one of them has its English."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from app.i18n_diagrammes import COMMENTAIRE, textes_bpmn, textes_dmn
from app.workflow import specs
from app.workflow.textes_du_processus import TextesDuProcessus

RACINE = Path(__file__).resolve().parents[2]
PO = RACINE / "app" / "translations" / "en" / "LC_MESSAGES" / "messages.po"

pytestmark = pytest.mark.feature("F-18")


def _diagramme_extrait() -> dict[str, list[str]]:
    """What `make traductions` extracts from the diagram, with babel.cfg's own mapping: msgid → comments."""
    with (RACINE / "babel.cfg").open(encoding="utf-8") as f:
        methodes, options = parse_mapping_cfg(f)
    methodes = [(motif, methode) for motif, methode in methodes if motif.endswith((".bpmn", ".dmn"))]
    assert {m for _, m in methodes} == {"app.i18n_diagrammes:extraire_dmn", "app.i18n_diagrammes:extraire_bpmn"}
    return {message: commentaires for _f, _l, message, commentaires, _c in
            extract_from_dir(str(RACINE), methodes, options)}


def test_babel_extrait_les_textes_lus_du_diagramme():
    extraits = _diagramme_extrait()
    bundle = specs.parse_bundle(specs.read_process_files(RACINE / "bpmn", RACINE / "dmn"))
    processus = TextesDuProcessus(bundle)
    # The steps as the engine reads them (stepper, page titles, summary), their descriptions too.
    for etape in processus.etapes:
        assert etape.titre in extraits, etape.titre
        assert not etape.description or etape.description in extraits, etape.description
    # The DMN's texts that people read; not its codes.
    for texte in ("Justificatif d'identité", "INFORMATIONS PERSONNELLES", "CAS 3 : usager majeur",
                  "Avoir connaissance des sanctions pénales encourues par l'auteur d'une fausse attestation."):
        assert texte in extraits, texte
    assert not {"ephoto", "fichier", "CAS_3", "polygamie", "True"} & set(extraits)
    assert all(any(c.startswith(COMMENTAIRE) for c in commentaires) for commentaires in extraits.values())


def test_chaque_texte_du_diagramme_a_son_anglais_dans_le_catalogue():
    with PO.open("rb") as f:
        catalogue = {m.id: m for m in read_po(f) if m.id}
    manquants = [texte for texte in _diagramme_extrait() if not catalogue.get(texte) or not catalogue[texte].string]
    assert manquants == [], "run `make traductions`, then translate these texts of the diagram"
    # Kept by `make traductions` (pybabel update) with the comment that says where they come from.
    assert any(c.startswith(COMMENTAIRE) for c in catalogue["Justificatif d'identité"].auto_comments)


def test_un_texte_change_par_un_analyste_devient_un_nouveau_msgid():
    dmn = (RACINE / "dmn" / "attestations.dmn").read_text(encoding="utf-8")
    modifie = dmn.replace("en état de polygamie", "en situation de polygamie")
    textes = [t for _l, _n, t in textes_dmn(io.BytesIO(modifie.encode("utf-8")))]
    assert "Ne pas vivre en France en situation de polygamie, même si mon pays d'origine l'autorise." in textes
    assert not any("en état de polygamie" in t for t in textes)


def test_un_titre_d_etape_donne_par_la_propriete_titre():
    bpmn = (RACINE / "bpmn" / "demande_titre_sejour_ase.bpmn").read_bytes()
    titres = [t for _l, genre, t in textes_bpmn(io.BytesIO(bpmn)) if genre == "titre"]
    assert titres[-1] == "Confirmation"  # the end event's `titre` property, not its name
    assert "Demande déposée par l'usager" not in titres and "Demandeur non éligible" not in titres
