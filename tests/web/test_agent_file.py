"""The agents' work queue (F-31): columns, filters, sorting, search, pagination, « Prendre en charge » / « Libérer ».

The many applications are rows copied straight into the tables (no workflow state at all): the queue must
list them from the plain columns alone, which is what these tests prove besides the behaviour.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Agent, Compte, Demande, Personne, VersionProcessus
from app.workflow.specs import content_hash
from tests.comptes_outils import lisible
from tests.conftest import csrf_token
from tests.web.agent_outils import NORD, PARIS, login_agent

pytestmark = pytest.mark.feature("F-31")

DEBUT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
NOMS = ["MARTIN", "BERNARD", "DUBOIS", "THOMAS", "ROBERT", "RICHARD", "PETIT", "DURAND", "LEROY", "MOREAU",
        "SIMON", "LAURENT", "LEFEBVRE", "MICHEL", "GARCIA", "DAVID", "BERTRAND", "ROUX", "VINCENT", "FOURNIER",
        "MOREL", "GIRARD", "ANDRE"]


def _creer(session, n: int, nom: str, prenom: str, departement: str, etat: str, libelle: str, jour: int,
           numero: bool = True, echeance: datetime | None = None) -> Demande:
    personne = Personne(numero_etranger=f"77{n:08d}", nom_naissance=nom, nom_usage="", prenoms=prenom, sexe="Féminin",
                        date_naissance=datetime(2007, 1, 1).date(), pays_naissance="MALI", lieu_naissance="Bamako",
                        nationalite="Malienne")
    session.add(personne)
    session.flush()
    compte = Compte(personne_id=personne.id, email=f"p{n}@demo.example.org", mot_de_passe="x")
    session.add(compte)
    session.flush()
    version = session.info["version"]
    deposee = DEBUT + timedelta(days=jour)
    demande = Demande(compte_id=compte.id, version_processus_id=version, etat=etat, etat_libelle=libelle,
                      departement=departement, deposee_le=deposee if numero else None, echeance=echeance,
                      numero=f"{departement[:2]}01{deposee:%Y%m%d}{n:07d}" if numero else None)
    session.add(demande)
    return demande


@pytest.fixture
def file(app):
    """27 deposited applications in the Nord (26 in progress), 3 in Paris, and a draft in the Nord."""
    with app.app_context():
        session = db.session
        session.info["version"] = app.extensions["demandes"].catalog.current_version(session).id
        for i, nom in enumerate(NOMS):  # deposit dates: MARTIN first … ANDRE last
            _creer(session, i + 1, nom, f"Prénom{i + 1:02d}", "59", "examiner_demande", "Demande à examiner", i)
        _creer(session, 31, "ZOLA", "Émile", "59", "decider", "Décision à prendre", 40)
        _creer(session, 32, "ABADIE", "Jeanne", "59", "decider", "Décision à prendre", 41)
        _creer(session, 33, "CURIE", "Marie", "59", "repondre_complement", "En attente de la réponse de l'usager",
               42, echeance=datetime(2026, 5, 20, 8, 0, tzinfo=UTC))
        _creer(session, 34, "FINI", "Acceptée", "59", "demande_acceptee", "Demande acceptée", 43)
        for n in (41, 42, 43):
            _creer(session, n, f"PARIS{n}", "Parisien", "75", "examiner_demande", "Demande à examiner", n)
        _creer(session, 50, "BROUILLON", "Pas déposé", "59", "brouillon", "Brouillon", 0, numero=False)
        session.commit()
    return app


def lignes(response) -> list[list[str]]:
    """The queue's table as a person reads it: one list of cell texts per row."""
    page = response.get_data(as_text=True)
    corps = re.search(r"<tbody>(.*?)</tbody>", page, re.S)
    if not corps:
        return []
    return [[re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", cellule))).strip()
             for cellule in re.findall(r"<td\b[^>]*>(.*?)</td>", ligne, re.S)]
            for ligne in re.findall(r"<tr>(.*?)</tr>", corps.group(1), re.S)]


