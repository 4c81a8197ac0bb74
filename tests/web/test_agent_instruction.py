"""The agent's review and decisions through the agent pages and the real BPMN/DMN (F-32, F-33, F-34):
everything of the application shown read-only, the documents viewable in the page, « Demande à examiner »
(per document « Valide » / « Non valide » + observation, then complement or decision), the complement and
its answer coming back, « Décision à prendre » (favourable with dates and fee, unfavourable with a reason)."""

from __future__ import annotations

import hashlib
import io
import re
from datetime import timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from app import clock, documents
from app.extensions import db
from app.models import Courriel, Demande, Document, Notification, Personne, TitreSejour
from tests.comptes_outils import lisible
from tests.conftest import csrf_token, task_id
from tests.web import fichiers
from tests.web.agent_outils import (
    NORD,
    codes_examines,
    decider,
    demande_id,
    examiner,
    lire_et_repondre,
    login_agent,
    prendre,
)
from tests.web.helpers import deposit, field_error, input_value, post_step, step3_fields, to_step3

NATIONALITE, IDENTITE = "Justificatif de nationalité", "Justificatif d'identité"


@pytest.fixture
def usager(app):
    return app.test_client()


@pytest.fixture
def agent(app):
    client = app.test_client()
    assert login_agent(client, NORD).status_code == 302
    return client


@pytest.fixture
def deposee(usager, demo):
    """A CAS 1 application deposited at 59800 Lille; its id."""
    _, confirmation = deposit(usager, demo["CAS_1"], "CAS_1")
    return demande_id(confirmation)


def _demande(app, ident) -> Demande:
    with app.app_context():
        demande = db.session.get(Demande, ident)
        db.session.expunge(demande)
        return demande


# --- F-32 the review ---------------------------------------------------------------------------------------------


@pytest.mark.feature("F-32")
def test_la_revue_montre_toute_la_demande_en_lecture_seule(app, usager, agent, demo):
    person = demo["CAS_1"]
    url = to_step3(usager, person, "CAS_1")
    champs = step3_fields(usager.get(url).get_data(as_text=True))
    champs["fichier_identite"] = (io.BytesIO(fichiers.pdf()), "acte-naissance.pdf")
    assert post_step(usager, url, **champs).status_code == 302
    response = post_step(usager, url, observations="Je suis scolarisé au lycée Faidherbe.")
    ident = demande_id(response.location)

    response = agent.get(f"/agent/demandes/{ident}")
    assert response.status_code == 200
    page, html = lisible(response), response.get_data(as_text=True)
    demande = _demande(app, ident)
    for attendu in (
        f"Demande n° {demande.numero}", "État : Demande à examiner", "Cas : CAS 1 : usager mineur non émancipé",
        "Agent assigné : aucun", "Prendre en charge",
        # état civil from the register
        "Nom de naissance ETRANGER", "Prénom(s) Mineur", "Sexe Masculin", "Nationalité Brésilienne",
        "Pays et lieu de naissance BRESIL, Brasilia", f"N° étranger {person.numero_etranger}",
        # steps 1 and 2, from the process data
        "Adresse 20 Rue Nationale, 59800 Lille, FRANCE", "Téléphone 0101010101",
        f"Email {person.numero_etranger}@demo.example.org", "Mineur (+16 ans) émancipé Non",
        f"Date de prise en charge par l'ASE {person.date_placement:%d/%m/%Y}", "Date d'entrée en France 15/01/2020",
        "Situation familiale Célibataire", "Enfants à charge Non",
        "Avoir besoin de disposer d'un titre afin de pouvoir travailler ou faire un stage.",
        "Je suis scolarisé au lycée Faidherbe.",
        # documents and the ephoto number
        "Photographie d'identité récente Numéro ephoto : 1234567890123456789012", NATIONALITE, IDENTITE,
        "acte-naissance.pdf",
        # history, in French
        "Brouillon de demande créé", "Étape « Informations personnelles » validée", "Demande déposée",
        "Courriel « Votre demande de titre de séjour a bien été enregistrée »",
    ):
        assert attendu in page, attendu
    assert "Demande déposée après le 19e anniversaire" not in page
    # Read-only: no opinion to give before taking the application.
    assert 'name="avis_nationalite"' not in html and 'name="task_id"' not in html
    assert "Cette demande attend l'étape « Demande à examiner ». Prenez-la en charge pour agir." in page

    # Every document is viewable in the page: images with <img>, PDFs in an <iframe>, served by the agent route.
    with app.app_context():
        docs = {d.piece: d for d in db.session.scalars(select(Document).where(Document.demande_id == ident))}
    image, pdf = docs["nationalite"], docs["identite"]
    assert f'<img class="apercu-image" src="/agent/documents/{image.id}"' in html
    assert f'<iframe class="apercu-pdf" src="/agent/documents/{pdf.id}"' in html
    for document, mime in ((image, "image/png"), (pdf, "application/pdf")):
        fichier = agent.get(f"/agent/documents/{document.id}")
        assert fichier.status_code == 200 and fichier.mimetype == mime
        assert fichier.headers["X-Content-Type-Options"] == "nosniff"
        assert fichier.headers["Content-Disposition"].startswith("inline")
        assert hashlib.sha256(fichier.data).hexdigest() == document.sha256
    assert agent.get(f"/agent/documents/{pdf.id}").data.startswith(b"%PDF-")


