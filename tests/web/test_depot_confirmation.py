"""F-11 step 4 « Dépôt de la demande » and F-12 step 5 « Confirmation »."""

from __future__ import annotations

import html
import io
import re

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Demande, Document
from tests.conftest import csrf_token, task_id
from tests.web.helpers import (
    PNG_1PX,
    checked_values,
    deposit,
    field_error,
    get_text,
    input_date,
    input_value,
    paris_today,
    post_step,
    resubmit,
    step2,
    step3_fields,
    text,
    to_depot,
    to_step2,
)


def numeros(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(Demande.numero).where(Demande.numero.is_not(None))))


@pytest.mark.feature("F-11")
def test_depot_textes_et_recapitulatif_des_etapes_1_et_2(client, demo):
    person = demo["CAS_3"]
    url = to_depot(client, person, "CAS_3", complement="Appartement 4")
    page = get_text(client, url)
    assert "Étape 4 sur 5" in page
    assert "Je confirme le dépôt définitif de ma demande." in page
    assert "Observations à destination de l'administration" in page
    assert "Déposer la demande >" in page
    recap = page[page.index('id="recapitulatif"'):]
    for attendu in ("DCEM", "Étranger", "20 Rue Nationale, Appartement 4, 59800 Lille, FRANCE", "0101010101",
                    f"{person.numero_etranger}@demo.example.org", person.date_placement.strftime("%d/%m/%Y"),
                    "15/01/2020", "Célibataire",
                    "Ne pas vivre en France en état de polygamie, même si mon pays d'origine l'autorise."):
        assert attendu in recap, attendu


@pytest.mark.feature("F-11")
@pytest.mark.feature("F-07")
def test_etat_civil_et_email_forges_ignores(client, demo):
    person = demo["CAS_3"]
    url = to_depot(client, person, "CAS_3", nom_naissance="FAUX", email="pirate@example.org")
    recap = get_text(client, url)
    assert "FAUX" not in recap and "pirate@example.org" not in recap
    assert "DCEM" in recap


@pytest.mark.feature("F-11")
def test_observations_de_plus_de_2000_caracteres_refusees(app, client, demo):
    url = to_depot(client, demo["CAS_3"], "CAS_3")
    response = post_step(client, url, observations="a" * 2001)
    page = text(response)
    assert response.status_code == 422
    message = field_error(page, "observations")
    assert "« Observations à destination de l'administration »" in message and "2000 caractères" in message
    assert "a" * 2001 in page
    assert numeros(app) == []
    assert post_step(client, url, observations="é" * 2000).location.endswith("/confirmation")


@pytest.mark.feature("F-11")
def test_apres_depot_rejouer_le_formulaire_montre_la_confirmation_sans_second_numero(app, client, demo):
    person = demo["CAS_3"]
    url = to_depot(client, person, "CAS_3")
    page = client.get(url).get_data(as_text=True)
    data = {"csrf_token": csrf_token(page), "task_id": task_id(page), "action": "poursuivre", "observations": "x"}
    first = client.post(url, data=data)
    assert first.location.endswith("/confirmation")
    replay = client.post(url, data=data, follow_redirects=True)
    assert replay.status_code == 200
    assert "Votre demande a bien été enregistrée" in text(replay)
    again = client.get(url, follow_redirects=True)
    assert again.status_code == 200 and "Votre demande a bien été enregistrée" in text(again)
    for action in ("precedent", "abandonner", "quitter"):
        response = client.post(url, data=dict(data, action=action), follow_redirects=True)
        assert response.status_code == 200 and "Votre demande a bien été enregistrée" in text(response), action
    assert len(numeros(app)) == 1


@pytest.mark.feature("F-11")
def test_apres_depot_abandon_impossible(client, demo):
    url, confirmation = deposit(client, demo["CAS_3"], "CAS_3")
    page = get_text(client, confirmation)
    response = client.post(f"{url}/abandonner", data={"csrf_token": csrf_token(page)}, follow_redirects=True)
    assert "Votre demande a bien été enregistrée" in text(response)
    assert "Demande abandonnée" not in text(response)


@pytest.mark.feature("F-12")
def test_confirmation_textes_et_numero(client, demo):
    _, confirmation = deposit(client, demo["CAS_3"], "CAS_3")
    page = get_text(client, confirmation)
    assert "Étape 5 sur 5" in page
    assert "Votre demande a bien été enregistrée" in page
    assert "Vous devez obligatoirement avoir une couverture sociale" in page
    assert 'href="https://www.ameli.fr"' in page and "ameli.fr" in page
    numero = re.search(r"N° de la demande : <strong>(\d+)</strong>", page).group(1)
    assert re.fullmatch(rf"5901{paris_today():%Y%m%d}\d{{7}}", numero), numero


