"""F-16 « Notification de décision » and F-25 the attestation PDF, through the real BPMN and handlers."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from app.extensions import db
from app.models import Courriel, Personne
from tests.web.helpers import login
from tests.web.instruction import (
    clock_today,
    decider_defavorable,
    decider_favorable,
    deposee,
    derniere,
    examiner,
    ligne,
    lisible,
)

MOTIF = "Vous ne justifiez pas d'une prise en charge par l'ASE avant vos 16 ans."


def _texte_pdf(data: bytes) -> str:
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages))


@pytest.mark.feature("F-16")
@pytest.mark.feature("F-25")
def test_decision_favorable_notification_attestation_et_historique(app, client, demo):
    person = demo["CAS_3"]
    demande = deposee(client, person)
    examiner(app, demande)
    debut, fin = decider_favorable(app, demande, date(2026, 1, 5), date(2027, 1, 4), montant=225)
    assert ligne(app, demande).etat == "demande_acceptee"
    numero = ligne(app, demande).numero

    notification = derniere(app, demande, "decision")
    assert notification.objet == "Notification de décision" and notification.document_sha256
    with app.app_context():
        assert db.session.scalar(select(Courriel.modele).where(Courriel.demande_id == demande)
                                 .order_by(Courriel.id.desc()).limit(1)) == "notification"
    page = lisible(client, f"/notifications/{notification.id}")
    for attendu in (
        "Notification de décision", "Bonjour Étranger DCEM,",
        f"Je vous informe que votre demande en ligne de titre de séjour n° {numero} a été acceptée. Un nouveau titre "
        "de séjour est en cours de fabrication et vous sera prochainement remis.",
        "Dans l'attente de cette remise, vous trouverez en pièce jointe l'attestation de décision favorable qui vous "
        "permettra de justifier votre droit au séjour et de maintenir vos droits associés dans l'attente de la remise "
        "de votre nouveau titre en préfecture.",
        "L'administration vous recontactera pour que vous veniez retirer ce titre en préfecture, et vous précisera le "
        "montant de la taxe à acquitter.",
        "TÉLÉCHARGER LE DOCUMENT", "Cordialement, L'agent Instructeur Ministère de l'Intérieur",
        "< RETOUR A TOUTES MES NOTIFICATIONS",
    ):
        assert attendu in page, attendu

    response = client.get(f"/notifications/{notification.id}/document")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf" and response.data.startswith(b"%PDF-")
    assert f"attestation-decision-favorable-{numero}.pdf" in response.headers["Content-Disposition"]
    texte = _texte_pdf(response.data)
    with app.app_context():
        p = db.session.scalars(select(Personne).where(Personne.numero_etranger == person.numero_etranger)).one()
        etat_civil = (p.nom_naissance.upper(), p.prenoms.upper(), p.date_naissance.strftime("%d/%m/%Y"),
                      f"{p.lieu_naissance}, {p.pays_naissance}".upper(), p.nationalite.upper())
    jour = clock_today(app).strftime("%d/%m/%Y")
    for attendu in (
        "ATTESTATION DE DÉCISION FAVORABLE",
        "SUR UNE PREMIÈRE DEMANDE DE TITRE DE SÉJOUR",  # the seed's example is a renewal; this procedure is a first
        "VOS RÉFÉRENCES :",
        f"Identifiant (N° étranger) : {person.numero_etranger}",
        f"N° de la demande : {numero}",
        f"DATE D'ÉMISSION : {jour}",
        f"Nom de naissance : {etat_civil[0]}",
        "Nom d'usage :",
        f"Prénom : {etat_civil[1]}",
        f"Né(e) le : {etat_civil[2]}",
        f"A : {etat_civil[3]}",
        f"Nationalité : {etat_civil[4]}",
        "Adresse : 20 RUE NATIONALE 59800 LILLE FRANCE",
        f"Le {jour}, une décision favorable a été prise à la suite de votre demande d'admission au séjour.",
        "Une carte de séjour temporaire, valable du 05/01/2026 au 04/01/2027 portant la mention Vie privée et "
        "familiale va vous être délivré(e). Ce document est actuellement en cours de fabrication.",
        "Cette attestation n'est valable qu'accompagnée du visa de long séjour ou du titre précédemment détenu.",
        "Ce document autorise le franchissement des frontières de l'espace Schengen.",
        "Vous serez prochainement informé(e) de la réception en préfecture ou sous-préfecture de votre titre et des "
        "démarches à faire pour venir le retirer. Vous devrez à cette occasion vous acquitter de 225 € correspondant "
        "au montant des taxes que vous réglerez par timbre électronique acheté au préalable en ligne, dans un bureau "
        "de tabac ou sur les bornes installées dans certains services fiscaux.",
    ):
        assert attendu in texte, attendu

    # The new title appears in « Historique de mes Titres de Séjour ».
    historique = lisible(client, "/mes-demandes")
    assert f"{debut:%d/%m/%Y} {fin:%d/%m/%Y} Carte de séjour temporaire Vie privée et familiale Accepté" in historique

    # The attestation is the owner's only.
    autre = app.test_client()
    assert login(autre, demo["CAS_1"].numero_etranger, demo["CAS_1"].mot_de_passe).status_code == 302
    assert autre.get(f"/notifications/{notification.id}/document").status_code == 404
    assert autre.get(f"/notifications/{notification.id}").status_code == 404


@pytest.mark.feature("F-16")
def test_decision_defavorable_donne_le_motif(app, client, demo):
    demande = deposee(client, demo["CAS_3"])
    examiner(app, demande)
    decider_defavorable(app, demande, MOTIF)
    assert ligne(app, demande).etat == "demande_refusee"
    notification = derniere(app, demande, "decision")
    assert notification.document_sha256 is None
    page = lisible(client, f"/notifications/{notification.id}")
    numero = ligne(app, demande).numero
    assert (f"Je vous informe que votre demande en ligne de titre de séjour n° {numero} a fait l'objet d'une "
            f"décision défavorable, pour le motif suivant : {MOTIF}") in page
    assert "TÉLÉCHARGER LE DOCUMENT" not in page and "a été acceptée" not in page
    assert client.get(f"/notifications/{notification.id}/document").status_code == 404
    assert "Aucun titre de séjour." in lisible(client, "/mes-demandes")
    assert "Notification de décision lue" in lisible(client, "/notifications")