def resume(response) -> str:
    return re.sub(r"\s+", " ", re.search(r'<p id="resultats"[^>]*>(.*?)</p>',
                                        response.get_data(as_text=True), re.S).group(1)).strip()


@pytest.fixture
def nord(file):
    client = file.test_client()
    login_agent(client, NORD)
    return client


def test_colonnes_et_ordre_par_defaut(nord):
    response = nord.get("/agent/demandes")
    assert resume(response) == "26 demandes — page 1 sur 2"
    rows = lignes(response)
    assert len(rows) == 20
    numero, nom, prenom, depot, etat, agent, echeance, action = rows[0]
    assert (nom, prenom, depot, etat, agent, echeance, action) == (
        "MARTIN", "Prénom01", "02/03/2026", "Demande à examiner", "—", "—", "Prendre en charge")
    assert re.fullmatch(r"5901202603020000001", numero)
    assert [r[1] for r in rows[:3]] == ["MARTIN", "BERNARD", "DUBOIS"]  # oldest deposit first
    page = response.get_data(as_text=True)
    for entete in ("N° de la demande", "Nom", "Prénom", "Date de dépôt", "État", "Agent assigné", "Échéance"):
        assert f">{entete}</th>" in page


def test_pagination_par_20(nord):
    deuxieme = nord.get("/agent/demandes?page=2")
    assert resume(deuxieme) == "26 demandes — page 2 sur 2"
    rows = lignes(deuxieme)
    assert len(rows) == 6
    assert [r[1] for r in rows] == ["MOREL", "GIRARD", "ANDRE", "ZOLA", "ABADIE", "CURIE"]
    premiere = {r[0] for r in lignes(nord.get("/agent/demandes"))}
    assert premiere.isdisjoint({r[0] for r in rows})
    # Beyond the last page: the last page; nonsense: the first.
    assert resume(nord.get("/agent/demandes?page=99")) == "26 demandes — page 2 sur 2"
    assert resume(nord.get("/agent/demandes?page=abc")) == "26 demandes — page 1 sur 2"
    # The pagination links keep the filter and the sort.
    page = nord.get("/agent/demandes?tri=nom&etat=toutes").get_data(as_text=True)
    assert 'href="/agent/demandes?etat=toutes&amp;tri=nom&amp;page=2"' in page


def test_le_brouillon_et_les_autres_prefectures_ne_sont_pas_listes(nord, file):
    noms = {r[1] for r in lignes(nord.get("/agent/demandes?etat=toutes&page=1"))}
    noms |= {r[1] for r in lignes(nord.get("/agent/demandes?etat=toutes&page=2"))}
    assert len(noms) == 27
    assert "BROUILLON" not in noms and not any(n.startswith("PARIS") for n in noms)
    paris = file.test_client()
    login_agent(paris, PARIS)
    assert sorted(r[1] for r in lignes(paris.get("/agent/demandes"))) == ["PARIS41", "PARIS42", "PARIS43"]


def test_filtre_par_etat(nord):
    assert [r[1] for r in lignes(nord.get("/agent/demandes?etat=decider"))] == ["ZOLA", "ABADIE"]
    assert resume(nord.get("/agent/demandes?etat=a_traiter")) == "25 demandes — page 1 sur 2"
    assert resume(nord.get("/agent/demandes?etat=toutes")) == "27 demandes — page 1 sur 2"
    termine = lignes(nord.get("/agent/demandes?etat=demande_acceptee"))
    assert [(r[1], r[4], r[7]) for r in termine] == [("FINI", "Demande acceptée", "")]  # nothing to take
    attente = lignes(nord.get("/agent/demandes?etat=repondre_complement"))
    assert [(r[1], r[6]) for r in attente] == [("CURIE", "20/05/2026")]  # the applicant's deadline
    # The state filter offers the states found, with their counts.
    page = nord.get("/agent/demandes").get_data(as_text=True)
    assert ">Demande à examiner (23)</option>" in page and ">Décision à prendre (2)</option>" in page


