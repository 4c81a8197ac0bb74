"""F-46 the contract between the process files and the code: each break an analyst can make in a modeler is found
at start, with every other, named by file, label and id, with what is expected.

Each test breaks a private copy of the real bpmn/ and dmn/ (tmp_path) the way a modeler would save it."""

from __future__ import annotations

import ast
import inspect
import os
import re
import shutil
from pathlib import Path

import pytest

from app import forms, tasks
from app.tasks import envoyer_courriel
from app.workflow import contrat, specs
from app.workflow.verification import Code, Probleme, ProcessusRefuse, charger, rapport, verifier

pytestmark = pytest.mark.feature("F-46")

REPO_ROOT = Path(__file__).resolve().parents[2]
BPMN_FILE = "bpmn/demande_titre_sejour_ase.bpmn"
CODE = Code(forms.REGISTRY, tasks.HANDLERS)


@pytest.fixture
def copie(tmp_path: Path) -> Path:
    """A private copy of bpmn/ and dmn/ that a test may break."""
    shutil.copytree(REPO_ROOT / "bpmn", tmp_path / "bpmn")
    shutil.copytree(REPO_ROOT / "dmn", tmp_path / "dmn")
    return tmp_path


def problemes(copie: Path, code: Code = CODE) -> list[Probleme]:
    return verifier(specs.read_process_files(copie / "bpmn", copie / "dmn"), code)[1]


