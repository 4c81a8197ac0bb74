"""The applicant's step pages in English (F-18): the words of the pages, of the refused forms and of the upload
refusals, and the diagram's texts (step titles, documents, attestations, reason of an ineligibility) translated at
display — then the same pages unchanged in French."""

from __future__ import annotations

import html
import io
import re

import pytest

from tests.web.helpers import (
    ATTESTATIONS,
    LIBELLES,
    buttons,
    field_error,
    login,
    post_step,
    start_draft,
    step2,
    step3_fields,
    text,
    to_depot,
    to_step2,
    to_step3,
)

pytestmark = pytest.mark.feature("F-18")


def _langue(client, code: str) -> None:
    """The header's selector, as the applicant uses it (kept on the account)."""
    assert client.get("/langue", query_string={"choix": code, "retour": "/"}).status_code == 302


def _titre(page: str) -> str:
    return re.sub(r"\s+", " ", re.search(r"<title>(.*?)</title>", page, re.S).group(1)).strip()


def _lu(reponse) -> str:
    """The page as a person reads it: tags removed, entities decoded, white space made one space."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", reponse.get_data(as_text=True)))).strip()


def _lang(page: str) -> str:
    return re.search(r'<html lang="(\w+)"', page).group(1)


@pytest.mark.feature("F-07")
def test_etape_1_en_anglais_ses_erreurs_puis_en_francais(client, demo):
    person = demo["CAS_3"]
    assert login(client, person.numero_etranger, person.mot_de_passe).status_code == 302
    _langue(client, "en")
    url = start_draft(client)

    brut = client.get(url).get_data(as_text=True)
    page = _lu(client.get(url))
    assert _lang(brut) == "en"
    assert _titre(brut).startswith("Step 1 of 5 — Personal information")
    assert "<h1>Apply for a residence permit</h1>" in brut
    assert "I check the personal information I gave" in page and "CIVIL STATUS" in page
    assert "Next step: Reason for your stay" in page  # the diagram's step title, translated
    assert [b for b in buttons(brut) if b not in ("Log out", "Se déconnecter")] == [
        "< Back to the previous step", "Give up the application", "Leave and come back later", "Save and continue >"]
    for francais in ("Enregistrer et poursuivre", "Étape 1 sur 5", "Je vérifie les informations", "ÉTAT CIVIL",
                     "Les champs marqués"):
        assert francais not in page, francais

    # A refused form: the summary, the title and each field's message in English.
    refus = post_step(client, url, adresse="", code_postal="98000", ville="", telephone="12")
    assert refus.status_code == 422
    brut = refus.get_data(as_text=True)
    assert _titre(brut).startswith("Error: Step 1 of 5")
    assert "The page has 4 errors" in text(refus)
    assert field_error(brut, "adresse") == "The field “Address” is required."
    assert field_error(brut, "ville") == "The field “Town” is required."
    assert field_error(brut, "code_postal").startswith("The postcode 98000 does not match any French département.")
    assert field_error(brut, "telephone") == ("The “Phone” must be a French number with 10 digits, for example "
                                              "06 12 34 56 78.")

    # The same page in French: the seed's words, untouched.
    _langue(client, "fr")
    refus = post_step(client, url, adresse="", code_postal="98000", ville="", telephone="12")
    brut = refus.get_data(as_text=True)
    assert _lang(brut) == "fr" and _titre(brut).startswith("Erreur : Étape 1 sur 5 — Informations personnelles")
    assert "La page comporte 4 erreurs" in text(refus)
    assert field_error(brut, "adresse") == "Le champ « Adresse » est obligatoire."
    assert field_error(brut, "code_postal").startswith("Le code postal 98000 ne correspond à aucun département")
    page = _lu(refus)
    assert "Je vérifie les informations personnelles que j'ai fournies" in page and "ÉTAT CIVIL" in page
    assert "Étape suivante : Motif de séjour" in page
    assert "Enregistrer et poursuivre >" in buttons(brut)
    for anglais in ("Save and continue", "Step 1 of 5", "CIVIL STATUS", "The field"):
        assert anglais not in page, anglais


@pytest.mark.feature("F-08")
@pytest.mark.feature("F-21")
def test_etape_2_attestations_et_dates_en_anglais(client, demo):
    person = demo["CAS_3"]
    url = to_step2(client, person, "CAS_3")
    _langue(client, "en")
    brut = client.get(url).get_data(as_text=True)
    page = _lu(client.get(url))
    assert _titre(brut).startswith("Step 2 of 5 — Reason for your stay")
    assert "INFORMATION ABOUT YOUR CARE BY CHILD WELFARE SERVICES (ASE)" in page
    assert "Date child welfare services (ASE) took you into care *" in page
    assert ">January</option>" in brut and ">Janvier</option>" not in brut
    # The attestations are the DMN's: shown in English, never retyped in the code.
    assert "Do not live in France in a polygamous marriage, even if my home country allows it." in page
    assert LIBELLES["polygamie"] not in page

    refus = post_step(client, url, **dict(step2("1990-01-01", ["polygamie"]), situation_familiale="Bof"))
    assert refus.status_code == 422
    brut = refus.get_data(as_text=True)
    assert field_error(brut, "date_prise_en_charge_ase").startswith(
        "The “Date child welfare services (ASE) took you into care” cannot be before your date of birth")
    assert field_error(brut, "situation_familiale") == (
        "Choose one of the options in the list “What is your family situation now?”.")
    assert field_error(brut, "attestation_sanctions") == (
        "You must tick the statement “I know the criminal penalties for anyone who makes a false statement.”")

    _langue(client, "fr")
    refus = post_step(client, url, **step2(person.date_placement.isoformat(), ["polygamie"]))
    brut = refus.get_data(as_text=True)
    assert field_error(brut, "attestation_sanctions") == f"Vous devez cocher l'attestation « {LIBELLES['sanctions']} »"
    assert "INFORMATION SUR LA PRISE EN CHARGE PAR L'ASE" in _lu(refus)


@pytest.mark.feature("F-10")
def test_etape_3_documents_et_refus_de_fichiers_en_anglais(client, demo):
    person = demo["CAS_3"]
    url = to_step3(client, person, "CAS_3")
    _langue(client, "en")
    brut = client.get(url).get_data(as_text=True)
    page = _lu(client.get(url))
    assert _titre(brut).startswith("Step 3 of 5 — Supporting documents")
    assert "Proof of identity *" in page and "Justificatif d'identité" not in page
    assert "CIVIL STATUS" in page and "HOME ADDRESS" in page and "REASON FOR YOUR STAY" in page
    assert "- Passport;" not in page and "<li>Passport;</li>" in brut  # the DMN's help, its list kept
    # The ephoto help's link is still the link, in English.
    lien = re.search(r'<a href="[^"]+" target="_blank" rel="noopener"\s+title="([^"]+)">([^<]+)</a>', brut)
    assert lien and lien.group(2) == "you can find a digital photo and signature service by following this link"
    assert lien.group(1).endswith(" - new window")
    assert "Choose a file" in page and "No file chosen" in brut
    assert "Attach a file for “Proof of identity”" in page

    # An upload refused, a wrong ephoto number: the messages in English, next to their document.
    refus = post_step(client, url, action="joindre", ephoto="123",
                      fichier_identite=(io.BytesIO(b"pas une image"), "notes.txt"))
    assert refus.status_code == 302
    page = _lu(client.get(url))
    assert ("“notes.txt” is not accepted: only JPG, PNG, PDF, TIFF and BMP files are accepted (the file's content "
            "does not match any of these formats).") in page
    assert post_step(client, url, action="ephoto_confirmer", ephoto="123").status_code == 302
    page = _lu(client.get(url))
    assert "The “ephoto number” must have 22 characters (digits or letters)" in page
    assert "n'est pas accepté" not in page

    # « Save and continue » with documents missing: the summary links each one.
    assert post_step(client, url).status_code == 302
    brut = client.get(url).get_data(as_text=True)
    assert _titre(brut).startswith("Error: Step 3 of 5")
    assert '<a href="#fichier_identite">Attach at least one file for “Proof of identity”.</a>' in brut

    _langue(client, "fr")
    post_step(client, url)
    brut = client.get(url).get_data(as_text=True)
    assert "<a href=\"#fichier_identite\">Joignez au moins un fichier pour « Justificatif d'identité ».</a>" in (
        brut.replace("&#39;", "'"))
    assert "Choisir un fichier" in brut and "Aucun fichier sélectionné" in brut


@pytest.mark.feature("F-11")
@pytest.mark.feature("F-12")
def test_depot_et_confirmation_en_anglais(client, demo):
    person = demo["CAS_3"]
    url = to_depot(client, person, "CAS_3")
    _langue(client, "en")
    brut = client.get(url).get_data(as_text=True)
    page = _lu(client.get(url))
    assert _titre(brut).startswith("Step 4 of 5 — Submitting the application")
    assert "Summary of my application" in page and "Single" in page
    assert 'aria-label="Change step 1: Personal information"' in brut
    assert "Do not live in France in a polygamous marriage" in page and "Recent ID photo" in page
    assert "Submit the application >" in buttons(brut)

    reponse = post_step(client, url, observations="")
    assert reponse.status_code == 302
    page = _lu(client.get(reponse.location))
    assert "Your application has been saved and you will receive an acknowledgement of receipt." in page
    assert re.search(r"Application no\.: \S+ — submitted on \d\d/\d\d/\d{4} at \d\d:\d\d\.", page)
    assert "Open my application receipt (PDF, in French)" in page

    _langue(client, "fr")
    page = _lu(client.get(reponse.location))
    assert "Votre demande a bien été enregistrée et vous allez recevoir un accusé de réception." in page
    assert re.search(r"N° de la demande : \S+ — déposée le \d\d/\d\d/\d{4} à \d\d:\d\d\.", page)


@pytest.mark.feature("F-09")
def test_demandeur_non_eligible_en_anglais(client, demo):
    person = demo["NON_ELIGIBLE"]
    url = to_step2(client, person, "CAS_3")
    _langue(client, "en")
    assert post_step(client, url, **step2(person.date_placement.isoformat(), ATTESTATIONS["CAS_3"])).status_code == 302
    brut = client.get(url).get_data(as_text=True)
    page = _lu(client.get(url))
    assert _titre(brut).startswith("Applicant not eligible")
    # The reason is the decision table's, translated at display.
    assert ("You cannot use this online procedure. Applying for a residence permit (titre de séjour) for this reason "
            "is only open to applicants placed with child welfare services") in page
    assert [b for b in buttons(brut) if b not in ("Log out", "Se déconnecter")] == [
        "Change my answers", "Give up the application"]
    _langue(client, "fr")
    assert "Vous ne pouvez pas accéder à cette téléprocédure." in _lu(client.get(url))


def test_la_page_complete_en_anglais_n_a_plus_de_texte_des_etapes_en_francais(client, demo):
    """Every step's own words have an English version: none of the step templates' French shows in English."""
    person = demo["CAS_2"]
    url = to_step3(client, person, "CAS_2")
    _langue(client, "en")
    page = _lu(client.get(url))
    for francais in ("Je joins mes documents justificatifs", "Vous devrez fournir sous forme numérique",
                     "Joindre un document", "Justificatif d'émancipation", "Veuillez joindre",
                     "Taille maximale", "Revenir à l'étape précédente"):
        assert francais not in page, francais
    assert "Proof of emancipation" in page and "Attach a document" in page
    assert post_step(client, url, **step3_fields(client.get(url).get_data(as_text=True))).status_code == 302