@pytest.mark.feature("F-32")
@pytest.mark.feature("F-20")
def test_l_agent_voit_le_signalement_de_depot_apres_19_ans(app, agent, deposee):
    with app.app_context():
        db.session.get(Demande, deposee).demande_tardive = True
        db.session.commit()
    page = lisible(agent.get(f"/agent/demandes/{deposee}"))
    assert "Demande déposée après le 19e anniversaire" in page
    assert "Le demandeur avait plus de 19 ans au dépôt." in page
    assert "Après 19 ans" in lisible(agent.get("/agent/demandes"))


@pytest.mark.feature("F-32")
def test_seul_l_agent_assigne_agit(app, agent, deposee):
    # Not taken: a POST of the form is refused and nothing moves.
    page = agent.get(f"/agent/demandes/{deposee}").get_data(as_text=True)
    response = agent.post(f"/agent/demandes/{deposee}", data={"csrf_token": csrf_token(page), "task_id": "x",
                                                              "suite": "decision"})
    assert response.status_code == 403
    assert "Seul l'agent qui a pris la demande en charge peut agir sur elle." in lisible(response)
    assert _demande(app, deposee).etat == "examiner_demande"
    # Taken: the form is there, with one opinion per document that has files (and the ephoto number).
    assert prendre(agent, deposee).location == f"/agent/demandes/{deposee}"
    page = agent.get(f"/agent/demandes/{deposee}").get_data(as_text=True)
    assert codes_examines(page) == ["ephoto", "nationalite", "identite", "accord_representant", "domicile",
                                    "placement_ase", "activite_professionnelle", "liens_famille", "insertion"]
    texte = lisible(page)
    for attendu in ("Valide", "Non valide", "Observation", "Demander un complément à l'usager",
                    "Passer à la décision", "Message à l'usager (facultatif)", "Valider l'examen", "Libérer"):
        assert attendu in texte, attendu


@pytest.mark.feature("F-32")
def test_page_perimee_apres_action_dans_un_autre_onglet(app, agent, deposee):
    prendre(agent, deposee)
    ancienne = agent.get(f"/agent/demandes/{deposee}").get_data(as_text=True)
    assert examiner(agent, deposee, "decision").status_code == 302
    data = {"csrf_token": csrf_token(ancienne), "task_id": task_id(ancienne), "suite": "decision"}
    data.update({f"avis_{c}": "valide" for c in codes_examines(ancienne)})
    response = agent.post(f"/agent/demandes/{deposee}", data=data, follow_redirects=True)
    assert "Cette page n'était plus à jour : voici où en est la demande." in lisible(response)
    assert _demande(app, deposee).etat == "decider"


# --- F-32 / F-33 « Demande à examiner » ------------------------------------------------------------------------------


@pytest.mark.feature("F-32")
def test_complement_sans_document_non_valide_refuse(app, agent, deposee):
    prendre(agent, deposee)
    response = examiner(agent, deposee, "complement")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert field_error(page, "suite") == "Pour demander un complément, marquez au moins un document « non valide »."
    assert "La page comporte 1 erreur" in lisible(page)
    assert _demande(app, deposee).etat == "examiner_demande"


@pytest.mark.feature("F-32")
def test_non_valide_sans_observation_refuse(app, agent, deposee):
    prendre(agent, deposee)
    response = examiner(agent, deposee, "complement", {"nationalite": "  "})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert field_error(page, "observation_nationalite") == \
        f"Indiquez une observation pour « {NATIONALITE} », jugé non valide."
    # What was chosen is kept on the page.
    assert re.search(r'<input[^>]*id="avis_nationalite-1"[^>]*checked|<input[^>]*checked[^>]*id="avis_nationalite-1"',
                     page)
    assert _demande(app, deposee).etat == "examiner_demande"


