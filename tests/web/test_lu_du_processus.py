"""What the diagram states, the pages, mails and PDFs say (issue 10, « read from the process, not from Python »):
an analyst changes a copy of the real BPMN — the timer's duration, a step's name, the complement-round limit, the
history's labels — and the application started on it says the new thing everywhere, the old one nowhere."""

from __future__ import annotations

import io
import re
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from app import create_app
from app.extensions import db
from app.models import Courriel, Demande, Notification
from app.timers import declencher_les_delais
from tests.bases import Modele
from tests.comptes_outils import lisible
from tests.conftest import ROOT
from tests.delais import echoir_demande
from tests.web.agent_outils import NORD, demande_id, examiner, lire_et_repondre, login_agent, prendre
from tests.web.helpers import deposit, login, start_draft, to_depot

pytestmark = pytest.mark.feature("F-46")

BPMN = "demande_titre_sejour_ase.bpmn"


def _copie(tmp_path: Path, *remplacements: tuple[str, str]) -> Path:
    """bpmn/ and dmn/ copied, with each (old, new) text replaced exactly once in the BPMN."""
    for dossier in ("bpmn", "dmn"):
        shutil.copytree(ROOT / dossier, tmp_path / dossier)
    fichier = tmp_path / "bpmn" / BPMN
    texte = fichier.read_text(encoding="utf-8")
    for ancien, nouveau in remplacements:
        assert texte.count(ancien) == 1, ancien
        texte = texte.replace(ancien, nouveau)
    fichier.write_text(texte, encoding="utf-8")
    return tmp_path


def _app(demo_db: Modele, tmp_path: Path, copie: Path):
    return create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": demo_db.copie(tmp_path),
                       "DOCUMENTS_DIR": tmp_path / "documents", "MAIL_DOSSIER": tmp_path / "courriels",
                       "BPMN_DIR": copie / "bpmn", "DMN_DIR": copie / "dmn"})


def _pdf(response) -> str:
    assert response.status_code == 200 and response.data.startswith(b"%PDF-")
    return " ".join((page.extract_text() or "") for page in PdfReader(io.BytesIO(response.data)).pages)


def _notification(app, ident: int, nature: str) -> Notification:
    with app.app_context():
        return db.session.scalars(select(Notification).where(Notification.demande_id == ident,
                                                             Notification.nature == nature)
                                  .order_by(Notification.id.desc())).first()


# --- the deadline: P15D instead of P30D ---------------------------------------------------------------------------


def test_le_delai_de_15_jours_du_minuteur_est_celui_de_chaque_texte(demo_db, tmp_path, demo):
    copie = _copie(tmp_path, ('<bpmn:timeDuration xsi:type="bpmn:tFormalExpression">"P30D"</bpmn:timeDuration>',
                              '<bpmn:timeDuration xsi:type="bpmn:tFormalExpression">"P15D"</bpmn:timeDuration>'))
    app = _app(demo_db, tmp_path, copie)
    usager, agent = app.test_client(), app.test_client()
    textes: dict[str, str] = {}

    _, confirmation = deposit(usager, demo["CAS_1"], "CAS_1")
    ident = demande_id(confirmation)
    textes["confirmation"] = lisible(usager.get(confirmation))
    textes["PDF de confirmation"] = _pdf(usager.get(f"/demandes/{ident}/confirmation-de-depot.pdf"))
    textes["PDF des pièces"] = _pdf(usager.get("/titre-de-sejour/liste-des-pieces-justificatives.pdf"))

    # The agent asks for a complement: the flash message and the review page state the deadline.
    assert login_agent(agent, NORD).status_code == 302
    prendre(agent, ident)
    reponse = examiner(agent, ident, "complement", {"identite": "Copie partielle."})
    assert reponse.status_code == 302
    textes["page de l'agent, complément envoyé"] = page = lisible(agent.get(reponse.location))
    assert ("La demande de complément a été envoyée à l'usager (notification et courriel). Le délai de réponse de "
            "15 jours commencera quand il l'aura ouverte.") in page
    assert "Le délai de réponse de 15 jours partira de l'ouverture de la notification" in page

    # The applicant opens it: the deadline runs for 15 days, and the letter says so.
    notification = _notification(app, ident, "demande_complement")
    avant = datetime.now(UTC)
    textes["page du complément"] = page = lisible(usager.get(f"/notifications/{notification.id}"))
    assert "Si vous n'apportez pas les compléments nécessaires dans un délai de 15 jours après avoir pris " \
           "connaissance de ce message" in page
    with app.app_context():
        echeance = db.session.get(Demande, ident).echeance.replace(tzinfo=UTC)
    assert avant + timedelta(days=15) - timedelta(minutes=1) <= echeance <= datetime.now(UTC) + timedelta(days=15)

    # No answer: closed. The closure's notification, the complement page and the agent's page state it.
    assert echoir_demande(app, ident)
    with app.app_context():
        assert len(declencher_les_delais(db.session, app.extensions["demandes"]).declenches) == 1
    cloture = _notification(app, ident, "cloture")
    textes["notification de clôture"] = page = lisible(usager.get(f"/notifications/{cloture.id}"))
    assert "Les compléments nécessaires n'ont pas été apportés dans un délai de 15 jours après que" in page
    textes["page du complément, clôturée"] = page = lisible(usager.get(f"/notifications/{notification.id}"))
    assert "Le délai de 15 jours pour répondre à cette demande de complément est dépassé" in page
    textes["page de l'agent, clôturée"] = page = lisible(agent.get(f"/agent/demandes/{ident}"))
    assert "L'usager n'a pas répondu à la demande de complément dans le délai de 15 jours." in page
    assert "Délai de réponse expiré" in page  # the timer's name, in the history

    with app.app_context():
        for courriel in db.session.scalars(select(Courriel).where(Courriel.demande_id == ident)):
            textes[f"courriel n° {courriel.id} « {courriel.sujet} »"] = f"{courriel.texte} {lisible(courriel.html)}"
    assert len([nom for nom in textes if nom.startswith("courriel")]) == 3  # deposit, complement, closure
    for nom, texte in textes.items():
        assert "30 jours" not in texte, nom
        assert not re.search(r"\b30\s*j", texte), nom


