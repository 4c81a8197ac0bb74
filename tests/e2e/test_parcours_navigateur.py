"""The applicant's walk in a real headless Chromium, driven by the visible French labels only."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import verifier_accessibilite
from tests.web import fichiers

pytestmark = pytest.mark.e2e

SCREENSHOTS = Path("/tmp")
# The DSFR is served only when its licence was accepted at install (README); without it the app has its own
# plain stylesheet and no DSFR script: what is DSFR-specific is checked only when it is there.
DSFR_INSTALLE = (Path(__file__).resolve().parents[2] / "app" / "static" / "dsfr" / "dsfr.min.css").is_file()
POURSUIVRE = "Enregistrer et poursuivre >"
ADRESSE = {"Adresse": "20 Rue Nationale", "Code postal": "59800", "Ville": "Lille", "Téléphone": "06 12 34 56 78"}
POLYGAMIE = "Ne pas vivre en France en état de polygamie, même si mon pays d'origine l'autorise."
SANCTIONS = "Avoir connaissance des sanctions pénales encourues par l'auteur d'une fausse attestation."
L_ASE = "Date de prise en charge par l'ASE"
L_ENTREE = "Date d'entrée en France"
L_SITUATION = "Quelle est votre situation familiale actuelle ?"
L_ENFANTS = "Avez-vous des enfants à votre charge ?"


# --- helpers -------------------------------------------------------------------------------------------------


def champ(page: Page, libelle: str) -> Locator:
    """The field whose label starts with `libelle` (labels go on with « * » and a hint)."""
    return page.get_by_label(re.compile(rf"^{re.escape(libelle)}(\s|\*|$)"))


def bouton(page: Page, nom: str) -> Locator:
    return page.get_by_role("button", name=nom, exact=True)


def cocher(page: Page, libelle: str, role: str = "checkbox", dans: Locator | None = None) -> None:
    """Tick a DSFR radio or checkbox as a person does: by its visible label (the label covers the native input)."""
    portee = dans or page
    portee.locator("label").filter(has_text=re.compile(rf"^\s*{re.escape(libelle)}(\s|\*|$)")).click()
    expect(portee.get_by_role(role, name=re.compile(rf"^{re.escape(libelle)}"))).to_be_checked()


def expect_etape(page: Page, numero: int, titre: str) -> None:
    """The stepper shows the step's title and « Étape n sur 5 »."""
    stepper = page.get_by_role("heading", name=re.compile(rf"^{re.escape(titre)}\s+Étape {numero} sur 5$"))
    expect(stepper).to_be_visible()
    verifier_accessibilite(page, f"étape {numero}")


def expect_erreur_a_cote(field: Locator, message: str) -> None:
    """The French message is visible in the same form group as the field (input, select, checkbox or radios)."""
    groupe = field.locator(
        "xpath=ancestor::*[self::fieldset or contains(concat(' ', @class, ' '), '-group ')][1]"
    )
    expect(groupe.get_by_text(message, exact=True)).to_be_visible()


def expect_pas_de_defilement_horizontal(page: Page) -> None:
    largeurs = page.evaluate(
        "() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})"
    )
    assert largeurs["scroll"] <= largeurs["inner"] + 1, (
        f"horizontal scroll on {page.url}: the page is {largeurs['scroll']}px wide for a {largeurs['inner']}px screen; "
        f"wider elements: {elements_trop_larges(page)}"
    )


def elements_trop_larges(page: Page) -> list[str]:
    return page.evaluate(
        """() => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
            .slice(0, 8)
            .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
                 + (typeof e.className === 'string' && e.className ? '.' + e.className.trim().replace(/ +/g, '.') : '')
                 + ' right=' + Math.round(e.getBoundingClientRect().right))"""
    )


def expect_dsfr_charge(page: Page) -> None:
    """The local DSFR is applied (CSS) and started (JS), not the plain fallback; without the DSFR installed, the
    plain stylesheet says so on the page."""
    if not DSFR_INSTALLE:
        expect(page.locator("body")).to_have_class(re.compile(r"sans-dsfr"))
        expect(page.get_by_text("Le système de design de l'État (DSFR) n'est pas installé")).to_be_visible()
        return
    expect(page.locator("body")).not_to_have_class(re.compile(r"sans-dsfr"))
    expect(page.locator("html")).to_have_attribute("data-fr-js", "true")
    expect(page.get_by_role("heading", level=1)).to_have_css("font-family", re.compile(r"^Marianne"))