@pytest.mark.feature("F-32")
def test_avis_et_suite_obligatoires(app, agent, deposee):
    prendre(agent, deposee)
    response = examiner(agent, deposee, "", avis_identite="")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert field_error(page, "avis_identite") == f"Le champ « Avis sur « {IDENTITE} » » est obligatoire."
    assert field_error(page, "suite") == "Le champ « Suite à donner » est obligatoire."


@pytest.mark.feature("F-33")
def test_demande_de_complement_notifiee_et_courriel_en_file(app, usager, agent, deposee, demo):
    prendre(agent, deposee)
    response = examiner(agent, deposee, "complement", {"nationalite": "Veuillez fournir une copie lisible de votre "
                                                                      "passeport."}, message="Merci de répondre vite.")
    assert response.status_code == 302
    page = lisible(agent.get(response.location))
    assert "La demande de complément a été envoyée à l'usager (notification et courriel)." in page
    assert "État : Complément demandé : notification pas encore lue" in page
    assert "pas encore ouverte : le délai de réponse n'a pas commencé." in page
    with app.app_context():
        demande = db.session.get(Demande, deposee)
        assert (demande.etat, demande.echeance) == ("attente_lecture", None)  # no clock before it is read
        notification = db.session.scalars(select(Notification).where(Notification.demande_id == deposee)).one()
        assert (notification.nature, notification.objet, notification.lue_le) == (
            "demande_complement", "Demande de complément", None)
        assert notification.compte_id == demande.compte_id
        contenu = notification.contenu
        assert contenu["message_agent"] == "Merci de répondre vite."
        assert [(d["code"], d["titre"], d["observation"]) for d in contenu["documents"]] == [
            ("nationalite", NATIONALITE, "Veuillez fournir une copie lisible de votre passeport.")]
        assert [f["nom"] for f in contenu["documents"][0]["fichiers"]] == ["piece.png"]
        courriel = db.session.scalars(select(Courriel).where(Courriel.demande_id == deposee)
                                      .order_by(Courriel.id.desc())).first()
        assert (courriel.modele, courriel.destinataire, courriel.etat) == (
            "notification", demande.compte.email, "a_envoyer")
        assert "Vous venez de recevoir une notification" in courriel.texte
    # In the queue: the new state, still assigned to the agent.
    file = lisible(agent.get("/agent/demandes"))
    assert "Complément demandé : notification pas encore lue Camille MARTIN" in file


@pytest.mark.feature("F-33")
def test_la_reponse_au_complement_revient_a_l_agent(app, agent, deposee):
    prendre(agent, deposee)
    examiner(agent, deposee, "complement", {"nationalite": "Copie illisible.", "identite": "Acte incomplet."})
    lire_et_repondre(app, deposee, {"nationalite": ("maintenir", "La copie comporte 2 pages."),
                                    "identite": ("mettre_a_jour", fichiers.png(), "acte-complet.png")},
                     message="Voici l'acte complet.")
    with app.app_context():
        demande = db.session.get(Demande, deposee)
        notification = db.session.scalars(select(Notification).where(Notification.demande_id == deposee)).one()
        lue_le = clock.paris(notification.lue_le)
        nouveau = db.session.scalars(select(Document).where(Document.demande_id == deposee, Document.tour == 1)).one()
        ancien = db.session.scalars(select(Document).where(Document.demande_id == deposee,
                                                           Document.piece == "identite", Document.tour == 0)).one()
        assert demande.etat == "examiner_demande" and demande.echeance is None
    # Back in the agent's queue, in « Demande à examiner ».
    assert "Demande à examiner Camille MARTIN" in lisible(agent.get("/agent/demandes"))

    response = agent.get(f"/agent/demandes/{deposee}")
    page, html = lisible(response), response.get_data(as_text=True)
    for attendu in (
        "Demande de complément n° 1",
        f"Accusé de réception (ouverture de la notification par l'usager) : le {lue_le:%d/%m/%Y} à {lue_le:%H:%M}",
        "Réponse de l'usager : reçue le",
        f"{NATIONALITE} Copie illisible. Document maintenu — raison : « La copie comporte 2 pages. »",
        f"{IDENTITE} Acte incomplet. Document mis à jour acte-complet.png",
        "Message de l'usager : « Voici l'acte complet. »",
        "Document mis à jour en réponse à la demande de complément n° 1",
        "acte-complet.png (1 Ko, fourni en réponse à la demande de complément n° 1)",
        "Fichiers remplacés (1)",
        "Réponse de l'usager à la demande de complément",
        "Accusé de réception de la demande de complément : le délai de réponse court",
    ):
        assert attendu in page, attendu
    # The identity document now shows the new file in the page; the old one is only listed.
    assert f'<img class="apercu-image" src="/agent/documents/{nouveau.id}"' in html
    assert f'src="/agent/documents/{ancien.id}"' not in html
    assert f'href="/agent/documents/{ancien.id}"' in html
    # The previous opinions are shown beside the new review, never pre-selected (F-32, test_revue_agent.py).
    assert "Tour précédent : non valide — « Acte incomplet. »" in page
    assert not re.search(r'<input[^>]*\bname="avis_identite"[^>]*\bchecked', html)
    assert re.search(r'<textarea[^>]*name="observation_identite"[^>]*>\s*</textarea>', html)
    # A second round, then the decision: the process loops back as many times as needed.
    assert examiner(agent, deposee, "complement", {"identite": "Toujours incomplet."}).status_code == 302
    with app.app_context():
        assert db.session.scalars(select(Notification.contenu).where(Notification.demande_id == deposee)
                                  .order_by(Notification.id.desc())).first()["tour"] == 2
    lire_et_repondre(app, deposee, {"identite": ("mettre_a_jour", fichiers.jpeg(), "acte-v3.jpg")})
    page = lisible(agent.get(f"/agent/demandes/{deposee}"))
    assert "Demande de complément n° 2" in page and "Fichiers remplacés (2)" in page
    assert examiner(agent, deposee, "decision").status_code == 302
    assert _demande(app, deposee).etat == "decider"