def test_tris(nord):
    par_numero = [r[0] for r in lignes(nord.get("/agent/demandes?tri=numero&etat=toutes"))]
    assert par_numero == sorted(par_numero)
    par_nom = [r[1] for r in lignes(nord.get("/agent/demandes?tri=nom&etat=toutes"))]
    assert par_nom[:4] == ["ABADIE", "ANDRE", "BERNARD", "BERTRAND"]
    assert par_nom == sorted(par_nom)
    recentes = [r[1] for r in lignes(nord.get("/agent/demandes?tri=depot_recent&etat=toutes"))]
    assert recentes[:3] == ["FINI", "CURIE", "ABADIE"]


@pytest.mark.parametrize("recherche, attendus", [
    ("0000017", ["BERTRAND"]),                       # part of the number
    ("5901 2026 0303", ["BERNARD"]),                 # number with spaces
    ("moreau", ["MOREAU"]),                          # name, any case
    ("Prénom1", [f"{n}" for n in NOMS[9:19]]),       # first names Prénom10 … Prénom19
    ("zola Émile", ["ZOLA"]),                        # several words: all must match
    ("zola marie", []),
    ("100%", []),                                    # LIKE wildcards are plain characters
    ("inconnu", []),
])
def test_recherche_par_numero_ou_nom(nord, recherche, attendus):
    response = nord.get("/agent/demandes", query_string={"q": recherche, "etat": "toutes"})
    assert sorted(r[1] for r in lignes(response)) == sorted(attendus)


def _prendre_depuis_la_file(client, numero_ligne: int = 0, url: str = "/agent/demandes"):
    page = client.get(url).get_data(as_text=True)
    actions = re.findall(r'<form method="post" action="(/agent/demandes/\d+/(?:prendre|liberer))">', page)
    return client.post(actions[numero_ligne], data={"csrf_token": csrf_token(page), "retour": url})


def test_prendre_en_charge_puis_liberer_depuis_la_file(nord, file):
    response = _prendre_depuis_la_file(nord, 0, "/agent/demandes?tri=nom")
    assert response.status_code == 302 and response.location == "/agent/demandes?tri=nom"
    rows = lignes(nord.get("/agent/demandes?tri=nom"))
    assert (rows[0][1], rows[0][5], rows[0][7]) == ("ABADIE", "Camille MARTIN", "Libérer")
    assert [r[1] for r in lignes(nord.get("/agent/demandes?affectation=moi"))] == ["ABADIE"]
    assert resume(nord.get("/agent/demandes?affectation=personne")) == "25 demandes — page 1 sur 2"
    response = _prendre_depuis_la_file(nord, 0, "/agent/demandes?tri=nom")  # the « Libérer » of ABADIE
    assert response.status_code == 302
    rows = lignes(nord.get("/agent/demandes?tri=nom"))
    assert (rows[0][1], rows[0][5], rows[0][7]) == ("ABADIE", "—", "Prendre en charge")
    assert lignes(nord.get("/agent/demandes?affectation=moi")) == []


def test_un_autre_agent_voit_qui_a_la_demande_et_peut_la_reprendre(nord, file):
    _prendre_depuis_la_file(nord, 0)
    result = file.test_cli_runner().invoke(args=["agent-creer", "agent2.nord@demo.example.org", "--nom", "LEGRAND",
                                                 "--prenom", "Sam", "--departement", "59"],
                                           input="Secret-Agent-2!\nSecret-Agent-2!\n")
    assert result.exit_code == 0, result.output
    autre = file.test_client()
    page = autre.get("/agent/connexion").get_data(as_text=True)
    autre.post("/agent/connexion", data={"csrf_token": csrf_token(page), "email": "agent2.nord@demo.example.org",
                                         "mot_de_passe": "Secret-Agent-2!"})
    premiere = lignes(autre.get("/agent/demandes"))[0]
    assert (premiere[1], premiere[5], premiere[7]) == ("MARTIN", "Camille MARTIN", "Prendre en charge")
    _prendre_depuis_la_file(autre, 0)
    assert lignes(autre.get("/agent/demandes"))[0][5] == "Sam LEGRAND"
    # Camille can no longer release it: it is not hers any more.
    with file.app_context():
        ident = db.session.scalar(select(Demande.id).where(Demande.numero == premiere[0]))
        sam = db.session.scalar(select(Agent.id).where(Agent.email == "agent2.nord@demo.example.org"))
    page = nord.get("/agent/demandes").get_data(as_text=True)
    response = nord.post(f"/agent/demandes/{ident}/liberer", data={"csrf_token": csrf_token(page),
                                                                   "retour": "/agent/demandes"},
                         follow_redirects=True)
    assert "Seul l'agent qui a pris la demande en charge peut la libérer." in lisible(response)
    with file.app_context():
        assert db.session.get(Demande, ident).agent_id == sam


