"""F-04: the home tiles and « Votre situation actuelle »."""

from __future__ import annotations

import re

import pytest

from tests.conftest import csrf_token
from tests.web.helpers import get_text, login, text

TUILES_INDISPONIBLES = [
    "Je valide mon VLS-TS",
    "Je demande un premier titre -sans numéro étranger, sans visa-",
    "Je demande la nationalité française",
    "Demander une autorisation de travail",
    "Je déclare un changement de situation",
    "Je demande un document de voyage",
]


def tile_links(page: str) -> dict[str, str]:
    return {label: href for href, label in re.findall(r'<h2 class="fr-tile__title">\s*<a href="([^"]+)">([^<]+)</a>',
                                                        page)}


@pytest.mark.feature("F-04")
def test_accueil_la_tuile_titre_de_sejour_mene_au_choix_de_situation(client, demo):
    links = tile_links(get_text(client, "/"))
    assert links["Je demande ou renouvelle un titre de séjour"] == "/titre-de-sejour"
    person = demo["CAS_3"]
    login(client, person.numero_etranger, person.mot_de_passe)
    page = get_text(client, links["Je demande ou renouvelle un titre de séjour"])
    assert "Votre situation actuelle" in page


@pytest.mark.feature("F-04")
@pytest.mark.parametrize("tuile", TUILES_INDISPONIBLES)
def test_accueil_les_autres_tuiles_disent_non_disponible(client, tuile):
    links = tile_links(get_text(client, "/"))
    response = client.get(links[tuile])
    page = text(response)
    assert response.status_code == 200
    assert "Démarche non disponible" in page
    assert f"« {tuile} »" in page and "n'est pas disponible sur cette instance" in page


@pytest.mark.feature("F-04")
def test_situation_libelles_et_je_commence_mene_au_preambule(client, demo):
    person = demo["CAS_1"]
    login(client, person.numero_etranger, person.mot_de_passe)
    page = get_text(client, "/titre-de-sejour")
    assert "Je suis en situation de vulnérabilité" in page
    assert "En tant qu'étranger confié à l'ASE (Aide Sociale à l'Enfance)" in page
    assert "Je commence" in page
    response = client.post("/titre-de-sejour", data={"csrf_token": csrf_token(page), "situation": "vulnerabilite",
                                                      "motif": "ase"})
    assert response.status_code == 302 and response.location.endswith("/titre-de-sejour/preambule")


@pytest.mark.feature("F-04")
@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Choisissez votre situation : « Je suis en situation de vulnérabilité »."),
        ({"situation": "vulnerabilite"},
         "Choisissez « En tant qu'étranger confié à l'ASE (Aide Sociale à l'Enfance) » ou « En tant qu'étranger "
         "confié à un tiers digne de confiance » pour continuer."),
        ({"situation": "etudiant", "motif": "ase"}, "Choisissez votre situation"),
    ],
    ids=["rien", "sans-motif", "valeur-forgee"],
)
def test_situation_non_choisie_refusee_en_francais(client, demo, data, message):
    person = demo["CAS_1"]
    login(client, person.numero_etranger, person.mot_de_passe)
    page = get_text(client, "/titre-de-sejour")
    response = client.post("/titre-de-sejour", data={"csrf_token": csrf_token(page), **data})
    page = text(response)
    assert response.status_code == 200
    assert message in page
    assert "Not a valid choice" not in page and "This field is required" not in page