@pytest.mark.feature("F-33")
def test_en_attente_de_reponse_l_agent_voit_l_echeance(app, agent, deposee):
    prendre(agent, deposee)
    examiner(agent, deposee, "complement", {"domicile": "Facture de plus de 6 mois."})
    with app.app_context():
        store = app.extensions["demandes"]
        notification = db.session.scalars(select(Notification).where(Notification.demande_id == deposee)).one()
        with store.open(deposee, clock.today()) as instance:
            notification.lue_le = clock.now()
            instance.message("notification_lue", {"lue_le": notification.lue_le.isoformat()}, "usager:1")
        demande = db.session.get(Demande, deposee)
        echeance = clock.paris(demande.echeance)
        assert demande.etat == "repondre_complement"
        assert timedelta(days=29, hours=23) < demande.echeance.replace(tzinfo=None) - notification.lue_le.replace(
            tzinfo=None) <= timedelta(days=30, minutes=1)
    page = lisible(agent.get(f"/agent/demandes/{deposee}"))
    assert f"Échéance de la réponse de l'usager : {echeance:%d/%m/%Y} à {echeance:%H:%M}" in page
    assert f"En attente de la réponse de l'usager à la demande de complément, jusqu'au {echeance:%d/%m/%Y}" in page
    assert f"En attente de la réponse de l'usager Camille MARTIN {echeance:%d/%m/%Y}" in lisible(
        agent.get("/agent/demandes"))


# --- F-34 the decision ---------------------------------------------------------------------------------------------


def _vers_la_decision(agent, ident):
    prendre(agent, ident)
    assert examiner(agent, ident, "decision").status_code == 302
    return agent.get(f"/agent/demandes/{ident}").get_data(as_text=True)