def test_une_demande_terminee_ne_se_prend_pas(nord, file):
    with file.app_context():
        ident = db.session.scalar(select(Demande.id).where(Demande.etat == "demande_acceptee"))
    page = nord.get("/agent/demandes").get_data(as_text=True)
    response = nord.post(f"/agent/demandes/{ident}/prendre", data={"csrf_token": csrf_token(page),
                                                                   "retour": "/agent/demandes"},
                         follow_redirects=True)
    assert "Cette demande est terminée : elle ne peut plus être prise en charge." in lisible(response)
    with file.app_context():
        assert db.session.get(Demande, ident).agent_id is None


def _version_renommee(app) -> int:
    """The process files as an analyst changes them: the examination task's id renamed (its form unchanged),
    stored as a version of its own, as the first application started on them would store it."""
    with app.app_context():
        courante = app.extensions["demandes"].catalog.current
        fichiers = {}
        for nom, contenu in courante.files.items():
            if nom.endswith(".bpmn"):
                contenu = re.sub(r'(["> ])examiner_demande(["<_])', r"\1examiner_dossier\2", contenu)
                contenu = contenu.replace('value="examiner_dossier"', 'value="examiner_demande"')  # the form key
                contenu = contenu.replace('name="Demande à examiner"', 'name="Dossier à examiner"')
            fichiers[nom] = contenu
        assert fichiers != courante.files and "examiner_dossier" in "".join(fichiers.values())
        version = VersionProcessus(empreinte=content_hash(fichiers), processus=courante.process_id, fichiers=fichiers)
        db.session.add(version)
        db.session.commit()
        return version.id


@pytest.mark.feature("F-48")
def test_a_traiter_voit_les_demandes_de_toutes_les_versions_du_processus(file):
    """Defect « queue blind to older versions »: each application keeps the version it started with, so after the
    examination task is renamed the queue must know both names."""
    with file.app_context():
        db.session.info["version"] = _version_renommee(file)
        _creer(db.session, 60, "NOUVEAU", "Processus", "59", "examiner_dossier", "Dossier à examiner", 44)
        db.session.commit()
    nord = file.test_client()
    login_agent(nord, NORD)
    a_traiter = lignes(nord.get("/agent/demandes?etat=a_traiter&tri=nom"))
    noms = {r[1] for r in a_traiter} | {r[1] for r in lignes(nord.get("/agent/demandes?etat=a_traiter&tri=nom&page=2"))}
    assert "NOUVEAU" in noms and "MARTIN" in noms and "ZOLA" in noms
    assert resume(nord.get("/agent/demandes?etat=a_traiter")) == "26 demandes — page 1 sur 2"
    assert "Dossier à examiner (1)" in nord.get("/agent/demandes").get_data(as_text=True)
    # Still in progress (not a final state of either version), and it can be taken.
    assert resume(nord.get("/agent/demandes?etat=en_cours")) == "27 demandes — page 1 sur 2"
    with file.app_context():
        ident = db.session.scalar(select(Demande.id).where(Demande.etat == "examiner_dossier"))
    page = nord.get("/agent/demandes").get_data(as_text=True)
    assert nord.post(f"/agent/demandes/{ident}/prendre",
                     data={"csrf_token": csrf_token(page), "retour": "/agent/demandes"}).status_code == 302
    with file.app_context():
        assert db.session.get(Demande, ident).agent_id is not None
