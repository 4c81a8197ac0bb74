"""F-12 / F-27: the deposit runs the BPMN's service tasks (number, PDF, mail); the confirmation e-mail goes
through the outbox to a real SMTP server with the PDF attached; a failing SMTP server does not block a deposit."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from app import clock, documents
from app.courriels import envoyer_les_courriels_dus
from app.extensions import db
from app.models import ConfirmationADessiner, Courriel, Demande, Evenement
from tests.web.helpers import deposit, get_text

SUJET = "Votre demande de titre de séjour a bien été enregistrée"
PHRASES_DU_GUIDE = [
    "Bonjour Aïssatou DIALLO,",
    "Votre demande de titre de séjour a bien été enregistrée. Elle sera instruite par les services de l'Etat.",
    "Vous serez informé(e) de l'état d'avancement de votre dossier et, si nécessaire, d'une demande de pièces "
    "complémentaires, par message électronique vous invitant à vous connecter à votre espace sur le site de "
    "l'administration numérique pour les étrangers en France.",
    "Cordialement,",
    "La Direction Générale des Etrangers en France",
    "Ce message est généré automatiquement, merci de ne pas y répondre.",
]


def un_seul_mot(texte: str) -> str:
    return re.sub(r"\s+", " ", texte)


def numero_affiche(client, confirmation: str) -> str:
    return re.search(r"N° de la demande : <strong>(\d{19})</strong>", get_text(client, confirmation)).group(1)


@pytest.mark.feature("F-12")
@pytest.mark.feature("F-26")
@pytest.mark.feature("F-27")
def test_le_depot_passe_par_les_taches_de_service_du_bpmn(app, client, demo):
    """Number, PDF and mail are made by the service tasks numeroter_demande → confirmation_pdf →
    envoyer_confirmation, in the deposit's transaction; then the application waits for an agent."""
    person = demo["CAS_2"]
    _, confirmation = deposit(client, person, "CAS_2")
    numero = numero_affiche(client, confirmation)
    with app.app_context():
        demande = db.session.scalars(select(Demande)).one()
        assert (demande.numero, demande.etat, demande.departement) == (numero, "examiner_demande", "59")
        store = app.extensions["demandes"]
        with store.open(demande.id, clock.today(), write=False) as instance:
            data = instance.data()
        assert data["numerotation"]["numero"] == numero
        # The PDF is queued in the deposit's transaction and drawn off it (by the worker, or at the first download).
        assert data["confirmation"] == {"a_dessiner": True}
        assert demande.confirmation_sha256 is None and db.session.get(ConfirmationADessiner, demande.id) is not None
        [courriel] = db.session.scalars(select(Courriel)).all()
        assert data["courriel_confirmation"]["courriel"] == courriel.id
        assert (courriel.modele, courriel.etat, courriel.demande_id) == ("confirmation_depot", "a_envoyer", demande.id)
        assert courriel.destinataire == f"{person.numero_etranger}@demo.example.org"
        assert courriel.sujet == SUJET
        for phrase in PHRASES_DU_GUIDE:
            assert phrase in un_seul_mot(courriel.texte), phrase
        [piece] = courriel.pieces_jointes
        assert piece == {"confirmation_de": demande.id, "nom": f"confirmation-de-depot-{numero}.pdf",
                         "type": "application/pdf"}  # read when the mail is sent
        pdf_servi = client.get(f"/demandes/{demande.id}/confirmation-de-depot.pdf").data
        db.session.expire_all()
        assert pdf_servi.startswith(b"%PDF-") and db.session.get(ConfirmationADessiner, demande.id) is None
        assert documents.chemin(demande.confirmation_sha256).read_bytes() == pdf_servi
        natures = db.session.scalars(select(Evenement.nature).where(Evenement.demande_id == demande.id)).all()
        # The deposit is the last step; what it caused (service tasks, the mail queued) is logged after it (F-42).
        assert natures.count("etape_validee") == 4
        # (the first service task keeps the draft's situation before the case is checked again, F-20)
        # (the PDF drawn at the first download, with its hash, after them)
        assert natures[-7:] == ["etape_validee", "service_execute", "service_execute", "service_execute",
                                "courriel_en_file", "service_execute", "confirmation_produite"], natures


@pytest.mark.feature("F-12")
@pytest.mark.feature("F-27")
def test_le_serveur_smtp_recoit_le_courriel_du_guide_avec_le_pdf(app_smtp, smtp, demo):
    client = app_smtp.test_client()
    _, confirmation = deposit(client, demo["CAS_2"], "CAS_2")
    numero = numero_affiche(client, confirmation)
    assert smtp.messages == []  # nothing leaves during the request: the worker sends after commit
    with app_smtp.app_context():
        assert envoyer_les_courriels_dus(db.session)["envoye"] == 1
    [message] = smtp.messages
    assert message["Subject"] == SUJET
    assert message["To"] == f"{demo['CAS_2'].numero_etranger}@demo.example.org"
    texte = un_seul_mot(message.get_body(("plain",)).get_content())
    for phrase in PHRASES_DU_GUIDE:
        assert phrase in texte, phrase
    assert numero in texte
    html_part = message.get_body(("html",)).get_content()
    assert "Bonjour Aïssatou DIALLO," in html_part
    [piece] = list(message.iter_attachments())
    assert piece.get_content_type() == "application/pdf"
    assert piece.get_filename() == f"confirmation-de-depot-{numero}.pdf"
    contenu = piece.get_content()
    assert contenu.startswith(b"%PDF-")
    assert contenu == client.get(f"{confirmation.removesuffix('/confirmation')}/confirmation-de-depot.pdf").data
    pdf = un_seul_mot(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(contenu)).pages))
    assert f"N° de la demande : {numero}" in pdf
    assert "CONFIRMATION DU DÉPÔT D'UNE PREMIÈRE DEMANDE DE TITRE DE SÉJOUR" in pdf


@pytest.mark.feature("F-12")
@pytest.mark.feature("F-27")
def test_un_serveur_smtp_en_panne_ne_bloque_pas_le_depot(app_smtp, smtp, demo, monkeypatch):
    smtp.arreter()
    client = app_smtp.test_client()
    _, confirmation = deposit(client, demo["CAS_3"], "CAS_3")
    assert "Votre demande a bien été enregistrée" in get_text(client, confirmation)
    with app_smtp.app_context():
        assert envoyer_les_courriels_dus(db.session)["a_envoyer"] == 1
        courriel = db.session.scalars(select(Courriel)).one()
        assert courriel.etat == "a_envoyer" and courriel.tentatives == 1
        assert "ConnectionRefusedError" in courriel.derniere_erreur
        assert db.session.scalars(select(Demande.numero)).one() is not None
        # The server comes back; once the back-off has passed (time moved, not slept) the mail leaves.
        smtp.demarrer()
        later = clock.paris(courriel.prochain_essai) + timedelta(seconds=1)
        monkeypatch.setattr(clock, "now", lambda: later)
        assert envoyer_les_courriels_dus(db.session)["envoye"] == 1
    [message] = smtp.messages
    assert message["Subject"] == SUJET and len(list(message.iter_attachments())) == 1
