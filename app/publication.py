"""Publishing a new process version from the browser (F-45): drafts, checks, trial runs, publication.

A draft (`BrouillonProcessus`) is a copy of the current version's BPMN and DMN files that any analyst may change
(replace a file, or save it from the modeler). Three verdicts guard its publication:

- « Vérifier »: the contract check with the allow-list (verification.py, liste_autorisee.py), then the decision
  examples (dmn/*.exemples.csv of this server) — fast, in the request;
- « Lancer les tests du processus »: tests/workflow run in a subprocess on a temporary folder holding the draft's
  files (BPMN_DIR / DMN_DIR), in a background thread; the result is kept with the hash of the files it ran on;
- « Publier »: only when the check finds nothing on the files as they are now, the tests passed on exactly these
  files (same hash), and the draft differs from the current version. The version then becomes the one new
  applications take (`activee_le`); running applications keep theirs.

Nothing of a draft is ever run before the allow-list has passed: the examples and the tests come after the check.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import Any

from flask import Flask
from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import BrouillonProcessus, VersionProcessus, utcnow
from .workflow import empreinte as empreintes
from .workflow.exemples_decisions import SUFFIXE, verifier_exemples
from .workflow.lecture import BPMN
from .workflow.store import ProcessCatalog
from .workflow.verification import charger, verifier

log = logging.getLogger(__name__)

RACINE = Path(__file__).resolve().parents[1]
DOSSIER_TESTS = RACINE / "tests" / "workflow"
# Not run on a draft: test_resauvegarde.py needs node (the modelers' own libraries); test_diagramme.py reads the
# repository's bpmn/, not BPMN_DIR, and its bpmnlint part needs npm.
EXCLUS = ("test_resauvegarde.py", "test_diagramme.py")
# Compares a copy of the repository's files with the files under test: true of the repository's files only.
DESELECTIONNES = ("test_specs.py::test_la_copie_est_identique",)
TAILLE_MAX = 2 * 1024 * 1024  # one BPMN/DMN file; the real ones are under 100 kB
DELAI_ESSAIS = 900  # seconds
PERDUS_APRES = timedelta(seconds=DELAI_ESSAIS + 120)  # a run still « en cours » after this was lost (restart)
DMN_ESPACES = ("https://www.omg.org/spec/DMN/", "http://www.omg.org/spec/DMN/")
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)

BROUILLON, PUBLIE = "brouillon", "publie"
EN_COURS, REUSSI, ECHOUE = "en_cours", "reussi", "echoue"


class PublicationRefusee(Exception):
    def __init__(self, raisons: list[str]) -> None:
        super().__init__(" ".join(raisons))
        self.raisons = raisons


def genre(nom: str) -> str | None:
    """« bpmn » or « dmn » for a draft's file name, None otherwise."""
    return {".bpmn": "bpmn", ".dmn": "dmn"}.get(PurePosixPath(nom).suffix)


def empreinte(brouillon: BrouillonProcessus) -> str:
    return empreintes.empreinte(dict(brouillon.fichiers))


def creer(session: Session, catalog: ProcessCatalog, analyste_id: int) -> BrouillonProcessus:
    """« Nouveau brouillon »: a copy of the current version's files."""
    courante = catalog.current_version(session)
    brouillon = BrouillonProcessus(analyste_id=analyste_id, base_version_id=courante.id,
                                   fichiers=dict(courante.fichiers), etat=BROUILLON)
    session.add(brouillon)
    session.flush()
    return brouillon