# --- steps: titles and numbers from the BPMN --------------------------------------------------------------------------


def test_renommer_une_tache_renomme_son_etape(demo_db, tmp_path, demo):
    copie = _copie(tmp_path,
                   ('<bpmn:userTask id="informations_personnelles" name="Informations personnelles">',
                    '<bpmn:userTask id="informations_personnelles" name="Identité et coordonnées">'),
                   ('<spiffworkflow:property name="titre" value="Confirmation" />',
                    '<spiffworkflow:property name="titre" value="Accusé de dépôt" />'),
                   ('<bpmn:userTask id="justificatifs" name="Justificatifs">',
                    '<bpmn:userTask id="justificatifs" name="Pièces à joindre">'))
    app = _app(demo_db, tmp_path, copie)
    usager = app.test_client()
    person = demo["CAS_1"]
    assert login(usager, person.numero_etranger, person.mot_de_passe).status_code == 302

    preambule = lisible(usager.get("/titre-de-sejour/preambule"))
    assert "DÉPOSEZ VOTRE DEMANDE EN 5 ÉTAPES" in preambule
    for attendu in ("1. Identité et coordonnées", "2. Motif de séjour", "3. Pièces à joindre",
                    "4. Dépôt de la demande", "5. Accusé de dépôt"):
        assert attendu in preambule, attendu
    assert "Informations personnelles" not in preambule

    page = usager.get(start_draft(usager)).get_data(as_text=True)
    assert "<title>Étape 1 sur 5 — Identité et coordonnées — " in page
    assert re.search(r'<h2 class="fr-stepper__title">Identité et coordonnées\s*<span class="fr-stepper__state">'
                     r"Étape 1 sur 5</span>", page)
    assert "Informations personnelles" not in lisible(page)

    usager = app.test_client()
    _, confirmation = deposit(usager, demo["CAS_3"], "CAS_3")
    assert "Accusé de dépôt Étape 5 sur 5" in lisible(usager.get(confirmation))


def test_le_recapitulatif_et_la_revue_de_l_agent_nomment_les_etapes_du_processus(demo_db, tmp_path, demo):
    copie = _copie(tmp_path,
                   ('<bpmn:userTask id="motif_sejour" name="Motif de séjour">',
                    '<bpmn:userTask id="motif_sejour" name="Projet et ressources">'),
                   ('<bpmn:userTask id="depot" name="Dépôt de la demande">',
                    '<bpmn:userTask id="depot" name="Envoi du dossier">'))
    app = _app(demo_db, tmp_path, copie)
    usager = app.test_client()
    person = demo["CAS_1"]
    assert login(usager, person.numero_etranger, person.mot_de_passe).status_code == 302
    page = lisible(usager.get(start_draft(usager)))
    assert "à l'étape Envoi du dossier" in page  # where the applicant will write observations

    usager = app.test_client()
    url, confirmation = deposit(usager, person, "CAS_1")
    ident = demande_id(confirmation)
    agent = app.test_client()
    assert login_agent(agent, NORD).status_code == 302
    revue = lisible(agent.get(f"/agent/demandes/{ident}"))
    assert "1. Informations personnelles" in revue and "2. Projet et ressources" in revue
    assert "Motif de séjour" not in revue