@pytest.mark.feature("F-12")
@pytest.mark.parametrize(("code_postal", "departement"), [("75011", "75"), ("13001", "13"), ("01000", "01")])
def test_numero_commence_par_le_departement_du_code_postal(client, demo, code_postal, departement):
    _, confirmation = deposit(client, demo["CAS_1"], "CAS_1", code_postal=code_postal)
    numero = re.search(r"N° de la demande : <strong>(\d+)</strong>", get_text(client, confirmation)).group(1)
    assert len(numero) == 19
    assert numero.startswith(f"{departement}01{paris_today():%Y%m%d}")


@pytest.mark.feature("F-12")
def test_deux_demandeurs_meme_jour_meme_departement_numeros_differents(app, demo):
    for case in ("CAS_1", "CAS_3"):
        deposit(app.test_client(), demo[case], case)
    found = numeros(app)
    assert len(found) == 2 and len(set(found)) == 2


@pytest.mark.feature("F-11")
def test_saisie_avec_balises_html_echappee_dans_le_recapitulatif(client, demo):
    url = to_depot(client, demo["CAS_3"], "CAS_3", complement="<script>alert(1)</script>")
    page = client.get(url).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


# --- « Modifier » on the summary (F-11) ------------------------------------------------------------------------


def modifier_buttons(page: str) -> dict[str, str]:
    """The « Modifier » buttons of the summary: accessible name → action value; they belong to the deposit form."""
    found = {}
    for tag in re.findall(r"<button[^>]*>\s*Modifier\s*</button>", page):
        assert 'form="form-depot"' in tag and 'type="submit"' in tag, tag
        found[html.unescape(re.search(r'aria-label="([^"]+)"', tag).group(1))] = re.search(
            r'value="([^"]+)"', tag).group(1)
    return found


@pytest.mark.feature("F-11")
def test_recapitulatif_un_bouton_modifier_par_etape(client, demo):
    url = to_depot(client, demo["CAS_1"], "CAS_1")
    page = client.get(url).get_data(as_text=True)
    assert modifier_buttons(page) == {
        "Modifier l'étape 1 : Informations personnelles": "aller:1",
        "Modifier l'étape 2 : Motif de séjour": "aller:2",
        "Modifier l'étape 3 : Justificatifs": "aller:3",
    }
    assert '<form method="post" id="form-depot"' in page
    recap = text(client.get(url))
    recap = recap[recap.index("Récapitulatif de ma demande"):]
    # Step 3's part names the files given, per document.
    assert recap.count("piece.png") >= 5 and "Aucun fichier" not in recap


@pytest.mark.feature("F-11")
@pytest.mark.parametrize(("etape", "titre"), [(1, "Informations personnelles"), (2, "Motif de séjour"),
                                              (3, "Justificatifs")])
def test_modifier_ramene_a_l_etape_avec_la_saisie_et_garde_les_observations(client, demo, etape, titre):
    person = demo["CAS_1"]
    url = to_depot(client, person, "CAS_1")
    response = post_step(client, url, action=f"aller:{etape}", observations="Je suis hébergé par mon éducateur.")
    assert response.status_code == 302 and response.location.endswith(url)
    page = client.get(url).get_data(as_text=True)
    assert f"Étape {etape} sur 5" in text(client.get(url)) and titre in page
    if etape == 1:
        assert input_value(page, "ville") == "Lille" and input_value(page, "code_postal") == "59800"
    if etape == 2:
        assert input_date(page, "date_prise_en_charge_ase") == person.date_placement
        assert checked_values(page, "enfants_a_charge") == ["non"]
        assert checked_values(page, "attestation_travail") == ["y"]
    if etape == 3:
        assert "SUPPRIMER PIECE.PNG" in text(client.get(url))
    # Forward again with « Enregistrer et poursuivre >»: nothing to type again, the observations are still there.
    for _ in range(4 - etape):
        assert resubmit(client, url).status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "Étape 4 sur 5" in text(client.get(url))
    assert "Je suis hébergé par mon éducateur." in html.unescape(page)
    assert numeros_de(client) == []


def numeros_de(client) -> list[str]:
    return re.findall(r"\b\d{19}\b", get_text(client, "/mes-demandes"))


