"""Text typed in the forms (F-48): bidirectional overrides and other invisible control characters are removed,
and the text is put in NFC, before it is validated, stored and shown (to the applicant, in the PDF, to agents)."""

from __future__ import annotations

import inspect
import re
import unicodedata

import pytest
from flask_wtf import FlaskForm

from app import clock, forms
from app.extensions import db
from app.forms.fields import Saisie, texte_propre
from app.models import Demande
from tests.web.agent_outils import NORD, demande_id, login_agent
from tests.web.helpers import (
    STEP1,
    field_error,
    get_text,
    input_value,
    login,
    post_step,
    start_draft,
    step2,
    text,
    to_depot,
    to_step2,
)

pytestmark = pytest.mark.feature("F-48")

BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
INVISIBLES = BIDI + "\x00\x1b\x7f\u200b\ufeff\U000e0041"


def _invisibles(texte: str) -> list[str]:
    return [f"U+{ord(c):04X}" for c in texte if c in INVISIBLES]


@pytest.mark.parametrize("brut, propre", [
    ("KONAT\u202eÉ", "KONATÉ"),
    ("\u2067Lille\u2069", "Lille"),
    ("Rue \u202enelaN\u202c", "Rue nelaN"),  # shown as typed, not as the override made it look
    ("Be\u0301thune", "Béthune"),  # NFC: one « é », as the register writes it
    ("A\x00B\x1bC\u200bD\ufeffE", "ABCDE"),
    ("Bâtiment B\nEntrée 2\tbis", "Bâtiment B Entrée 2 bis"),  # one line: no line break
    ("\u0645\u06cc\u200c\u0631\u0648\u0645", "\u0645\u06cc\u200c\u0631\u0648\u0645"),  # Persian keeps its ZWNJ
    ("", ""),
    (None, None),
])
def test_texte_propre(brut, propre):
    assert texte_propre(brut) == propre


def test_texte_propre_d_une_zone_de_texte_garde_les_lignes():
    assert texte_propre("Bonjour\u202e\r\nmerci\rbonne\u2028journée\ttab", multiligne=True) == \
        "Bonjour\nmerci\nbonne\njournée\ttab"


def test_chaque_formulaire_nettoie_ses_champs_de_texte():
    """Every form class of app/forms derives from Saisie, so that a new form cannot forget the filter."""
    oublis = [f"{module.__name__}.{nom}" for module in forms.REGISTRY.values()
              for nom, classe in inspect.getmembers(module, inspect.isclass)
              if issubclass(classe, FlaskForm) and classe.__module__ == module.__name__
              and not issubclass(classe, Saisie)]
    assert oublis == []


@pytest.fixture
def etape1(client, demo):
    person = demo["CAS_3"]
    login(client, person.numero_etranger, person.mot_de_passe)
    return start_draft(client)


def test_une_adresse_avec_des_caracteres_de_controle_est_enregistree_propre(app, client, etape1):
    saisie = dict(STEP1, adresse="20 Rue \u202eelanoitaN\u202c", voie="Rue \u202eelanoitaN\u202c",
                  ville="\u2067Lil\u200ele\u2069", complement="Ba\u0302timent\u200f B\x00")
    assert post_step(client, etape1, **saisie).status_code == 302
    with app.app_context():
        ident = int(etape1.rsplit("/", 1)[-1])
        with app.extensions["demandes"].open(ident, clock.today(), write=False) as instance:
            data = instance.data()
    assert (data["adresse"], data["voie"], data["ville"], data["complement"]) == (
        "20 Rue elanoitaN", "Rue elanoitaN", "Lille", "Bâtiment B")
    assert unicodedata.is_normalized("NFC", data["complement"])
    post_step(client, etape1, action="precedent")
    page = client.get(etape1).get_data(as_text=True)
    assert input_value(page, "ville") == "Lille" and input_value(page, "complement") == "Bâtiment B"
    assert _invisibles(page) == []


def test_un_champ_fait_seulement_de_caracteres_invisibles_est_vide(client, etape1):
    response = post_step(client, etape1, **dict(STEP1, ville="\u202e\u200f\u2066"))
    assert response.status_code == 422
    assert field_error(text(response), "ville") == "Le champ « Ville » est obligatoire."


def test_l_agent_lit_ce_qui_est_enregistre(app, demo):
    """Deposited with overrides in the address and the observations: the applicant's summary, the agent's page
    and the stored values carry none of them."""
    usager = app.test_client()
    url = to_depot(usager, demo["CAS_1"], "CAS_1", ville="Lil\u202ele\u202c", complement="\u2066Apt 3\u2069")
    response = post_step(usager, url, observations="Merci\u202e\r\nde votre \u2066aide\u2069")
    assert response.status_code == 302
    confirmation = response.location
    ident = demande_id(confirmation)
    with app.app_context():
        numero = db.session.get(Demande, ident).numero
    nord = app.test_client()
    login_agent(nord, NORD)
    page = nord.get(f"/agent/demandes/{ident}").get_data(as_text=True)
    assert numero in page
    assert re.search(r"Apt 3, 59800 Lille, FRANCE", re.sub(r"\s+", " ", page))
    assert "Merci\nde votre aide" in page
    assert _invisibles(page) == []
    assert _invisibles(get_text(usager, confirmation)) == []


def test_pays_de_l_union_fait_de_caracteres_invisibles_est_obligatoire(client, demo):
    person = demo["CAS_3"]
    url = to_step2(client, person, "CAS_3")
    response = post_step(client, url, **step2(person.date_placement.isoformat(), ["polygamie", "sanctions"],
                                              situation_familiale="Marié(e)", date_debut_union="2021-05-01",
                                              pays_union="\u202e\u200b"))
    assert response.status_code == 422
    assert field_error(text(response), "pays_union") == "Le champ « Pays de l'union » est obligatoire."
