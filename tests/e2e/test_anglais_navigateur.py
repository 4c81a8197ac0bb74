"""In English in a real headless Chromium (F-18): the language chosen in the header, then from « Create my account »
through the mail to the first login and the home page. The steps are added here as their pages are converted
(situation, steps 1 to 5, deposit)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.comptes_outils import AWA, AWA_EMAIL, MOT_DE_PASSE, ajouter_au_registre, distribuer, lien_du_message
from tests.e2e.conftest import verifier_accessibilite

pytestmark = pytest.mark.e2e


def champ(page: Page, libelle: str) -> Locator:
    return page.get_by_label(re.compile(rf"^{re.escape(libelle)}(\s|\*|$)"))


def bouton(page: Page, nom: str) -> Locator:
    return page.get_by_role("button", name=nom, exact=True)


def en_anglais(page: Page) -> None:
    expect(page.locator("html")).to_have_attribute("lang", "en")


@pytest.mark.feature("F-18")
@pytest.mark.feature("F-01")
@pytest.mark.feature("F-02")
@pytest.mark.feature("F-03")
@pytest.mark.feature("F-27")
def test_creer_son_compte_et_se_connecter_en_anglais(page: Page, app_smtp, smtp, live_server) -> None:
    app_smtp.config["URL_BASE"] = live_server.url
    ajouter_au_registre(app_smtp)

    page.goto("/connexion")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    page.get_by_role("navigation", name="Langue").get_by_role("link", name="English").click()
    # The same page, now in English.
    expect(page).to_have_url(re.compile(r"/connexion$"))
    en_anglais(page)
    expect(page.get_by_role("heading", name="Log in to access your services")).to_be_visible()
    expect(page.get_by_text("The symbol * marks the required fields.")).to_be_visible()
    page.get_by_text("Forgotten your identifier?").click()
    expect(page.get_by_text(re.compile(r"^Your identifier is your foreigner number"))).to_be_visible()
    verifier_accessibilite(page, "log in (English)")

    page.get_by_role("main").get_by_role("link", name="Create my account").click()
    en_anglais(page)
    expect(page.get_by_role("heading", name="Create my account")).to_be_visible()
    champ(page, "Email address").fill(AWA_EMAIL)
    champ(page, "Confirm email address").fill("awa.konate@example.com")
    champ(page, "Foreigner number (n° étranger)").fill(AWA["numero_etranger"])
    champ(page, "Date of birth").fill(AWA["date_naissance"])
    bouton(page, "Confirm").click()
    expect(champ(page, "Confirm email address")).to_have_accessible_description(
        "The two email addresses entered are not the same.")
    verifier_accessibilite(page, "create my account, refused (English)")
    champ(page, "Confirm email address").fill(AWA_EMAIL)
    bouton(page, "Confirm").click()
    expect(page.get_by_text("Your account creation request has been registered.")).to_be_visible()

    assert distribuer(app_smtp)["envoye"] == 1
    [message] = smtp.messages
    assert message["Subject"] == "Creation of the account giving access to your personal space"
    page.goto(lien_du_message(message))

    en_anglais(page)
    expect(page.get_by_role("heading", name="Password reset")).to_be_visible()
    champ(page, "New password").fill("motdepasse")
    champ(page, "Confirm password").fill("motdepasse")
    bouton(page, "Confirm my password").click()
    expect(page.get_by_text("The password must contain at least one capital letter.").first).to_be_visible()
    verifier_accessibilite(page, "password, refused (English)")
    champ(page, "New password").fill(MOT_DE_PASSE)
    champ(page, "Confirm password").fill(MOT_DE_PASSE)
    bouton(page, "Confirm my password").click()

    en_anglais(page)
    expect(page.get_by_text(re.compile(r"^Your password has been saved\."))).to_be_visible()
    champ(page, "Identifier").fill(AWA["numero_etranger"])
    champ(page, "Password").fill(MOT_DE_PASSE)
    bouton(page, "Log in").click()

    en_anglais(page)
    expect(page.get_by_role("heading", name="Your procedures")).to_be_visible()
    expect(page.get_by_role("link", name="My applications")).to_be_visible()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    verifier_accessibilite(page, "home, logged in (English)")
    # Next steps, as their pages are converted: « I apply for or renew a residence permit », the situation page,
    # steps 1 to 5 and the deposit.