def lire_fichier(nom: str, contenu: bytes) -> tuple[str | None, str | None]:
    """(text, None) for a well-formed file of the same kind as `nom`, else (None, the reason in French).

    Parsed with the app's safe settings (no entity, no network), as every process file is.
    """
    if len(contenu) > TAILLE_MAX:
        return None, f"Le fichier dépasse {TAILLE_MAX // (1024 * 1024)} Mo."
    if not contenu.strip():
        return None, "Le fichier est vide."
    try:
        texte = contenu.decode("utf-8")
    except UnicodeDecodeError:
        return None, "Le fichier n'est pas encodé en UTF-8."
    try:
        racine = etree.fromstring(contenu, _PARSER)
    except etree.XMLSyntaxError as err:
        return None, f"Le fichier n'est pas un XML bien formé (ligne {err.lineno or '?'} : {err.msg})."
    espace = etree.QName(racine).namespace or ""
    attendu = genre(nom)
    if etree.QName(racine).localname != "definitions":
        return None, "Le fichier n'est pas un fichier BPMN ou DMN (l'élément racine doit être « definitions »)."
    if attendu == "bpmn" and espace != BPMN:
        return None, f"« {nom} » est un fichier BPMN : le fichier envoyé n'en est pas un (espace de noms {espace})."
    if attendu == "dmn" and not espace.startswith(DMN_ESPACES):
        return None, f"« {nom} » est un fichier DMN : le fichier envoyé n'en est pas un (espace de noms {espace})."
    return texte, None


def remplacer(brouillon: BrouillonProcessus, nom: str, contenu: bytes) -> str | None:
    """Replace one file of the draft; the French reason when refused. Every verdict is reset: it was about other
    files."""
    if brouillon.etat != BROUILLON:
        return "Ce brouillon est publié : il ne peut plus être modifié."
    if nom not in brouillon.fichiers:
        return f"Ce brouillon n'a pas de fichier « {nom} »."
    texte, erreur = lire_fichier(nom, contenu)
    if texte is None:
        return erreur
    fichiers = dict(brouillon.fichiers)
    fichiers[nom] = texte
    brouillon.fichiers = fichiers
    brouillon.verification, brouillon.essais, brouillon.essais_empreinte = None, None, None
    brouillon.modifie_le = utcnow()
    return None


def probleme_en_dict(fichier: str, element: str, libelle: str, message: str) -> dict[str, str]:
    qui = f"« {libelle} » ({element})" if libelle else element
    texte = f"{fichier} — {qui} : {message}" if fichier else message
    return {"fichier": fichier, "element": element, "id": element, "libelle": libelle, "message": message,
            "texte": texte}


def controler(fichiers: dict[str, str], catalog: ProcessCatalog, dmn_dir: Path) -> list[dict[str, str]]:
    """The contract check with the allow-list, then — only if it found nothing — the decision examples."""
    bundle, problemes = verifier(fichiers, catalog.code)
    liste = [probleme_en_dict(p.fichier, p.element, p.libelle, p.message) for p in problemes]
    if not liste and bundle is not None:
        liste += [probleme_en_dict("", "", "", f"Exemple de décision : {texte}")
                  for texte in verifier_exemples(bundle, dmn_dir)]
    return liste


def verifier_brouillon(brouillon: BrouillonProcessus, catalog: ProcessCatalog, dmn_dir: Path) -> list[dict[str, str]]:
    """« Vérifier »: every problem, kept on the draft."""
    brouillon.verification = controler(dict(brouillon.fichiers), catalog, dmn_dir)
    return brouillon.verification


# --- the process's tests, in a subprocess --------------------------------------------------------------------------


def dossier_tests(app: Flask) -> Path:
    return Path(app.config.get("PUBLICATION_DOSSIER_TESTS") or DOSSIER_TESTS)


def ecrire_fichiers(fichiers: dict[str, str], dossier: Path, dmn_dir: Path) -> None:
    """The draft's files as bpmn/ and dmn/ folders, with this server's decision examples beside the tables."""
    for sous in ("bpmn", "dmn"):
        (dossier / sous).mkdir(parents=True, exist_ok=True)
    for nom, texte in fichiers.items():
        (dossier / genre(nom) / PurePosixPath(nom).name).write_text(texte, encoding="utf-8")
    for exemples in Path(dmn_dir).glob(f"*{SUFFIXE}"):
        shutil.copy(exemples, dossier / "dmn" / exemples.name)