def remplacer(path: Path, motif: str, remplacement: str, fois: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    new, count = re.subn(motif, remplacement, text)
    assert count == fois, f"{motif!r} trouvé {count} fois dans {path}"
    path.write_text(new, encoding="utf-8")


def renommer_id(path: Path, ancien: str, nouveau: str) -> None:
    """Rename an element as a modeler does: the id and every reference to it (flows, lanes, diagram)."""
    text = path.read_text(encoding="utf-8")
    new, count = re.subn(rf'(?<=[">]){re.escape(ancien)}(?=["<])', nouveau, text)
    assert count > 1, f"{ancien!r} trouvé {count} fois dans {path}"
    path.write_text(new, encoding="utf-8")


def seul(liste: list[Probleme], *mots: str) -> Probleme:
    """The one problem whose text holds every word."""
    trouves = [p for p in liste if all(m in str(p) for m in mots)]
    assert len(trouves) == 1, f"{mots} → {len(trouves)} problème(s) parmi :\n{rapport(liste) if liste else '(aucun)'}"
    return trouves[0]


# --- the real files -----------------------------------------------------------------------------------------------


def test_les_fichiers_du_projet_respectent_le_contrat():
    """Also on the files a modeler re-saved, when BPMN_DIR / DMN_DIR point at them (test_resauvegarde.py)."""
    files = specs.read_process_files(Path(os.environ.get("BPMN_DIR", REPO_ROOT / "bpmn")),
                                     Path(os.environ.get("DMN_DIR", REPO_ROOT / "dmn")))
    bundle, liste = verifier(files, CODE)
    assert liste == [], rapport(liste)
    assert bundle is not None and bundle.process_id == contrat.PROCESSUS


def test_un_probleme_nomme_fichier_libelle_id_et_ce_qui_est_attendu(copie):
    remplacer(copie / BPMN_FILE, r'(<spiffworkflow:property name="form" value=")justificatifs(")',
              r"\1justificatifs_v2\2")
    probleme = seul(problemes(copie), "justificatifs_v2")
    assert (probleme.fichier, probleme.element, probleme.libelle) == (BPMN_FILE, "justificatifs", "Justificatifs")
    assert str(probleme).startswith(f"{BPMN_FILE} — « Justificatifs » (justificatifs) : formulaire inconnu")
    assert "Attendu : l'un de" in probleme.message and "« depot »" in probleme.message


# --- ids the code names -------------------------------------------------------------------------------------------


def test_sous_processus_brouillon_renomme(copie):
    renommer_id(copie / BPMN_FILE, "brouillon", "brouillon_v2")
    probleme = seul(problemes(copie), "brouillon_v2")
    assert probleme.element == "brouillon"
    assert "sous-processus introuvable" in probleme.message
    assert "« Brouillon » (brouillon_v2)" in probleme.message and "rendez-lui l'id « brouillon »" in probleme.message


@pytest.mark.parametrize("fin", [contrat.DEMANDE_ABANDONNEE.id, contrat.DEMANDE_CLOTUREE.id])
def test_evenement_de_fin_renomme(copie, fin):
    renommer_id(copie / BPMN_FILE, fin, f"{fin}_v2")
    probleme = seul(problemes(copie), "événement de fin introuvable")
    assert probleme.element == fin and f"({fin}_v2)" in probleme.message


def test_element_du_contrat_change_de_type(copie):
    """The draft drawn as a call activity or a task: the state the code tests is no longer a sub-process."""
    text = (copie / BPMN_FILE).read_text(encoding="utf-8")
    new = re.sub(r'<bpmn:endEvent id="demande_cloturee"([^>]*)>(.*?)</bpmn:endEvent>',
                 r'<bpmn:intermediateThrowEvent id="demande_cloturee"\1>\2</bpmn:intermediateThrowEvent>', text,
                 flags=re.S)
    (copie / BPMN_FILE).write_text(new, encoding="utf-8")
    probleme = seul(problemes(copie), "demande_cloturee", "le code attend un événement de fin")
    assert probleme.libelle == "Demande clôturée"


def test_delai_renomme(copie):
    renommer_id(copie / BPMN_FILE, contrat.DELAI_REPONSE.id, "delai_de_reponse")
    probleme = seul(problemes(copie), "délai introuvable")
    assert probleme.element == contrat.DELAI_REPONSE.id and "(delai_de_reponse)" in probleme.message


def test_message_renomme(copie):
    remplacer(copie / BPMN_FILE, r'(<bpmn:message id="abandon" name=")abandon(")', r"\1abandonner\2")
    probleme = seul(problemes(copie), "message introuvable")
    assert probleme.element == contrat.ABANDON.nom and "« abandonner »" in probleme.message


def test_message_que_plus_aucun_evenement_n_attend(copie):
    """The boundary event now waits for another message: « abandon » would be refused by the engine."""
    remplacer(copie / BPMN_FILE, r'(<bpmn:message id="abandon" name="abandon" />)',
              r'\1<bpmn:message id="autre" name="autre" />')
    remplacer(copie / BPMN_FILE, r'messageRef="abandon"', 'messageRef="autre"')
    probleme = seul(problemes(copie), "n'attend ce message")
    assert probleme.element == "abandon" and "« Brouillon » (brouillon)" in probleme.message


def test_decision_renommee_dans_les_deux_fichiers(copie):
    remplacer(copie / "dmn" / "cas_usager.dmn", r'decision id="cas_usager"', 'decision id="cas_du_demandeur"')
    remplacer(copie / BPMN_FILE, r"<spiffworkflow:calledDecisionId>cas_usager<",
              "<spiffworkflow:calledDecisionId>cas_du_demandeur<", fois=2)  # after step 1 and at deposit (F-20)
    probleme = seul(problemes(copie), "décision introuvable")
    assert (probleme.fichier, probleme.element) == ("dmn/", "cas_usager")
    assert "liste des pièces" in probleme.message and "« cas_du_demandeur »" in probleme.message


def test_decision_appelee_qu_aucun_fichier_ne_definit(copie):
    """Only the DMN renamed: SpiffWorkflow would stop there; the problem is said once on each calling task (after
    step 1 and at deposit, F-20)."""
    remplacer(copie / "dmn" / "attestations.dmn", r'decision id="attestations"', 'decision id="attestations_v2"')
    liste = problemes(copie)
    trouves = [p for p in liste if "qu'aucun fichier DMN ne définit" in str(p)]
    assert {(p.fichier, p.element) for p in trouves} == {(BPMN_FILE, "attestations"),
                                                         (BPMN_FILE, "attestations_au_depot")}, rapport(liste)
    assert all("« attestations_v2 »" in p.message for p in trouves)
    assert not [p for p in liste if "SpiffWorkflow" in p.message], rapport(liste)


def test_sortie_de_decision_lue_par_le_code_renommee(copie):
    remplacer(copie / "dmn" / "cas_usager.dmn", r'name="cas_libelle"', 'name="libelle_du_cas"')
    probleme = seul(problemes(copie), "cas_libelle")
    assert (probleme.fichier, probleme.element, probleme.libelle) == ("dmn/cas_usager.dmn", "cas_usager",
                                                                      "Cas de l'usager")
    assert "la colonne de sortie « cas_libelle » manque" in probleme.message


# --- forms, lanes, operators --------------------------------------------------------------------------------------


def test_tache_utilisateur_sans_formulaire(copie):
    remplacer(copie / BPMN_FILE, r'\s*<spiffworkflow:property name="form" value="depot" />', "")
    probleme = seul(problemes(copie), "sans propriété « form »")
    assert (probleme.element, probleme.libelle) == ("depot", "Dépôt de la demande")


def test_tache_d_agent_avec_un_formulaire_qu_aucune_page_d_agent_ne_sert(copie):
    remplacer(copie / BPMN_FILE, r'(<spiffworkflow:property name="form" value=")decider(")', r"\1motif_sejour\2")
    probleme = seul(problemes(copie), "tâche du couloir « Agent »")
    assert probleme.element == "decider"
    assert "« motif_sejour »" in probleme.message and "« decider »" in probleme.message
    assert "« examiner_demande »" in probleme.message


def test_tache_utilisateur_dans_un_couloir_que_personne_ne_tient(copie):
    remplacer(copie / BPMN_FILE, r"\s*<bpmn:flowNodeRef>decider</bpmn:flowNodeRef>", "")
    remplacer(copie / BPMN_FILE, r"(<bpmn:flowNodeRef>cloturer_demande</bpmn:flowNodeRef>)",
              r"\1<bpmn:flowNodeRef>decider</bpmn:flowNodeRef>")
    probleme = seul(problemes(copie), "personne ne tient ce couloir")
    assert probleme.element == "decider" and "couloir « Système »" in probleme.message


def test_tache_utilisateur_hors_de_tout_couloir(copie):
    remplacer(copie / BPMN_FILE, r"\s*<bpmn:flowNodeRef>decider</bpmn:flowNodeRef>", "")
    probleme = seul(problemes(copie), "hors de tout couloir")
    assert probleme.element == "decider"


def test_operateur_inconnu(copie):
    remplacer(copie / BPMN_FILE, r'serviceTaskOperator id="numeroter"', 'serviceTaskOperator id="numeroter_v2"')
    probleme = seul(problemes(copie), "opérateur de service inconnu")
    assert probleme.element == "numeroter_demande" and "« numeroter_v2 »" in probleme.message


def test_parametre_du_traitement_renomme(copie):
    """The handler takes `code_postal`: renamed in the diagram, the deposit would fail."""
    remplacer(copie / BPMN_FILE, r'parameter id="code_postal"', 'parameter id="cp"')
    liste = problemes(copie)
    assert "ne prend pas" in seul(liste, "« cp »").message
    assert seul(liste, "paramètre obligatoire « code_postal » absent").element == "numeroter_demande"


def test_parametre_que_le_traitement_ne_prend_pas(copie):
    remplacer(copie / BPMN_FILE, r'(<spiffworkflow:parameter id="modele")',
              r"""<spiffworkflow:parameter id="copie_a" type="str" value="'agent'" />\1""")
    probleme = seul(problemes(copie), "« copie_a »")
    assert probleme.element == "envoyer_confirmation"
    assert "l'opérateur « envoyer_courriel » ne prend pas" in probleme.message
    assert "« modele », « piece_jointe »" in probleme.message


def test_nature_de_notification_inconnue(copie):
    remplacer(copie / BPMN_FILE, r"&#39;cloture&#39;", "&#39;clotures&#39;")
    probleme = seul(problemes(copie), "« clotures »")
    assert probleme.element == "cloturer_demande"
    assert "'demande_complement', 'decision', 'cloture'" in probleme.message


def test_nature_qui_n_est_pas_ecrite_en_toutes_lettres(copie):
    remplacer(copie / BPMN_FILE, r"&#39;cloture&#39;", "nature_choisie")
    probleme = seul(problemes(copie), "que le code ne peut pas vérifier")
    assert probleme.element == "cloturer_demande"


def test_modele_de_courriel_inconnu(copie):
    remplacer(copie / BPMN_FILE, r"&#39;confirmation_depot&#39;", "&#39;confirmation_v2&#39;")
    probleme = seul(problemes(copie), "modèle de courriel « confirmation_v2 » introuvable")
    assert probleme.element == "envoyer_confirmation" and "« confirmation_depot »" in probleme.message


def test_donnee_lue_par_le_code_que_plus_rien_ne_fournit(copie):
    remplacer(copie / BPMN_FILE, r'resultVariable="attestation"', 'resultVariable="attestation_pdf"')
    probleme = seul(problemes(copie), "le code lit la donnée « attestation »")
    assert probleme.element == "attestation"


# --- gateways -----------------------------------------------------------------------------------------------------


def test_passerelle_sans_flux_par_defaut(copie):
    """`f_refus` was the default flow; without it, « défavorable » has no condition and a decision could match
    no flow."""
    remplacer(copie / BPMN_FILE, r' default="f_refus"', "")
    liste = problemes(copie)
    assert "n'a pas de condition et n'est pas le flux par défaut" in seul(liste, "(f_refus)").message
    probleme = seul(liste, "peuvent être toutes fausses")
    assert (probleme.element, probleme.libelle) == ("gw_decision", "Décision favorable ?")
    assert "flux par défaut" in probleme.message and "x != \"a\"" in probleme.message


def _sans_defaut_avec_condition(copie: Path, condition: str) -> list[Probleme]:
    remplacer(copie / BPMN_FILE, r' default="f_refus"', "")
    remplacer(copie / BPMN_FILE, r'(<bpmn:sequenceFlow id="f_refus"[^>]*?) ?/>',
              rf'\1><bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{condition}'
              r"</bpmn:conditionExpression></bpmn:sequenceFlow>")
    return problemes(copie)


def test_passerelle_sans_defaut_aux_conditions_qui_peuvent_etre_toutes_fausses(copie):
    probleme = seul(_sans_defaut_avec_condition(copie, 'decision == "defavorable"'), "peuvent être toutes fausses")
    assert probleme.element == "gw_decision" and "« decision == \"defavorable\" »" in probleme.message


def test_passerelle_sans_defaut_aux_conditions_contraires_acceptee(copie):
    assert _sans_defaut_avec_condition(copie, 'decision != "favorable"') == []


# --- expressions --------------------------------------------------------------------------------------------------


def test_expressions_illisibles_toutes_signalees(copie):
    """Today's SpiffWorkflow stops at the first; every unreadable expression is listed, each where it is."""
    remplacer(copie / BPMN_FILE, r'cas == "MOINS_16"', 'cas == ("MOINS_16"')
    remplacer(copie / BPMN_FILE, r"eligible != True<", "eligible !=<")
    remplacer(copie / BPMN_FILE, r"&#39;confirmation&#39;", "&#39;confirmation")
    dmn = copie / "dmn" / "cas_usager.dmn"
    remplacer(dmn, r'r2_i1"><text>16 &lt;= \? &lt; 18', 'r2_i1"><text>16 &lt;= ? &lt;')
    remplacer(dmn, r'r2_o2"><text>"CAS 1 : usager mineur non émancipé"', 'r2_o2"><text>"CAS 1 : usager mineur')
    liste = problemes(copie)
    assert seul(liste, "illisible", "MOINS_16").element == "gw_age"
    assert seul(liste, "la condition de boucle est illisible").element == "saisie_motif"
    assert seul(liste, "piece_jointe", "illisible").element == "envoyer_confirmation"
    cellule = seul(liste, "la condition sur « Âge")
    assert (cellule.fichier, cellule.element) == ("dmn/cas_usager.dmn", "cas_usager_r2")
    assert cellule.libelle == "règle 2 de « Cas de l'usager »"
    assert seul(liste, "la sortie « cas_libelle » est illisible").element == "cas_usager_r2"


def test_expression_qui_utilise_une_donnee_que_rien_ne_fournit(copie):
    remplacer(copie / BPMN_FILE, r'suite == "complement"', 'suites == "complement"')
    remplacer(copie / "dmn" / "cas_usager.dmn", r"<text>emancipe</text>", "<text>emancipee</text>")
    liste = problemes(copie)
    condition = seul(liste, "utilise « suites »")
    assert (condition.element, condition.libelle) == ("gw_suite", "Suite donnée ?")
    assert "qu'aucune tâche, décision ni donnée du processus ne fournit" in condition.message
    entree = seul(liste, "utilise « emancipee »")
    assert (entree.fichier, entree.libelle) == ("dmn/cas_usager.dmn", "Mineur (+16 ans) émancipé")


def test_ce_que_le_dialecte_refuse_est_dans_la_liste_une_seule_fois(copie):
    remplacer(copie / BPMN_FILE, r'"P30D"</bpmn:timeDuration>', "P30X</bpmn:timeDuration>")
    remplacer(copie / BPMN_FILE, r'serviceTaskOperator id="numeroter"', 'serviceTaskOperator id="numeroter_v2"')
    liste = problemes(copie)
    assert len([p for p in liste if "P30X" in str(p)]) == 1, rapport(liste)
    seul(liste, "numeroter_v2")


# --- all at once --------------------------------------------------------------------------------------------------


def test_plusieurs_erreurs_toutes_dans_un_seul_rapport(copie):
    renommer_id(copie / BPMN_FILE, "brouillon", "brouillon_v2")
    remplacer(copie / BPMN_FILE, r"&#39;cloture&#39;", "&#39;clotures&#39;")
    remplacer(copie / BPMN_FILE, r'parameter id="code_postal"', 'parameter id="cp"')
    remplacer(copie / BPMN_FILE, r'(<spiffworkflow:property name="form" value=")decider(")', r"\1motif_sejour\2")
    remplacer(copie / "dmn" / "cas_usager.dmn", r'name="cas_libelle"', 'name="libelle_du_cas"')
    remplacer(copie / BPMN_FILE, r'cas == "MOINS_16"', 'cas == ("MOINS_16"')
    with pytest.raises(ProcessusRefuse) as refus:
        charger(specs.read_process_files(copie / "bpmn", copie / "dmn"), CODE)
    texte = str(refus.value)
    assert texte.startswith("Les fichiers du processus ne respectent pas le contrat avec le code (")
    for attendu in ("(brouillon_v2)", "« clotures »", "« cp »", "paramètre obligatoire « code_postal »",
                    "« motif_sejour »", "« cas_libelle »", 'cas == ("MOINS_16"'):
        assert attendu in texte, texte
    assert len(refus.value.problemes) == 7
    assert all(line.startswith(("- bpmn/", "- dmn/")) for line in texte.splitlines()[1:])
    assert isinstance(refus.value, specs.ProcessDefinitionError) and refus.value.file == BPMN_FILE


def test_xml_mal_forme(copie):
    path = copie / "dmn" / "attestations.dmn"
    path.write_text(path.read_text(encoding="utf-8").replace("</definitions>", ""), encoding="utf-8")
    probleme = seul(problemes(copie), "XML mal formé")
    assert probleme.fichier == "dmn/attestations.dmn" and probleme.element.startswith("ligne ")


# --- the code against its contract --------------------------------------------------------------------------------


def test_le_code_sans_un_formulaire_ou_un_gabarit_du_contrat(copie, tmp_path):
    sans_decider = {k: v for k, v in forms.REGISTRY.items() if k != "decider"}
    gabarits = tmp_path / "gabarits"
    shutil.copytree(REPO_ROOT / "app" / "templates", gabarits)
    (gabarits / "agent" / "examiner_demande.html").unlink()
    (gabarits / "mail" / "notification.html").unlink()
    liste = problemes(copie, Code(sans_decider, tasks.HANDLERS, gabarits, incomplets=("brouillon_de_page",)))
    assert seul(liste, "app/forms/decider.py", "le module manque").element == "decider"
    assert seul(liste, "app/templates/agent/examiner_demande.html").element == "examiner_demande"
    assert seul(liste, "app/templates/mail/", "demande_complement").element == "demande_complement"
    assert seul(liste, "brouillon_de_page", "incomplet")


def _valeurs_rendues(module) -> set[str]:
    """The keys of the dict literal that the module's values() returns."""
    arbre = ast.parse(inspect.getsource(module))
    [fonction] = [n for n in arbre.body if isinstance(n, ast.FunctionDef) and n.name == "values"]
    retours = [n.value for n in ast.walk(fonction) if isinstance(n, ast.Return)]
    return {k.value for r in retours if isinstance(r, ast.Dict) for k in r.keys if isinstance(k, ast.Constant)}


def test_le_contrat_declare_chaque_formulaire_du_code_et_ce_qu_il_produit():
    assert set(contrat.FORMULAIRES) == set(forms.REGISTRY) and forms.INCOMPLETS == []
    for cle, module in forms.REGISTRY.items():
        assert isinstance(module, forms.FormulaireDeTache)
        assert _valeurs_rendues(module) <= set(contrat.FORMULAIRES[cle].produit), cle
        assert (REPO_ROOT / "app" / "templates" / contrat.FORMULAIRES[cle].gabarit).is_file()


def test_les_operateurs_sont_les_modules_de_app_tasks():
    modules = {p.stem for p in (REPO_ROOT / "app" / "tasks").glob("*.py") if "def handle(" in p.read_text()}
    assert set(tasks.HANDLERS) == modules
    assert all(isinstance(h, tasks.Traitement) for h in tasks.HANDLERS.values())
    assert set(contrat.CONTRAINTES) <= set(tasks.HANDLERS)
    assert set(contrat.PIECES_JOINTES) == set(envoyer_courriel.PIECES)


def test_une_version_enregistree_n_est_verifiee_que_sur_ce_que_le_code_demande(copie):
    """A stored version keeps running its applications: texts that pages read from newer diagrams (here the
    complement-round limit) are required of the current files only, else every older application would fail."""
    remplacer(copie / BPMN_FILE, r'\s*<spiffworkflow:property name="complements_max" value="\d+" />', "")
    files = specs.read_process_files(copie / "bpmn", copie / "dmn")
    seul(verifier(files, CODE)[1], "complements_max")
    assert verifier(files, CODE, version_enregistree=True)[1] == []
    renommer_id(copie / BPMN_FILE, "brouillon", "brouillon_v2")
    files = specs.read_process_files(copie / "bpmn", copie / "dmn")
    seul(verifier(files, CODE, version_enregistree=True)[1], "sous-processus introuvable")
