"""F-45 the round trip through the modelers: every BPMN and DMN file of the current version opened in the analysts'
bpmn-js (with the spiffworkflow extensions) or dmn-js modeler in Chromium, exported as the modeler writes it; the
exported files pass the contract check, run the workflow tests, and keep every spiffworkflow extension. An edit
made in the « Propriétés du processus » panel is in the exported file, and « Annuler » takes it back.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from lxml import etree
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.extensions import db
from app.models import Analyste, BrouillonProcessus
from tests.e2e.conftest import verifier_accessibilite

pytestmark = [pytest.mark.e2e, pytest.mark.feature("F-45")]

REPO_ROOT = Path(__file__).resolve().parents[2]
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
ANALYSTE = {"email": "analyste@demo.example.org", "mot_de_passe": "Demo-Analyste-1!"}
MODELEUR = "document.querySelector('[data-modeleur]').modeleur"


def se_connecter_analyste(page: Page) -> None:
    page.goto("/analyste/connexion")
    verifier_accessibilite(page, "connexion analyste")
    page.get_by_label(re.compile(r"^Adresse email")).fill(ANALYSTE["email"])
    page.get_by_label(re.compile(r"^Mot de passe")).fill(ANALYSTE["mot_de_passe"])
    page.get_by_role("button", name="Se connecter", exact=True).click()
    expect(page.get_by_role("heading", name="Espace analyste", level=1)).to_be_visible()
    verifier_accessibilite(page, "espace analyste")


def version_courante(app) -> tuple[int, dict[str, str]]:
    with app.app_context():
        version = app.extensions["demandes"].catalog.current_version(db.session)
        return version.id, dict(version.fichiers)


def ouvrir(page: Page, version_id: int, nom: str) -> None:
    """The file in the modeler page, imported without a warning (a warning is something the modeler would drop)."""
    page.goto(f"/analyste/versions/{version_id}/fichiers/{nom}/modeleur")
    expect(page).to_have_title(re.compile(re.escape(f"Modeleur — {Path(nom).name}")))
    avertissements = page.evaluate(f"() => {MODELEUR}.pret.then((m) => m.avertissements)")
    assert avertissements == [], f"{nom} : {avertissements}"


def exporter(page: Page) -> str:
    return page.evaluate(f"() => {MODELEUR}.exporter()")


def extensions_spiff(xml: str) -> Counter:
    """Every spiffworkflow element (tag, attributes, text) and attribute, with the id of the BPMN element it
    belongs to: moving an extension to another element counts as losing it."""
    racine = etree.fromstring(xml.encode("utf-8"))
    trouve: Counter = Counter()
    for noeud in racine.iter(etree.Element):
        proprietaire = next((a.get("id") for a in noeud.iterancestors() if a.get("id")
                             and etree.QName(a).namespace != SPIFF), None)
        if etree.QName(noeud).namespace == SPIFF:
            trouve[(proprietaire, etree.QName(noeud).localname, tuple(sorted(noeud.attrib.items())),
                    (noeud.text or "").strip())] += 1
        for nom, valeur in noeud.attrib.items():
            if nom.startswith(f"{{{SPIFF}}}"):
                trouve[(noeud.get("id"), "@" + etree.QName(nom).localname, valeur, "")] += 1
    return trouve


def test_chaque_fichier_fait_l_aller_retour_dans_les_modeleurs(app, page: Page, tmp_path: Path) -> None:
    version_id, fichiers = version_courante(app)
    sur_le_disque = {f"{dossier}/{p.name}" for dossier in ("bpmn", "dmn")
                     for p in (REPO_ROOT / dossier).glob(f"*.{dossier}")}
    assert set(fichiers) == sur_le_disque
    # The files beside the diagrams (decision examples) come along, as in tests/workflow/test_resauvegarde.py.
    for dossier in ("bpmn", "dmn"):
        shutil.copytree(REPO_ROOT / dossier, tmp_path / dossier)

    se_connecter_analyste(page)
    exportes = {}
    for nom in sorted(fichiers):
        ouvrir(page, version_id, nom)
        if nom.endswith(".dmn"):  # dmn-js opens on the decision table, not on the diagram of decisions
            expect(page.locator(".tjs-table")).to_be_visible()
            expect(page.get_by_role("button", name=re.compile("^Table de décision"))).to_have_attribute(
                "aria-pressed", "true")
        else:
            expect(page.locator(".djs-container svg [data-element-id='numeroter_demande']")).to_be_visible()
        verifier_accessibilite(page, f"modeleur : {nom}")
        exportes[nom] = exporter(page)
        (tmp_path / nom).write_text(exportes[nom], encoding="utf-8")

    # The export is the modeler's own writing, not the file sent back as it came.
    assert any(exportes[nom] != fichiers[nom] for nom in fichiers)
    assert "bpmndi:BPMNShape" in exportes["bpmn/demande_titre_sejour_ase.bpmn"]

    # (c) every spiffworkflow extension is still there, on the same element.
    balises = set()
    for nom, original in fichiers.items():
        avant, apres = extensions_spiff(original), extensions_spiff(exportes[nom])
        assert apres == avant, f"{nom} : perdues {avant - apres}, ajoutées {apres - avant}"
        balises |= {balise for _, balise, _, _ in avant}
    # The process carries its forms, steps, operators, parameters, decisions and message data this way.
    assert balises >= {"properties", "property", "serviceTaskOperator", "parameters", "parameter", "calledDecisionId",
                       "messageVariable"}

    # (a) the contract check, as an analyst runs it on files to deliver.
    resultat = app.test_cli_runner().invoke(args=["processus", "verifier", str(tmp_path / "bpmn"),
                                                  str(tmp_path / "dmn")])
    assert resultat.exit_code == 0, resultat.output
    assert f"{len(fichiers)} fichier(s) vérifié(s)" in resultat.output

    # (b) the workflow tests on the exported files (test_resauvegarde.py apart: it runs tests/workflow itself).
    env = {**os.environ, "BPMN_DIR": str(tmp_path / "bpmn"), "DMN_DIR": str(tmp_path / "dmn")}
    execution = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x", "tests/workflow",
         "--ignore=tests/workflow/test_resauvegarde.py"],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=900,
    )
    assert execution.returncode == 0, execution.stdout[-4000:] + execution.stderr[-2000:]
    assert "[100%]" in execution.stdout  # tests ran (pytest exits 5 when it collects none)


def _valeur(xml: str, chemin: str, **variables: str) -> list[str]:
    return etree.fromstring(xml.encode("utf-8")).xpath(chemin, namespaces={"s": SPIFF}, **variables)


def test_une_modification_du_panneau_est_dans_le_fichier_exporte(app, page: Page) -> None:
    version_id, _ = version_courante(app)
    se_connecter_analyste(page)
    ouvrir(page, version_id, "bpmn/demande_titre_sejour_ase.bpmn")
    panneau = page.get_by_role("region", name="Propriétés du processus")

    # A user task's spiffworkflow property.
    page.locator(".djs-container svg [data-element-id='depot']").click()
    expect(panneau.get_by_label("Identifiant")).to_have_value("depot")
    expect(panneau.get_by_label("Nom", exact=True)).to_have_value("Dépôt de la demande")
    description = panneau.get_by_label("Propriété « description »")
    expect(description).to_have_value("Confirmez et déposez définitivement votre demande.")
    verifier_accessibilite(page, "modeleur : tâche sélectionnée, panneau des propriétés")
    description.fill("Relisez puis déposez votre demande.")
    description.press("Tab")
    propriete = "//*[@id='depot']//s:property[@name=$nom]/@value"
    xml = exporter(page)
    assert _valeur(xml, propriete, nom="description") == ["Relisez puis déposez votre demande."]

    # « Annuler » takes it back: the change went through the modeler's command stack.
    page.get_by_role("button", name="Annuler", exact=True).click()
    expect(panneau.get_by_label("Propriété « description »")).to_have_value(
        "Confirmez et déposez définitivement votre demande.")
    assert _valeur(exporter(page), propriete, nom="description") == [
        "Confirmez et déposez définitivement votre demande."]

    # Adding and removing a property.
    panneau.get_by_label("Nom de la nouvelle propriété").fill("aide")
    panneau.get_by_label("Valeur de la nouvelle propriété").fill("Besoin d'aide ? Contactez votre éducateur.")
    panneau.get_by_role("button", name="Ajouter la propriété").click()
    expect(panneau.get_by_label("Propriété « aide »")).to_have_value("Besoin d'aide ? Contactez votre éducateur.")
    panneau.get_by_role("button", name="Retirer « historique »").click()
    expect(panneau.get_by_label("Propriété « historique »")).to_have_count(0)
    xml = exporter(page)
    assert _valeur(xml, propriete, nom="aide") == ["Besoin d'aide ? Contactez votre éducateur."]
    assert _valeur(xml, propriete, nom="historique") == []
    assert _valeur(xml, propriete, nom="form") == ["depot"]

    # A bad property name is refused with a French message, nothing added.
    panneau.get_by_label("Nom de la nouvelle propriété").fill("mauvais nom")
    panneau.get_by_role("button", name="Ajouter la propriété").click()
    expect(panneau.get_by_role("alert")).to_contain_text("Nom de propriété « mauvais nom » refusé")
    verifier_accessibilite(page, "modeleur : nom de propriété refusé")

    # A service task's operator parameter, on an element that had no property: the container is created.
    page.locator(".djs-container svg [data-element-id='envoyer_confirmation']").click()
    expect(panneau.get_by_role("alert")).to_have_count(0)  # the refusal was about the other element
    expect(panneau.get_by_label(re.compile("^Opérateur"))).to_have_value("envoyer_courriel")
    modele = panneau.get_by_label("Paramètre « modele »")
    expect(modele).to_have_value("'confirmation_depot'")
    verifier_accessibilite(page, "modeleur : tâche de service sélectionnée")
    modele.fill("'autre_modele'")
    modele.press("Tab")
    panneau.get_by_label("Nom de la nouvelle propriété").fill("historique")
    panneau.get_by_label("Valeur de la nouvelle propriété").fill("Courriel de confirmation envoyé")
    panneau.get_by_role("button", name="Ajouter la propriété").click()
    expect(panneau.get_by_label("Propriété « historique »")).to_have_value("Courriel de confirmation envoyé")
    xml = exporter(page)
    assert _valeur(xml, "//*[@id='envoyer_confirmation']//s:parameter[@id='modele']/@value") == ["'autre_modele'"]
    assert _valeur(xml, "//*[@id='envoyer_confirmation']//s:property[@name='historique']/@value") == [
        "Courriel de confirmation envoyé"]
    assert _valeur(xml, "//*[@id='envoyer_confirmation']//s:parameter[@id='piece_jointe']/@value") == [
        "'confirmation'"]


def test_le_fichier_exporte_se_telecharge(app, page: Page) -> None:
    version_id, _ = version_courante(app)
    se_connecter_analyste(page)
    ouvrir(page, version_id, "dmn/cas_usager.dmn")
    with page.expect_download() as attente:
        page.get_by_role("button", name="Télécharger le fichier exporté").click()
    telechargement = attente.value
    assert telechargement.suggested_filename == "cas_usager.dmn"
    assert Path(telechargement.path()).read_text(encoding="utf-8") == exporter(page)
    # Nothing of this page saves into the app.
    expect(page.get_by_role("button", name="Enregistrer le brouillon")).to_have_count(0)


def test_sans_javascript_la_page_renvoie_au_fichier(app, client) -> None:
    version_id, _ = version_courante(app)
    page = client.get("/analyste/connexion").get_data(as_text=True)
    jeton = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert client.post("/analyste/connexion", data={"csrf_token": jeton, **ANALYSTE}).status_code == 302
    reponse = client.get(f"/analyste/versions/{version_id}/fichiers/bpmn/demande_titre_sejour_ase.bpmn/modeleur")
    assert reponse.status_code == 200
    html = reponse.get_data(as_text=True)
    assert "Le modeleur a besoin de JavaScript" in html
    assert f'href="/analyste/versions/{version_id}/fichiers/bpmn/demande_titre_sejour_ase.bpmn" download' in html
    assert client.get(f"/analyste/versions/{version_id}/fichiers/bpmn/absent.bpmn/modeleur").status_code == 404
    assert client.get("/analyste/versions/999999/fichiers/dmn/cas_usager.dmn/modeleur").status_code == 404


def test_le_brouillon_s_enregistre_depuis_le_modeleur_avec_ses_problemes(app, page: Page) -> None:
    """The drafts' page (analyste.brouillon_fichier) with this modeler: « Enregistrer le brouillon » posts the
    export; the contract's problems are listed in the page, then « Brouillon enregistré » once fixed."""
    nom = "bpmn/demande_titre_sejour_ase.bpmn"
    with app.app_context():
        version = app.extensions["demandes"].catalog.current_version(db.session)
        analyste = db.session.scalar(select(Analyste).where(Analyste.email == ANALYSTE["email"]))
        brouillon = BrouillonProcessus(analyste_id=analyste.id, base_version_id=version.id,
                                       fichiers=dict(version.fichiers))
        db.session.add(brouillon)
        db.session.commit()
        brouillon_id = brouillon.id
    se_connecter_analyste(page)
    page.goto(f"/analyste/brouillons/{brouillon_id}/fichiers/{nom}")
    assert page.evaluate(f"() => {MODELEUR}.pret.then((m) => m.avertissements)") == []
    panneau = page.get_by_role("region", name="Propriétés du processus")
    page.locator(".djs-container svg [data-element-id='depot']").click()
    formulaire = panneau.get_by_label("Propriété « form »")
    formulaire.fill("formulaire_inconnu")
    formulaire.press("Tab")
    page.get_by_role("button", name="Enregistrer le brouillon").click()
    alerte = page.locator(".modeleur__messages [role='alert']")
    expect(alerte).to_contain_text("le contrat avec le code n'est pas respecté")
    expect(alerte.locator("li").first).to_contain_text("formulaire_inconnu")
    verifier_accessibilite(page, "brouillon : contrat non respecté")
    with app.app_context():
        assert 'value="formulaire_inconnu"' in db.session.get(BrouillonProcessus, brouillon_id).fichiers[nom]

    formulaire = panneau.get_by_label("Propriété « form »")
    formulaire.fill("depot")
    formulaire.press("Tab")
    page.get_by_role("button", name="Enregistrer le brouillon").click()
    expect(page.locator(".modeleur__messages [role='status']")).to_have_text("Brouillon enregistré")
    expect(alerte).to_have_count(0)
    verifier_accessibilite(page, "brouillon enregistré depuis le modeleur")
    with app.app_context():
        enregistre = db.session.get(BrouillonProcessus, brouillon_id).fichiers[nom]
    assert enregistre == exporter(page)
    assert extensions_spiff(enregistre) == extensions_spiff(version_courante(app)[1][nom])