@pytest.mark.feature("F-34")
def test_decision_favorable_attestation_et_titre_au_registre(app, usager, agent, deposee, demo):
    page = _vers_la_decision(agent, deposee)
    texte = lisible(page)
    for attendu in ("Décision à prendre", "Favorable", "Défavorable",
                    "Début de validité de la carte de séjour temporaire *",
                    "Fin de validité de la carte de séjour temporaire *", "Montant des taxes (€)", "Motif du refus",
                    "Enregistrer la décision"):
        assert attendu in texte, attendu
    # One year by default, from tomorrow; fee 0 €.
    debut, fin = input_value(page, "titre_debut"), input_value(page, "titre_fin")
    demain = clock.today() + timedelta(days=1)
    assert debut == f"{demain:%d/%m/%Y}"
    assert fin == f"{demain.replace(year=demain.year + 1) - timedelta(days=1):%d/%m/%Y}"
    assert input_value(page, "montant_taxe") == "0"

    response = decider(agent, deposee, decision="favorable", titre_debut=debut, titre_fin=fin, montant_taxe="0")
    assert response.status_code == 302
    page = lisible(agent.get(response.location))
    assert "Décision favorable enregistrée" in page
    assert "État : Demande acceptée" in page
    assert f"carte de séjour temporaire « Vie privée et familiale » valable du {debut} au {fin} ; montant des " \
           f"taxes : 0 €." in page
    assert "Prendre en charge" not in page and "Libérer" not in page  # finished
    demande = _demande(app, deposee)
    assert (demande.etat, demande.etat_libelle) == ("demande_acceptee", "Demande acceptée")
    # The attestation PDF is stored and viewable by the agent.
    pdf = agent.get(f"/agent/demandes/{deposee}/attestation.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    texte_pdf = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "ATTESTATION DE DÉCISION FAVORABLE" in texte_pdf and demande.numero in texte_pdf
    # The register has the new title; the applicant sees it in « Historique de mes Titres de Séjour ».
    with app.app_context():
        titre = db.session.scalars(select(TitreSejour).join(Personne).where(
            Personne.numero_etranger == demo["CAS_1"].numero_etranger)).one()
        assert (f"{titre.debut:%d/%m/%Y}", f"{titre.fin:%d/%m/%Y}", titre.nature, titre.motif, titre.statut) == (
            debut, fin, "Carte de séjour temporaire", "Vie privée et familiale", "Accepté")
        notification = db.session.scalars(select(Notification).where(Notification.demande_id == deposee)).one()
        assert (notification.nature, notification.objet) == ("decision", "Notification de décision")
        assert notification.document_sha256 and documents.chemin(notification.document_sha256).exists()
    historique = lisible(usager.get("/mes-demandes"))
    assert f"{debut} {fin} Carte de séjour temporaire Vie privée et familiale Accepté" in historique


@pytest.mark.feature("F-34")
def test_decision_favorable_dates_verifiees(app, agent, deposee):
    _vers_la_decision(agent, deposee)
    response = decider(agent, deposee, decision="favorable", titre_debut="", titre_fin="01/01/2020",
                       montant_taxe="0")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert field_error(page, "titre_debut") == \
        "Le champ « Début de validité de la carte de séjour temporaire » est obligatoire."
    response = decider(agent, deposee, decision="favorable", titre_debut="01/02/2027", titre_fin="01/01/2027",
                       montant_taxe="0")
    assert field_error(response.get_data(as_text=True), "titre_fin") == \
        "La fin de validité doit être après le début de validité."
    response = decider(agent, deposee, decision="favorable", titre_debut="31/02/2027", titre_fin="01/01/2028",
                       montant_taxe="-5")
    page = response.get_data(as_text=True)
    assert field_error(page, "titre_debut") == \
        "La « Début de validité de la carte de séjour temporaire » n'est pas une date valide (JJ/MM/AAAA)."
    assert field_error(page, "montant_taxe") == "Le « Montant des taxes (€) » doit être un nombre entre 0 et 10000."
    assert _demande(app, deposee).etat == "decider"


@pytest.mark.feature("F-34")
def test_decision_defavorable_exige_un_motif(app, agent, deposee):
    _vers_la_decision(agent, deposee)
    response = decider(agent, deposee, decision="defavorable", motif_refus="   ")
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "motif_refus") == \
        "Le champ « Motif du refus » est obligatoire."
    assert _demande(app, deposee).etat == "decider"
    motif = "Vous ne justifiez pas d'une prise en charge par l'ASE avant vos 16 ans."
    response = decider(agent, deposee, decision="defavorable", motif_refus=motif)
    assert response.status_code == 302
    page = lisible(agent.get(response.location))
    assert "Décision défavorable enregistrée : l'usager est notifié du refus et de son motif." in page
    assert "État : Demande refusée" in page and f"Décision défavorable. Motif : {motif}" in page
    assert "Décision défavorable Motif : " + motif in page  # in the history
    with app.app_context():
        demande = db.session.get(Demande, deposee)
        assert (demande.etat, demande.etat_libelle) == ("demande_refusee", "Demande refusée")
        notification = db.session.scalars(select(Notification).where(Notification.demande_id == deposee)).one()
        assert notification.contenu["decision"] == "defavorable" and notification.contenu["motif"] == motif
        assert notification.document_sha256 is None
        assert db.session.scalars(select(TitreSejour).where(TitreSejour.personne_id == demande.compte.personne_id)
                                  ).all() == []
    assert agent.get(f"/agent/demandes/{deposee}/attestation.pdf").status_code == 404
