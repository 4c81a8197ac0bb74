"""Modified copies of the real bpmn/ and dmn/ for the migration tests (F-44): a version that asks one more document
for one case, one without a task. Edited as XML, the way a modeler would save them."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from lxml import etree

from app.extensions import db
from app.models import VersionProcessus, utcnow
from app.workflow.specs import PROCESS_ID, content_hash, read_process_files
from app.workflow.verification import charger
from tests.workflow.conftest import BPMN_DIR, DMN_DIR

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
DMN = "https://www.omg.org/spec/DMN/20191111/MODEL/"
FICHIER_BPMN = "demande_titre_sejour_ase.bpmn"
PIECE = ("casier_judiciaire", "Extrait de casier judiciaire du pays d'origine")


def copier(dossier: Path) -> tuple[Path, Path]:
    """bpmn/ and dmn/ copied into `dossier` (the DMN examples too: the contract reads them)."""
    bpmn, dmn = dossier / "bpmn", dossier / "dmn"
    shutil.copytree(BPMN_DIR, bpmn)
    shutil.copytree(DMN_DIR, dmn)
    return bpmn, dmn


def ajouter_piece(dmn: Path, cas: str = "CAS_3") -> None:
    """One more document asked for `cas`: a rule of pieces_justificatives.dmn (and its example row)."""
    chemin = dmn / "pieces_justificatives.dmn"
    arbre = etree.parse(str(chemin))
    table = arbre.find(f".//{{{DMN}}}decisionTable")
    regles = table.findall(f"{{{DMN}}}rule")
    regle = etree.fromstring(etree.tostring(regles[2]))  # « identité »: a file, rubric INFORMATIONS PERSONNELLES
    regle.set("id", "pieces_justificatives_casier")
    valeurs = [f'"{cas}"', "-", f'"{PIECE[0]}"', f'"{PIECE[1]}"']  # any placement (ASE or tiers)
    textes = regle.findall(f".//{{{DMN}}}text")
    for i, element in enumerate(regle.iter(f"{{{DMN}}}inputEntry", f"{{{DMN}}}outputEntry")):
        element.set("id", f"pieces_justificatives_casier_{i}")
    for texte, valeur in zip(textes, valeurs, strict=False):
        texte.text = valeur
    regle.find(f"{{{DMN}}}description").text = PIECE[1]
    regles[2].addnext(regle)
    arbre.write(str(chemin), xml_declaration=True, encoding="UTF-8")
    exemples = dmn / "pieces_justificatives.exemples.csv"
    lignes = exemples.read_text(encoding="utf-8").splitlines()
    exemples.write_text("\n".join(_avec_piece(ligne, cas) for ligne in lignes) + "\n", encoding="utf-8")


def _avec_piece(ligne: str, cas: str) -> str:
    colonnes = ligne.split(";")
    if len(colonnes) < 6 or colonnes[1] != cas:
        return ligne
    for rang, valeur in ((2, PIECE[0]), (3, "fichier"), (4, "oui"), (5, "INFORMATIONS PERSONNELLES")):
        if colonnes[rang] != "-":
            morceaux = colonnes[rang].split(" | ")
            morceaux.insert(3, valeur)
            colonnes[rang] = " | ".join(morceaux)
    return ";".join(colonnes)


def retirer_tache(bpmn: Path, ident: str) -> None:
    """Remove the task `ident`, its outgoing flow and their shapes; its incoming flow goes where it went; the
    applicant's steps after it are numbered one less (« Étape n sur N » has no gap)."""
    chemin = bpmn / FICHIER_BPMN
    arbre = etree.parse(str(chemin))
    racine = arbre.getroot()
    tache = racine.find(f".//*[@id='{ident}']")
    etape = tache.find(f".//{{{SPIFF}}}property[@name='etape']")
    if etape is not None:
        for autre in racine.iter(f"{{{SPIFF}}}property"):
            if autre.get("name") == "etape" and int(autre.get("value")) > int(etape.get("value")):
                autre.set("value", str(int(autre.get("value")) - 1))
    entrants = racine.findall(f".//{{{BPMN}}}sequenceFlow[@targetRef='{ident}']")
    sortant = racine.find(f".//{{{BPMN}}}sequenceFlow[@sourceRef='{ident}']")
    suivant = racine.find(f".//*[@id='{sortant.get('targetRef')}']")
    for entrant in entrants:  # the step's flows (« étape 3 » after a change at deposit, F-20) go where it went
        entrant.set("targetRef", suivant.get("id"))
    for incoming in suivant.findall(f"{{{BPMN}}}incoming"):
        if incoming.text == sortant.get("id"):
            incoming.text = entrants[0].get("id")
            for autre in entrants[1:]:
                ajout = etree.SubElement(suivant, f"{{{BPMN}}}incoming")
                ajout.text = autre.get("id")
                incoming.addnext(ajout)
    for element in (tache, sortant):
        element.getparent().remove(element)
    for ref in list(racine.iter(f"{{{BPMN}}}flowNodeRef")):
        if ref.text == ident:
            ref.getparent().remove(ref)
    for forme in list(racine.iter()):
        if forme.get("bpmnElement") in (ident, sortant.get("id")):
            forme.getparent().remove(forme)
    arbre.write(str(chemin), xml_declaration=True, encoding="UTF-8")


def enregistrer(app: Any, bpmn: Path, dmn: Path) -> int:
    """The modified files, checked against the contract, stored as the new current version (as a publication)."""
    with app.app_context():
        files = read_process_files(bpmn, dmn)
        charger(files, app.extensions["demandes"].catalog.code)
        version = VersionProcessus(empreinte=content_hash(files), processus=PROCESS_ID, fichiers=files,
                                   creee_le=utcnow(), activee_le=utcnow(), origine="publication",
                                   publiee_par="analyste:test")
        db.session.add(version)
        db.session.commit()
        return version.id
