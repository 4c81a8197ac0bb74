"""F-15 / F-33 « Demande de complément », applicant side, through the real BPMN and the real handlers:
the notification and its e-mail, the acknowledgement that starts the 30-day clock, the answer
(maintain with reasons, replace with files of the round), several rounds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app import clock
from app.extensions import db
from app.models import Courriel, Document, Evenement
from tests.web.helpers import checked_values, field_error, get_text, login, text
from tests.web.instruction import (
    decider_favorable,
    deposee,
    derniere,
    examiner,
    ligne,
    lisible,
    notifications,
    png,
    poster,
)

pytestmark = [pytest.mark.feature("F-15"), pytest.mark.feature("F-33")]

NON_VALIDES = {"nationalite": "Veuillez fournir une copie lisible de votre passeport.",
               "identite": "Copie partielle de l'acte de naissance."}


def _complement(app, client, demo, non_valides=None, message="Merci de compléter votre dossier."):
    demande = deposee(client, demo["CAS_3"])
    examiner(app, demande, non_valides or NON_VALIDES, message)
    return demande, derniere(app, demande, "demande_complement")


def _documents(app, demande):
    with app.app_context():
        rows = db.session.scalars(select(Document).where(Document.demande_id == demande).order_by(Document.id)).all()
        return [(d.piece, d.tour, d.nom_original) for d in rows]


def test_la_demande_de_complement_arrive_avec_son_courriel(app, client, demo):
    demande, notification = _complement(app, client, demo)
    assert ligne(app, demande).etat == "attente_lecture"
    assert notification.objet == "Demande de complément" and notification.lue_le is None
    assert notification.contenu["tour"] == 1
    assert [d["code"] for d in notification.contenu["documents"]] == ["nationalite", "identite"]
    with app.app_context():
        courriel = db.session.scalars(select(Courriel).where(Courriel.demande_id == demande,
                                                             Courriel.modele == "notification")).one()
        assert courriel.destinataire == f"{demo['CAS_3'].numero_etranger}@demo.example.org"
        assert "Vous venez de recevoir une notification, elle est accessible depuis votre espace personnel, pour y " \
               "accéder vous pouvez cliquer sur le lien suivant :" in courriel.texte
        assert "Se connecter" in courriel.texte and "/connexion" in courriel.texte
    # Nothing has started the clock yet.
    assert ligne(app, demande).echeance is None and ligne(app, demande).prochain_timer is None


@pytest.mark.feature("F-14")
def test_ouvrir_la_notification_vaut_accuse_de_reception_et_fait_partir_le_delai(app, client, demo):
    demande, notification = _complement(app, client, demo)
    avant = datetime.now(UTC)
    page = lisible(client, f"/notifications/{notification.id}")
    apres = datetime.now(UTC)

    lue = derniere(app, demande, "demande_complement")
    assert lue.lue_le is not None
    row = ligne(app, demande)
    assert row.etat == "repondre_complement"
    echeance = row.echeance.replace(tzinfo=UTC)
    assert avant + timedelta(days=30) - timedelta(seconds=1) <= echeance <= apres + timedelta(days=30)
    assert row.prochain_timer == row.echeance
    with app.app_context():
        message = db.session.scalars(select(Evenement).where(Evenement.demande_id == demande,
                                                             Evenement.nature == "message:notification_lue")).one()
        assert message.detail["lue_le"] == lue.lue_le.replace(tzinfo=UTC).isoformat()
        assert message.acteur.startswith("usager:")

    # The seed's letter.
    for attendu in (
        "Demande de complément",
        "Bonjour Étranger DCEM,",
        "Je vous informe qu'après avoir pris connaissance des documents justificatifs joints à votre demande, un "
        "complément d'information est nécessaire à la poursuite de son instruction.",
        "Vous devez mettre à jour ou maintenir tous les documents justificatifs en fonction de ce qui vous est demandé "
        "par l'agent afin de pouvoir répondre. Les formats acceptés : .jpg, .png, .pdf, .tiff, .bmp. La taille "
        "maximale : 10 Mo",
        "Les documents mentionnés ci-dessous ne sont pas valides :",
        "Justificatif de nationalité :", "Justificatif d'identité :", "piece.png", "VOIR LE DOCUMENT",
        "Observations :", NON_VALIDES["nationalite"], NON_VALIDES["identite"],
        "Merci de compléter votre dossier.",
        "Votre réponse * :", "Maintenir le Document", "Mettre à jour le Document",
        "Veuillez préciser les raisons du maintien du document * :", "Joindre un document", "Message à l'agent :",
        "Choisir un fichier",  # the French file picker (F-19), not the browser's « Choose File »
        "Si vous n'apportez pas les compléments nécessaires dans un délai de 30 jours après avoir pris connaissance de "
        "ce message, votre demande pourra être considérée comme incomplète par l'administration qui ne sera pas en "
        "mesure de prendre une décision d'acceptation ou de refus de votre demande, et elle sera clôturée.",
        "Cordialement, L'agent instructeur Ministère de l'Intérieur et des Outre-Mer",
        "Valider et envoyer", "< RETOUR A TOUTES MES NOTIFICATIONS",
    ):
        assert attendu in page, attendu
    limite = echeance.astimezone(ZoneInfo("Europe/Paris"))
    assert f"vous avez jusqu'au {limite:%d/%m/%Y} à {limite:%H:%M} pour répondre." in page
    # « VOIR LE DOCUMENT » opens the applicant's own deposited file.
    ids = [f["id"] for d in notification.contenu["documents"] for f in d["fichiers"]]
    for document_id in ids:
        assert f'href="/documents/{document_id}"' in client.get(f"/notifications/{notification.id}").get_data(
            as_text=True)
        assert client.get(f"/documents/{document_id}").status_code == 200

    # A second opening changes nothing: the acknowledgement is the first one.
    client.get(f"/notifications/{notification.id}")
    assert derniere(app, demande, "demande_complement").lue_le == lue.lue_le
    assert ligne(app, demande).echeance == row.echeance


def test_maintenir_l_un_remplacer_l_autre_puis_decision_favorable(app, client, demo):
    demande, notification = _complement(app, client, demo)
    client.get(f"/notifications/{notification.id}")

    # « Joindre un document »: the new file belongs to this round (tour 1); what was typed is kept.
    response = poster(client, notification.id, "joindre", {"fichier_identite": png("acte-complet.png")},
                      reponse_identite="mettre_a_jour", message_usager="Voici l'acte complet.")
    assert response.status_code == 302
    html = client.get(f"/notifications/{notification.id}").get_data(as_text=True)
    assert "acte-complet.png" in html and "SUPPRIMER ACTE-COMPLET.PNG" in html
    assert is_checked_value(html, "reponse_identite", "mettre_a_jour")  # what was typed is kept
    assert "Voici l'acte complet." in lisible(client, f"/notifications/{notification.id}")
    assert ("identite", 1, "acte-complet.png") in _documents(app, demande)

    response = poster(client, notification.id, reponse_nationalite="maintenir",
                      raison_nationalite="La copie comporte 2 pages", reponse_identite="mettre_a_jour",
                      message_usager="Voici l'acte complet.")
    assert response.status_code == 302
    assert "Votre réponse a bien été envoyée à l'agent en charge de votre dossier." in get_text(
        client, response.location)

    # The answer is back in the agent's queue, with what was maintained, replaced and said.
    row = ligne(app, demande)
    assert row.etat == "examiner_demande"
    assert row.echeance is None and row.prochain_timer is None  # the timer went with the answered task
    repondue = derniere(app, demande, "demande_complement")
    assert repondue.repondue_le is not None
    with app.app_context():
        store = app.extensions["demandes"]
        with store.open(demande, clock.today(), write=False) as instance:
            data = instance.data()
    nouveau = [i for p, t, n, i in _documents_ids(app, demande) if p == "identite" and t == 1]
    assert data["reponse_complement"] == {
        "nationalite": {"choix": "maintenir", "raison": "La copie comporte 2 pages", "fichiers": []},
        "identite": {"choix": "mettre_a_jour", "raison": "", "fichiers": nouveau},
    }
    assert data["documents"]["identite"] == nouveau
    assert data["message_usager"] == "Voici l'acte complet."
    assert data["tour_complement"] == 1

    # The answered notification shows the answer, read-only.
    page = get_text(client, f"/notifications/{notification.id}")
    assert "Vous avez répondu à cette demande le" in page
    assert "Maintenir le Document — La copie comporte 2 pages" in page
    assert "acte-complet.png" in page and "Valider et envoyer" not in page
    liste = get_text(client, "/notifications")
    assert "Demande de complément répondue" in liste and "Répondue le" in liste

    examiner(app, demande)
    decider_favorable(app, demande)
    assert ligne(app, demande).etat == "demande_acceptee"
    assert [n.nature for n in notifications(app, demande)] == ["demande_complement", "decision"]


def is_checked_value(page, name, value):
    return value in checked_values(page, name)


def _documents_ids(app, demande):
    with app.app_context():
        rows = db.session.scalars(select(Document).where(Document.demande_id == demande).order_by(Document.id)).all()
        return [(d.piece, d.tour, d.nom_original, d.id) for d in rows]


def test_les_erreurs_sont_nommees_et_rien_n_est_envoye(app, client, demo):
    demande, notification = _complement(app, client, demo)
    client.get(f"/notifications/{notification.id}")

    response = poster(client, notification.id)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "La page comporte 2 erreurs" in text(response)
    assert field_error(page, "reponse_nationalite") == \
        "Le champ « Votre réponse pour « Justificatif de nationalité » » est obligatoire."

    response = poster(client, notification.id, reponse_nationalite="maintenir", reponse_identite="mettre_a_jour")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert field_error(page, "raison_nationalite") == \
        "Le champ « Veuillez préciser les raisons du maintien du document » est obligatoire."
    assert field_error(page, "reponse_identite") == \
        "Joignez au moins un nouveau fichier pour « Justificatif d'identité », ou maintenez le document."
    assert ligne(app, demande).etat == "repondre_complement"
    assert derniere(app, demande, "demande_complement").repondue_le is None


def test_un_fichier_refuse_est_nomme_sous_son_document(app, client, demo):
    demande, notification = _complement(app, client, demo)
    client.get(f"/notifications/{notification.id}")
    executable = (b"MZ\x90\x00 pas une image", "acte.png")
    response = poster(client, notification.id, "joindre", {"fichier_identite": executable},
                      reponse_identite="mettre_a_jour")
    page = get_text(client, response.location)
    assert "« acte.png » n'est pas accepté : seuls les formats JPG, PNG, PDF, TIFF et BMP sont acceptés" in page
    assert [d for d in _documents(app, demande) if d[1] == 1] == []


def test_trois_nouveaux_fichiers_au_plus_et_supprimer(app, client, demo):
    demande, notification = _complement(app, client, demo)
    client.get(f"/notifications/{notification.id}")
    for i in range(3):
        poster(client, notification.id, "joindre", {"fichier_identite": png(f"page-{i}.png")})
    page = get_text(client, f"/notifications/{notification.id}")
    assert "Vous avez joint 3 fichiers, le maximum pour ce document." in page
    assert len([d for d in _documents(app, demande) if d[1] == 1]) == 3
    # The deposit's file does not count against the round's three.
    assert ("identite", 0, "piece.png") in _documents(app, demande)

    nouveau = [i for p, t, n, i in _documents_ids(app, demande) if t == 1][0]
    depot = [i for p, t, n, i in _documents_ids(app, demande) if p == "identite" and t == 0][0]
    poster(client, notification.id, f"supprimer:{depot}")  # never a file of the deposit
    poster(client, notification.id, f"supprimer:{nouveau}")
    restants = _documents_ids(app, demande)
    assert depot in [i for *_, i in restants] and nouveau not in [i for *_, i in restants]


def test_un_fichier_joint_puis_document_maintenu_n_est_pas_garde(app, client, demo):
    demande, notification = _complement(app, client, demo, {"identite": "Copie partielle."})
    client.get(f"/notifications/{notification.id}")
    poster(client, notification.id, "joindre", {"fichier_identite": png("hesitation.png")})
    poster(client, notification.id, reponse_identite="maintenir", raison_identite="C'est le bon acte.")
    assert ligne(app, demande).etat == "examiner_demande"
    assert [d for d in _documents(app, demande) if d[1] == 1] == []


def test_deux_tours_de_complement(app, client, demo):
    demande, premiere = _complement(app, client, demo, {"identite": "Copie partielle."})
    client.get(f"/notifications/{premiere.id}")
    poster(client, premiere.id, "joindre", {"fichier_identite": png("acte-1.png")})
    poster(client, premiere.id, reponse_identite="mettre_a_jour")
    assert ligne(app, demande).etat == "examiner_demande"

    examiner(app, demande, {"identite": "Toujours partielle.", "domicile": "Plus de 6 mois."})
    seconde = derniere(app, demande, "demande_complement")
    assert seconde.id != premiere.id and seconde.contenu["tour"] == 2
    # The second round lists the latest files of each document: the answer of round 1 for the identity.
    fichiers = {d["code"]: [f["nom"] for f in d["fichiers"]] for d in seconde.contenu["documents"]}
    assert fichiers == {"identite": ["acte-1.png"], "domicile": ["piece.png"]}
    assert ligne(app, demande).echeance is None  # not read yet: no clock

    client.get(f"/notifications/{seconde.id}")
    assert ligne(app, demande).echeance is not None
    poster(client, seconde.id, "joindre", {"fichier_identite": png("acte-2.png")})
    poster(client, seconde.id, reponse_identite="mettre_a_jour", reponse_domicile="maintenir",
           raison_domicile="Facture du mois dernier.")
    assert ligne(app, demande).etat == "examiner_demande"
    assert ("identite", 2, "acte-2.png") in _documents(app, demande)
    # The first notification stays answered; its page shows no form.
    assert "Valider et envoyer" not in get_text(client, f"/notifications/{premiere.id}")


def test_seul_le_titulaire_ouvre_la_notification(app, client, demo):
    demande, notification = _complement(app, client, demo)
    autre = app.test_client()
    assert login(autre, demo["CAS_1"].numero_etranger, demo["CAS_1"].mot_de_passe).status_code == 302
    assert autre.get(f"/notifications/{notification.id}").status_code == 404
    assert autre.post(f"/notifications/{notification.id}", data={}).status_code in (400, 404)
    # Nothing was acknowledged by someone else's visit.
    assert derniere(app, demande, "demande_complement").lue_le is None
    assert ligne(app, demande).etat == "attente_lecture"
    anonyme = app.test_client()
    response = anonyme.get(f"/notifications/{notification.id}")
    assert response.status_code == 302 and "/connexion" in response.location
    assert derniere(app, demande, "demande_complement").lue_le is None


def test_sans_jeton_csrf_rien_n_est_envoye(app, client, demo):
    demande, notification = _complement(app, client, demo)
    client.get(f"/notifications/{notification.id}")
    response = client.post(f"/notifications/{notification.id}", data={"action": "envoyer",
                                                                       "reponse_nationalite": "maintenir"})
    assert response.status_code == 400
    assert ligne(app, demande).etat == "repondre_complement"


def test_mettre_a_jour_la_photographie_par_un_nouveau_numero_ephoto(app, client, demo):
    demande, notification = _complement(app, client, demo, {"ephoto": "Le numéro ephoto est inconnu de l'ANTS."})
    page = lisible(client, f"/notifications/{notification.id}")
    assert "Photographie d'identité récente :" in page and "Nouveau numéro ephoto (22 chiffres)" in page
    html = client.get(f"/notifications/{notification.id}").get_data(as_text=True)
    assert 'name="fichier_ephoto"' not in html  # a number, not a file

    response = poster(client, notification.id, reponse_ephoto="mettre_a_jour", ephoto_ephoto="123")
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "reponse_ephoto") == (
        "Pour mettre à jour la photographie, saisissez le nouveau « Numéro ephoto » : 22 caractères (chiffres ou "
        "lettres), tels qu'ils sont imprimés sur votre planche de photos d'identité.")

    response = poster(client, notification.id, reponse_ephoto="mettre_a_jour",
                      ephoto_ephoto="9876 5432 1098 7654 3210 98")
    assert response.status_code == 302
    with app.app_context():
        with app.extensions["demandes"].open(demande, clock.today(), write=False) as instance:
            data = instance.data()
    assert data["ephoto"] == "9876543210987654321098"
    assert data["reponse_complement"]["ephoto"] == {"choix": "mettre_a_jour", "raison": "", "fichiers": [],
                                                    "ephoto": "9876543210987654321098"}
    assert "nouveau numéro ephoto : 9876543210987654321098" in lisible(client, f"/notifications/{notification.id}")
