"""F-24: the deposit confirmation PDF, drawn once at deposit by the BPMN service task, read back with pypdf;
F-12: « J'ouvre ma confirmation de dépôt de demande (PDF) » serves those stored bytes, to their owner only."""

from __future__ import annotations

import hashlib
import html
import io
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from app.extensions import db
from app.models import Demande, Personne
from tests.web.helpers import deposit, get_text, login, paris_today, start_draft

PHRASES_LEGALES = [
    "Ce document constitue la preuve de dépôt de votre demande.",
    "Il ne constitue pas une preuve de régularité du séjour et ne permet pas l'ouverture de droits associés à un "
    "séjour régulier.",
    "Ce document n'autorise pas le franchissement des frontières de l'espace Schengen.",
    "Vous serez informé(e) de l'avancement et de la suite donnée à votre démarche par un courrier électronique vous "
    "invitant à vous connecter à votre espace personnel.",
]


def pdf_text(contenu: bytes) -> str:
    """The PDF's text as pypdf reads it, runs of white space made one space."""
    reader = PdfReader(io.BytesIO(contenu))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def visible(client, url: str) -> str:
    """The page's text as read on screen: tags removed, entities decoded, white space made single."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", client.get(url).get_data(as_text=True))))


def lien_pdf(client, confirmation: str) -> str:
    page = client.get(confirmation).get_data(as_text=True)
    match = re.search(r'<a [^>]*href="([^"]+)"[^>]*>J(?:\'|&#39;)ouvre ma confirmation de dépôt de demande \(PDF\)</a>',
                      page)
    assert match, "no « J'ouvre ma confirmation de dépôt de demande (PDF) » link"
    return match.group(1)


def donner_un_nom_d_usage(app, numero_etranger: str, nom_usage: str) -> None:
    with app.app_context():
        personne = db.session.scalar(select(Personne).filter_by(numero_etranger=numero_etranger))
        personne.nom_usage = nom_usage
        db.session.commit()


@pytest.fixture
def depot_cas2(app, client, demo):
    """Aïssatou DIALLO (CAS 2) deposits with an accented address and a nom d'usage; returns (confirmation URL, PDF)."""
    person = demo["CAS_2"]
    donner_un_nom_d_usage(app, person.numero_etranger, "Bâ")
    _, confirmation = deposit(client, person, "CAS_2", adresse="3 Allée de l'Étang", complement="Bâtiment Ève",
                              code_postal="42000", ville="Saint-Étienne", code_insee="42218")
    response = client.get(lien_pdf(client, confirmation))
    assert response.status_code == 200
    return confirmation, response.get_data()


@pytest.mark.feature("F-24")
def test_pdf_contient_chaque_champ_avec_les_donnees_du_demandeur(app, client, demo, depot_cas2):
    person = demo["CAS_2"]
    confirmation, contenu = depot_cas2
    numero = re.search(r"N° de la demande : <strong>(\d{19})</strong>", get_text(client, confirmation)).group(1)
    with app.app_context():
        naissance = db.session.scalar(select(Personne).filter_by(numero_etranger=person.numero_etranger)).date_naissance
    texte = pdf_text(contenu)
    aujourd_hui = f"{paris_today():%d/%m/%Y}"
    for attendu in (
        "CONFIRMATION DU DÉPÔT D'UNE PREMIÈRE DEMANDE DE TITRE DE SÉJOUR",
        "VOS RÉFÉRENCES :",
        f"Identifiant (N° étranger) : {person.numero_etranger}",
        f"N° de la demande : {numero}",
        f"DATE D'ÉMISSION : {aujourd_hui}",
        "Nom de naissance : DIALLO",
        "Nom d'usage : BÂ",
        "Prénom : AÏSSATOU",
        f"Né(e) le : {naissance:%d/%m/%Y}",
        "A : CONAKRY, GUINEE",
        "Nationalité : GUINÉENNE",
        "Adresse : 3 ALLÉE DE L'ÉTANG BÂTIMENT ÈVE 42000 SAINT-ÉTIENNE FRANCE",
        f"Le {aujourd_hui}, vous avez déposé avec succès une demande de titre de séjour qui sera examinée par la "
        "préfecture compétente.",
        *PHRASES_LEGALES,
    ):
        assert attendu in texte, f"{attendu!r} not in the PDF text: {texte}"
    # The text font is embedded (subsets of DejaVu Sans), so the accents do not depend on the reader's fonts.
    fonts = [f.get_object() for f in PdfReader(io.BytesIO(contenu)).pages[0]["/Resources"]["/Font"].values()]
    dejavu = [f for f in fonts if "DejaVuSans" in str(f["/BaseFont"])]
    assert len(dejavu) == 2  # regular and bold
    for font in dejavu:
        assert "/FontFile2" in font["/FontDescriptor"].get_object() and "/ToUnicode" in font


