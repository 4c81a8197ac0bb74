"""Who sees what (F-30): an agent only the applications of their prefectures, an applicant never an agent page,
an agent never an applicant's page, draft or document."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Demande, Document
from tests.comptes_outils import lisible
from tests.conftest import csrf_token
from tests.web.agent_outils import NORD, PARIS, demande_id, examiner, login_agent, prendre
from tests.web.helpers import deposit, login, start_draft, text

pytestmark = pytest.mark.feature("F-30")

PAS_POUR_LES_USAGERS = "Cette page est réservée aux agents de préfecture."
PAS_POUR_LES_AGENTS = "Cette page est réservée aux usagers. Vous êtes connecté(e) avec un compte agent."


@pytest.fixture
def deposee(app, demo):
    """A CAS 1 application deposited at 59800 Lille (prefecture of the Nord), and its first document."""
    usager = app.test_client()
    _, confirmation = deposit(usager, demo["CAS_1"], "CAS_1")
    ident = demande_id(confirmation)
    with app.app_context():
        document = db.session.scalars(select(Document).where(Document.demande_id == ident)).first().id
    return {"id": ident, "document": document, "usager": usager}


def _jeton(client, url="/agent/demandes"):
    return csrf_token(client.get(url).get_data(as_text=True))


def test_agent_d_une_autre_prefecture_ne_voit_rien(app, deposee):
    ident = deposee["id"]
    nord = app.test_client()
    login_agent(nord, NORD)
    assert prendre(nord, ident).status_code == 302
    assert examiner(nord, ident, "decision").status_code == 302  # now at « Décision à prendre »

    paris = app.test_client()
    assert login_agent(paris, PARIS).status_code == 302
    file = text(paris.get("/agent/demandes?etat=toutes"))
    assert "0 demande" in file
    with app.app_context():
        numero = db.session.get(Demande, ident).numero
    assert numero not in file
    assert "0 demande Aucune demande ne correspond" in lisible(paris.get(f"/agent/demandes?etat=toutes&q={numero}"))
    jeton = _jeton(paris)
    for url in (f"/agent/demandes/{ident}", f"/agent/documents/{deposee['document']}",
                f"/agent/demandes/{ident}/attestation.pdf"):
        response = paris.get(url)
        assert response.status_code == 404, url
        assert "Page introuvable" in text(response)
    # The decision, taking and releasing: 404 as well, and nothing changes.
    decision = {"csrf_token": jeton, "task_id": "x", "decision": "defavorable", "motif_refus": "Non."}
    assert paris.post(f"/agent/demandes/{ident}", data=decision).status_code == 404
    assert paris.post(f"/agent/demandes/{ident}/prendre", data={"csrf_token": jeton}).status_code == 404
    assert paris.post(f"/agent/demandes/{ident}/liberer", data={"csrf_token": jeton}).status_code == 404
    with app.app_context():
        demande = db.session.get(Demande, ident)
        assert (demande.etat, demande.agent_id is not None) == ("decider", True)


def test_un_brouillon_n_existe_pour_aucun_agent(app, demo):
    usager = app.test_client()
    login(usager, demo["CAS_3"].numero_etranger, demo["CAS_3"].mot_de_passe)
    brouillon = int(start_draft(usager).rsplit("/", 1)[-1])
    nord = app.test_client()
    login_agent(nord, NORD)
    assert nord.get(f"/agent/demandes/{brouillon}").status_code == 404
    assert "0 demande" in text(nord.get("/agent/demandes?etat=toutes"))


def test_usager_sur_les_pages_agent(app, deposee):
    usager, ident = deposee["usager"], deposee["id"]
    for url in ("/agent/", "/agent/demandes", f"/agent/demandes/{ident}", f"/agent/documents/{deposee['document']}",
                f"/agent/demandes/{ident}/attestation.pdf"):
        response = usager.get(url)
        assert response.status_code == 403, url
        assert PAS_POUR_LES_USAGERS in text(response)
    jeton = csrf_token(usager.get("/mes-demandes").get_data(as_text=True))
    for url in (f"/agent/demandes/{ident}", f"/agent/demandes/{ident}/prendre", "/agent/deconnexion"):
        assert usager.post(url, data={"csrf_token": jeton, "suite": "decision"}).status_code == 403, url
    with app.app_context():
        assert db.session.get(Demande, ident).agent_id is None


def test_non_connecte_renvoye_vers_la_connexion_agent(client, deposee):
    for url in ("/agent/demandes", f"/agent/demandes/{deposee['id']}", f"/agent/documents/{deposee['document']}"):
        response = client.get(url)
        assert response.status_code == 302 and response.location.startswith("/agent/connexion?next="), url


def test_agent_sur_les_pages_usager(app, demo, deposee):
    # A draft of another applicant, and the deposited application's document.
    autre = app.test_client()
    login(autre, demo["CAS_3"].numero_etranger, demo["CAS_3"].mot_de_passe)
    brouillon = start_draft(autre)
    nord = app.test_client()
    login_agent(nord, NORD)
    for url in ("/mes-demandes", "/titre-de-sejour", "/titre-de-sejour/preambule", brouillon,
                f"/demandes/{deposee['id']}/confirmation", f"/documents/{deposee['document']}",
                f"{brouillon}/abandonner"):
        response = nord.get(url)
        assert response.status_code == 403, url
        assert PAS_POUR_LES_AGENTS in text(response)
        assert "Retour à la file des demandes" in text(response)
    jeton = _jeton(nord)
    assert nord.post("/titre-de-sejour/commencer", data={"csrf_token": jeton}).status_code == 403
    assert nord.post(brouillon, data={"csrf_token": jeton, "action": "abandonner"}).status_code == 403
    # The agent opens the document through the agent route, with the checks of that route.
    response = nord.get(f"/agent/documents/{deposee['document']}")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_agent_ne_voit_pas_le_document_d_un_usager_dont_le_compte_a_son_numero(app, deposee):
    """An agent's id must never be read as an account id: agent n° 1 is not account n° 1."""
    from app.models import Agent

    with app.app_context():
        compte_id = db.session.get(Document, deposee["document"]).compte_id
        nord_id = db.session.scalar(select(Agent.id).where(Agent.email == NORD.email))
    assert compte_id == nord_id  # the case that an id-only check would let through
    nord = app.test_client()
    login_agent(nord, NORD)
    response = nord.get(f"/documents/{deposee['document']}")
    assert response.status_code == 403 and response.mimetype == "text/html"


def test_prise_en_charge_sans_jeton_csrf_refusee(app, deposee):
    nord = app.test_client()
    login_agent(nord, NORD)
    assert nord.post(f"/agent/demandes/{deposee['id']}/prendre", data={}).status_code == 400
    with app.app_context():
        assert db.session.get(Demande, deposee["id"]).agent_id is None
