"""F-13: « Mes demandes en cours »."""

from __future__ import annotations

import html
import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app import clock
from app.extensions import db
from app.models import Demande
from tests.web.helpers import deposit, get_text, login, row_containing, start_draft

PARIS = ZoneInfo("Europe/Paris")


@pytest.mark.feature("F-13")
def test_demande_envoyee_listee_avec_date_et_heure(client, demo):
    person = demo["CAS_3"]
    _, confirmation = deposit(client, person, "CAS_3")
    numero = re.search(r"N° de la demande : <strong>(\d+)</strong>", get_text(client, confirmation)).group(1)
    page = get_text(client, "/mes-demandes")
    assert "Mes demandes en cours" in page
    ligne = row_containing(page, numero)
    assert "Demande de vie privée et familiale" in ligne
    assert person.numero_etranger in ligne
    envoi = re.search(r"Demande envoyée : le (\d{2}/\d{2}/\d{4} à \d{2}:\d{2})", ligne)
    assert envoi, ligne
    moment = datetime.strptime(envoi.group(1), "%d/%m/%Y à %H:%M").replace(tzinfo=PARIS)
    assert abs(datetime.now(PARIS) - moment) < timedelta(minutes=3), "heure de Paris attendue"
    assert "Reprendre" not in ligne


@pytest.mark.feature("F-13")
def test_brouillon_liste_avec_reprendre(client, demo):
    person = demo["CAS_1"]
    login(client, person.numero_etranger, person.mot_de_passe)
    url = start_draft(client)
    page = get_text(client, "/mes-demandes")
    assert "Demande de vie privée et familiale" in page and person.numero_etranger in page
    assert f'href="{url}">Reprendre</a>' in page


@pytest.mark.feature("F-13")
def test_historique_des_titres_du_demandeur_cas2(client, demo):
    person = demo["CAS_2"]
    login(client, person.numero_etranger, person.mot_de_passe)
    page = get_text(client, "/mes-demandes")
    historique = page[page.index("Historique de mes Titres de Séjour"):]
    ligne = row_containing(historique, "Document de circulation")
    assert re.fullmatch(r"\d{2}/\d{2}/\d{4} \d{2}/\d{2}/\d{4} Document de circulation Accepté", ligne), ligne


@pytest.mark.feature("F-13")
def test_sans_titre_l_historique_le_dit(client, demo):
    person = demo["CAS_3"]
    login(client, person.numero_etranger, person.mot_de_passe)
    page = get_text(client, "/mes-demandes")
    assert "Aucun titre de séjour." in page and "Document de circulation" not in page


# --- Added with the deposit (issue 5): the PDF link, the later states, the unavailable parts ------------------


def agent_termine(app, demande_id: int, form: str, values: dict) -> None:
    """Complete the READY « Agent » task `form` through the store, as the agent pages do."""
    with app.app_context(), app.extensions["demandes"].open(demande_id, clock.today()) as instance:
        [task] = instance.ready("Agent")
        assert task.form == form
        instance.complete(task.id, values, "agent:test")


def lien_telechargement(page: str, numero: str) -> str:
    ligne = next(r for r in re.findall(r"<tr\b.*?</tr>", page, re.S) if numero in r)
    match = re.search(r'<a [^>]*href="([^"]+)"[^>]*\bdownload="([^"]+)"[^>]*>TÉLÉCHARGER LA CONFIRMATION DE DÉPÔT</a>',
                      ligne)
    assert match, ligne
    assert match.group(2) == f"confirmation-de-depot-{numero}.pdf"
    return match.group(1)


