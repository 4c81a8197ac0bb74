"""The route × role matrix (F-48): every route of the app, GET and POST, held against every kind of visitor.

The routes come from Flask's URL map, so a new route cannot be forgotten: a route (or a method) missing from
ATTENDU fails the test, and so does an entry of ATTENDU that no longer exists. One application is taken through
the real process (deposit, a complement round answered, a favourable decision), so that every id-bearing URL
points at a real row: the application, one of its documents, a notification.

Roles: a visitor, the application's owner, another applicant, the agent who took the application, another agent
of the same prefecture, an agent of another prefecture, an administrator (of another prefecture), an analyst.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from app import create_app
from app.extensions import db
from app.models import (
    Agent,
    AgentPrefecture,
    Analyste,
    BrouillonProcessus,
    Compte,
    Demande,
    Document,
    Notification,
    Personne,
)
from app.register import demo_people
from tests.bases import Modele
from tests.dates import aujourdhui
from tests.web import instruction as parcours
from tests.web.agent_outils import NORD, PARIS, lire_et_repondre, login_agent, prendre
from tests.web.conftest import CHEAP
from tests.web.helpers import login

pytestmark = pytest.mark.feature("F-48")

ROLES = ("anonyme", "proprietaire", "autre_usager", "agent_affecte", "agent_meme_prefecture",
         "agent_autre_prefecture", "administrateur", "analyste")
AGENTS = ROLES[3:7]
USAGERS = ("proprietaire", "autre_usager")

# What a role gets: the page or the action (OK), or one of the refusals.
OK, CONNEXION, CONNEXION_AGENT, REFUSE, INTROUVABLE = "ok", "connexion", "connexion agent", "403", "404"
CONNEXION_ANALYSTE = "connexion analyste"

MEME_AGENT = {"email": "agent2.nord@test.example.org", "mot_de_passe": "Agent-Nord-2!"}
ADMIN = {"email": "admin@test.example.org", "mot_de_passe": "Admin-Test-1!"}
ANALYSTE_DEMO = {"email": "analyste@demo.example.org", "mot_de_passe": "Demo-Analyste-1!"}


def _pour(defaut: str, **roles: str) -> dict[str, str]:
    return {role: roles.get(role, defaut) for role in ROLES}


PUBLIC = _pour(OK)
CONNECTE = _pour(OK, anonyme=CONNEXION)
USAGER = _pour(REFUSE, anonyme=CONNEXION, proprietaire=OK, autre_usager=OK)
PROPRIETAIRE = _pour(REFUSE, anonyme=CONNEXION, proprietaire=OK, autre_usager=INTROUVABLE)
AGENT = _pour(OK, anonyme=CONNEXION_AGENT, proprietaire=REFUSE, autre_usager=REFUSE, analyste=REFUSE)
PREFECTURE = _pour(INTROUVABLE, anonyme=CONNEXION_AGENT, proprietaire=REFUSE, autre_usager=REFUSE,
                   agent_affecte=OK, agent_meme_prefecture=OK, analyste=REFUSE)
AFFECTE = {**PREFECTURE, "agent_meme_prefecture": REFUSE}
ADMINISTRATEUR = _pour(REFUSE, anonyme=CONNEXION_AGENT, administrateur=OK)
# FranceConnect is not configured in the tests: its return URL does not exist for anyone.
SANS_FRANCECONNECT = _pour(INTROUVABLE)
# The analysts' space (F-45): analysts only; applicants and agents are turned away.
ANALYSTE = _pour(REFUSE, anonyme=CONNEXION_ANALYSTE, analyste=OK)

ATTENDU: dict[tuple[str, str], dict[str, str]] = {
    ("pages.accueil", "GET"): PUBLIC,
    ("entete.langue", "GET"): PUBLIC,
    ("entete.contact", "GET"): PUBLIC,
    ("entete.aide", "GET"): PUBLIC,
    ("pages.indisponible", "GET"): PUBLIC,
    ("pages.liste_des_pieces", "GET"): PUBLIC,
    ("pages.situation", "GET"): USAGER,
    ("pages.situation", "POST"): USAGER,
    ("pages.preambule", "GET"): USAGER,
    ("pages.mes_demandes", "GET"): USAGER,
    ("auth.connexion", "GET"): PUBLIC,
    ("auth.connexion", "POST"): PUBLIC,
    ("auth.deconnexion", "POST"): CONNECTE,
    ("auth.creer_compte", "GET"): PUBLIC,
    ("auth.creer_compte", "POST"): PUBLIC,
    ("auth.creation_enregistree", "GET"): PUBLIC,
    ("auth.mot_de_passe", "GET"): PUBLIC,
    ("auth.mot_de_passe", "POST"): PUBLIC,
    ("auth.mot_de_passe_oublie", "GET"): PUBLIC,
    ("auth.mot_de_passe_oublie", "POST"): PUBLIC,
    ("auth.oubli_enregistre", "GET"): PUBLIC,
    ("auth.franceconnect", "GET"): PUBLIC,
    ("auth.franceconnect_retour", "GET"): SANS_FRANCECONNECT,
    ("auth.franceconnect_fin", "GET"): PUBLIC,
    ("demarche.commencer", "POST"): USAGER,
    ("demarche.etape", "GET"): PROPRIETAIRE,
    ("demarche.etape", "POST"): PROPRIETAIRE,
    ("demarche.document", "GET"): PROPRIETAIRE,
    ("demarche.incident", "GET"): PROPRIETAIRE,
    ("demarche.abandonner", "GET"): PROPRIETAIRE,
    ("demarche.abandonner", "POST"): PROPRIETAIRE,
    ("demarche.abandonnee", "GET"): PROPRIETAIRE,
    ("demarche.confirmation", "GET"): PROPRIETAIRE,
    ("demarche.confirmation_pdf", "GET"): PROPRIETAIRE,
    ("notifications.liste", "GET"): USAGER,
    ("notifications.voir", "GET"): PROPRIETAIRE,
    ("notifications.voir", "POST"): PROPRIETAIRE,
    ("notifications.document", "GET"): PROPRIETAIRE,
    ("agent.connexion", "GET"): PUBLIC,
    ("agent.connexion", "POST"): PUBLIC,
    ("agent.deconnexion", "POST"): AGENT,
    ("agent.accueil", "GET"): AGENT,
    ("agent.demandes", "GET"): AGENT,
    ("agent.prendre", "POST"): PREFECTURE,
    ("agent.liberer", "POST"): PREFECTURE,
    ("agent.demande", "GET"): PREFECTURE,
    ("agent.demande", "POST"): AFFECTE,
    ("agent.document", "GET"): PREFECTURE,
    ("agent.attestation", "GET"): PREFECTURE,
    ("agent.administration", "GET"): ADMINISTRATEUR,
    # The audit trail as CSV (F-42). One application: as its review page (`_demande`), so an administrator of
    # another prefecture gets 404 for this served application (administrators reach only the applications of the
    # administration page there); the period export gives administrators every prefecture instead.
    ("agent.journal_demande_csv", "GET"): PREFECTURE,
    ("agent.journal", "GET"): AGENT,
    ("agent.journal_csv", "GET"): AGENT,
    ("agent.processus", "GET"): AGENT,
    ("agent.processus_fichier", "GET"): AGENT,
    ("agent.processus_element", "GET"): AGENT,
    ("agent.parcours", "GET"): PREFECTURE,
    ("agent.fichier_processus", "GET"): PREFECTURE,
    ("analyste.connexion", "GET"): PUBLIC,
    ("analyste.connexion", "POST"): PUBLIC,
    ("analyste.deconnexion", "POST"): ANALYSTE,
    ("analyste.accueil", "GET"): ANALYSTE,
    # Drafts and publication (F-45): « Lancer les tests » is refused on the unverified draft of the matrix.
    ("analyste.brouillons", "GET"): ANALYSTE,
    ("analyste.brouillon_creer", "POST"): ANALYSTE,
    ("analyste.brouillon", "GET"): ANALYSTE,
    ("analyste.brouillon_verifier", "POST"): ANALYSTE,
    ("analyste.brouillon_essais", "POST"): ANALYSTE,
    ("analyste.brouillon_publier", "POST"): ANALYSTE,
    ("analyste.brouillon_xml", "GET"): ANALYSTE,
    ("analyste.brouillon_fichier", "GET"): ANALYSTE,
    ("analyste.brouillon_fichier", "POST"): ANALYSTE,
    ("analyste.processus", "GET"): ANALYSTE,
    ("analyste.processus_version", "GET"): ANALYSTE,
    ("analyste.fichier_version", "GET"): ANALYSTE,
    ("analyste.modeleur_version", "GET"): ANALYSTE,
    ("analyste.element", "GET"): ANALYSTE,
    ("analyste.decisions", "GET"): ANALYSTE,
    ("analyste.decisions_version", "GET"): ANALYSTE,
    ("analyste.decision", "GET"): ANALYSTE,
    ("analyste.decision", "POST"): ANALYSTE,
    ("analyste.versions", "GET"): ANALYSTE,
    ("analyste.version", "GET"): ANALYSTE,
    ("analyste.parcours", "GET"): ANALYSTE,
    ("analyste.couverture", "GET"): ANALYSTE,
}


# --- One application through the real process, shared by the whole matrix ---------------------------------------


class Monde:
    """The app, the ids every URL needs, and a logged-in client per role (logged in again after a logout)."""

    def __init__(self, app: Any, ids: dict[str, int], agent_affecte_id: int) -> None:
        self.app, self.ids, self.agent_affecte_id = app, ids, agent_affecte_id
        self.clients: dict[str, Any] = {}
        people = [p for _, p in demo_people(aujourdhui())]
        self.usagers = {"proprietaire": people[2], "autre_usager": people[0]}

    def client(self, role: str) -> Any:
        if role not in self.clients:
            client = self.app.test_client()
            if role in self.usagers:
                person = self.usagers[role]
                assert login(client, person.numero_etranger, person.mot_de_passe).status_code == 302
            elif role == "agent_affecte":
                assert login_agent(client, NORD).status_code == 302
            elif role == "agent_autre_prefecture":
                assert login_agent(client, PARIS).status_code == 302
            elif role == "analyste":
                page = client.get("/analyste/connexion").get_data(as_text=True)
                reponse = client.post("/analyste/connexion", data={"csrf_token": _jeton(page), **ANALYSTE_DEMO})
                assert reponse.status_code == 302, reponse.get_data(as_text=True)
            elif role in ("agent_meme_prefecture", "administrateur"):
                compte = MEME_AGENT if role == "agent_meme_prefecture" else ADMIN
                page = client.get("/agent/connexion").get_data(as_text=True)
                reponse = client.post("/agent/connexion", data={"csrf_token": _jeton(page), **compte})
                assert reponse.status_code == 302, reponse.get_data(as_text=True)
            self.clients[role] = client
        return self.clients[role]

    def oublier(self, role: str) -> None:
        self.clients.pop(role, None)

    def remettre_en_place(self) -> None:
        """An authorized action may have moved the application (released it): put it back as the matrix expects."""
        with self.app.app_context():
            demande = db.session.get(Demande, self.ids["demande_id"])
            if demande.agent_id != self.agent_affecte_id:
                demande.agent_id = self.agent_affecte_id
                db.session.commit()


def _jeton(page: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', page)
    assert match, "no CSRF token in the page"
    return match.group(1)


def _ajouter_agents(app: Any) -> int:
    with app.app_context():
        db.session.add(Agent(email=MEME_AGENT["email"], nom="DURAND", prenom="Léa",
                             mot_de_passe=CHEAP.hash(MEME_AGENT["mot_de_passe"]),
                             prefectures=[AgentPrefecture(departement="59")]))
        db.session.add(Agent(email=ADMIN["email"], nom="ADMIN", prenom="Alix", administrateur=True,
                             mot_de_passe=CHEAP.hash(ADMIN["mot_de_passe"]),
                             prefectures=[AgentPrefecture(departement="75")]))
        db.session.commit()
        return db.session.scalar(select(Agent.id).where(Agent.email == NORD.email))


@pytest.fixture(scope="module")
def monde(demo_db: Modele, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Monde]:
    dossier = tmp_path_factory.mktemp("matrice")
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": demo_db.copie(dossier),
                      "DOCUMENTS_DIR": dossier / "documents"})
    agent_nord = _ajouter_agents(app)
    proprietaire = [p for _, p in demo_people(aujourdhui())][2]
    usager = app.test_client()
    login(usager, proprietaire.numero_etranger, proprietaire.mot_de_passe)
    demande_id = parcours.deposee(usager, proprietaire, "CAS_3")
    agent = app.test_client()
    login_agent(agent, NORD)
    assert prendre(agent, demande_id).status_code == 302
    with app.app_context():
        code = db.session.scalars(select(Document.piece).where(Document.demande_id == demande_id)).first()
    parcours.examiner(app, demande_id, {code: "Le document est illisible."})
    lire_et_repondre(app, demande_id, {code: ("mettre_a_jour", *parcours.png("lisible.png"))})
    parcours.examiner(app, demande_id)
    parcours.decider_favorable(app, demande_id)
    with app.app_context():
        document_id = db.session.scalars(select(Document.id).where(Document.demande_id == demande_id)).first()
        notification_id = db.session.scalars(select(Notification.id).where(
            Notification.demande_id == demande_id, Notification.document_sha256.is_not(None))).first()
        compte = db.session.scalar(select(Compte).join(Personne).where(
            Personne.numero_etranger == proprietaire.numero_etranger))
        assert db.session.get(Demande, demande_id).compte_id == compte.id
    assert notification_id is not None, "the favourable decision has no notification with its attestation"
    yield Monde(app, {"demande_id": demande_id, "document_id": document_id, "notification_id": notification_id,
                      **_ids_du_processus(app, demande_id)}, agent_nord)


def _ids_du_processus(app: Any, demande_id: int) -> dict[str, Any]:
    """What the analysts' pages take in their URLs: the application's version, the element it stands at, a decision,
    a file of that version, and a draft of the demo analyst."""
    with app.app_context():
        demande = db.session.get(Demande, demande_id)
        version = demande.version_processus
        analyste = db.session.scalar(select(Analyste).where(Analyste.email == ANALYSTE_DEMO["email"]))
        brouillon = BrouillonProcessus(analyste_id=analyste.id, base_version_id=version.id,
                                       fichiers=dict(version.fichiers))
        db.session.add(brouillon)
        db.session.commit()
        return {"version_id": version.id, "element_id": demande.element, "decision_id": "cas_usager",
                "nom": next(nom for nom in version.fichiers if nom.endswith(".bpmn")), "brouillon_id": brouillon.id}


# --- The matrix -----------------------------------------------------------------------------------------------------


def _routes(app: Any) -> list[tuple[str, str, Any]]:
    return sorted(
        (rule.endpoint, method, rule)
        for rule in app.url_map.iter_rules() if rule.endpoint != "static"
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
    )


def test_chaque_route_a_ses_attentes(monde: Monde) -> None:
    """A new route (or method) fails here until its expectations for every role are written down."""
    presentes = {(endpoint, method) for endpoint, method, _ in _routes(monde.app)}
    assert sorted(presentes - set(ATTENDU)) == [], "routes absentes de la matrice"
    assert sorted(set(ATTENDU) - presentes) == [], "attentes pour des routes qui n'existent plus"


def _issue(reponse: Any) -> str:
    if reponse.status_code == 403:
        return REFUSE
    if reponse.status_code == 404:
        return INTROUVABLE
    if reponse.status_code in (301, 302, 303) and "next=" in reponse.location:  # Flask-Login's « log in first »
        chemin = reponse.location.split("?", 1)[0]
        if chemin.endswith("/agent/connexion"):
            return CONNEXION_AGENT
        if chemin.endswith("/analyste/connexion"):
            return CONNEXION_ANALYSTE
        if chemin.endswith("/connexion"):
            return CONNEXION
    assert reponse.status_code < 500, f"{reponse.status_code} : {reponse.get_data(as_text=True)[:300]}"
    return OK


def _page_avec_jeton(role: str) -> str:
    if role == "anonyme":
        return "/connexion"
    if role == "analyste":
        return "/analyste/"
    return "/mes-demandes" if role in USAGERS else "/agent/demandes"


def _demander(monde: Monde, role: str, method: str, url: str) -> Any:
    client = monde.client(role)
    if method == "GET":
        return client.get(url)
    # A valid CSRF token of this session, so that only the route's own checks can refuse the request.
    jeton = _jeton(client.get(_page_avec_jeton(role)).get_data(as_text=True))
    return client.post(url, data={"csrf_token": jeton})


@pytest.mark.parametrize("role", ROLES)
def test_matrice_route_role(monde: Monde, role: str) -> None:
    ecarts = []
    adapter = monde.app.url_map.bind("localhost")
    for endpoint, method, rule in _routes(monde.app):
        attendu = ATTENDU.get((endpoint, method))
        if attendu is None:
            continue  # reported by test_chaque_route_a_ses_attentes
        url = adapter.build(endpoint, {arg: monde.ids[arg] for arg in rule.arguments})
        obtenu = _issue(_demander(monde, role, method, url))
        if obtenu != attendu[role]:
            ecarts.append(f"{method} {url} ({endpoint}) : attendu {attendu[role]}, obtenu {obtenu}")
        if endpoint.endswith("deconnexion") and obtenu == OK:
            monde.oublier(role)
        monde.remettre_en_place()
    assert ecarts == []
