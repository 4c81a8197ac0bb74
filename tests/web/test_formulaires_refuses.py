"""Refused forms a screen reader and a phone can follow, and the seed's remaining texts of the applicant's steps
(F-19 with the screens' F-ids): « Erreur : » titles, summaries whose links lead to fields that exist, step 3's
summary of missing documents, the page coming back to the document after an upload, the seed's three-part dates,
the ephoto code as printed, unique titles."""

from __future__ import annotations

import html
import io
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app import comptes
from app.extensions import db
from app.models import Compte, Personne
from tests.conftest import csrf_token, task_id
from tests.web import fichiers
from tests.web.helpers import (
    ATTESTATIONS,
    STEP1,
    deposit,
    field_error,
    input_date,
    login,
    post_step,
    start_draft,
    step2,
    text,
    to_step2,
    to_step3,
)

L_ASE = "Date de prise en charge par l'ASE"
L_ENTREE = "Date d'entrée en France"


def titre(page: str) -> str:
    return html.unescape(re.search(r"<title>(.*?)</title>", page, re.S).group(1)).strip()


def resume(page: str) -> str:
    match = re.search(r'<div class="fr-alert fr-alert--error[^"]*" role="alert" tabindex="-1" id="erreurs">.*?</div>',
                      page, re.S)
    assert match, "no focusable error summary (role=alert, tabindex=-1, id=erreurs)"
    return match.group(0)


def liens_du_resume(page: str) -> list[tuple[str, str]]:
    """(target id, message) of each link of the summary."""
    return [(cible, html.unescape(message)) for cible, message in
            re.findall(r'<a href="#([^"]+)">(.*?)</a>', resume(page), re.S)]


def assert_liens_vers_des_champs(page: str) -> list[tuple[str, str]]:
    liens = liens_du_resume(page)
    assert liens
    for cible, message in liens:
        assert re.search(rf'\bid="{re.escape(cible)}"', page), f"« {message} » links to #{cible}, not in the page"
    return liens


def parties(date_: date) -> dict[str, str]:
    return {"jour": str(date_.day), "mois": str(date_.month), "annee": str(date_.year)}


def date_en_trois(nom: str, date_: date | None = None, **valeurs: str) -> dict[str, str]:
    champs = parties(date_) if date_ else {}
    champs.update(valeurs)
    return {f"{nom}-{p}": v for p, v in champs.items()}


@pytest.fixture
def cas3(client, demo):
    person = demo["CAS_3"]
    url = to_step2(client, person, "CAS_3")
    valides = {"situation_familiale": "Célibataire", "enfants_a_charge": "non",
               **{f"attestation_{c}": "y" for c in ATTESTATIONS["CAS_3"]},
               **date_en_trois("date_prise_en_charge_ase", person.date_placement),
               **date_en_trois("date_entree_france", person.date_placement - timedelta(days=60))}
    return url, valides, person


# --- titles and summaries --------------------------------------------------------------------------------------


@pytest.mark.feature("F-19")
@pytest.mark.feature("F-07")
def test_etape_1_titre_unique_puis_erreur_et_liens_vers_les_champs(client, demo):
    person = demo["CAS_3"]
    login(client, person.numero_etranger, person.mot_de_passe)
    url = start_draft(client)
    assert titre(client.get(url).get_data(as_text=True)).startswith("Étape 1 sur 5 — Informations personnelles")
    response = post_step(client, url, **dict(STEP1, adresse="", telephone="12"))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert titre(page).startswith("Erreur : Étape 1 sur 5 — Informations personnelles")
    liens = dict(assert_liens_vers_des_champs(page))
    assert liens["adresse"] == "Le champ « Adresse » est obligatoire."
    assert "telephone" in liens


@pytest.mark.feature("F-19")
@pytest.mark.feature("F-08")
def test_etape_2_vide_chaque_erreur_mene_a_son_champ(client, cas3):
    url, _, _ = cas3
    response = post_step(client, url)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert titre(page).startswith("Erreur : Étape 2 sur 5 — Motif de séjour")
    cibles = [c for c, _ in assert_liens_vers_des_champs(page)]
    # A date leads to its « Jour »; the radio group to its first radio; a box to the box.
    assert {"date_prise_en_charge_ase-jour", "date_entree_france-jour", "situation_familiale",
            "enfants_a_charge-0", "attestation_sanctions"} <= set(cibles)


