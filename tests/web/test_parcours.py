"""One application's path (F-43) for analysts and agents, and the analysts' coverage page (F-45).

The application goes through the real web and the real process (deposit, the agent asks a complement); the page's
highlights are held against what the diagram says that path is, the timeline against the events stored.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Demande, EtatProcessus, Evenement, VersionProcessus
from tests.web import instruction as parcours
from tests.web.agent_outils import NORD, PARIS, login_agent
from tests.web.helpers import login
from tests.web.test_processus_vue import login_analyste, personnes

OBSERVATION = "Justificatif de domicile de plus de six mois"
MESSAGE_AGENT = "Merci d'envoyer un justificatif récent"


@pytest.fixture
def demande(app: Any) -> int:
    """An application of CAS_3 deposited, then a complement asked by the agent: it waits for the notification to be
    read."""
    cas_3 = personnes()[2]
    usager = app.test_client()
    assert login(usager, cas_3.numero_etranger, cas_3.mot_de_passe).status_code == 302
    ident = parcours.deposee(usager, cas_3, "CAS_3")
    parcours.examiner(app, ident, {"domicile": OBSERVATION}, MESSAGE_AGENT)
    assert parcours.ligne(app, ident).element == "attente_lecture"
    return ident


def surligner(page: str) -> dict[str, list[str]]:
    match = re.search(r"data-surligner='([^']*)'", page)
    assert match, "aucun surlignage dans la page"
    return json.loads(html.unescape(match.group(1)))


def xml_url(page: str) -> str:
    return html.unescape(re.search(r'data-xml-url="([^"]*)"', page).group(1))


@pytest.mark.feature("F-43")
def test_l_analyste_voit_le_parcours_et_la_chronologie_sans_donnees_personnelles(app, demande):
    client = app.test_client()
    login_analyste(client)
    reponse = client.get(f"/analyste/demandes/{demande}/parcours")
    assert reponse.status_code == 200
    page = reponse.get_data(as_text=True)

    marques = surligner(page)
    assert marques["actuels"] == ["attente_lecture"]
    assert {"informations_personnelles", "motif_sejour", "justificatifs", "depot", "numeroter_demande",
            "examiner_demande", "notifier_complement"} <= set(marques["passes"])
    assert "decider" not in marques["passes"] and "repondre_complement" not in marques["passes"]
    assert {"f_b10", "f_b11", "f_brouillon_numeroter", "f_examen", "f_vers_complement", "f_attente_lecture"} <= set(
        marques["flux"])
    assert not {"f_vers_decision", "f_lue", "f_abandon"} & set(marques["flux"])
    # The diagram is the application's own version's file.
    fichier = client.get(xml_url(page))
    assert fichier.status_code == 200 and b'id="attente_lecture"' in fichier.data
    # The accessible list names the elements, the current one last.
    assert "Dépôt de la demande" in page
    assert re.search(r'<li class="actuel">Complément demandé : notification pas encore lue — <strong>en cours', page)

    # The timeline: every stored event in order, with the role only.
    with app.app_context():
        demande_row = db.session.get(Demande, demande)
        personne = demande_row.compte.personne
        nombre = db.session.scalar(select(func.count()).select_from(Evenement).where(Evenement.demande_id == demande))
        numero = demande_row.numero
    lignes = re.findall(r"<tr><td data-label=\"Date et heure\">.*?</tr>", page, re.S)
    assert len(lignes) == nombre > 5
    roles = [re.search(r'data-label="Par">([^<]*)<', ligne).group(1) for ligne in lignes]
    assert set(roles) <= {"usager", "agent", "système"} and {"usager", "agent", "système"} <= set(roles)
    assert "Étape « Dépôt de la demande » validée" in page
    assert "Notification adressée à l&#39;usager" in page
    assert numero in page  # the application number is what analysts may see
    for prive in (personne.nom_naissance, personne.numero_etranger, OBSERVATION, MESSAGE_AGENT, "agent:test",
                  "20 Rue Nationale"):
        assert prive not in page, prive


@pytest.mark.feature("F-43")
def test_la_page_d_un_element_mene_au_parcours(app, demande):
    client = app.test_client()
    login_analyste(client)
    with app.app_context():
        version_id = db.session.get(Demande, demande).version_processus_id
    page = client.get(f"/analyste/versions/{version_id}/elements/attente_lecture").get_data(as_text=True)
    assert f'href="/analyste/demandes/{demande}/parcours"' in page
    assert client.get("/analyste/demandes/999999/parcours").status_code == 404


@pytest.mark.feature("F-43")
def test_l_agent_ouvre_le_parcours_depuis_la_revue(app, demande):
    client = app.test_client()
    assert login_agent(client, NORD).status_code == 302
    revue = client.get(f"/agent/demandes/{demande}").get_data(as_text=True)
    assert re.search(rf'<a [^>]*id="lien-parcours" href="/agent/demandes/{demande}/parcours">Parcours de la demande',
                     revue)
    reponse = client.get(f"/agent/demandes/{demande}/parcours")
    assert reponse.status_code == 200
    page = reponse.get_data(as_text=True)
    assert surligner(page)["actuels"] == ["attente_lecture"]
    assert xml_url(page) == f"/agent/demandes/{demande}/processus.bpmn"
    fichier = client.get(xml_url(page))
    assert fichier.status_code == 200 and fichier.mimetype == "application/xml"
    with app.app_context():
        version = db.session.get(Demande, demande).version_processus
        fichiers = db.session.get(VersionProcessus, version.id).fichiers
    assert fichier.get_data(as_text=True) in fichiers.values()
    # The agent's timeline is the review page's: with what the agent wrote.
    assert OBSERVATION in page and "Demande déposée" in page


@pytest.mark.feature("F-43")
def test_un_agent_d_une_autre_prefecture_n_y_a_pas_acces(app, demande):
    client = app.test_client()
    assert login_agent(client, PARIS).status_code == 302
    assert client.get(f"/agent/demandes/{demande}/parcours").status_code == 404
    assert client.get(f"/agent/demandes/{demande}/processus.bpmn").status_code == 404


@pytest.mark.feature("F-43")
def test_une_demande_en_incident_a_un_message_et_pas_d_erreur(app, demande):
    with app.app_context():
        db.session.get(EtatProcessus, demande).etat = "{}"
        db.session.commit()
    for connexion, url in ((login_analyste, f"/analyste/demandes/{demande}/parcours"),
                           (lambda c: login_agent(c, NORD), f"/agent/demandes/{demande}/parcours")):
        client = app.test_client()
        connexion(client)
        reponse = client.get(url)
        assert reponse.status_code == 200
        page = reponse.get_data(as_text=True)
        assert "Le parcours de cette demande ne peut pas être affiché" in page
        assert "data-surligner" not in page


# --- Coverage (F-45) ----------------------------------------------------------------------------------------------


@pytest.mark.feature("F-45")
def test_sans_releve_la_page_dit_comment_le_produire(app, tmp_path):
    app.config["COUVERTURE_FICHIER"] = tmp_path / "absent.json"
    client = app.test_client()
    login_analyste(client)
    page = client.get("/analyste/couverture").get_data(as_text=True)
    assert str(tmp_path / "absent.json") in page
    assert "Aucun relevé de couverture lisible" in page and "make couverture" in page
    assert "data-diagramme" not in page


@pytest.mark.feature("F-45")
def test_la_page_colore_les_flux_jamais_pris(app, tmp_path):
    with app.app_context():
        version = app.extensions["demandes"].catalog.current_version(db.session)
        empreinte, version_id = version.empreinte, version.id
    tous = re.findall(r'<bpmn:sequenceFlow id="([^"]+)"', next(iter(
        t for n, t in version.fichiers.items() if n.endswith(".bpmn"))))
    chemin = tmp_path / "releve.json"
    chemin.write_text(json.dumps({"empreinte": empreinte, "flux": [f for f in tous if f != "f_sans_reponse"]}),
                      encoding="utf-8")
    app.config["COUVERTURE_FICHIER"] = chemin
    client = app.test_client()
    login_analyste(client)
    page = client.get("/analyste/couverture").get_data(as_text=True)
    assert json.loads(html.unescape(re.search(r"data-flux-non-pris='([^']*)'", page).group(1))) == ["f_sans_reponse"]
    assert xml_url(page) == f"/analyste/versions/{version_id}/fichiers/bpmn/demande_titre_sejour_ase.bpmn"
    tableau = re.search(r'<table id="flux-non-pris".*?</table>', page, re.S).group(0)
    assert "f_sans_reponse" in tableau and "Délai de réponse expiré" in tableau and "Notifier la clôture" in tableau
    assert f"{len(tous) - 1} flux pris sur {len(tous)}, 1 jamais pris" in re.sub(r"<[^>]+>|\s+", " ", page).replace(
        "  ", " ")
    assert "releve-perime" not in page

    # All taken, but recorded on other files: the page says it is stale.
    chemin.write_text(json.dumps({"empreinte": "0" * 64, "flux": tous}), encoding="utf-8")
    page = client.get("/analyste/couverture").get_data(as_text=True)
    assert 'id="tout-couvert"' in page and 'id="releve-perime"' in page
