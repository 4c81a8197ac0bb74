"""F-13: « Mes demandes en cours »."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

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
