"""F-08 step 2 « Motif de séjour » and F-21 the attestations of each case."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.web.helpers import (
    ATTESTATIONS,
    LIBELLES,
    checked_values,
    field_error,
    get_text,
    input_date,
    input_value,
    is_checked,
    paris_today,
    post_step,
    selected_option,
    step2,
    text,
    to_step2,
)

L_ASE = "Date de prise en charge par l'ASE"
L_ENTREE = "Date d'entrée en France"


@pytest.fixture
def cas3(client, demo):
    """A CAS 3 applicant at step 2; returns (url, valid step-2 fields)."""
    person = demo["CAS_3"]
    return to_step2(client, person, "CAS_3"), step2(person.date_placement.isoformat(), ATTESTATIONS["CAS_3"])


def refused(client, url, fields):
    response = post_step(client, url, **fields)
    assert response.status_code == 422, response.status_code
    return text(response)


@pytest.mark.feature("F-08")
@pytest.mark.parametrize(("champ", "libelle"), [("date_prise_en_charge_ase", L_ASE), ("date_entree_france", L_ENTREE)])
def test_date_obligatoire_manquante(client, cas3, champ, libelle):
    url, fields = cas3
    page = refused(client, url, dict(fields, **{champ: ""}))
    assert field_error(page, champ) == f"Le champ « {libelle} » est obligatoire."


@pytest.mark.feature("F-08")
@pytest.mark.parametrize(("champ", "libelle"), [("date_prise_en_charge_ase", L_ASE), ("date_entree_france", L_ENTREE)])
def test_date_dans_le_futur_refusee(client, cas3, champ, libelle):
    url, fields = cas3
    demain = (paris_today() + timedelta(days=1)).isoformat()
    page = refused(client, url, dict(fields, **{champ: demain}))
    assert field_error(page, champ) == f"La « {libelle} » ne peut pas être dans le futur."


@pytest.mark.feature("F-08")
@pytest.mark.parametrize("illisible", ["2023-13-45", "hier", "2023-02-30"])
def test_date_illisible_refusee_en_francais(client, cas3, illisible):
    url, fields = cas3
    page = refused(client, url, dict(fields, date_entree_france=illisible))
    assert field_error(page, "date_entree_france") == (f"La « {L_ENTREE} » n'est pas une date valide : indiquez le "
                                                       "jour, le mois et l'année.")


@pytest.mark.feature("F-08")
def test_date_saisie_au_format_annonce_jj_mm_aaaa_acceptee(client, cas3):
    """The hint and the error message both say « JJ/MM/AAAA »: a date typed that way must be understood."""
    url, fields = cas3
    response = post_step(client, url, **dict(fields, date_entree_france="15/01/2020"))
    assert response.status_code == 302, field_error(text(response), "date_entree_france")


@pytest.mark.feature("F-08")
@pytest.mark.parametrize("situation", ["Marié(e)", "Pacsé(e)"])
def test_union_obligatoire_si_marie_ou_pacse(client, cas3, situation):
    url, fields = cas3
    page = refused(client, url, dict(fields, situation_familiale=situation))
    assert field_error(page, "date_debut_union") == "Le champ « Date de début de l'union » est obligatoire."
    assert field_error(page, "pays_union") == "Le champ « Pays de l'union » est obligatoire."
    response = post_step(client, url, **dict(fields, situation_familiale=situation, date_debut_union="2021-06-01",
                                             pays_union="Tunisie"))
    assert response.status_code == 302


@pytest.mark.feature("F-08")
def test_date_d_union_dans_le_futur_refusee(client, cas3):
    url, fields = cas3
    demain = (paris_today() + timedelta(days=1)).isoformat()
    page = refused(client, url, dict(fields, situation_familiale="Marié(e)", date_debut_union=demain, pays_union="X"))
    assert field_error(page, "date_debut_union") == "La « Date de début de l'union » ne peut pas être dans le futur."


@pytest.mark.feature("F-08")
@pytest.mark.parametrize("situation", ["Célibataire", "Concubin(ne)", "Divorcé(e)"])
def test_union_facultative_hors_mariage_et_pacs(client, cas3, situation):
    url, fields = cas3
    assert post_step(client, url, **dict(fields, situation_familiale=situation)).status_code == 302
    assert "Étape 3 sur 5" in get_text(client, url)


@pytest.mark.feature("F-08")
def test_situation_familiale_et_enfants_obligatoires(client, cas3):
    url, fields = cas3
    fields = {k: v for k, v in fields.items() if k not in ("situation_familiale", "enfants_a_charge")}
    page = refused(client, url, fields)
    assert field_error(page, "situation_familiale") == (
        "Le champ « Quelle est votre situation familiale actuelle ? » est obligatoire."
    )
    assert field_error(page, "enfants_a_charge") == (
        "Le champ « Avez-vous des enfants à votre charge ? » est obligatoire."
    )


@pytest.mark.feature("F-08")
def test_valeurs_hors_liste_refusees_en_francais(client, cas3):
    url, fields = cas3
    page = refused(client, url, dict(fields, situation_familiale="Veuf", enfants_a_charge="peut-être"))
    assert field_error(page, "situation_familiale") and field_error(page, "enfants_a_charge")
    assert "Not a valid choice" not in page


@pytest.mark.feature("F-08")
@pytest.mark.feature("F-21")
@pytest.mark.parametrize("code", ATTESTATIONS["CAS_3"])
def test_chaque_attestation_non_cochee_refusee_en_la_nommant(client, cas3, code):
    url, fields = cas3
    fields = {k: v for k, v in fields.items() if k != f"attestation_{code}"}
    page = refused(client, url, fields)
    assert field_error(page, f"attestation_{code}") == f"Vous devez cocher l'attestation « {LIBELLES[code]} »"


@pytest.mark.feature("F-08")
def test_saisie_gardee_apres_une_erreur(client, cas3):
    url, fields = cas3
    fields = dict(fields, date_entree_france="2019-09-09", situation_familiale="Pacsé(e)", pays_union="Maroc",
                  enfants_a_charge="oui")
    del fields["attestation_sanctions"]
    page = refused(client, url, fields)
    assert field_error(page, "date_debut_union")
    assert input_date(page, "date_prise_en_charge_ase") == date.fromisoformat(fields["date_prise_en_charge_ase"])
    assert input_date(page, "date_entree_france") == date(2019, 9, 9)
    assert input_value(page, "pays_union") == "Maroc"
    assert selected_option(page, "situation_familiale") == "Pacsé(e)"
    assert checked_values(page, "enfants_a_charge") == ["oui"]
    assert is_checked(page, "attestation_polygamie") and not is_checked(page, "attestation_sanctions")


@pytest.mark.feature("F-21")
@pytest.mark.parametrize("case", ["CAS_1", "CAS_2", "CAS_3"])
def test_attestations_affichees_selon_le_cas(client, demo, case):
    url = to_step2(client, demo[case], case)
    page = get_text(client, url)
    for code, libelle in LIBELLES.items():
        attendu = code in ATTESTATIONS[case]
        assert (libelle in page) is attendu, (case, code)
        assert (input_value(page, f"attestation_{code}") is not None) is attendu, (case, code)


@pytest.mark.feature("F-21")
def test_cas2_sans_case_emancipe_est_traite_en_cas1(client, demo):
    url = to_step2(client, demo["CAS_2"], "CAS_1")
    page = get_text(client, url)
    assert LIBELLES["travail"] in page and LIBELLES["polygamie"] not in page


@pytest.mark.feature("F-21")
def test_cas1_refuse_sans_l_attestation_travail(client, demo):
    person = demo["CAS_1"]
    url = to_step2(client, person, "CAS_1")
    page = refused(client, url, step2(person.date_placement.isoformat(), ["sanctions"]))
    assert field_error(page, "attestation_travail") == f"Vous devez cocher l'attestation « {LIBELLES['travail']} »"


@pytest.mark.feature("F-08")
def test_pays_de_l_union_trop_long_refuse_en_francais(client, cas3):
    url, fields = cas3
    page = refused(client, url, dict(fields, situation_familiale="Marié(e)", date_debut_union="2021-06-01",
                                     pays_union="x" * 81))
    message = field_error(page, "pays_union")
    assert "Pays de l'union" in message and "Field cannot be longer" not in message, message
