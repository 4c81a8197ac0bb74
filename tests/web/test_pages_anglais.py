"""The applicant's other pages in English (F-18): the situation page, « Mes demandes » with a deposited application,
the notifications (a complement to answer, a decision), the error pages — and the same pages unchanged in French."""

from __future__ import annotations

import re

import pytest

from tests.conftest import csrf_token
from tests.web.helpers import login
from tests.web.instruction import decider_favorable, deposee, derniere, examiner, lisible, poster

pytestmark = pytest.mark.feature("F-18")

NON_VALIDES = {"nationalite": "Veuillez fournir une copie lisible de votre passeport."}


def _langue(client, code: str) -> None:
    """The header's selector, as the applicant uses it (kept on the account too)."""
    assert client.get("/langue", query_string={"choix": code, "retour": "/"}).status_code == 302


def _lang(client, url: str) -> str:
    return re.search(r'<html lang="(\w+)"', client.get(url).get_data(as_text=True)).group(1)


def _titre(client, url: str) -> str:
    return re.sub(r"\s+", " ", re.search(r"<title>(.*?)</title>", client.get(url).get_data(as_text=True),
                                         re.S).group(1)).strip()


@pytest.mark.feature("F-04")
def test_la_page_de_situation_en_anglais_et_ses_erreurs(client, demo):
    demande = deposee(client, demo["CAS_3"])  # logged in by the walk
    assert demande
    _langue(client, "en")
    assert _lang(client, "/titre-de-sejour") == "en"
    page = lisible(client, "/titre-de-sejour")
    assert "Your current situation" in page and "Votre situation actuelle" not in page
    assert "Je commence" not in page

    refus = client.post("/titre-de-sejour", data={"csrf_token": csrf_token(client.get("/titre-de-sejour")
                                                                            .get_data(as_text=True))})
    texte = re.sub(r"\s+", " ", refus.get_data(as_text=True))
    assert refus.status_code == 200
    assert "Choose your situation: « I am in a vulnerable situation »." in texte
    assert "Choisissez votre situation" not in texte

    _langue(client, "fr")
    page = lisible(client, "/titre-de-sejour")
    assert "Votre situation actuelle" in page and "Je commence" in page


@pytest.mark.feature("F-13")
def test_mes_demandes_en_anglais_puis_en_francais(client, demo):
    deposee(client, demo["CAS_3"])
    _langue(client, "en")
    page = lisible(client, "/mes-demandes")
    assert "My applications" in page
    assert re.search(r"Application sent: on \d\d/\d\d/\d{4} at \d\d:\d\d", page)
    assert "DOWNLOAD THE PROOF OF SUBMISSION (CONFIRMATION DE DÉPÔT)" in page
    assert "The proof of submission is an official document: it is in French." in page
    assert "My residence permits (titres de séjour):" in page
    assert not re.search(r"Demande envoyée|Mes demandes en cours|Suivi de ma demande", page)
    assert _titre(client, "/mes-demandes").startswith("My applications — ")

    _langue(client, "fr")
    page = lisible(client, "/mes-demandes")
    assert "Mes demandes en cours" in page and "Suivi de ma demande :" in page
    assert re.search(r"Demande envoyée : le \d\d/\d\d/\d{4} à \d\d:\d\d", page)
    assert "TÉLÉCHARGER LA CONFIRMATION DE DÉPÔT" in page and "document officiel" not in page