@pytest.mark.feature("F-24")
@pytest.mark.feature("F-12")
def test_deux_telechargements_memes_octets_ceux_stockes_au_depot(app, client, demo, depot_cas2):
    confirmation, premier = depot_cas2
    url = lien_pdf(client, confirmation)
    second = client.get(url)
    assert second.status_code == 200
    assert second.headers["Content-Type"] == "application/pdf"
    assert second.headers["Content-Disposition"].startswith("inline")
    assert second.headers["X-Content-Type-Options"] == "nosniff"
    assert second.get_data() == premier and premier.startswith(b"%PDF-")
    with app.app_context():
        demande = db.session.scalars(select(Demande)).one()
        assert hashlib.sha256(premier).hexdigest() == demande.confirmation_sha256
    # A legal proof is not drawn again: a later change in the register does not change the downloaded bytes.
    donner_un_nom_d_usage(app, demo["CAS_2"].numero_etranger, "Autre")
    assert client.get(url).get_data() == premier


@pytest.mark.feature("F-24")
def test_le_pdf_n_est_servi_qu_a_son_proprietaire(app, client, demo, depot_cas2):
    confirmation, _ = depot_cas2
    url = lien_pdf(client, confirmation)
    other = app.test_client()
    # Not logged in: the login page, never the file.
    anonyme = other.get(url)
    assert anonyme.status_code == 302 and "/connexion" in anonyme.location
    # Another applicant: 404, as if it did not exist.
    login(other, demo["CAS_3"].numero_etranger, demo["CAS_3"].mot_de_passe)
    refus = other.get(url)
    assert refus.status_code == 404 and b"%PDF" not in refus.get_data()
    assert other.get(url.replace("/demandes/1/", "/demandes/999/")).status_code == 404


@pytest.mark.feature("F-24")
def test_pas_de_pdf_pour_un_brouillon(app, client, demo):
    person = demo["CAS_3"]
    login(client, person.numero_etranger, person.mot_de_passe)
    url = start_draft(client)
    assert client.get(f"{url}/confirmation-de-depot.pdf").status_code == 404


@pytest.mark.feature("F-12")
def test_confirmation_textes_du_guide_et_lien_pdf(client, demo, depot_cas2):
    confirmation, _ = depot_cas2
    page, lu = get_text(client, confirmation), visible(client, confirmation).replace(" .", ".")
    for phrase in (
        "Votre demande a bien été enregistrée et vous allez recevoir un accusé de réception.",
        "Si vous ne recevez pas d'accusé de réception, vérifiez dans un premier temps dans la rubrique Spams de votre "
        "boîte mail.",
        "Si vous ne l'avez pas reçu vous pouvez formuler une réclamation via la rubrique",
        "Vous recevrez un e-mail vous informant de l'état d'avancement de votre dossier et si nécessaire de demande de "
        "pièces complémentaires.",
        "J'ouvre ma confirmation de dépôt de demande (PDF)",
        "Vous devez obligatoirement avoir une couverture sociale. Pour en savoir plus concernant la couverture "
        "sociale, rendez-vous sur le site suivant : ameli.fr.",
    ):
        assert phrase in lu, phrase
    assert 'href="https://www.ameli.fr"' in page
    assert "ne sont pas encore disponibles" not in page
    contact = re.search(r'<a href="([^"]+)">Contact</a>', page)
    assert contact and "Contact" in get_text(client, contact.group(1))