def executer_essais(fichiers: dict[str, str], dmn_dir: Path, tests: Path) -> dict[str, Any]:
    """tests/workflow (less EXCLUS) run by pytest in a subprocess on the files; counts and failures from JUnit XML."""
    debut = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="brouillon-") as tmp:
        dossier = Path(tmp)
        ecrire_fichiers(fichiers, dossier, dmn_dir)
        rapport = dossier / "resultat.xml"
        env = {k: v for k, v in os.environ.items() if k not in ("COUVERTURE_PROCESSUS", "PYTEST_ADDOPTS")}
        env.update(BPMN_DIR=str(dossier / "bpmn"), DMN_DIR=str(dossier / "dmn"))
        commande = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tests),
                    *(f"--ignore={tests / nom}" for nom in EXCLUS),
                    *(f"--deselect={tests.relative_to(tests.parents[1]) / nom}" for nom in DESELECTIONNES),
                    f"--junitxml={rapport}"]  # a node id is relative to the root (the subprocess's folder)
        try:
            fini = subprocess.run(commande, cwd=tests.parents[1], env=env, capture_output=True, text=True,
                                  timeout=DELAI_ESSAIS, check=False)
        except subprocess.TimeoutExpired:
            return {"etat": ECHOUE, "reussis": 0, "echoues": 0, "duree": round(time.monotonic() - debut),
                    "echecs": [{"nom": "(ensemble)",
                                "message": f"Les tests ont dépassé {DELAI_ESSAIS // 60} minutes."}]}
        resultat = _lire_junit(rapport)
        if resultat is None:
            sortie = (fini.stdout + fini.stderr).strip().splitlines()[-5:]
            resultat = {"reussis": 0, "echoues": 0, "echecs": [
                {"nom": "(lancement)", "message": "Les tests n'ont pas pu être lancés : " + " / ".join(sortie)}]}
    reussi = fini.returncode == 0 and not resultat["echecs"] and resultat["reussis"] > 0
    return {**resultat, "etat": REUSSI if reussi else ECHOUE, "duree": round(time.monotonic() - debut)}


def _lire_junit(chemin: Path) -> dict[str, Any] | None:
    try:
        racine = etree.parse(str(chemin), _PARSER).getroot()
    except (OSError, etree.XMLSyntaxError):
        return None
    reussis, echecs = 0, []
    for cas in racine.iter("testcase"):
        probleme = next((e for e in cas if e.tag in ("failure", "error")), None)
        if probleme is None:
            reussis += cas.find("skipped") is None
            continue
        lignes = (probleme.text or "").strip().splitlines()
        message = probleme.get("message") or (lignes[-1] if lignes else "")
        echecs.append({"nom": f"{cas.get('classname', '')}::{cas.get('name', '')}", "message": message[:500]})
    return {"reussis": reussis, "echoues": len(echecs), "echecs": echecs[:50]}


Lanceur = Callable[[dict[str, str], Path, Path], dict[str, Any]]


def lancer_essais(app: Flask, session: Session, brouillon: BrouillonProcessus) -> str | None:
    """« Lancer les tests du processus »: marks the draft « en cours » and starts the run in a background thread
    (synchronously when PUBLICATION_ESSAIS_SYNCHRONES is set: tests). The French reason when it cannot start."""
    if brouillon.etat != BROUILLON:
        return "Ce brouillon est publié : il n'y a plus rien à tester."
    if not dossier_tests(app).is_dir():
        return ("Les tests du processus ne sont pas installés sur ce serveur (dossier tests/workflow absent) : "
                "la publication depuis ce serveur est impossible. Publiez depuis une installation qui les contient.")
    if en_cours(brouillon):
        return "Les tests sont déjà en cours sur ce brouillon."
    if brouillon.verification is None:
        return "Vérifiez d'abord le brouillon : les tests ne sont lancés que sur des fichiers vérifiés."
    if brouillon.verification:
        return "La vérification a trouvé des problèmes : corrigez-les et vérifiez à nouveau avant de lancer les tests."
    fichiers, cle = dict(brouillon.fichiers), empreinte(brouillon)
    brouillon.essais = {"etat": EN_COURS, "lance_le": utcnow().isoformat()}
    brouillon.essais_empreinte = cle
    session.commit()
    arguments = (app, brouillon.id, fichiers, cle)
    if app.config.get("PUBLICATION_ESSAIS_SYNCHRONES"):
        _essais_en_fond(*arguments)
    else:
        threading.Thread(target=_essais_en_fond, args=arguments, daemon=True, name=f"essais-{brouillon.id}").start()
    return None