@pytest.mark.feature("F-15")
@pytest.mark.feature("F-14")
def test_une_demande_de_complement_en_anglais(app, client, demo):
    demande = deposee(client, demo["CAS_3"])
    examiner(app, demande, NON_VALIDES, "Merci de compléter votre dossier.")
    notification = derniere(app, demande, "demande_complement")
    _langue(client, "en")

    liste = lisible(client, "/notifications")
    assert "My Notifications" in liste and "Request for more documents unread" in liste
    assert "RESIDENCE (SÉJOUR)" in liste
    entete = client.get("/notifications").get_data(as_text=True)
    assert 'aria-label="My notifications: 1 unread"' in entete

    page = lisible(client, f"/notifications/{notification.id}")
    assert "Request for more documents" in page
    assert "The documents below were not accepted:" in page
    assert "Keep the document" in page and "Update the document" in page
    assert "Confirm and send" in page
    assert "within 30 days after reading this message" in page
    assert "Merci de compléter votre dossier." in page  # the agent's own words, as written
    assert "Veuillez fournir une copie lisible de votre passeport." in page
    assert not re.search(r"Demande de complément|Valider et envoyer|jours", page)
    # Mes demandes says where it stands in plain English.
    assert "More documents needed: answer the request from « My notifications »" in lisible(client, "/mes-demandes")

    reponse = poster(client, notification.id, reponse_nationalite="maintenir",
                     raison_nationalite="Mon passeport est lisible.")
    assert reponse.status_code == 302
    page = lisible(client, reponse.location)
    assert "Your answer has been sent to the officer handling your application." in page
    assert re.search(r"You answered this request on \d\d/\d\d/\d{4} at \d\d:\d\d", page)

    _langue(client, "fr")
    page = lisible(client, f"/notifications/{notification.id}")
    assert "Demande de complément" in page and "Vous avez répondu à cette demande le" in page
    assert "Les documents mentionnés ci-dessous ne sont pas valides :" in page
    assert "Maintenir le Document — Mon passeport est lisible." in page


@pytest.mark.feature("F-16")
def test_une_decision_favorable_en_anglais(app, client, demo):
    demande = deposee(client, demo["CAS_3"])
    examiner(app, demande)
    decider_favorable(app, demande)
    notification = derniere(app, demande, "decision")
    _langue(client, "en")
    page = lisible(client, f"/notifications/{notification.id}")
    assert "Decision notice" in page
    assert "has been accepted" in page and "DOWNLOAD THE DOCUMENT" in page
    assert "The certificate is an official document: it is in French." in page
    assert "Je vous informe" not in page
    assert "Application accepted" in lisible(client, "/mes-demandes")

    _langue(client, "fr")
    page = lisible(client, f"/notifications/{notification.id}")
    assert "Notification de décision" in page and "a été acceptée" in page and "TÉLÉCHARGER LE DOCUMENT" in page
    assert "Demande acceptée" in lisible(client, "/mes-demandes")


def test_les_pages_d_erreur_en_anglais(client, demo):
    client.get("/langue", query_string={"choix": "en", "retour": "/"})
    reponse = client.get("/cette-page-n-existe-pas")
    assert reponse.status_code == 404
    page = re.sub(r"\s+", " ", reponse.get_data(as_text=True))
    assert "<h1>Page not found</h1>" in page and "Back to the home page" in page

    client.get("/langue", query_string={"choix": "fr", "retour": "/"})
    page = re.sub(r"\s+", " ", client.get("/cette-page-n-existe-pas").get_data(as_text=True))
    assert "<h1>Page introuvable</h1>" in page and "Retour à l'accueil" in page


@pytest.mark.feature("F-30")
def test_une_page_d_agent_refusee_a_l_usager_en_anglais(client, demo):
    person = demo["CAS_3"]
    assert login(client, person.numero_etranger, person.mot_de_passe).status_code == 302
    _langue(client, "en")
    reponse = client.get("/agent/demandes")
    assert reponse.status_code == 403
    page = re.sub(r"\s+", " ", reponse.get_data(as_text=True))
    assert "<h1>Access denied</h1>" in page and "This page is only for prefecture officers." in page
    assert "Back to the home page" in page

    _langue(client, "fr")
    page = re.sub(r"\s+", " ", client.get("/agent/demandes").get_data(as_text=True))
    assert "<h1>Accès refusé</h1>" in page and "Cette page est réservée aux agents de préfecture." in page
