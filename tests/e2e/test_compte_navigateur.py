"""Account creation in a real headless Chromium (F-01, F-02, F-03, F-27): from the home page to the first login,
through the mail received by a real SMTP server."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.comptes_outils import AWA, AWA_EMAIL, MOT_DE_PASSE, ajouter_au_registre, distribuer, lien_du_message
from tests.e2e.conftest import verifier_accessibilite

pytestmark = pytest.mark.e2e


def champ(page: Page, libelle: str) -> Locator:
    """The field whose label starts with `libelle` (labels go on with « * » and a hint)."""
    return page.get_by_label(re.compile(rf"^{re.escape(libelle)}(\s|\*|$)"))


def bouton(page: Page, nom: str) -> Locator:
    return page.get_by_role("button", name=nom, exact=True)


@pytest.mark.feature("F-01")
@pytest.mark.feature("F-02")
@pytest.mark.feature("F-03")
@pytest.mark.feature("F-27")
def test_creer_son_compte_depuis_l_accueil_puis_se_connecter(page: Page, app_smtp, smtp, live_server) -> None:
    app_smtp.config["URL_BASE"] = live_server.url  # the links of the mails lead to this server
    ajouter_au_registre(app_smtp)

    page.goto("/")
    expect(page.get_by_role("heading", name="Vos démarches")).to_be_visible()
    verifier_accessibilite(page, "accueil")
    page.get_by_role("link", name="Se connecter").click()
    expect(page.get_by_role("heading", name="Connectez-vous pour accéder à vos services")).to_be_visible()
    page.get_by_role("link", name="Créer votre compte").click()

    expect(page.get_by_role("heading", name="Créer votre compte")).to_be_visible()
    expect(page.get_by_text("Compléter les renseignements suivants pour accéder à vos services.")).to_be_visible()
    verifier_accessibilite(page, "créer votre compte")
    champ(page, "Adresse email").fill(AWA_EMAIL)
    champ(page, "Confirmation de l'adresse email").fill("awa.konate@example.com")
    champ(page, "Numéro étranger").fill(AWA["numero_etranger"])
    champ(page, "Date de naissance").fill(AWA["date_naissance"])
    bouton(page, "Valider").click()
    # A typo in the confirmation: said next to the field, the rest kept.
    expect(champ(page, "Confirmation de l'adresse email")).to_have_accessible_description(
        "Les deux adresses email saisies ne sont pas identiques.")
    expect(champ(page, "Numéro étranger")).to_have_value(AWA["numero_etranger"])
    page.screenshot(path="/tmp/e2e-compte-creation-erreur.png", full_page=True, caret="initial")
    verifier_accessibilite(page, "création de compte refusée")
    champ(page, "Confirmation de l'adresse email").fill(AWA_EMAIL)
    bouton(page, "Valider").click()

    encart = page.locator("#demande-enregistree")
    expect(encart.get_by_text("Demande de création de compte bien enregistrée.")).to_be_visible()
    expect(encart.get_by_text("Un email vous a été envoyé afin de confirmer votre adresse email.")).to_be_visible()
    expect(page.get_by_role("link", name="Retour à l'accueil")).to_be_visible()
    verifier_accessibilite(page, "demande de création enregistrée")

    # The worker delivers the mail to the SMTP server; the person opens the link it contains.
    assert distribuer(app_smtp)["envoye"] == 1
    [message] = smtp.messages
    assert message["To"] == AWA_EMAIL
    lien = lien_du_message(message)
    assert lien.startswith(f"{live_server.url}/mot-de-passe?jeton=")
    page.goto(lien)

    expect(page.get_by_role("heading", name="Réinitialisation du mot de passe")).to_be_visible()
    expect(page.get_by_text(re.compile(r"^Votre mot de passe doit être réinitialisé\."))).to_be_visible()
    verifier_accessibilite(page, "mot de passe")
    champ(page, "Nouveau mot de passe").fill("motdepasse")
    champ(page, "Confirmation du mot de passe").fill("motdepasse")
    bouton(page, "Valider mon mot de passe").click()
    groupe = page.locator(".fr-input-group").filter(has=champ(page, "Nouveau mot de passe"))
    for message_regle in ("Le mot de passe doit contenir au moins une majuscule.",
                          "Le mot de passe doit contenir au moins un chiffre."):
        expect(groupe.get_by_text(message_regle)).to_be_visible()
    # Every broken rule is read out with the field by a screen reader.
    expect(champ(page, "Nouveau mot de passe")).to_have_accessible_description(
        re.compile(r"au moins une majuscule\..*au moins un chiffre\..*au moins un caractère spécial"))
    expect(champ(page, "Nouveau mot de passe")).to_have_value("")  # never written back
    page.screenshot(path="/tmp/e2e-compte-mot-de-passe-erreurs.png", full_page=True, caret="initial")
    verifier_accessibilite(page, "mot de passe refusé")
    champ(page, "Nouveau mot de passe").fill(MOT_DE_PASSE)
    champ(page, "Confirmation du mot de passe").fill(MOT_DE_PASSE)
    bouton(page, "Valider mon mot de passe").click()

    expect(page.get_by_role("heading", name="Connectez-vous pour accéder à vos services")).to_be_visible()
    expect(page.get_by_text(re.compile(r"^Votre mot de passe a bien été enregistré\."))).to_be_visible()
    verifier_accessibilite(page, "connexion après mot de passe")
    champ(page, "Identifiant").fill(AWA["numero_etranger"])
    champ(page, "Mot de passe").fill(MOT_DE_PASSE)
    bouton(page, "S'identifier").click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
    expect(page.locator(".fr-header__tools").get_by_text("Awa KONATÉ")).to_be_visible()
    verifier_accessibilite(page, "connecté(e)")

    # The link was used: opened again, it says so and offers to start again.
    page.goto(lien)
    expect(page.get_by_role("heading", name="Ce lien n'est plus valable")).to_be_visible()
    expect(page.get_by_role("link", name="Recommencer la création de mon compte")).to_be_visible()
    verifier_accessibilite(page, "lien plus valable")
