"""French and English (F-18): the language chosen in the header, kept by a cookie and on the account, used by mails."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Compte, Personne
from tests.comptes_outils import (
    AWA,
    ajouter_au_registre,
    choisir_mot_de_passe,
    demander_creation,
    demander_oubli,
    distribuer,
    lien_du_message,
    lisible,
    texte,
)
from tests.conftest import csrf_token
from tests.web.helpers import login

pytestmark = pytest.mark.feature("F-18")


def _lang(page: str) -> str:
    return re.search(r'<html lang="(\w+)"', page).group(1)


def _lien_de_langue(page: str, code: str) -> str:
    """The header's link to `code`, as the browser would follow it."""
    lien = re.search(rf'<a [^>]*hreflang="{code}" href="([^"]+)"', page)
    assert lien, "no language link in the header"
    return lien.group(1).replace("&amp;", "&")


def _compte(app, numero: str) -> Compte:
    with app.app_context():
        return db.session.scalar(select(Compte).join(Personne).where(Personne.numero_etranger == numero))


@pytest.mark.feature("F-01")
def test_changer_de_langue_garde_la_page_et_le_choix(client):
    page = client.get("/creer-mon-compte?x=1").get_data(as_text=True)
    assert _lang(page) == "fr" and "Créer votre compte" in page

    reponse = client.get(_lien_de_langue(page, "en"))
    assert reponse.status_code == 302 and reponse.location == "/creer-mon-compte?x=1"  # the same page
    assert "langue=en" in reponse.headers["Set-Cookie"]
    page = client.get(reponse.location).get_data(as_text=True)
    assert _lang(page) == "en"
    assert "<h1>Create my account</h1>" in page
    assert "CONTACT US" in page and "NEED HELP?" in page
    assert 'hreflang="en"' in page and re.search(r'hreflang="en" href="[^"]+" aria-current="true"', page)

    # The cookie keeps the choice on the next pages, errors included.
    page = client.post("/creer-mon-compte", data={"csrf_token": csrf_token(page)}).get_data(as_text=True)
    assert "The field “Email address” is required." in lisible(page)

    reponse = client.get(_lien_de_langue(client.get("/").get_data(as_text=True), "fr"))
    assert reponse.location == "/"
    assert _lang(client.get("/").get_data(as_text=True)) == "fr"


def test_le_retour_ne_mene_jamais_hors_du_site(client):
    for cible in ("https://evil.example/", "//evil.example", "/\\evil.example", ""):
        reponse = client.get("/langue", query_string={"choix": "en", "retour": cible})
        assert reponse.status_code == 302 and reponse.location == "/", cible
    reponse = client.get("/langue", query_string={"choix": "de", "retour": "/connexion"})
    assert reponse.location == "/connexion" and "Set-Cookie" not in reponse.headers  # an unknown language: no change


def test_accept_language_puis_francais_par_defaut(client):
    assert _lang(client.get("/", headers={"Accept-Language": "en-GB,en;q=0.8"}).get_data(as_text=True)) == "en"
    assert "Your procedures" in client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert _lang(client.get("/", headers={"Accept-Language": "de-DE,es;q=0.9"}).get_data(as_text=True)) == "fr"
    assert _lang(client.get("/").get_data(as_text=True)) == "fr"
    client.set_cookie("langue", "fr")  # the visitor's choice beats the browser's
    assert _lang(client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)) == "fr"


@pytest.mark.feature("F-03")
def test_le_choix_est_garde_sur_le_compte_et_suit_la_personne(app, client, demo):
    cas = demo["CAS_1"]
    login(client, cas.numero_etranger, cas.mot_de_passe)
    assert _compte(app, cas.numero_etranger).langue == "fr"
    page = client.get("/").get_data(as_text=True)
    client.get(_lien_de_langue(page, "en"))
    assert _compte(app, cas.numero_etranger).langue == "en"

    # Another browser, no cookie, French browser: the account's language wins once logged in.
    autre = app.test_client()
    autre.environ_base["HTTP_ACCEPT_LANGUAGE"] = "fr-FR"
    assert _lang(autre.get("/").get_data(as_text=True)) == "fr"
    login(autre, cas.numero_etranger, cas.mot_de_passe)
    page = autre.get("/").get_data(as_text=True)
    assert _lang(page) == "en" and "Log out" in page and "My applications" in page


@pytest.mark.feature("F-01")
@pytest.mark.feature("F-27")
def test_un_compte_cree_en_anglais_recoit_ses_courriels_en_anglais(app_smtp, smtp):
    ajouter_au_registre(app_smtp)
    client = app_smtp.test_client()
    client.set_cookie("langue", "en")
    page = demander_creation(client)
    assert page.status_code == 302
    assert "Your account creation request has been registered." in lisible(client.get(page.location))
    distribuer(app_smtp)
    [message] = smtp.messages
    assert message["Subject"] == "Creation of the account giving access to your personal space"
    corps = texte(message)
    assert "Hello Awa Konaté," in corps and "this link is only valid for 24 hours" in corps
    assert "Bonjour" not in corps and "Cordialement" not in corps
    assert 'lang="en"' in message.get_body(("html",)).get_content()
    assert _compte(app_smtp, AWA["numero_etranger"]).langue == "en"

    # The password page follows the link in English, and the next mail (forgotten password) too,
    # even when asked for from a French page: the account's language is the mail's.
    assert choisir_mot_de_passe(client, lien_du_message(message)).status_code == 302
    francais = app_smtp.test_client()
    assert demander_oubli(francais, AWA["numero_etranger"]).status_code == 302
    distribuer(app_smtp)
    oubli = smtp.messages[-1]
    assert oubli["Subject"] == "Reset of your account password"
    assert "If you did not make this request, ignore this message" in texte(oubli)


@pytest.mark.feature("F-27")
def test_un_compte_francais_recoit_ses_courriels_en_francais(app_smtp, smtp):
    ajouter_au_registre(app_smtp)
    client = app_smtp.test_client()
    assert demander_creation(client).status_code == 302
    distribuer(app_smtp)
    [message] = smtp.messages
    assert message["Subject"] == "Création de votre compte d'accès à votre espace personnel"
    assert "Bonjour Awa Konaté," in texte(message)
    assert _compte(app_smtp, AWA["numero_etranger"]).langue == "fr"


@pytest.mark.feature("F-03")
def test_la_page_de_connexion_dit_ou_trouver_son_identifiant(client):
    page = lisible(client.get("/connexion"))
    assert "Le symbole * indique les champs obligatoires." in page
    assert "Identifiant oublié ?" in page
    assert "titre de séjour" in page and "récépissé" in page and "numéro étranger : 10 chiffres" in page
    client.set_cookie("langue", "en")
    page = lisible(client.get("/connexion"))
    assert "The symbol * marks the required fields." in page and "Forgotten your identifier?" in page
    assert "residence permit application receipt (récépissé" in page


def test_les_pages_de_l_en_tete(client):
    for chemin, titre in (("/nous-contacter", "Nous contacter"), ("/besoin-d-aide", "Besoin d'aide ?")):
        page = client.get(chemin).get_data(as_text=True)
        assert f"<h1>{titre}</h1>" in page.replace("&#39;", "'")
    client.set_cookie("langue", "en")
    assert "<h1>Contact us</h1>" in client.get("/nous-contacter").get_data(as_text=True)