@pytest.mark.feature("F-11")
@pytest.mark.feature("F-26")
def test_modifier_l_adresse_avant_le_depot_change_recapitulatif_et_numero(client, demo):
    url = to_depot(client, demo["CAS_3"], "CAS_3")
    post_step(client, url, action="aller:1")
    assert resubmit(client, url, code_postal="13001", ville="Marseille", code_insee="13201").status_code == 302
    assert resubmit(client, url).status_code == 302  # step 2, as it was
    assert resubmit(client, url).status_code == 302  # step 3, files kept
    recap = get_text(client, url)
    assert "Étape 4 sur 5" in recap and "13001 Marseille" in recap and "59800" not in recap
    confirmation = post_step(client, url, observations="").location
    numero = re.search(r"N° de la demande : <strong>(\d+)</strong>", get_text(client, confirmation)).group(1)
    assert numero.startswith(f"1301{paris_today():%Y%m%d}")


@pytest.mark.feature("F-11")
@pytest.mark.parametrize("action", ["aller:4", "aller:9", "aller:0", "aller:x", "aller:"])
def test_modifier_vers_une_etape_non_anterieure_ne_bouge_rien(client, demo, action):
    url = to_depot(client, demo["CAS_3"], "CAS_3")
    response = post_step(client, url, action=action)
    assert response.status_code == 302 and response.location.endswith(url)
    assert "Étape 4 sur 5" in get_text(client, url)


# --- After the deposit the applicant can change nothing (F-11) ---------------------------------------------


@pytest.mark.feature("F-11")
def test_apres_depot_un_ancien_onglet_de_l_etape_2_montre_la_confirmation(app, client, demo):
    person = demo["CAS_1"]
    url = to_step2(client, person, "CAS_1")
    ancien_onglet = client.get(url).get_data(as_text=True)  # step 2, left open in another tab
    data = {"csrf_token": csrf_token(ancien_onglet), "task_id": task_id(ancien_onglet), "action": "poursuivre",
            **step2(person.date_placement.isoformat(), ["travail", "sanctions"], situation_familiale="Marié(e)",
                    date_debut_union="2024-01-01", pays_union="FRANCE")}
    post_step(client, url, **step2(person.date_placement.isoformat(), ["travail", "sanctions"]))
    post_step(client, url, **step3_fields(client.get(url).get_data(as_text=True)))
    confirmation = post_step(client, url, observations="").location
    for action in ("poursuivre", "precedent", "aller:1"):
        response = client.post(url, data=dict(data, action=action), follow_redirects=True)
        assert response.status_code == 200, action
        assert "Votre demande a bien été enregistrée" in text(response) and "Étape 5 sur 5" in text(response)
    with app.app_context():
        demande = db.session.scalars(select(Demande)).one()
        assert demande.etat == "examiner_demande"
        donnees = app.extensions["demandes"]
        with donnees.open(demande.id, paris_today(), write=False) as inst:
            assert inst.data()["situation_familiale"] == "Célibataire"  # the old tab changed nothing
    assert client.get(confirmation).status_code == 200


@pytest.mark.feature("F-11")
def test_apres_depot_le_bouton_precedent_du_navigateur_montre_la_confirmation(client, demo):
    url = to_depot(client, demo["CAS_3"], "CAS_3")
    # The step pages are never kept by the browser: « Précédent » asks the server again…
    assert client.get(url).headers["Cache-Control"] == "no-store"
    _, confirmation = url, post_step(client, url, observations="").location
    # … which now answers with the deposited state, never an error page.
    back = client.get(url)
    assert back.status_code == 302 and back.location.endswith(confirmation)
    page = client.get(url, follow_redirects=True)
    assert page.status_code == 200 and "Étape 5 sur 5" in text(page)


@pytest.mark.feature("F-11")
def test_apres_depot_une_page_d_etape_rejouee_avec_un_fichier_ne_change_rien(app, client, demo):
    url = to_depot(client, demo["CAS_3"], "CAS_3")
    page = client.get(url).get_data(as_text=True)
    post_step(client, url, observations="")
    with app.app_context():
        avant = db.session.scalar(select(func.count()).select_from(Document))
    response = client.post(url, data={"csrf_token": csrf_token(page), "task_id": task_id(page), "action": "joindre",
                                      "fichier_identite": (io.BytesIO(PNG_1PX), "autre.png")},
                           follow_redirects=True, content_type="multipart/form-data")
    assert response.status_code == 200 and "Étape 5 sur 5" in text(response)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Document)) == avant