def test_le_recapitulatif_du_depot_nomme_et_numerote_les_etapes_du_processus(demo_db, tmp_path, demo):
    copie = _copie(tmp_path, ('<bpmn:userTask id="justificatifs" name="Justificatifs">',
                              '<bpmn:userTask id="justificatifs" name="Pièces à joindre">'))
    app = _app(demo_db, tmp_path, copie)
    usager = app.test_client()
    url = to_depot(usager, demo["CAS_1"], "CAS_1")
    page = usager.get(url).get_data(as_text=True)
    assert 'aria-label="Modifier l\'étape 3 : Pièces à joindre"' in page
    assert "3. Pièces à joindre" in lisible(page)
    brouillons = lisible(usager.get("/mes-demandes"))
    assert "dernière étape enregistrée : 4/5" in brouillons


# --- the complement-round limit --------------------------------------------------------------------------------------


def test_la_limite_des_demandes_de_complement_est_celle_du_processus(demo_db, tmp_path, demo):
    copie = _copie(tmp_path, ('<spiffworkflow:property name="complements_max" value="30" />',
                              '<spiffworkflow:property name="complements_max" value="2" />'))
    app = _app(demo_db, tmp_path, copie)
    _, confirmation = deposit(app.test_client(), demo["CAS_1"], "CAS_1")
    ident = demande_id(confirmation)
    agent = app.test_client()
    assert login_agent(agent, NORD).status_code == 302
    prendre(agent, ident)
    for _ in range(2):
        assert examiner(agent, ident, "complement", {"identite": "Copie partielle."}).status_code == 302
        lire_et_repondre(app, ident, {"identite": ("maintenir", "C'est la seule copie.")})
    refus = examiner(agent, ident, "complement", {"identite": "Toujours partielle."})
    assert refus.status_code == 422
    assert "2 demandes de complément ont déjà été faites pour cette demande : c'est le maximum. Passez à la " \
           "décision." in lisible(refus)
    assert examiner(agent, ident, "decision").status_code == 302


# --- the history's labels ---------------------------------------------------------------------------------------------


def test_les_libelles_de_l_historique_sont_ceux_du_processus(demo_db, tmp_path, demo):
    copie = _copie(tmp_path,
                   ('<spiffworkflow:property name="historique" value="Brouillon de demande créé" />',
                    '<spiffworkflow:property name="historique" value="Démarche commencée en ligne" />'),
                   ('<spiffworkflow:property name="historique" value="Demande déposée" />',
                    '<spiffworkflow:property name="historique" value="Dossier transmis à la préfecture" />'),
                   ('<spiffworkflow:property name="historique si suite = complement" '
                    'value="Demande examinée : complément demandé à l&#39;usager" />',
                    '<spiffworkflow:property name="historique si suite = complement" '
                    'value="Pièces à reprendre signalées" />'),
                   ('<bpmn:userTask id="informations_personnelles" name="Informations personnelles">',
                    '<bpmn:userTask id="informations_personnelles" name="Identité">'))
    app = _app(demo_db, tmp_path, copie)
    _, confirmation = deposit(app.test_client(), demo["CAS_1"], "CAS_1")
    ident = demande_id(confirmation)
    agent = app.test_client()
    assert login_agent(agent, NORD).status_code == 302
    prendre(agent, ident)
    examiner(agent, ident, "complement", {"identite": "Copie partielle."})
    page = lisible(agent.get(f"/agent/demandes/{ident}"))
    historique = page[page.index("Historique"):]
    for attendu in ("Démarche commencée en ligne", "Étape « Identité » validée", "Dossier transmis à la préfecture",
                    "Pièces à reprendre signalées"):
        assert attendu in historique, attendu
    for ancien in ("Brouillon de demande créé", "Demande déposée", "complément demandé à l'usager",
                   "Étape « Informations personnelles » validée"):
        assert ancien not in historique, ancien


def test_un_processus_aux_etapes_trouees_ne_demarre_pas(tmp_path):
    copie = _copie(tmp_path, ('<spiffworkflow:property name="etape" value="3" />',
                              '<spiffworkflow:property name="etape" value="7" />'))
    with pytest.raises(Exception) as err:
        # Refused before any database is opened: an in-memory SQLite URL in both runs.
        create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://",
                    "BPMN_DIR": copie / "bpmn", "DMN_DIR": copie / "dmn"})
    assert "les étapes doivent être numérotées de 1 à 7 sans trou : il manque l'étape 3, l'étape 6" in str(err.value)