def _essais_en_fond(app: Flask, brouillon_id: int, fichiers: dict[str, str], cle: str) -> None:
    from .extensions import db

    lanceur: Lanceur = app.config.get("PUBLICATION_LANCEUR") or executer_essais
    try:
        resultat = lanceur(fichiers, Path(app.config["DMN_DIR"]), dossier_tests(app))
    except Exception as err:  # the run itself broke: said on the draft, never left « en cours »
        log.exception("tests du brouillon %s", brouillon_id)
        resultat = {"etat": ECHOUE, "reussis": 0, "echoues": 0,
                    "echecs": [{"nom": "(lancement)", "message": f"{type(err).__name__} : {err}"}]}
    resultat["fini_le"] = utcnow().isoformat()
    with app.app_context():
        brouillon = db.session.get(BrouillonProcessus, brouillon_id)
        # Kept only if the files are still those the tests ran on (a save in between reset the verdicts).
        if brouillon is not None and brouillon.essais_empreinte == cle and empreinte(brouillon) == cle:
            brouillon.essais = resultat
            db.session.commit()
        db.session.remove()


def en_cours(brouillon: BrouillonProcessus) -> bool:
    essais = brouillon.essais or {}
    if essais.get("etat") != EN_COURS:
        return False
    try:
        lance = datetime.fromisoformat(essais["lance_le"])
    except (KeyError, TypeError, ValueError):
        return False
    return utcnow() - lance < PERDUS_APRES


# --- publishing ------------------------------------------------------------------------------------------------------


def raisons_de_refus(session: Session, catalog: ProcessCatalog, brouillon: BrouillonProcessus,
                     dmn_dir: Path) -> list[str]:
    """Why the draft cannot be published now ([] = it can). Runs the check again on the files as they are."""
    if brouillon.etat != BROUILLON:
        return ["Ce brouillon est déjà publié."]
    raisons = []
    cle = empreinte(brouillon)
    if cle == catalog.current_version(session).empreinte:
        raisons.append("Ce brouillon est identique à la version en vigueur : il n'y a rien à publier.")
    problemes = verifier_brouillon(brouillon, catalog, dmn_dir)
    if problemes:
        n = len(problemes)
        raisons.append(f"La vérification trouve {n} problème{'s' if n > 1 else ''} (voir la liste) : corrigez "
                       f"{'les' if n > 1 else 'le'} avant de publier.")
    essais = brouillon.essais or {}
    if en_cours(brouillon):
        raisons.append("Les tests du processus sont en cours : attendez leur résultat.")
    elif essais.get("etat") is None or essais.get("etat") == EN_COURS:
        raisons.append("Les tests du processus n'ont pas été lancés sur ce brouillon.")
    elif brouillon.essais_empreinte != cle:
        raisons.append("Les fichiers ont changé depuis les derniers tests : relancez les tests du processus.")
    elif essais.get("etat") != REUSSI:
        raisons.append(f"Les tests du processus ont échoué ({essais.get('echoues', 0)} en échec) : corrigez le "
                       "brouillon et relancez-les.")
    return raisons


def publier(session: Session, catalog: ProcessCatalog, brouillon: BrouillonProcessus, acteur: str,
            dmn_dir: Path) -> VersionProcessus:
    """The draft becomes the version new applications take; PublicationRefusee with every reason otherwise."""
    raisons = raisons_de_refus(session, catalog, brouillon, dmn_dir)
    if raisons:
        raise PublicationRefusee(raisons)
    fichiers = dict(brouillon.fichiers)
    bundle = charger(fichiers, catalog.code)  # checked just above: parses
    maintenant = utcnow()
    version = session.scalar(select(VersionProcessus).filter_by(empreinte=bundle.content_hash))
    if version is None:  # else an older version comes back: the same row, activated again
        version = VersionProcessus(empreinte=bundle.content_hash, processus=bundle.process_id, fichiers=fichiers,
                                   creee_le=maintenant, origine="publication")
        session.add(version)
    version.activee_le, version.publiee_par = maintenant, acteur
    session.flush()
    brouillon.etat, brouillon.publie_version_id, brouillon.modifie_le = PUBLIE, version.id, maintenant
    return version