def se_connecter(page: Page, numero: str, mot_de_passe: str) -> None:
    page.goto("/")
    expect(page.get_by_role("heading", name="Vos démarches")).to_be_visible()
    verifier_accessibilite(page, "accueil")
    page.get_by_role("link", name="Se connecter").click()
    expect(page.get_by_role("heading", name="Connectez-vous pour accéder à vos services")).to_be_visible()
    verifier_accessibilite(page, "connexion")
    champ(page, "Identifiant").fill(numero)
    champ(page, "Mot de passe").fill(mot_de_passe)
    bouton(page, "S'identifier").click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()


def jusqu_a_l_etape_1(page: Page) -> None:
    """From the home page tiles to step 1 (F-04, F-05)."""
    page.get_by_role("link", name="Je demande ou renouvelle un titre de séjour").click()
    de_la_situation_a_l_etape_1(page)


def de_la_situation_a_l_etape_1(page: Page) -> None:
    expect(page.get_by_role("heading", name="Votre situation actuelle")).to_be_visible()
    verifier_accessibilite(page, "situation")
    cocher(page, "Je suis en situation de vulnérabilité", "radio")
    cocher(page, "En tant qu'étranger confié à l'ASE (Aide Sociale à l'Enfance)", "radio")
    bouton(page, "Je commence").click()
    expect(page.get_by_role("heading", name="Votre démarche en ligne")).to_be_visible()
    expect(page.get_by_text("DÉPOSEZ VOTRE DEMANDE EN 5 ÉTAPES")).to_be_visible()
    verifier_accessibilite(page, "préambule")
    bouton(page, "Je continue").click()
    expect_etape(page, 1, "Informations personnelles")


def remplir_etape_1(page: Page) -> None:
    for libelle, valeur in ADRESSE.items():
        champ(page, libelle).fill(valeur)


def groupe_date(page: Page, libelle: str) -> Locator:
    """A date of step 2, as the seed shows it: a group of « Jour », « Mois » (by name) and « Année »."""
    return page.get_by_role("group", name=re.compile(rf"^{re.escape(libelle)}(\s|\*|:|$)"))


def remplir_date(page: Page, libelle: str, valeur: str) -> None:
    """Type a JJ/MM/AAAA date into its three parts, the month chosen by its number's option."""
    jour, mois, annee = valeur.split("/")
    groupe = groupe_date(page, libelle)
    groupe.get_by_label("Jour", exact=True).fill(str(int(jour)))
    groupe.get_by_label("Mois", exact=True).select_option(str(int(mois)))
    groupe.get_by_label("Année", exact=True).fill(annee)


def expect_date(page: Page, libelle: str, valeur: str) -> None:
    jour, mois, annee = valeur.split("/")
    groupe = groupe_date(page, libelle)
    expect(groupe.get_by_label("Jour", exact=True)).to_have_value(str(int(jour)))
    expect(groupe.get_by_label("Mois", exact=True)).to_have_value(str(int(mois)))
    expect(groupe.get_by_label("Année", exact=True)).to_have_value(annee)


def remplir_etape_2(page: Page, date_ase: str, date_entree: str) -> None:
    remplir_date(page, L_ASE, date_ase)
    remplir_date(page, L_ENTREE, date_entree)
    champ(page, L_SITUATION).select_option(label="Célibataire")
    cocher(page, "Non", "radio", dans=page.get_by_role("group", name=re.compile(re.escape(L_ENFANTS))))
    cocher(page, POLYGAMIE)
    cocher(page, SANCTIONS)


REQUIS_CAS_3 = {
    "Justificatif de nationalité": "passeport.png",
    "Justificatif d'identité": "identite.pdf",
    "Justificatif de domicile datant de moins de 6 mois": "domicile.jpg",
    "Décision de placement par l'autorité judiciaire au service de l'Aide Sociale à l'Enfance (ASE)": "placement.pdf",
    "Justificatifs d'activité professionnelle": "contrat.pdf",
    "Nature des liens avec la famille restée dans le pays d'origine": "liens.pdf",
    "Insertion dans la société française": "insertion.pdf",  # required for every case (F-22)
}