@pytest.mark.feature("F-19")
@pytest.mark.feature("F-09")
def test_non_eligible_titre_que_faire_et_pas_d_etape_suivante(client, demo):
    person = demo["NON_ELIGIBLE"]
    url = to_step2(client, person, "CAS_3")
    post_step(client, url, **step2(person.date_placement.isoformat(), ATTESTATIONS["CAS_3"],
                                   date_entree_france=(person.date_placement - timedelta(days=30)).isoformat()))
    page = client.get(url).get_data(as_text=True)
    assert titre(page).startswith("Demandeur non éligible —")
    lu = text(client.get(url))
    assert "Étape suivante" not in lu
    assert "contactez la préfecture de votre lieu de résidence" in lu
    assert "Modifier ma saisie" in lu


# --- step 2: the seed's dates ----------------------------------------------------------------------------------


@pytest.mark.feature("F-19")
@pytest.mark.feature("F-08")
def test_dates_en_jour_mois_par_son_nom_et_annee(client, cas3):
    url, valides, person = cas3
    page = client.get(url).get_data(as_text=True)
    for nom, libelle in (("date_prise_en_charge_ase", L_ASE), ("date_entree_france", L_ENTREE),
                         ("date_debut_union", "Date de début de l'union")):
        groupe = re.search(rf'<fieldset[^>]*id="{nom}".*?</fieldset>', page, re.S).group(0)
        assert html.unescape(re.search(r"<legend[^>]*>(.*?)</legend>", groupe, re.S).group(1)).startswith(libelle)
        for partie, mot in (("jour", "Jour"), ("mois", "Mois"), ("annee", "Année")):
            assert f'<label class="fr-label" for="{nom}-{partie}">{mot}</label>' in groupe
        assert ">Mars</option>" in groupe and ">Décembre</option>" in groupe
    assert "Concubin(ne)" in page and "Concubin(e)" not in page

    response = post_step(client, url, action="precedent", **valides)
    assert response.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "Étape 1 sur 5" in titre(page)
    post_step(client, url, **STEP1)
    page = client.get(url).get_data(as_text=True)
    assert input_date(page, "date_prise_en_charge_ase") == person.date_placement


@pytest.mark.feature("F-19")
@pytest.mark.feature("F-08")
@pytest.mark.parametrize(("saisie", "message"), [
    ({"jour": "31", "mois": "2", "annee": "2023"},
     "La « Date d'entrée en France » n'existe pas : il n'y a pas de 31 février 2023."),
    ({"jour": "12", "mois": "", "annee": "2023"},
     "La « Date d'entrée en France » est incomplète : indiquez le mois."),
    ({"jour": "", "mois": "3", "annee": ""},
     "La « Date d'entrée en France » est incomplète : indiquez le jour et l'année."),
    ({"jour": "40", "mois": "3", "annee": "2023"},
     "Le jour de la « Date d'entrée en France » doit être un nombre de 1 à 31."),
    ({"jour": "12", "mois": "13", "annee": "2023"},
     "Choisissez le mois de la « Date d'entrée en France » dans la liste."),
    ({"jour": "12", "mois": "3", "annee": "23"},
     "L'année de la « Date d'entrée en France » doit comporter 4 chiffres, par exemple 2023."),
])
def test_date_impossible_ou_incomplete_refusee_en_francais(client, cas3, saisie, message):
    url, valides, _ = cas3
    response = post_step(client, url, **dict(valides, **date_en_trois("date_entree_france", **saisie)))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert field_error(page, "date_entree_france") == message
    assert ("date_entree_france-jour", message) in liens_du_resume(page)
    # What was typed is shown again, as typed.
    assert re.search(rf'name="date_entree_france-jour"\s+value="{saisie["jour"]}"', page)


