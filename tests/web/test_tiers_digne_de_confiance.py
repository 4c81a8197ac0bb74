"""F-17: a foreigner entrusted to a tiers digne de confiance, beside the ASE (CESEDA L. 423-22); the situation page's
texts and refused form (F-04, F-19); « Insertion dans la société française » required for every case (F-22)."""

from __future__ import annotations

import html
import io
import re
from typing import Any

import pytest
from pypdf import PdfReader

from tests.conftest import csrf_token
from tests.web.helpers import (
    ATTESTATIONS,
    STEP1,
    get_text,
    login,
    post_step,
    step2,
    step3_fields,
    text,
)

MOTIF_ASE = "En tant qu'étranger confié à l'ASE (Aide Sociale à l'Enfance)"
MOTIF_TIERS = "En tant qu'étranger confié à un tiers digne de confiance"
PREUVE_ASE = "Décision de placement par l'autorité judiciaire au service de l'Aide Sociale à l'Enfance (ASE)"
PREUVE_TIERS = "Décision du juge confiant l'enfant à un tiers digne de confiance"
INSERTION = "Insertion dans la société française"
TEXTE_TIERS = (
    "Vous ne pouvez pas accéder à cette téléprocédure. La demande de titre de séjour pour ce motif est accessible "
    "uniquement aux demandeurs confiés à un tiers digne de confiance au plus tard à l'âge de 16 ans (article L. 423-22 "
    "du CESEDA). Pour en savoir plus, vous pouvez vous rapprocher de la préfecture dont vous dépendez."
)


def commencer(client: Any, person: Any, motif: str) -> str:
    """Logged in, « Votre situation actuelle » answered with `motif`, « Je continue »: the step URL."""
    assert login(client, person.numero_etranger, person.mot_de_passe).status_code == 302
    page = client.get("/titre-de-sejour").get_data(as_text=True)
    response = client.post("/titre-de-sejour", data={"csrf_token": csrf_token(page), "situation": "vulnerabilite",
                                                      "motif": motif})
    assert response.status_code == 302 and response.location.endswith("/titre-de-sejour/preambule")
    page = client.get("/titre-de-sejour/preambule").get_data(as_text=True)
    response = client.post("/titre-de-sejour/commencer", data={"csrf_token": csrf_token(page)})
    assert response.status_code == 302
    return response.location


def jusqu_a_l_etape_3(client: Any, person: Any, motif: str, case: str = "CAS_3") -> str:
    url = commencer(client, person, motif)
    assert post_step(client, url, **STEP1).status_code == 302
    response = post_step(client, url, **step2(person.date_placement.isoformat(), ATTESTATIONS[case]))
    assert response.status_code == 302, text(response)
    return url


def bloc_du_document(page: str, code: str) -> str:
    """The upload block of one document of step 3 (from its file input to the next block)."""
    debut = page.index(f'name="fichier_{code}"')
    return page[max(0, page.rfind("<section", 0, debut)):page.find("</section>", debut)]


# --- « Votre situation actuelle » ---------------------------------------------------------------------------------


@pytest.mark.feature("F-17")
@pytest.mark.feature("F-04")
def test_la_situation_propose_l_ase_et_le_tiers_digne_de_confiance(client, demo):
    person = demo["CAS_1"]  # no title held
    login(client, person.numero_etranger, person.mot_de_passe)
    page = get_text(client, "/titre-de-sejour")
    assert "Je suis en situation de vulnérabilité" in page
    assert MOTIF_ASE in page and MOTIF_TIERS in page
    assert page.index(MOTIF_ASE) < page.index(MOTIF_TIERS)
    assert "JE SOLLICITE UN TITRE DE SÉJOUR :" in page
    assert "Vous êtes titulaire d'un titre de séjour" not in page and "UN AUTRE TITRE" not in page


@pytest.mark.feature("F-04")
def test_le_titulaire_d_un_titre_sollicite_un_autre_titre(client, demo):
    person = demo["CAS_2"]  # holds a title in the register (« Document de circulation »)
    login(client, person.numero_etranger, person.mot_de_passe)
    page = get_text(client, "/titre-de-sejour")
    assert "Vous êtes titulaire d'un titre de séjour" in page
    assert "Document de circulation" in page
    assert "JE SOLLICITE UN AUTRE TITRE DE SÉJOUR :" in page
    assert page.index("Vous êtes titulaire d'un titre de séjour") < page.index("JE SOLLICITE UN AUTRE TITRE")


