"""The agents' queue at scale (F-31, F-47): counts kept by the database, keyset pages, names copied for the search,
and `flask demo-volume`, which writes many realistic applications fast.

Rows are written the ways the application and an operator write them (ORM, the agents' forms, bulk inserts, a
register correction); after each, the counts the queue shows must equal a real count of the rows.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, func, select, update

from app.extensions import db
from app.models import Compteur, Demande, FileCompte, Personne
from tests.conftest import csrf_token
from tests.web.agent_outils import NORD, login_agent
from tests.web.test_agent_file import _creer, lignes, resume

pytestmark = [pytest.mark.feature("F-47"), pytest.mark.feature("F-31")]


def _compteurs(app) -> dict[tuple, int]:
    with app.app_context():
        return {(c.departement, c.etat, c.etat_libelle, c.agent_id): c.nombre
                for c in db.session.scalars(select(FileCompte)) if c.nombre}


def _compte_reel(app) -> dict[tuple, int]:
    """What the counters must say: a real GROUP BY over the deposited applications."""
    with app.app_context():
        return {(d, e, lib, a or 0): n for d, e, lib, a, n in db.session.execute(
            select(Demande.departement, Demande.etat, Demande.etat_libelle, Demande.agent_id, func.count())
            .where(Demande.numero.is_not(None), Demande.departement.is_not(None))
            .group_by(Demande.departement, Demande.etat, Demande.etat_libelle, Demande.agent_id))}


@pytest.fixture
def file(app):
    """45 deposited applications in the Nord, one a day, and a draft."""
    with app.app_context():
        db.session.info["version"] = app.extensions["demandes"].catalog.current_version(db.session).id
        for n in range(1, 46):
            _creer(db.session, n, f"NOM{n:02d}", f"Prénom{n:02d}", "59", "examiner_demande", "Demande à examiner", n)
        _creer(db.session, 99, "BROUILLON", "Pas déposé", "59", "brouillon", "Brouillon", 0, numero=False)
        db.session.commit()
    return app


@pytest.fixture
def nord(file):
    client = file.test_client()
    login_agent(client, NORD)
    return client


def _lien(page: str, libelle: str) -> str | None:
    """The URL of the pagination link `libelle`, None when it is disabled."""
    trouve = re.search(r'href="([^"]+)"[^>]*>' + libelle, page)
    return trouve.group(1).replace("&amp;", "&") if trouve else None


class _Page:
    def __init__(self, html: str) -> None:
        self.html = html

    def get_data(self, as_text: bool = True) -> str:
        return self.html


def test_les_compteurs_suivent_chaque_ecriture(file, nord):
    assert _compteurs(file) == _compte_reel(file) == {("59", "examiner_demande", "Demande à examiner", 0): 45}
    page = nord.get("/agent/demandes").get_data(as_text=True)
    assert resume(nord.get("/agent/demandes")) == "45 demandes — page 1 sur 3"
    assert ">Demande à examiner (45)</option>" in page
    # An agent takes one through the queue's form: it moves to their own counter.
    action = re.search(r'action="(/agent/demandes/\d+/prendre)"', page).group(1)
    assert nord.post(action, data={"csrf_token": csrf_token(page), "retour": "/agent/demandes"}).status_code == 302
    assert _compteurs(file) == _compte_reel(file)
    assert resume(nord.get("/agent/demandes?affectation=moi")) == "1 demande"
    assert resume(nord.get("/agent/demandes?affectation=personne")) == "44 demandes — page 1 sur 3"
    with file.app_context():  # the process moves some on, one is decided, a draft is deposited, one is deleted
        db.session.execute(update(Demande).where(Demande.id.in_(select(Demande.id).where(
            Demande.numero.is_not(None)).order_by(Demande.id).limit(3))).values(etat="decider",
                                                                                  etat_libelle="Décision à prendre"))
        fini = db.session.scalars(select(Demande).where(Demande.etat == "examiner_demande").limit(1)).one()
        fini.etat, fini.etat_libelle = "demande_acceptee", "Demande acceptée"
        brouillon = db.session.scalars(select(Demande).where(Demande.etat == "brouillon")).one()
        brouillon.numero, brouillon.departement, brouillon.deposee_le = "5901202603020009999", "59", datetime.now(UTC)
        brouillon.etat, brouillon.etat_libelle = "examiner_demande", "Demande à examiner"
        db.session.flush()
        db.session.execute(delete(Demande).where(Demande.id == db.session.scalar(
            select(func.max(Demande.id)).where(Demande.etat == "examiner_demande", Demande.id != brouillon.id))))
        db.session.commit()
    assert _compteurs(file) == _compte_reel(file)
    page = nord.get("/agent/demandes").get_data(as_text=True)
    assert ">Décision à prendre (3)</option>" in page and ">Demande acceptée (1)</option>" in page
    assert ">Demande à examiner (41)</option>" in page
    assert resume(nord.get("/agent/demandes")) == "44 demandes — page 1 sur 3"  # in progress: 45 + 1 - 1 - 1
    assert resume(nord.get("/agent/demandes?etat=toutes")) == "45 demandes — page 1 sur 3"
    assert resume(nord.get("/agent/demandes?etat=a_traiter")) == "44 demandes — page 1 sur 3"
    # A rolled-back change leaves the counters as they were.
    with file.app_context():
        db.session.execute(update(Demande).values(etat="decider"))
        db.session.rollback()
    assert _compteurs(file) == _compte_reel(file)


def test_page_suivante_et_precedente_restent_justes_quand_des_demandes_arrivent(file, nord):
    url = "/agent/demandes?tri=depot_recent"
    premiere = nord.get(url).get_data(as_text=True)
    vus = [r[1] for r in lignes(_Page(premiere))]
    assert vus == [f"NOM{n:02d}" for n in range(45, 25, -1)]
    with file.app_context():  # five newer deposits arrive while the agent reads page 1
        db.session.info["version"] = file.extensions["demandes"].catalog.current_version(db.session).id
        for n in range(46, 51):
            _creer(db.session, n, f"NOM{n:02d}", "Nouveau", "59", "examiner_demande", "Demande à examiner", n)
        db.session.commit()
    suivante = nord.get(_lien(premiere, "Page suivante"))
    # Page 2 continues after the last row read: no row of page 1 again (page=2 alone would repeat NOM30…NOM26).
    assert [r[1] for r in lignes(suivante)] == [f"NOM{n:02d}" for n in range(25, 5, -1)]
    assert "page 2 sur 3" in resume(suivante)
    retour = nord.get(_lien(suivante.get_data(as_text=True), "Page précédente"))
    assert [r[1] for r in lignes(retour)] == vus  # the rows the agent came from, not the newcomers
    troisieme = nord.get(_lien(suivante.get_data(as_text=True), "Page suivante"))
    assert [r[1] for r in lignes(troisieme)] == [f"NOM{n:02d}" for n in range(5, 0, -1)]
    # A cursor that is not one of the agent's rows (or nonsense) falls back to the page number.
    assert [r[1] for r in lignes(nord.get(url + "&page=2&apres=999999"))] == \
        [f"NOM{n:02d}" for n in range(30, 10, -1)]
    assert resume(nord.get(url + "&page=2&avant=abc")) == "50 demandes — page 2 sur 3"


@pytest.mark.parametrize("tri", ["depot", "depot_recent", "numero", "nom"])
def test_chaque_tri_parcouru_page_a_page_donne_chaque_demande_une_fois(nord, tri):
    par_numero = [r[1] for r in lignes(nord.get(f"/agent/demandes?tri={tri}&page=1"))]
    for n in (2, 3):
        par_numero += [r[1] for r in lignes(nord.get(f"/agent/demandes?tri={tri}&page={n}"))]
    url, suivis = f"/agent/demandes?tri={tri}", []
    while url is not None:
        reponse = nord.get(url)
        suivis += [r[1] for r in lignes(reponse)]
        url = _lien(reponse.get_data(as_text=True), "Page suivante")
    assert suivis == par_numero and sorted(suivis) == [f"NOM{n:02d}" for n in range(1, 46)]


def test_la_recherche_compte_et_pagine_ses_resultats(nord):
    assert resume(nord.get("/agent/demandes?q=prénom")) == "45 demandes — page 1 sur 3"
    assert resume(nord.get("/agent/demandes?q=pRénom4")) == "6 demandes"  # Prénom04, Prénom40…Prénom45
    deuxieme = nord.get("/agent/demandes?q=nom&tri=nom&page=2")
    assert [r[1] for r in lignes(deuxieme)] == [f"NOM{n:02d}" for n in range(21, 41)]
    suivante = nord.get(_lien(deuxieme.get_data(as_text=True), "Page suivante"))
    assert [r[1] for r in lignes(suivante)] == [f"NOM{n:02d}" for n in range(41, 46)]


def test_un_nom_corrige_au_registre_se_retrouve_dans_la_file(file, nord):
    with file.app_context():
        personne = db.session.scalars(select(Personne).where(Personne.nom_naissance == "NOM07")).one()
        personne.nom_naissance, personne.nom_usage = "KOUYATÉ", "DIALLO"
        db.session.commit()
    trouve = lignes(nord.get("/agent/demandes?q=diallo"))
    assert [(r[1], r[2]) for r in trouve] == [("KOUYATÉ (DIALLO)", "Prénom07")]
    assert [r[1] for r in lignes(nord.get("/agent/demandes?q=kouyat"))] == ["KOUYATÉ (DIALLO)"]
    assert lignes(nord.get("/agent/demandes?q=NOM07&tri=nom")) == lignes(nord.get("/agent/demandes?q=diallo"))  # its
    # first name Prénom07 still contains « nom07 »; no other row does
    assert lignes(nord.get("/agent/demandes?tri=nom"))[0][1] == "KOUYATÉ (DIALLO)"  # sorted by its new name


def test_demo_volume_ecrit_des_demandes_realistes_que_la_file_compte_juste(app):
    resultat = app.test_cli_runner().invoke(args=["demo-volume", "--demandes", "400", "--prefectures", "59,2A"])
    assert resultat.exit_code == 0, resultat.output
    assert "400 demandes créées" in resultat.output
    assert _compteurs(app) == _compte_reel(app)
    with app.app_context():
        etats = {e: n for e, n in db.session.execute(select(Demande.etat, func.count()).group_by(Demande.etat))}
        assert {"brouillon", "examiner_demande", "decider", "repondre_complement", "demande_acceptee",
                "demande_refusee", "demande_cloturee"} <= set(etats)
        numeros = db.session.scalars(select(Demande.numero).where(Demande.numero.is_not(None))).all()
        assert all(re.fullmatch(r"(59|20)01\d{8}\d{7}", n) for n in numeros) and len(set(numeros)) == len(numeros)
        assert set(db.session.scalars(select(Demande.departement).where(Demande.numero.is_not(None)))) == {"59", "2A"}
        # The numbering counters are past every generated number: a real deposit that day takes a new one.
        for numero in numeros:
            cle = f"demande:{numero[:2]}:{numero[4:12]}"
            assert db.session.scalar(select(Compteur.valeur).where(Compteur.cle == cle)) >= int(numero[12:])
        # New rows after the bulk load get fresh ids (PostgreSQL's sequences moved past the chosen ids).
        db.session.info["version"] = app.extensions["demandes"].catalog.current_version(db.session).id
        _creer(db.session, 9999, "APRES", "Chargement", "59", "decider", "Décision à prendre", 1)
        db.session.commit()
        # The names copied for the queue are the register's.
        assert db.session.scalar(select(func.count()).select_from(Demande).join(Demande.compte).where(
            Demande.nom_naissance.is_(None))) == 0
    assert _compteurs(app) == _compte_reel(app)
    client = app.test_client()
    login_agent(client, NORD)
    with app.app_context():
        nord = db.session.scalar(select(func.count()).select_from(Demande).where(
            Demande.departement == "59", Demande.numero.is_not(None),
            Demande.etat.not_in(["demande_abandonnee", "demande_cloturee", "demande_acceptee", "demande_refusee"])))
    assert resume(client.get("/agent/demandes")).startswith(f"{nord} demandes")
    derniere = lignes(client.get(f"/agent/demandes?page={(nord + 19) // 20}"))
    assert 1 <= len(derniere) <= 20


def test_la_deuxieme_execution_ajoute_sans_collision(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo-volume", "--demandes", "50"]).exit_code == 0
    resultat = runner.invoke(args=["demo-volume", "--demandes", "50", "--graine", "14"])
    assert resultat.exit_code == 0, resultat.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Demande)) >= 100
    assert _compteurs(app) == _compte_reel(app)


def test_demo_volume_refuse_un_departement_inconnu(app):
    resultat = app.test_cli_runner().invoke(args=["demo-volume", "--demandes", "5", "--prefectures", "59,99"])
    assert resultat.exit_code != 0 and "codes de département attendus" in resultat.output
