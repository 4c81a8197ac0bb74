"""The process view (F-43): on each element of a version's diagram, the number of applications waiting there, from
the indexed columns; the list of those applications (numbers for analysts, names for agents of their prefectures).

Applications are made through the real web (drafts, deposits, an agent's review and decision); the counts on the
page are held against the database read independently (every row's element, counted in Python).
"""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Demande, VersionProcessus
from app.register import demo_people
from tests.dates import aujourdhui
from tests.web import instruction as parcours
from tests.web.agent_outils import NORD, PARIS, login_agent
from tests.web.analyste_outils import login_analyste
from tests.web.helpers import login, start_draft

pytestmark = pytest.mark.feature("F-43")




def personnes() -> list[Any]:
    """The demo people: CAS_1, CAS_2, CAS_3, NON_ELIGIBLE (all of Lille, department 59)."""
    return [p for _, p in demo_people(aujourdhui())]


@pytest.fixture
def demandes(app: Any) -> dict[str, int]:
    """Three applications of three people, through the real web: a draft at step 1, one deposited (waiting for the
    agent's review), one decided favourably (ended)."""
    cas_1, cas_2, cas_3, _ = personnes()[:4]
    ids = {}
    brouillon = app.test_client()
    assert login(brouillon, cas_1.numero_etranger, cas_1.mot_de_passe).status_code == 302
    ids["brouillon"] = parcours.demande_id(start_draft(brouillon))
    deposant = app.test_client()
    assert login(deposant, cas_3.numero_etranger, cas_3.mot_de_passe).status_code == 302
    ids["deposee"] = parcours.deposee(deposant, cas_3, "CAS_3")
    decide = app.test_client()
    assert login(decide, cas_2.numero_etranger, cas_2.mot_de_passe).status_code == 302
    ids["acceptee"] = parcours.deposee(decide, cas_2, "CAS_2")
    parcours.examiner(app, ids["acceptee"])
    parcours.decider_favorable(app, ids["acceptee"])
    return ids


def en_base(app: Any, **filtres: Any) -> tuple[int, Counter]:
    """The current version's id and its applications per element, read row by row (not by the page's query)."""
    with app.app_context():
        version = app.extensions["demandes"].catalog.current_version(db.session)
        rows = db.session.scalars(select(Demande).where(Demande.version_processus_id == version.id)).all()
        return version.id, Counter(d.element for d in rows
                                   if all(f(d) for f in filtres.values()))


def comptes_affiches(page: str) -> dict[str, int]:
    """The badges' counts (the diagram's data attribute) and the table's, which must agree."""
    badges = json.loads(html.unescape(re.search(r"data-comptes='([^']*)'", page).group(1)))
    tableau = re.search(r'<table id="positions".*?</table>', page, re.S).group(0)
    lignes = {}
    for ligne in re.findall(r"<tr>(.*?)</tr>", tableau, re.S):
        ident = re.search(r"<code>([^<]+)</code>", ligne)
        nombre = re.search(r'data-label="Demandes">(?:<a [^>]*>)?(\d+)', ligne)
        if ident and nombre:
            lignes[ident.group(1)] = int(nombre.group(1))
    assert {e: n for e, n in lignes.items() if n} == badges
    return badges


def test_les_comptes_de_l_analyste_sont_ceux_de_la_base(app: Any, client: Any, demandes: dict[str, int]) -> None:
    login_analyste(client)
    page = client.get("/analyste/processus")
    assert page.status_code == 200
    texte = page.get_data(as_text=True)
    version_id, attendus = en_base(app)
    assert comptes_affiches(texte) == dict(attendus)
    # The draft, the deposited one and the ended one, each where it stands: nothing is left out.
    assert attendus == Counter({"informations_personnelles": 1, "examiner_demande": 1, "demande_acceptee": 1})
    with app.app_context():
        version = db.session.get(VersionProcessus, version_id)
    assert f"<code>{version.empreinte[:12]}</code>" in texte and "version courante" in texte
    assert f'data-xml-url="/analyste/versions/{version_id}/fichiers/bpmn/demande_titre_sejour_ase.bpmn"' in texte
    assert f'href="/analyste/versions/{version_id}/elements/examiner_demande"' in texte
    # The same page by its version id.
    par_version = client.get(f"/analyste/versions/{version_id}/processus").get_data(as_text=True)
    assert comptes_affiches(par_version) == dict(attendus)