@pytest.mark.feature("F-19")
@pytest.mark.feature("F-08")
def test_date_ase_avant_la_naissance_ou_avant_l_entree_refusee(client, cas3, app):
    url, valides, person = cas3
    with app.app_context():
        naissance = db.session.get(Compte, _compte_id(app, person)).personne.date_naissance
    avant_naissance = naissance - timedelta(days=1)
    entree = avant_naissance - timedelta(days=9)
    response = post_step(client, url, **dict(valides, **date_en_trois("date_prise_en_charge_ase", avant_naissance),
                                             **date_en_trois("date_entree_france", entree)))
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "date_prise_en_charge_ase") == (
        f"La « {L_ASE} » ne peut pas être antérieure à votre date de naissance ({naissance.strftime('%d/%m/%Y')}).")
    response = post_step(client, url, **dict(valides, **date_en_trois(
        "date_entree_france", person.date_placement + timedelta(days=1))))
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "date_prise_en_charge_ase") == (
        f"La « {L_ASE} » ne peut pas être antérieure à la « {L_ENTREE} ».")
    assert post_step(client, url, **valides).status_code == 302


def _compte_id(app, person) -> int:
    with app.app_context():
        return db.session.scalar(select(Compte.id).join(Personne, Compte.personne_id == Personne.id)
                                 .where(Personne.numero_etranger == person.numero_etranger))


# --- step 3 ------------------------------------------------------------------------------------------------------


def envoyer(client, url, action="joindre", fichiers_=None, suivre=True, **champs):
    page = client.get(url).get_data(as_text=True)
    data = {"csrf_token": csrf_token(page), "task_id": task_id(page), "action": action, **champs}
    for nom_champ, (contenu, nom) in (fichiers_ or {}).items():
        data[nom_champ] = (io.BytesIO(contenu), nom)
    return client.post(url, data=data, content_type="multipart/form-data", follow_redirects=suivre)


@pytest.fixture
def etape3(client, demo):
    return to_step3(client, demo["CAS_3"], "CAS_3")


@pytest.mark.feature("F-19")
@pytest.mark.feature("F-10")
def test_etape_3_resume_des_documents_manquants(client, etape3):
    assert not re.search(r'id="erreurs"', client.get(etape3).get_data(as_text=True))
    page = envoyer(client, etape3, action="poursuivre").get_data(as_text=True)
    assert titre(page).startswith("Erreur : Étape 3 sur 5 — Justificatifs")
    liens = dict(assert_liens_vers_des_champs(page))
    assert liens["fichier_nationalite"] == "Joignez au moins un fichier pour « Justificatif de nationalité »."
    assert liens["fichier_domicile"] == ("Joignez au moins un fichier pour « Justificatif de domicile datant de moins "
                                         "de 6 mois ».")
    assert liens["ephoto"].startswith("Le « Numéro ephoto » est obligatoire")
    # Shown again: the summary is for the refused submit, not for every later visit.
    assert 'id="erreurs"' not in client.get(etape3).get_data(as_text=True)


@pytest.mark.feature("F-19")
@pytest.mark.feature("F-10")
def test_apres_un_envoi_la_page_revient_au_document(client, etape3):
    response = envoyer(client, etape3, fichiers_={"fichier_identite": (fichiers.png(), "acte.png")}, suivre=False)
    assert response.status_code == 302 and response.location.endswith("#piece-identite")
    page = client.get(etape3).get_data(as_text=True)
    assert re.search(r'<div class="fr-mb-4w piece" id="piece-identite" tabindex="-1">', page)
    document_id = re.search(r'value="supprimer:(\d+)"', page).group(1)
    response = envoyer(client, etape3, action=f"supprimer:{document_id}", suivre=False)
    assert response.location.endswith("#piece-identite")
    response = envoyer(client, etape3, action="ephoto_confirmer", ephoto="12", suivre=False)
    assert response.location.endswith("#piece-ephoto")
    page = client.get(response.location).get_data(as_text=True)
    assert titre(page).startswith("Erreur : Étape 3 sur 5")