@pytest.mark.feature("F-04")
@pytest.mark.feature("F-19")
def test_situation_refusee_resume_des_erreurs_lie_a_chaque_groupe(client, demo):
    person = demo["CAS_1"]
    login(client, person.numero_etranger, person.mot_de_passe)
    page = client.get("/titre-de-sejour").get_data(as_text=True)
    assert "<title>Votre situation actuelle" in page
    response = client.post("/titre-de-sejour", data={"csrf_token": csrf_token(page)})
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 200
    assert re.search(r"<title>Erreur : Votre situation actuelle", page)
    resume = re.search(r'<div[^>]*id="erreurs"[^>]*>(.*?)</div>', page, re.S)
    assert resume and 'tabindex="-1"' in resume.group(0)
    liens = dict((m[1], m[0]) for m in re.findall(r'<a href="#([^"]+)">([^<]+)</a>', resume.group(1)))
    assert liens == {
        "Choisissez votre situation : « Je suis en situation de vulnérabilité ».": "situation-0",
        "Choisissez « En tant qu'étranger confié à l'ASE (Aide Sociale à l'Enfance) » ou « En tant qu'étranger "
        "confié à un tiers digne de confiance » pour continuer.": "motif-0",
    }
    # Each link leads to the first radio of its group, and the group is announced with its error.
    for cible in liens.values():
        radio = re.search(rf'<input[^>]*id="{cible}"[^>]*>', page)
        assert radio and 'type="radio"' in radio.group(0) and 'aria-invalid="true"' in radio.group(0)
    assert re.search(r'<fieldset[^>]*aria-labelledby="situation-legende situation-erreur"', page)
    assert re.search(r'<fieldset[^>]*aria-labelledby="motif-legende motif-erreur"', page)


@pytest.mark.feature("F-04")
def test_situation_valeur_forgee_refusee(client, demo):
    person = demo["CAS_1"]
    login(client, person.numero_etranger, person.mot_de_passe)
    page = client.get("/titre-de-sejour").get_data(as_text=True)
    response = client.post("/titre-de-sejour", data={"csrf_token": csrf_token(page), "situation": "vulnerabilite",
                                                      "motif": "famille"})
    assert response.status_code == 200
    assert "pour continuer." in text(response) and "Not a valid choice" not in text(response)


# --- the tiers digne de confiance route ---------------------------------------------------------------------------


@pytest.mark.feature("F-17")
@pytest.mark.feature("F-08")
def test_tiers_etape_2_parle_du_tiers_digne_de_confiance(client, demo):
    person = demo["CAS_3"]
    url = commencer(client, person, "tiers")
    assert "Étape 1 sur 5" in get_text(client, url)
    assert post_step(client, url, **STEP1).status_code == 302
    page = get_text(client, url)
    assert "Étape 2 sur 5" in page
    assert "INFORMATION SUR LA PRISE EN CHARGE PAR LE TIERS DIGNE DE CONFIANCE" in page
    assert "Date de prise en charge par le tiers digne de confiance" in page
    assert "par l'ASE" not in page and "PAR L'ASE" not in page
    # A refused step 2 names the tiers' date in its message.
    response = post_step(client, url, **step2("", ATTESTATIONS["CAS_3"]))
    assert "Le champ « Date de prise en charge par le tiers digne de confiance » est obligatoire." in text(response)


@pytest.mark.feature("F-17")
@pytest.mark.feature("F-10")
@pytest.mark.feature("F-22")
def test_tiers_eligible_la_decision_du_juge_au_lieu_du_placement_ase(client, demo):
    url = jusqu_a_l_etape_3(client, demo["CAS_3"], "tiers")
    page = html.unescape(client.get(url).get_data(as_text=True))
    lu = re.sub(r"\s+", " ", page)
    assert "Étape 3 sur 5" in lu
    assert PREUVE_TIERS in lu and PREUVE_ASE not in lu
    assert "juge des enfants" in bloc_du_document(page, "placement_tiers")
    assert "juge aux affaires familiales" in bloc_du_document(page, "placement_tiers")
    assert "avis du tiers digne de confiance" in bloc_du_document(page, "insertion")
    assert 'name="fichier_placement_ase"' not in page