def test_le_fichier_de_la_version_est_servi_en_xml(app: Any, client: Any) -> None:
    login_analyste(client)
    with app.app_context():
        version = app.extensions["demandes"].catalog.current_version(db.session)
        version_id, fichiers = version.id, dict(version.fichiers)
    reponse = client.get(f"/analyste/versions/{version_id}/fichiers/bpmn/demande_titre_sejour_ase.bpmn")
    assert reponse.status_code == 200
    assert reponse.headers["Content-Type"] == "application/xml; charset=utf-8"
    assert reponse.headers["Content-Disposition"].startswith("inline")
    assert reponse.get_data(as_text=True) == fichiers["bpmn/demande_titre_sejour_ase.bpmn"]
    assert client.get(f"/analyste/versions/{version_id}/fichiers/dmn/cas_usager.dmn").status_code == 200
    for url in (f"/analyste/versions/{version_id}/fichiers/bpmn/inconnu.bpmn",
                f"/analyste/versions/{version_id}/fichiers/../../etc/passwd",
                f"/analyste/versions/{version_id + 1000}/fichiers/bpmn/demande_titre_sejour_ase.bpmn"):
        assert client.get(url).status_code == 404, url


def test_la_liste_d_un_element_donne_les_numeros_sans_les_noms(app: Any, client: Any,
                                                               demandes: dict[str, int]) -> None:
    login_analyste(client)
    version_id, _ = en_base(app)
    with app.app_context():
        numero = db.session.get(Demande, demandes["deposee"]).numero
    assert numero
    page = client.get(f"/analyste/versions/{version_id}/elements/examiner_demande").get_data(as_text=True)
    assert numero in page and "59" in page
    brouillons = client.get(f"/analyste/versions/{version_id}/elements/informations_personnelles")
    assert f"Brouillon n° {demandes['brouillon']}" in brouillons.get_data(as_text=True)
    fin = client.get(f"/analyste/versions/{version_id}/elements/demande_acceptee").get_data(as_text=True)
    assert "Demande acceptée" in fin
    for url in ("examiner_demande", "informations_personnelles", "demande_acceptee"):
        texte = parcours.lisible(client, f"/analyste/versions/{version_id}/elements/{url}")
        for personne in personnes():
            assert not re.search(rf"\b({personne.nom}|{personne.prenoms})\b", texte), (personne.nom, texte)
    vide = parcours.lisible(client, f"/analyste/versions/{version_id}/elements/decider")
    assert "Aucune demande n'attend à cet élément." in vide


def test_element_ou_version_inconnus_404(app: Any, client: Any) -> None:
    login_analyste(client)
    version_id, _ = en_base(app)
    for url in (f"/analyste/versions/{version_id}/elements/inconnu",
                f"/analyste/versions/{version_id}/elements/examiner%20demande",
                f"/analyste/versions/{version_id}/elements/{'a' * 121}",
                f"/analyste/versions/{version_id}/elements/%C3%A9l%C3%A9ment",
                f"/analyste/versions/{version_id + 1000}/elements/examiner_demande",
                f"/analyste/versions/{version_id + 1000}/processus",
                "/analyste/versions/99999999999999999999999/processus",
                "/agent/processus/elements/inconnu"):
        client_ = client
        if url.startswith("/agent/"):
            client_ = app.test_client()
            login_agent(client_, NORD)
        assert client_.get(url).status_code == 404, url