def joindre(page: Page, titre: str, fichier: Path) -> None:
    """Choose a file in a document's block: the page sends it at once and lists it."""
    champ_fichier = page.get_by_label(re.compile(rf"^Joindre un fichier pour « {re.escape(titre)} »"))
    expect(champ_fichier).to_be_attached()
    page.wait_for_load_state("load")  # the page's script that sends the chosen file must be there
    with page.expect_navigation():
        champ_fichier.set_input_files(str(fichier))
    expect(bouton(page, f"SUPPRIMER {fichier.name.upper()}")).to_be_visible()


def remplir_etape_3(page: Page, dossier: Path) -> None:
    for titre, nom in REQUIS_CAS_3.items():
        chemin = dossier / nom
        if not chemin.exists():
            chemin.write_bytes(fichiers.pdf() if nom.endswith(".pdf") else
                               fichiers.png() if nom.endswith(".png") else fichiers.jpeg())
        joindre(page, titre, chemin)
    champ(page, "Numéro ephoto (22 chiffres)").fill("1234 5678 9012 3456 7890 12")
    bouton(page, "Confirmer le numéro ephoto").click()
    expect(page.get_by_text("1234567890123456789012")).to_be_visible()


# --- tests ---------------------------------------------------------------------------------------------------


@pytest.mark.feature("F-04")
@pytest.mark.feature("F-05")
@pytest.mark.feature("F-06")
@pytest.mark.feature("F-07")
@pytest.mark.feature("F-08")
@pytest.mark.feature("F-10")
@pytest.mark.feature("F-11")
@pytest.mark.feature("F-12")
def test_cas3_de_l_accueil_a_la_confirmation(page: Page, demo, tmp_path: Path) -> None:
    person = demo["CAS_3"]
    se_connecter(page, person.numero_etranger, person.mot_de_passe)
    expect_dsfr_charge(page)
    jusqu_a_l_etape_1(page)
    expect(page.get_by_role("heading", name="ÉTAT CIVIL")).to_be_visible()

    # Step 1 → step 2.
    remplir_etape_1(page)
    bouton(page, POURSUIVRE).click()
    expect_etape(page, 2, "Motif de séjour")
    expect_dsfr_charge(page)

    # Step 2, nothing filled: French messages next to each field, and a summary at the top.
    bouton(page, POURSUIVRE).click()
    expect_etape(page, 2, "Motif de séjour")
    expect(page.get_by_role("alert").filter(has_text=re.compile(r"La page comporte \d+ erreurs"))).to_be_visible()
    for libelle in (L_ASE, L_ENTREE):
        message = f"Le champ « {libelle} » est obligatoire."
        jour = groupe_date(page, libelle).get_by_label("Jour", exact=True)
        expect(jour).to_have_attribute("aria-invalid", "true")
        expect(jour).to_have_accessible_description(message)
        expect(groupe_date(page, libelle).get_by_text(message, exact=True)).to_be_visible()
    expect_erreur_a_cote(champ(page, L_SITUATION), f"Le champ « {L_SITUATION} » est obligatoire.")
    enfants = page.get_by_role("group", name=re.compile(re.escape(L_ENFANTS)))
    expect(enfants.get_by_text(f"Le champ « {L_ENFANTS} » est obligatoire.")).to_be_visible()
    for attestation in (POLYGAMIE, SANCTIONS):
        expect_erreur_a_cote(champ(page, attestation), f"Vous devez cocher l'attestation « {attestation} »")
    verifier_accessibilite(page, "étape 2 refusée")
    page.screenshot(path=str(SCREENSHOTS / "e2e-etape2-erreurs.png"), full_page=True, caret="initial")

    # « < Revenir à l'étape précédente » keeps what step 1 saved.
    bouton(page, "< Revenir à l'étape précédente").click()
    expect_etape(page, 1, "Informations personnelles")
    for libelle in ("Adresse", "Code postal", "Ville"):
        expect(champ(page, libelle)).to_have_value(ADRESSE[libelle])
    expect(champ(page, "Téléphone")).to_have_value(re.compile(r"^06\s?12\s?34\s?56\s?78$"))
    bouton(page, POURSUIVRE).click()
    expect_etape(page, 2, "Motif de séjour")

    # Step 2 filled; dates as the seed shows them: day, month by name, year (whatever the phone's language).
    date_entree = (person.date_placement - timedelta(days=60)).strftime("%d/%m/%Y")
    remplir_etape_2(page, person.date_placement.strftime("%d/%m/%Y"), date_entree)
    bouton(page, POURSUIVRE).click()

    # Step 3: the documents of CAS 3, real files chosen in the browser, one removed (F-10).
    expect_etape(page, 3, "Justificatifs")
    expect(page.get_by_role("heading", name=re.compile(r"^Justificatif de nationalité"))).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile(r"^Accord du parent"))).to_have_count(0)
    remplir_etape_3(page, tmp_path)
    bouton(page, "SUPPRIMER IDENTITE.PDF").click()
    expect(bouton(page, "SUPPRIMER IDENTITE.PDF")).to_have_count(0)
    bouton(page, POURSUIVRE).click()
    # The summary at the top links to the document, whose block says it too.
    expect(page.locator("#erreurs").get_by_role(
        "link", name="Joignez au moins un fichier pour « Justificatif d'identité ».")).to_be_visible()
    expect(page.locator("#piece-identite").get_by_text(
        "Joignez au moins un fichier pour « Justificatif d'identité ».")).to_be_visible()
    verifier_accessibilite(page, "étape 3 refusée")
    joindre(page, "Justificatif d'identité", tmp_path / "identite.pdf")
    bouton(page, POURSUIVRE).click()

    # Step 4: summary and deposit.
    expect_etape(page, 4, "Dépôt de la demande")
    expect(page.get_by_text("Je confirme le dépôt définitif de ma demande.")).to_be_visible()
    recapitulatif = page.locator("#recapitulatif")
    expect(recapitulatif).to_contain_text("Lille")
    expect(recapitulatif).to_contain_text(person.date_placement.strftime("%d/%m/%Y"))
    bouton(page, "Déposer la demande >").click()

    # Step 5: confirmation with the 19-digit number.
    expect_etape(page, 5, "Confirmation")
    expect(page.get_by_text(re.compile(r"Votre demande a bien été enregistrée"))).to_be_visible()
    ligne_numero = page.get_by_text(re.compile(r"N° de la demande : \d{19}\b"))
    expect(ligne_numero).to_be_visible()
    numero = re.search(r"\d{19}", ligne_numero.inner_text()).group(0)

    page.get_by_role("link", name="Mes demandes en cours").click()
    expect(page.get_by_role("heading", name="Mes demandes en cours", level=1)).to_be_visible()
    ligne = page.get_by_role("row").filter(has_text=numero)
    expect(ligne).to_have_count(1)
    expect(ligne).to_contain_text("Demande envoyée : le")
    verifier_accessibilite(page, "mes demandes en cours")


