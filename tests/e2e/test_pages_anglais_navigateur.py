"""The applicant's pages after login in English, in a real headless Chromium (F-18, F-19): the language chosen in the
header, then the situation page (refused, then chosen), the preamble, « Mes demandes » with a deposited application,
« My Notifications » and the request for more documents; `lang="en"` on each, axe-core on each state, 0 violation.
The deposit is made by the test client and the agent's tasks through the store (tested elsewhere)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import verifier_accessibilite
from tests.web.instruction import deposee, examiner

pytestmark = [pytest.mark.e2e, pytest.mark.feature("F-18"), pytest.mark.feature("F-19")]


def _se_connecter_en_anglais(page: Page, person) -> None:
    page.goto("/connexion")
    page.get_by_role("link", name="English").first.click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_label(re.compile(r"^Identifier")).fill(person.numero_etranger)
    page.get_by_label(re.compile(r"^Password")).fill(person.mot_de_passe)
    page.get_by_role("button", name="Log in", exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "en")


@pytest.mark.feature("F-04")
@pytest.mark.feature("F-05")
@pytest.mark.feature("F-13")
@pytest.mark.feature("F-14")
@pytest.mark.feature("F-15")
def test_les_pages_de_l_usager_en_anglais(app, page: Page, demo) -> None:
    person = demo["CAS_3"]
    demande = deposee(app.test_client(), person)
    examiner(app, demande, {"nationalite": "Veuillez fournir une copie lisible de votre passeport."})
    _se_connecter_en_anglais(page, person)

    page.goto("/titre-de-sejour")
    expect(page.get_by_role("heading", name="Your current situation")).to_be_visible()
    verifier_accessibilite(page, "situation (en)")
    page.get_by_role("button", name="I start", exact=True).click()
    resume = page.locator("#erreurs")
    expect(resume).to_be_focused()
    expect(resume).to_contain_text("Choose your situation")
    expect(page).to_have_title(re.compile(r"^Error: "))
    verifier_accessibilite(page, "situation refusée (en)")

    page.goto("/titre-de-sejour/preambule")
    expect(page.get_by_role("heading", name="Your online application")).to_be_visible()
    expect(page.get_by_text("SEND YOUR APPLICATION IN 5 STEPS")).to_be_visible()
    verifier_accessibilite(page, "préambule (en)")

    page.get_by_role("link", name="My applications").first.click()
    expect(page.get_by_role("heading", name="My applications", level=1)).to_be_visible()
    expect(page.locator("#suivi")).to_contain_text("More documents needed")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    verifier_accessibilite(page, "mes demandes (en)")

    page.goto("/notifications")
    expect(page.get_by_role("heading", name="My Notifications", level=1)).to_be_visible()
    verifier_accessibilite(page, "mes notifications (en)")
    page.get_by_role("link", name="Request for more documents unread").click()
    expect(page.get_by_role("heading", name="Request for more documents", level=1)).to_be_visible()
    expect(page.locator("#echeance")).to_contain_text("you have until")
    verifier_accessibilite(page, "demande de complément (en)")
    page.get_by_role("button", name="Confirm and send", exact=True).click()
    expect(page.locator("#erreurs")).to_be_focused()
    verifier_accessibilite(page, "demande de complément refusée (en)")