def test_une_ancienne_version_est_dite_ancienne(app: Any, client: Any) -> None:
    login_analyste(client)
    with app.app_context():
        courante = app.extensions["demandes"].catalog.current_version(db.session)
        fichiers = {nom: texte.replace('name="Demande à examiner"', 'name="Examen (ancien libellé)"')
                    for nom, texte in courante.fichiers.items()}
        ancienne = VersionProcessus(empreinte="a" * 64, processus=courante.processus, fichiers=fichiers)
        db.session.add(ancienne)
        db.session.commit()
        ancienne_id = ancienne.id
    texte = parcours.lisible(client, f"/analyste/versions/{ancienne_id}/processus")
    assert "Version aaaaaaaaaaaa" in texte and "ancienne version — voir la version courante" in texte
    courante_page = parcours.lisible(client, "/analyste/processus")
    assert "version courante" in courante_page and "ancienne version" not in courante_page
    assert "0 demande en tout" in texte
    assert "Examen (ancien libellé)" in texte


def test_l_agent_voit_les_demandes_de_ses_prefectures_deposees(app: Any, demandes: dict[str, int]) -> None:
    _, deposees = en_base(app, deposee=lambda d: d.numero is not None and d.departement == "59")
    assert deposees == Counter({"examiner_demande": 1, "demande_acceptee": 1})  # the draft is not an agent's
    nord = app.test_client()
    assert login_agent(nord, NORD).status_code == 302
    page = nord.get("/agent/processus").get_data(as_text=True)
    assert comptes_affiches(page) == dict(deposees)
    assert 'href="/agent/processus"' in page  # the header link
    assert 'data-xml-url="/agent/processus/diagramme.bpmn"' in page
    bpmn = nord.get("/agent/processus/diagramme.bpmn")
    assert bpmn.status_code == 200 and bpmn.headers["Content-Type"] == "application/xml; charset=utf-8"
    liste = nord.get("/agent/processus/elements/examiner_demande").get_data(as_text=True)
    cas_3 = personnes()[2]
    assert cas_3.nom in liste and f'href="/agent/demandes/{demandes["deposee"]}"' in liste
    brouillons = parcours.lisible(nord, "/agent/processus/elements/informations_personnelles")
    assert "Aucune demande de votre ressort n'attend à cette étape." in brouillons

    paris = app.test_client()
    assert login_agent(paris, PARIS).status_code == 302
    page = paris.get("/agent/processus").get_data(as_text=True)
    assert comptes_affiches(page) == {}
    assert "0 demande en tout" in parcours.lisible(paris, "/agent/processus")
    liste = parcours.lisible(paris, "/agent/processus/elements/examiner_demande")
    assert "0 demande de votre ressort" in liste and cas_3.nom not in liste


def test_la_liste_d_un_element_est_paginee(app: Any, client: Any, demandes: dict[str, int]) -> None:
    """50 per page. The extra rows are plain copies of the draft's columns (the list never reads a workflow)."""
    version_id, _ = en_base(app)
    with app.app_context():
        modele = db.session.get(Demande, demandes["brouillon"])
        for _ in range(54):
            db.session.add(Demande(compte_id=modele.compte_id, version_processus_id=version_id, etat=modele.etat,
                                   etat_libelle=modele.etat_libelle, element="informations_personnelles"))
        db.session.commit()
    login_analyste(client)
    url = f"/analyste/versions/{version_id}/elements/informations_personnelles"
    premiere = client.get(url).get_data(as_text=True)
    assert premiere.count("Brouillon n° ") == 50
    assert "55 demandes à cet élément — page 1 sur 2" in parcours.lisible(client, url)
    assert f'href="{url}?page=2"' in premiere
    seconde = client.get(f"{url}?page=2").get_data(as_text=True)
    assert seconde.count("Brouillon n° ") == 5
    for mauvaise in ("abc", "-1", "0", "99999999999999999999999", "²"):
        reponse = client.get(url, query_string={"page": mauvaise})
        assert reponse.status_code == 200 and "page 1 sur 2" in reponse.get_data(as_text=True)
    assert "page 2 sur 2" in parcours.lisible(client, f"{url}?page=7")