@pytest.mark.feature("F-17")
@pytest.mark.feature("F-11")
def test_tiers_depose_et_l_agent_voit_la_decision_du_juge(client, demo):
    url = jusqu_a_l_etape_3(client, demo["CAS_3"], "tiers")
    response = post_step(client, url, **step3_fields(client.get(url).get_data(as_text=True)))
    assert response.status_code == 302
    page = get_text(client, url)
    assert "Étape 4 sur 5" in page
    assert "Date de prise en charge par le tiers digne de confiance" in page
    assert PREUVE_TIERS in page


@pytest.mark.feature("F-17")
@pytest.mark.feature("F-09")
def test_tiers_confie_apres_16_ans_non_eligible(client, demo):
    person = demo["NON_ELIGIBLE"]  # entrusted after the 16th birthday
    url = commencer(client, person, "tiers")
    assert post_step(client, url, **STEP1).status_code == 302
    assert post_step(client, url, **step2(person.date_placement.isoformat(), ATTESTATIONS["CAS_3"])).status_code == 302
    page = get_text(client, url)
    assert "Demandeur non éligible" in page
    assert TEXTE_TIERS in page
    assert "Aide Sociale à l'Enfance" not in page.split("Demandeur non éligible", 1)[1].split("Modifier ma saisie")[0]


@pytest.mark.feature("F-17")
@pytest.mark.feature("F-09")
def test_ase_confie_apres_16_ans_garde_le_texte_du_seed(client, demo):
    person = demo["NON_ELIGIBLE"]
    url = commencer(client, person, "ase")
    assert post_step(client, url, **STEP1).status_code == 302
    assert post_step(client, url, **step2(person.date_placement.isoformat(), ATTESTATIONS["CAS_3"])).status_code == 302
    page = get_text(client, url)
    assert "accessible uniquement aux demandeurs confiés à l'Aide Sociale à l'Enfance (ASE) au plus tard à l'âge de " \
           "16 ans." in page
    assert "tiers digne de confiance" not in page.split("Demandeur non éligible", 1)[1]


@pytest.mark.feature("F-17")
def test_sans_passer_par_la_situation_la_demande_est_celle_de_l_ase(client, demo):
    """« Je continue » reached without the situation page (an old bookmark): the ASE, as before F-17."""
    person = demo["CAS_3"]
    login(client, person.numero_etranger, person.mot_de_passe)
    page = client.get("/titre-de-sejour/preambule").get_data(as_text=True)
    url = client.post("/titre-de-sejour/commencer", data={"csrf_token": csrf_token(page)}).location
    assert post_step(client, url, **STEP1).status_code == 302
    assert "INFORMATION SUR LA PRISE EN CHARGE PAR L'ASE" in get_text(client, url)


# --- « Insertion dans la société française » required -------------------------------------------------------------


@pytest.mark.feature("F-22")
@pytest.mark.feature("F-10")
@pytest.mark.parametrize("motif", ["ase", "tiers"])
def test_insertion_obligatoire_pour_tout_cas(client, demo, motif):
    url = jusqu_a_l_etape_3(client, demo["CAS_1"], motif, "CAS_1")
    page = client.get(url).get_data(as_text=True)
    champs = {k: v for k, v in step3_fields(page).items() if k != "fichier_insertion"}
    post_step(client, url, **champs)  # every other document and the ephoto given, then « Enregistrer et poursuivre »
    page = get_text(client, url)
    assert "Étape 3 sur 5" in page
    assert "Joignez au moins un fichier pour « Insertion dans la société française »." in page
    assert "(facultatif)" not in page and "facultatif" not in page.split(INSERTION, 1)[1][:300]


@pytest.mark.feature("F-23")
@pytest.mark.feature("F-17")
def test_la_liste_des_pieces_donne_les_deux_preuves_de_placement(client):
    data = client.get("/titre-de-sejour/liste-des-pieces-justificatives.pdf").data
    lu = re.sub(r"\s+", " ", "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages))
    assert "OU À UN TIERS DIGNE DE CONFIANCE" in lu
    assert PREUVE_ASE in lu and PREUVE_TIERS in lu
    assert "Uniquement si vous avez été confié(e) à l'Aide Sociale à l'Enfance (ASE)." in lu
    assert "Uniquement si vous avez été confié(e) à un tiers digne de confiance." in lu
    assert lu.index(PREUVE_ASE) < lu.index(PREUVE_TIERS) < lu.index("Justificatifs d'activité professionnelle")
    assert f"{INSERTION} (facultatif)" not in lu and INSERTION in lu