@pytest.mark.feature("F-09")
def test_non_eligible_modifie_puis_abandonne(page: Page, demo) -> None:
    person = demo["NON_ELIGIBLE"]
    date_ase = person.date_placement.strftime("%d/%m/%Y")
    se_connecter(page, person.numero_etranger, person.mot_de_passe)
    jusqu_a_l_etape_1(page)
    remplir_etape_1(page)
    bouton(page, POURSUIVRE).click()
    expect_etape(page, 2, "Motif de séjour")
    remplir_etape_2(page, date_ase, (person.date_placement - timedelta(days=60)).strftime("%d/%m/%Y"))
    bouton(page, POURSUIVRE).click()

    non_eligible = page.get_by_role("heading", name="Demandeur non éligible")
    expect(non_eligible).to_be_visible()
    expect(page.get_by_text(re.compile(r"Vous ne pouvez pas accéder à cette téléprocédure"))).to_be_visible()
    verifier_accessibilite(page, "non éligible")

    bouton(page, "Modifier ma saisie").click()
    expect_etape(page, 2, "Motif de séjour")
    expect_date(page, L_ASE, date_ase)

    bouton(page, "Abandonner la demande").click()
    expect(page.get_by_role("heading", name="Abandonner la demande", level=1)).to_be_visible()
    expect(page.get_by_text(re.compile(r"Voulez-vous vraiment abandonner votre demande"))).to_be_visible()
    verifier_accessibilite(page, "abandonner la demande")
    bouton(page, "Oui, abandonner la demande").click()
    expect(page.get_by_role("heading", name="Demande abandonnée", level=1)).to_be_visible()
    expect(page.get_by_text(re.compile(r"Votre demande a été abandonnée"))).to_be_visible()
    verifier_accessibilite(page, "demande abandonnée")


