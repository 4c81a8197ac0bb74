"""F-07: step 1 « Informations personnelles »."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from app import clock
from app.extensions import db
from app.models import Demande, Personne
from tests.web.helpers import (
    STEP1,
    field_error,
    get_text,
    input_date,
    input_value,
    is_checked,
    login,
    post_step,
    start_draft,
    step1_for,
    step2,
    text,
    to_depot,
    to_step2,
)

OBLIGATOIRES = {"adresse": "Adresse", "code_postal": "Code postal", "ville": "Ville", "telephone": "Téléphone"}


def readonly_value(page: str, label: str) -> str | None:
    match = re.search(rf'{re.escape(label)} :</p> ?<p class="fr-text--bold">([^<]*)</p>', page)
    return match.group(1) if match else None


@pytest.fixture
def etape1(client, demo):
    person = demo["CAS_3"]
    login(client, person.numero_etranger, person.mot_de_passe)
    return start_draft(client)


@pytest.mark.feature("F-07")
@pytest.mark.parametrize("case", ["CAS_1", "CAS_2", "CAS_3", "NON_ELIGIBLE"])
def test_etat_civil_en_lecture_seule_depuis_le_registre(app, client, demo, case):
    person = demo[case]
    with app.app_context():
        registre = db.session.scalar(select(Personne).filter_by(numero_etranger=person.numero_etranger))
    login(client, person.numero_etranger, person.mot_de_passe)
    page = get_text(client, start_draft(client))
    assert "Les informations d'état civil ne sont pas modifiables" in page
    assert readonly_value(page, "Nom de naissance") == registre.nom_naissance
    assert readonly_value(page, "Prénom(s)") == registre.prenoms
    assert readonly_value(page, "Sexe") == registre.sexe
    assert readonly_value(page, "Date de naissance") == registre.date_naissance.strftime("%d/%m/%Y")
    assert readonly_value(page, "Pays de naissance") == registre.pays_naissance
    assert readonly_value(page, "Lieu de naissance") == registre.lieu_naissance
    assert readonly_value(page, "Nationalité") == registre.nationalite
    assert readonly_value(page, "Email") == f"{person.numero_etranger}@demo.example.org"
    for name in ("nom_naissance", "prenoms", "sexe", "date_naissance", "nationalite", "email"):
        assert input_value(page, name) is None, f"{name} ne doit pas être modifiable"


@pytest.mark.feature("F-07")
@pytest.mark.parametrize("champ", list(OBLIGATOIRES))
def test_champ_obligatoire_refuse_pres_du_champ_et_le_reste_est_garde(client, etape1, champ):
    saisie = dict(step1_for("CAS_3", complement="Bâtiment B"), **{champ: ""})
    response = post_step(client, etape1, **saisie)
    page = text(response)
    assert response.status_code == 422
    assert field_error(page, champ) == f"Le champ « {OBLIGATOIRES[champ]} » est obligatoire."
    for autre, valeur in saisie.items():
        if autre != champ:
            assert input_value(page, autre) == valeur, autre


@pytest.mark.feature("F-07")
@pytest.mark.parametrize("telephone", ["12345", "06 12 34 56", "06 12 34 56 78 90", "+44 20 7946 0958", "abcdefghij",
                                       "00 12 34 56 78"])
def test_telephone_invalide_refuse(client, etape1, telephone):
    response = post_step(client, etape1, **dict(STEP1, telephone=telephone))
    page = text(response)
    assert response.status_code == 422
    assert "Téléphone" in field_error(page, "telephone")
    assert input_value(page, "telephone") == telephone


@pytest.mark.feature("F-07")
@pytest.mark.parametrize("telephone", ["06 12 34 56 78", "+33612345678", "0612345678"])
def test_telephone_formats_acceptes(client, etape1, telephone):
    response = post_step(client, etape1, **dict(STEP1, telephone=telephone))
    assert response.status_code == 302
    assert "Étape 2 sur 5" in get_text(client, etape1)


@pytest.mark.feature("F-07")
@pytest.mark.parametrize("code_postal", ["5980", "598000", "ABCDE", "59 800"])
def test_code_postal_invalide_refuse(client, etape1, code_postal):
    response = post_step(client, etape1, **dict(STEP1, code_postal=code_postal))
    page = text(response)
    assert response.status_code == 422
    assert "Code postal" in field_error(page, "code_postal")
    assert input_value(page, "ville") == "Lille"


@pytest.mark.feature("F-07")
def test_la_case_emancipe_cochee_est_gardee_apres_une_erreur(client, demo):
    person = demo["CAS_2"]
    login(client, person.numero_etranger, person.mot_de_passe)
    url = start_draft(client)
    page = text(post_step(client, url, **step1_for("CAS_2", ville="")))
    assert is_checked(page, "emancipe")
    assert is_checked(text(client.get(url)), "emancipe")


@pytest.mark.feature("F-07")
def test_une_erreur_a_l_etape_1_ne_perd_rien_de_ce_qui_etait_enregistre(client, demo):
    person = demo["CAS_3"]
    url = to_step2(client, person, "CAS_3")
    post_step(client, url, **step2(person.date_placement.isoformat(), ["polygamie", "sanctions"],
                                   date_entree_france="2016-07-08"))
    post_step(client, url, action="precedent")
    post_step(client, url, action="precedent")
    page = text(post_step(client, url, **dict(STEP1, telephone="123", ville="Roubaix")))
    assert field_error(page, "telephone") and input_value(page, "ville") == "Roubaix"
    page = get_text(client, url)
    assert input_value(page, "ville") == "Roubaix" and input_value(page, "adresse") == STEP1["adresse"]
    assert post_step(client, url, **dict(STEP1, ville="Roubaix")).status_code == 302
    page = get_text(client, url)
    assert "Étape 2 sur 5" in page
    assert input_date(page, "date_entree_france") == date(2016, 7, 8)
    assert is_checked(page, "attestation_polygamie") and is_checked(page, "attestation_sanctions")


@pytest.mark.feature("F-07")
def test_aucun_attribut_html_ne_vaut_none(client, etape1):
    page = client.get(etape1).get_data(as_text=True)
    assert re.findall(r'\w+="None"', page) == []


@pytest.mark.feature("F-07")
@pytest.mark.parametrize(("champ", "libelle", "longueur"),
                         [("adresse", "Adresse", 201), ("ville", "Ville", 81), ("complement", "Complément", 121)])
def test_champ_trop_long_refuse_en_francais_en_le_nommant(client, etape1, champ, libelle, longueur):
    response = post_step(client, etape1, **dict(STEP1, **{champ: "x" * longueur}))
    assert response.status_code == 422
    message = field_error(text(response), champ)
    assert libelle in message and "Field cannot be longer" not in message, message


# --- Postal codes of a real department (F-48: an application no agent could ever see) ---------------------------

FORMAT = "Le « Code postal » doit comporter 5 chiffres de 0 à 9, par exemple 59800."
INCONNU = ("Le code postal {} ne correspond à aucun département français. Indiquez le code postal de votre adresse "
           "en France métropolitaine, en Corse, en Guadeloupe (avec Saint-Barthélemy et Saint-Martin), en Martinique, "
           "en Guyane, à La Réunion, à Saint-Pierre-et-Miquelon ou à Mayotte, par exemple 59800.")


@pytest.mark.feature("F-48")
@pytest.mark.parametrize("code_postal, message", [
    ("５９８００", FORMAT),  # full-width digits: `\d{5}` took them, the number began « ５９ »
    ("٥٩٨٠٠", FORMAT),  # Arabic-Indic digits
    ("00000", INCONNU.format("00000")),
    ("96000", INCONNU.format("96000")),
])
def test_code_postal_sans_departement_refuse_en_disant_ce_qui_est_attendu(app, client, etape1, code_postal, message):
    response = post_step(client, etape1, **dict(STEP1, code_postal=code_postal))
    page = text(response)
    assert response.status_code == 422
    assert field_error(page, "code_postal") == message
    assert input_value(page, "code_postal") == code_postal and input_value(page, "ville") == "Lille"
    assert "Étape 1 sur 5" in get_text(client, etape1)  # nothing saved: still step 1


@pytest.mark.feature("F-48")
@pytest.mark.parametrize("code_postal, ville", [("20000", "Ajaccio"), ("20600", "Bastia"), ("97133", "Gustavia"),
                                                ("97150", "Marigot"), ("97500", "Saint-Pierre"),
                                                ("97600", "Mamoudzou")])
def test_code_postal_de_corse_ou_d_outre_mer_accepte(client, etape1, code_postal, ville):
    response = post_step(client, etape1, **dict(STEP1, code_postal=code_postal, ville=ville, code_insee=""))
    assert response.status_code == 302
    assert "Étape 2 sur 5" in get_text(client, etape1)


@pytest.mark.feature("F-48")
def test_un_brouillon_enregistre_avant_la_verification_n_est_pas_depose_sans_departement(app, client, demo):
    """A draft saved before postal codes were checked (« 96000 » in its data): the deposit says what to correct
    instead of failing, and nothing is numbered."""
    url = to_depot(client, demo["CAS_3"], "CAS_3")
    ident = int(url.rsplit("/", 1)[-1])
    with app.app_context():
        with app.extensions["demandes"].open(ident, clock.today()) as instance:
            tache = instance.ready("Usager")[0]
            instance.engine.update_ready(instance.wf, tache.id, {"code_postal": "96000"})
    response = post_step(client, url, observations="")
    assert response.status_code == 422
    assert field_error(text(response), "observations") == (
        "Votre adresse (étape 1) : " + INCONNU.format("96000") + " Corrigez-la avec le bouton « Modifier » de "
        "l'étape 1, puis déposez votre demande.")
    with app.app_context():
        assert db.session.get(Demande, ident).numero is None