@pytest.mark.feature("F-13")
@pytest.mark.feature("F-24")
def test_telecharger_la_confirmation_de_depot_depuis_mes_demandes(client, demo):
    _, confirmation = deposit(client, demo["CAS_1"], "CAS_1")
    numero = re.search(r"N° de la demande : <strong>(\d+)</strong>", get_text(client, confirmation)).group(1)
    page = client.get("/mes-demandes").get_data(as_text=True)
    assert "pas encore disponible" not in page
    reponse = client.get(lien_telechargement(page, numero))
    assert reponse.status_code == 200 and reponse.headers["Content-Type"] == "application/pdf"
    assert reponse.get_data().startswith(b"%PDF-")
    assert reponse.get_data() == client.get(confirmation.replace("/confirmation", "/confirmation-de-depot.pdf")).data


@pytest.mark.feature("F-13")
@pytest.mark.parametrize(("decision", "etat"), [
    ({"decision": "favorable", "titre_debut": date(2026, 1, 1), "titre_fin": date(2026, 12, 31), "montant_taxe": 0,
      "motif_refus": ""}, "Demande acceptée"),
    ({"decision": "defavorable", "titre_debut": None, "titre_fin": None, "montant_taxe": 0,
      "motif_refus": "Pièces insuffisantes."}, "Demande refusée"),
])
def test_etat_apres_l_examen_puis_la_decision(app, client, demo, decision, etat):
    url, _ = deposit(client, demo["CAS_3"], "CAS_3")
    demande_id = int(url.rsplit("/", 1)[1])
    agent_termine(app, demande_id, "examiner_demande", {"avis_documents": {}, "suite": "decision",
                                                         "message_agent": ""})
    # The agent is still at work (« Décision à prendre »): for the applicant the application is « envoyée ».
    page = get_text(client, "/mes-demandes")
    assert "Demande envoyée : le" in page and "Décision à prendre" not in page
    agent_termine(app, demande_id, "decider", decision)
    page = client.get("/mes-demandes").get_data(as_text=True)
    with app.app_context():
        numero = db.session.get(Demande, demande_id).numero
    ligne = row_containing(page, numero)
    assert etat in ligne and "Demande envoyée" not in ligne
    assert "TÉLÉCHARGER LA CONFIRMATION DE DÉPÔT" in ligne  # the proof of deposit stays available


@pytest.mark.feature("F-13")
@pytest.mark.feature("F-19")
def test_etat_quand_un_complement_est_demande(app, client, demo):
    url, _ = deposit(client, demo["CAS_3"], "CAS_3")
    demande_id = int(url.rsplit("/", 1)[1])
    agent_termine(app, demande_id, "examiner_demande", {
        "avis_documents": {"identite": {"valide": False, "observation": "Illisible."}}, "suite": "complement",
        "message_agent": ""})
    with app.app_context():
        demande = db.session.get(Demande, demande_id)
        libelle, numero = demande.etat_libelle, demande.numero
    ligne = row_containing(client.get("/mes-demandes").get_data(as_text=True), numero)
    # In the applicant's words (F-19), not the diagram's name for the agents.
    assert "Complément demandé : une demande de complément vous attend dans « Mes notifications »" in ligne
    assert libelle not in ligne and "Demande envoyée" not in ligne


@pytest.mark.feature("F-13")
def test_onglets_et_declarer_un_changement_indisponibles(client, demo):
    person = demo["CAS_2"]
    login(client, person.numero_etranger, person.mot_de_passe)
    page = client.get("/mes-demandes").get_data(as_text=True)
    onglets = re.findall(r'<button class="fr-tabs__tab"[^>]*>(.*?)</button>', page)
    assert [html.unescape(o) for o in onglets] == [
        "Demande de Titre de Séjour", "Demande de changement de situation",
        "Demande d'accès à la Nationalité Française"]
    lu = get_text(client, "/mes-demandes")
    assert "Les demandes de changement de situation ne sont pas disponibles sur cette instance." in lu
    assert "Les demandes d'accès à la nationalité française ne sont pas disponibles sur cette instance." in lu
    bouton = re.search(r"<button[^>]*>Déclarer un changement &gt;</button>", page)
    assert bouton and " disabled" in bouton.group(0)
    assert "La déclaration d'un changement n'est pas disponible sur cette instance." in lu
