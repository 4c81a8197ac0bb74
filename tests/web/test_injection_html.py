"""HTML typed by an applicant or an agent is shown as text, never run: in pages, in PDFs and in mails (F-48)."""

from __future__ import annotations

import io
import re
from email import message_from_string
from email.policy import default
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from app import boite_locale
from app.courriels import envoyer_les_courriels_dus
from app.extensions import db
from app.models import Courriel, Document
from tests.web import instruction as parcours
from tests.web.agent_outils import login_agent, prendre
from tests.web.helpers import deposit, login

pytestmark = pytest.mark.feature("F-48")

ADRESSE = '12 <b>rue</b> "<img src=x onerror=alert(1)>"'
MESSAGE = "<script>alert('agent')</script> Merci de renvoyer le passeport."


def _texte_pdf(contenu: bytes) -> str:
    return re.sub(r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(io.BytesIO(contenu)).pages))


@pytest.fixture
def deposee(app, client, demo):
    login(client, demo["CAS_3"].numero_etranger, demo["CAS_3"].mot_de_passe)
    _, confirmation = deposit(client, demo["CAS_3"], "CAS_3", adresse=ADRESSE, numero_voie="12", voie="rue")
    return int(re.search(r"/demandes/(\d+)/", confirmation).group(1)), confirmation


def test_pages_de_l_usager_et_de_l_agent_echappent_le_html(app, client, deposee):
    ident, confirmation = deposee
    page = client.get(confirmation).get_data(as_text=True)
    assert "<img src=x" not in page
    agent = app.test_client()
    login_agent(agent)
    revue = agent.get(f"/agent/demandes/{ident}").get_data(as_text=True)
    assert "&lt;img src=x onerror=alert(1)&gt;" in revue and "<img src=x" not in revue
    assert "&lt;b&gt;rue&lt;/b&gt;" in revue


def test_le_pdf_de_confirmation_montre_le_html_comme_du_texte(app, client, deposee):
    ident, confirmation = deposee
    contenu = client.get(f"/demandes/{ident}/confirmation-de-depot.pdf").data
    texte = _texte_pdf(contenu).upper()  # the address is printed in capitals
    assert "<B>RUE</B>" in texte and "<IMG SRC=X ONERROR=ALERT(1)>" in texte


def test_le_courriel_de_confirmation_et_sa_piece_jointe_n_interpretent_rien(app, client, deposee):
    ident, _ = deposee
    with app.app_context():
        courriel = db.session.scalar(select(Courriel).where(Courriel.demande_id == ident,
                                                            Courriel.modele == "confirmation_depot"))
        assert "<img src=x" not in courriel.html and "<script" not in courriel.html
        sujet = courriel.sujet
        assert envoyer_les_courriels_dus(db.session)["envoye"] >= 1  # the PDF is read (drawn) when the mail is sent
    [envoye] = [c for c in boite_locale.lister(Path(app.config["MAIL_DOSSIER"])) if c.sujet == sujet]
    [pdf] = [p for p in boite_locale.lire(envoye.chemin).iter_attachments() if p.get_filename().endswith(".pdf")]
    assert "<B>RUE</B>" in _texte_pdf(pdf.get_content()).upper()


def test_le_message_de_l_agent_est_du_texte_dans_la_notification_et_le_courriel(app, client, deposee):
    ident, _ = deposee
    agent = app.test_client()
    login_agent(agent)
    prendre(agent, ident)
    with app.app_context():
        code = db.session.scalars(select(Document.piece).where(Document.demande_id == ident)).first()
    parcours.examiner(app, ident, {code: "<i>flou</i>"}, message=MESSAGE)
    notification = parcours.derniere(app, ident, "demande_complement")
    page = client.get(f"/notifications/{notification.id}").get_data(as_text=True)
    assert "<script>alert('agent')</script>" not in page
    assert "&lt;script&gt;alert(&#39;agent&#39;)&lt;/script&gt;" in page and "&lt;i&gt;flou&lt;/i&gt;" in page
    with app.app_context():
        courriel = db.session.scalars(select(Courriel).where(Courriel.demande_id == ident)
                                      .order_by(Courriel.id.desc())).first()
        corps = message_from_string(f"Subject: x\n\n{courriel.html}", policy=default).get_content()
    assert "<script" not in corps and "<i>flou" not in corps