@pytest.mark.feature("F-19")
@pytest.mark.feature("F-10")
def test_etape_3_rubriques_du_guide_lien_ephoto_et_choix_de_fichier_en_francais(client, etape3, app):
    page = client.get(etape3).get_data(as_text=True)
    titres = [html.unescape(t) for t in re.findall(r'<h[34] class="fr-h[56][^"]*">([^<]+)</h[34]>', page)]
    assert titres.index("INFORMATIONS PERSONNELLES") < titres.index("ÉTAT CIVIL") < titres.index("DOMICILIATION") \
        < titres.index("MOTIF DE SÉJOUR")
    lien = re.search(r'<a href="([^"]+)"[^>]*>([^<]*en suivant ce lien)</a>', page)
    assert lien and lien.group(1) == app.config["URL_PHOTOGRAPHES"]
    # The French picker: « Choisir un fichier » opens the real input (a second label), whose state is in French.
    assert ('<label class="choix-fichier__bouton" for="fichier_identite" aria-hidden="true">Choisir un fichier</label>'
            in page)
    assert 'id="fichier_identite-etat" hidden>Aucun fichier sélectionné</span>' in page


@pytest.mark.feature("F-19")
@pytest.mark.feature("F-10")
@pytest.mark.parametrize(("saisie", "attendu"), [
    ("1234 5678 9012 3456 7890 12", "1234567890123456789012"),
    ("ab12-cd34-ef56-gh78-ij90-kl", "AB12CD34EF56GH78IJ90KL"),
    ("AB12CD34EF56GH78IJ90KL", "AB12CD34EF56GH78IJ90KL"),
])
def test_ephoto_22_caracteres_tels_qu_imprimes(client, etape3, saisie, attendu):
    page = envoyer(client, etape3, action="ephoto_confirmer", ephoto=saisie).get_data(as_text=True)
    assert f'<strong id="ephoto-confirme">{attendu}</strong>' in page


@pytest.mark.feature("F-19")
@pytest.mark.feature("F-10")
@pytest.mark.parametrize("saisie", ["1234", "1234567890123456789012345", "12345678901234567890 é",
                                    "０１２３４５６７８９０１２３４５６７８９０１"])
def test_ephoto_mal_forme_refuse_avec_un_message_clair(client, etape3, saisie):
    page = html.unescape(envoyer(client, etape3, action="ephoto_confirmer", ephoto=saisie).get_data(as_text=True))
    assert ("Le « Numéro ephoto » doit comporter 22 caractères (chiffres ou lettres), tels qu'ils sont imprimés sur "
            "votre planche de photos d'identité ; les espaces et les tirets sont acceptés.") in page
    assert 'id="ephoto-confirme"' not in page


# --- after the deposit -----------------------------------------------------------------------------------------


@pytest.mark.feature("F-19")
@pytest.mark.feature("F-12")
def test_confirmation_je_donne_mon_avis(client, demo):
    _, confirmation = deposit(client, demo["CAS_3"], "CAS_3")
    page = client.get(confirmation).get_data(as_text=True)
    assert titre(page).startswith("Étape 5 sur 5 — Confirmation")
    lien = re.search(r'<a [^>]*href="(https://voxusagers\.numerique\.gouv\.fr/)"[^>]*>Je donne mon avis', page)
    assert lien, "no « Je donne mon avis » link to Voxusagers"


@pytest.mark.feature("F-19")
@pytest.mark.feature("F-02")
def test_titre_creer_mon_mot_de_passe_ou_reinitialisation(app, client, demo):
    def jeton(objet: str) -> str:
        with app.app_context():
            valeur = comptes.emettre_jeton(db.session.get(Compte, _compte_id(app, demo["CAS_3"])), objet)
            db.session.commit()
            return valeur

    oubli = jeton(comptes.REINITIALISATION)
    assert titre(client.get(f"/mot-de-passe?jeton={oubli}").get_data(as_text=True)).startswith(
        "Réinitialisation du mot de passe —")
    creation = jeton(comptes.CREATION)
    page = client.get(f"/mot-de-passe?jeton={creation}").get_data(as_text=True)
    assert titre(page).startswith("Créer mon mot de passe —")
    response = client.post(f"/mot-de-passe?jeton={creation}",
                           data={"csrf_token": csrf_token(page), "nouveau": "court", "confirmation": "autre"})
    assert response.status_code == 422
    assert titre(response.get_data(as_text=True)).startswith("Erreur : Créer mon mot de passe")