TELEPHONE = {"viewport": {"width": 375, "height": 740}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


@pytest.mark.feature("F-07")
def test_etape_1_utilisable_sur_telephone(new_page, demo) -> None:
    page = new_page(**TELEPHONE)
    person = demo["CAS_3"]
    # On a phone the way in is the tile: it asks to log in, then comes back to the procedure.
    page.goto("/")
    page.get_by_role("link", name="Je demande ou renouvelle un titre de séjour").tap()
    expect(page.get_by_text("Veuillez vous identifier pour accéder à cette page.")).to_be_visible()
    champ(page, "Identifiant").fill(person.numero_etranger)
    champ(page, "Mot de passe").fill(person.mot_de_passe)
    bouton(page, "S'identifier").tap()
    de_la_situation_a_l_etape_1(page)

    expect_pas_de_defilement_horizontal(page)
    poursuivre = bouton(page, POURSUIVRE)
    poursuivre.scroll_into_view_if_needed()
    expect(poursuivre).to_be_visible()
    expect(poursuivre).to_be_in_viewport()
    page.screenshot(path=str(SCREENSHOTS / "e2e-mobile-etape1.png"), full_page=True, caret="initial")

    remplir_etape_1(page)
    poursuivre.tap()
    expect_etape(page, 2, "Motif de séjour")
    bouton(page, POURSUIVRE).tap()
    expect(page.get_by_role("alert").filter(has_text=re.compile(r"La page comporte \d+ erreurs"))).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "e2e-mobile-etape2-erreurs.png"), full_page=True, caret="initial")
    verifier_accessibilite(page, "étape 2 refusée sur téléphone")
    expect_pas_de_defilement_horizontal(page)


@pytest.mark.feature("F-03")
@pytest.mark.feature("F-13")
def test_en_tete_utilisable_sur_telephone(new_page, demo) -> None:
    """« Se connecter », then « Mes demandes » and « Se déconnecter », must be reachable on a phone too."""
    page = new_page(**TELEPHONE)
    person = demo["CAS_3"]
    page.goto("/")
    if not DSFR_INSTALLE:  # the plain stylesheet keeps the header links in the header itself
        page.get_by_role("link", name="Se connecter").tap()
        champ(page, "Identifiant").fill(person.numero_etranger)
        champ(page, "Mot de passe").fill(person.mot_de_passe)
        bouton(page, "S'identifier").tap()
        expect(page.get_by_role("link", name="Mes demandes", exact=True).first).to_be_visible()
        expect(page.get_by_role("button", name="Se déconnecter").first).to_be_visible()
        return
    # On a phone the DSFR puts the header links in the « Menu » (once its script has started).
    expect(page.locator("html")).to_have_attribute("data-fr-js", "true")
    bouton(page, "Menu").tap()
    menu = page.locator("#menu-modal")
    expect(menu.get_by_role("link", name="Se connecter")).to_be_visible()
    menu.get_by_role("link", name="Se connecter").tap()
    champ(page, "Identifiant").fill(person.numero_etranger)
    champ(page, "Mot de passe").fill(person.mot_de_passe)
    bouton(page, "S'identifier").tap()
    expect(page.locator("html")).to_have_attribute("data-fr-js", "true")
    bouton(page, "Menu").tap()
    expect(menu.get_by_role("link", name="Mes demandes", exact=True)).to_be_visible()
    expect(menu.get_by_role("button", name="Se déconnecter")).to_be_visible()
