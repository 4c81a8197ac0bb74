"""F-17 in a real headless Chromium: the situation page refused then answered « confié à un tiers digne de confiance »,
step 2 in the tiers' words, step 3 asking for the judge's decision instead of the ASE placement proof."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import verifier_accessibilite
from tests.e2e.test_parcours_navigateur import (
    POURSUIVRE,
    bouton,
    cocher,
    expect_etape,
    remplir_date,
    remplir_etape_1,
    se_connecter,
)
from tests.web.helpers import ATTESTATIONS, LIBELLES

pytestmark = pytest.mark.e2e

MOTIF_TIERS = "En tant qu'étranger confié à un tiers digne de confiance"
L_TIERS = "Date de prise en charge par le tiers digne de confiance"
L_ENFANTS = "Avez-vous des enfants à votre charge ?"


@pytest.mark.feature("F-17")
@pytest.mark.feature("F-19")
@pytest.mark.feature("F-04")
@pytest.mark.feature("F-08")
@pytest.mark.feature("F-10")
def test_tiers_digne_de_confiance_de_la_situation_a_l_etape_3(page: Page, demo) -> None:
    person = demo["CAS_3"]
    se_connecter(page, person.numero_etranger, person.mot_de_passe)
    page.get_by_role("link", name="Je demande ou renouvelle un titre de séjour").click()
    expect(page.get_by_role("heading", name="Votre situation actuelle")).to_be_visible()

    # « Je commence » with nothing chosen: « Erreur : » title, focus on the summary, links to each radio group.
    bouton(page, "Je commence").click()
    expect(page).to_have_title(re.compile(r"^Erreur : Votre situation actuelle"))
    resume = page.locator("#erreurs")
    expect(resume).to_be_focused()
    expect(resume.get_by_role("link")).to_have_count(2)
    verifier_accessibilite(page, "situation refusée")
    resume.get_by_role("link", name=re.compile("tiers digne de confiance")).click()
    expect(page.get_by_role("radio", name="En tant qu'étranger confié à l'ASE (Aide Sociale à l'Enfance)")) \
        .to_be_focused()

    cocher(page, "Je suis en situation de vulnérabilité", "radio")
    cocher(page, MOTIF_TIERS, "radio")
    bouton(page, "Je commence").click()
    expect(page.get_by_role("heading", name="Votre démarche en ligne")).to_be_visible()
    bouton(page, "Je continue").click()
    expect_etape(page, 1, "Informations personnelles")
    remplir_etape_1(page)
    bouton(page, POURSUIVRE).click()

    # Step 2 speaks of the tiers digne de confiance, not of the ASE.
    expect_etape(page, 2, "Motif de séjour")
    expect(page.get_by_role("heading", name="INFORMATION SUR LA PRISE EN CHARGE PAR LE TIERS DIGNE DE CONFIANCE")) \
        .to_be_visible()
    expect(page.get_by_text("par l'ASE")).to_have_count(0)
    remplir_date(page, L_TIERS, person.date_placement.strftime("%d/%m/%Y"))
    remplir_date(page, "Date d'entrée en France", (person.date_placement - timedelta(days=60)).strftime("%d/%m/%Y"))
    page.get_by_label(re.compile(r"^Quelle est votre situation familiale")).select_option(label="Célibataire")
    cocher(page, "Non", "radio", dans=page.get_by_role("group", name=re.compile(re.escape(L_ENFANTS))))
    for code in ATTESTATIONS["CAS_3"]:
        cocher(page, LIBELLES[code])
    bouton(page, POURSUIVRE).click()

    # Step 3: the judge's decision, and the tiers' opinion on the insertion, both required.
    expect_etape(page, 3, "Justificatifs")
    expect(page.get_by_text("Décision du juge confiant l'enfant à un tiers digne de confiance").first).to_be_visible()
    expect(page.get_by_text("Décision de placement par l'autorité judiciaire au service de l'Aide Sociale")) \
        .to_have_count(0)
    expect(page.get_by_label(re.compile(r"^Joindre un fichier pour « Insertion dans la société française »"))) \
        .to_be_attached()
    expect(page.get_by_text(re.compile("avis du tiers digne de confiance sur votre insertion"))).to_be_visible()
