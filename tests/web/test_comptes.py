"""Account creation (F-01), password (F-02) and their e-mails (F-27), through the real SMTP server (aiosmtpd)."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app import clock
from app.extensions import db
from app.models import Compte, Courriel, Personne
from tests.comptes_outils import (
    AWA,
    AWA_EMAIL,
    MOT_DE_PASSE,
    NEUTRE,
    PHRASE_MOT_DE_PASSE,
    ajouter_au_registre,
    chemin,
    choisir_mot_de_passe,
    demander_creation,
    demander_oubli,
    distribuer,
    erreurs_du_champ,
    lien_du_message,
    lisible,
    texte,
)
from tests.conftest import csrf_token
from tests.web.helpers import field_error, get_text, login, main_content, text

LIEN_EXPIRE = "Ce lien a expiré : pour des raisons de sécurité, il n'était valable que 24 heures."
LIEN_INVALIDE = "Ce lien ne peut pas être utilisé : il a déjà servi, un lien plus récent vous a été envoyé depuis"
RECOMMENCER = "Recommencer la création de mon compte"


@pytest.fixture
def app_comptes(app_smtp):
    """The app sending to the local SMTP server, its links on the test client's host, and Awa in the register."""
    app_smtp.config["URL_BASE"] = "http://localhost"
    ajouter_au_registre(app_smtp)
    return app_smtp


@pytest.fixture
def client(app_comptes):
    return app_comptes.test_client()


def _compte(app, numero: str = AWA["numero_etranger"]) -> Compte | None:
    with app.app_context():
        return db.session.scalar(select(Compte).join(Personne).where(Personne.numero_etranger == numero))


def _decaler(monkeypatch, delta: timedelta) -> None:
    moment = clock.now() + delta
    monkeypatch.setattr(clock, "now", lambda: moment)


def _creer_et_recevoir(app, client, smtp) -> str:
    """Creation requested, the worker delivers, the link of the received mail."""
    assert demander_creation(client).status_code == 302
    assert distribuer(app)["envoye"] == 1
    return lien_du_message(smtp.messages[-1])


# --- Creation → mail → link → password → login ----------------------------------------------------------------------


@pytest.mark.feature("F-01")
@pytest.mark.feature("F-02")
@pytest.mark.feature("F-03")
@pytest.mark.feature("F-27")
def test_creation_courriel_lien_mot_de_passe_puis_connexion(app_comptes, client, smtp):
    page = get_text(client, "/creer-mon-compte")
    assert "Compléter les renseignements suivants pour accéder à vos services." in page
    for libelle in ("Adresse email *", "Confirmation de l'adresse email *", "Numéro étranger *",
                    "Date de naissance *"):
        assert libelle in page
    assert 'placeholder="JJ/MM/AAAA"' in client.get("/creer-mon-compte").get_data(as_text=True)

    response = demander_creation(client, email=" Awa.Konate@example.org ", confirmation="awa.konate@example.org")
    assert response.status_code == 302
    page = lisible(client.get(response.location).get_data(as_text=True))
    assert NEUTRE in page and "Retour à l'accueil" in page
    # Pending account: no password yet, so no login.
    assert _compte(app_comptes).mot_de_passe is None
    assert login(client, AWA["numero_etranger"], MOT_DE_PASSE).status_code == 200

    assert distribuer(app_comptes)["envoye"] == 1
    [message] = smtp.messages
    assert message["To"] == "Awa.Konate@example.org"
    assert message["Subject"] == "Création de votre compte d'accès à votre espace personnel"
    corps = texte(message)
    for phrase in (
        "Bonjour Awa Konaté,",
        "La création du compte d'accès à votre espace personnel usager ou de l'utilisateur que vous représentez "
        "est en cours.",
        "Pour déposer votre demande vous devez confirmer votre adresse e-mail en cliquant sur le lien ci-dessous :",
        "Si le lien ne fonctionne pas, vous pouvez le copier et le coller dans la barre d'adresse de votre navigateur.",
        "Pour des raisons de sécurité, ce lien n'est valable que 24 heures. Passé ce délai, vous devrez de nouveau "
        "renseigner les informations relatives à la création de votre compte sur la page de connexion accessible ici",
        "La Direction Générale des Etrangers en France",
        "Ce message est généré automatiquement, merci de ne pas y répondre.",
    ):
        assert phrase in corps, phrase
    lien = lien_du_message(message)
    assert lien.startswith("http://localhost/mot-de-passe?jeton=")

    page = client.get(chemin(lien))
    assert page.status_code == 200
    assert page.headers["Referrer-Policy"] == "same-origin"  # the token never leaves for another site
    page = text(page)
    assert "Réinitialisation du mot de passe" in page and PHRASE_MOT_DE_PASSE in page
    for libelle in ("Nouveau mot de passe *", "Confirmation du mot de passe *", "Valider mon mot de passe"):
        assert libelle in page

    response = choisir_mot_de_passe(client, lien)
    assert response.status_code == 302 and response.location == "/connexion"
    assert "Votre mot de passe a bien été enregistré." in get_text(client, "/connexion")

    compte = _compte(app_comptes)
    assert compte.mot_de_passe.startswith("$argon2id$") and MOT_DE_PASSE not in compte.mot_de_passe
    assert compte.email_confirme_le is not None and compte.jeton_nonce is None

    response = login(client, AWA["numero_etranger"], MOT_DE_PASSE)
    assert response.status_code == 302
    assert "Awa KONATÉ" in get_text(client, "/mes-demandes")


@pytest.mark.feature("F-02")
def test_le_mot_de_passe_n_apparait_ni_en_base_ni_dans_les_journaux(app_comptes, client, smtp, caplog):
    caplog.set_level(logging.DEBUG)
    lien = _creer_et_recevoir(app_comptes, client, smtp)
    choisir_mot_de_passe(client, lien)
    login(client, AWA["numero_etranger"], MOT_DE_PASSE)
    login(app_comptes.test_client(), AWA["numero_etranger"], "Mauvais-Mot-2!")
    assert MOT_DE_PASSE not in caplog.text and "Mauvais-Mot-2!" not in caplog.text
    with app_comptes.app_context():
        for courriel in db.session.scalars(select(Courriel)):
            assert MOT_DE_PASSE not in courriel.texte + courriel.html
        assert MOT_DE_PASSE not in _compte(app_comptes).mot_de_passe


# --- Links: expired, reused, tampered ------------------------------------------------------------------------------


@pytest.mark.feature("F-01")
def test_lien_valable_24_heures_puis_expire_et_on_peut_recommencer(app_comptes, client, smtp, monkeypatch):
    lien = _creer_et_recevoir(app_comptes, client, smtp)
    _decaler(monkeypatch, timedelta(hours=23, minutes=59))
    assert "Réinitialisation du mot de passe" in get_text(client, chemin(lien))

    _decaler(monkeypatch, timedelta(minutes=2))  # 24 h and 1 min after the mail
    response = client.get(chemin(lien))
    assert response.status_code == 400
    page = text(response)
    assert LIEN_EXPIRE in page and RECOMMENCER in page
    assert "Valider mon mot de passe" not in page
    # Posting a password through the expired link does nothing either.
    response = client.post(chemin(lien), data={"csrf_token": csrf_token(get_text(client, "/connexion")),
                                                "nouveau": MOT_DE_PASSE, "confirmation": MOT_DE_PASSE})
    assert response.status_code == 400 and _compte(app_comptes).mot_de_passe is None

    # Starting again, as the mail says: a new link comes, and it works; the old one stays dead.
    assert demander_creation(client).status_code == 302
    assert distribuer(app_comptes)["envoye"] == 1
    nouveau = lien_du_message(smtp.messages[-1])
    assert nouveau != lien
    assert choisir_mot_de_passe(client, nouveau).status_code == 302
    assert LIEN_INVALIDE in get_text(client, chemin(lien))
    assert login(client, AWA["numero_etranger"], MOT_DE_PASSE).status_code == 302


@pytest.mark.feature("F-01")
def test_lien_deja_utilise_refuse(app_comptes, client, smtp):
    lien = _creer_et_recevoir(app_comptes, client, smtp)
    assert choisir_mot_de_passe(client, lien).status_code == 302
    response = client.get(chemin(lien))
    assert response.status_code == 400
    page = text(response)
    assert LIEN_INVALIDE in page and RECOMMENCER in page and "Se connecter" in page
    # Nobody can set another password with it.
    response = client.post(chemin(lien), data={"csrf_token": csrf_token(get_text(client, "/connexion")),
                                                "nouveau": "Autre-Mot-2!", "confirmation": "Autre-Mot-2!"})
    assert response.status_code == 400
    assert login(app_comptes.test_client(), AWA["numero_etranger"], "Autre-Mot-2!").status_code == 200
    assert login(client, AWA["numero_etranger"], MOT_DE_PASSE).status_code == 302


@pytest.mark.feature("F-01")
@pytest.mark.parametrize("alteration", ["caractere_change", "signature_retiree", "inconnu", "vide"])
def test_lien_altere_ou_inconnu_refuse(app_comptes, client, smtp, alteration):
    lien = _creer_et_recevoir(app_comptes, client, smtp)
    jeton = lien.split("jeton=")[1]
    faux = {
        "caractere_change": jeton[:-3] + ("A" if jeton[-3] != "A" else "B") + jeton[-2:],
        "signature_retiree": jeton.rsplit(".", 1)[0],
        "inconnu": "eyJjIjoxLCJuIjoieCJ9.ZmF1c3NlLXNpZ25hdHVyZQ",
        "vide": "",
    }[alteration]
    response = client.get(f"/mot-de-passe?jeton={faux}")
    assert response.status_code == 400
    page = text(response)
    assert "Ce lien n'est plus valable" in page and LIEN_INVALIDE in page and RECOMMENCER in page
    # The real link still works.
    assert choisir_mot_de_passe(client, lien).status_code == 302


# --- Password rules -----------------------------------------------------------------------------------------------

REGLES = {
    "longueur": ("Ab1!xyz", "Le mot de passe doit faire au moins 8 caractères."),
    "majuscule": ("abcdef1!", "Le mot de passe doit contenir au moins une majuscule."),
    "minuscule": ("ABCDEF1!", "Le mot de passe doit contenir au moins une minuscule."),
    "chiffre": ("Abcdefg!", "Le mot de passe doit contenir au moins un chiffre."),
    "special": ("Abcdefg1", "Le mot de passe doit contenir au moins un caractère spécial"),
}


@pytest.mark.feature("F-02")
@pytest.mark.parametrize("regle", list(REGLES))
def test_chaque_regle_du_mot_de_passe_refusee_avec_son_message(app_comptes, client, smtp, regle):
    lien = _creer_et_recevoir(app_comptes, client, smtp)
    mot, message = REGLES[regle]
    response = choisir_mot_de_passe(client, lien, mot)
    assert response.status_code == 422
    page = text(response)
    assert "Réinitialisation du mot de passe" in page and "La page comporte 1 erreur" in page
    erreurs = erreurs_du_champ(response.get_data(as_text=True), "nouveau")
    assert len(erreurs) == 1 and erreurs[0].startswith(message), erreurs
    for autre, (_, autre_message) in REGLES.items():
        if autre != regle:
            assert autre_message not in page, autre
    assert mot not in response.get_data(as_text=True)  # a password is never written back into the page
    assert _compte(app_comptes).mot_de_passe is None
    # The link is not used up by a refused password.
    assert choisir_mot_de_passe(client, lien).status_code == 302


@pytest.mark.feature("F-02")
def test_toutes_les_regles_non_respectees_sont_nommees(app_comptes, client, smtp):
    lien = _creer_et_recevoir(app_comptes, client, smtp)
    html_page = choisir_mot_de_passe(client, lien, "abc").get_data(as_text=True)
    sous_le_champ = erreurs_du_champ(html_page, "nouveau")
    resume = lisible(re.search(r'<div class="fr-alert fr-alert--error[^>]*id="erreurs">(.*?)</div>', html_page,
                               re.S).group(1))
    assert len(sous_le_champ) == 4
    for regle, message in zip(("longueur", "majuscule", "chiffre", "special"), sous_le_champ, strict=True):
        assert message.startswith(REGLES[regle][1]), regle
        assert REGLES[regle][1] in resume, regle
    assert REGLES["minuscule"][1] not in lisible(html_page)
    assert 'aria-describedby="nouveau-erreur"' in html_page and html_page.count('id="nouveau-erreur"') == 1


@pytest.mark.feature("F-02")
def test_confirmation_du_mot_de_passe_differente(app_comptes, client, smtp):
    lien = _creer_et_recevoir(app_comptes, client, smtp)
    response = choisir_mot_de_passe(client, lien, MOT_DE_PASSE, confirmation=MOT_DE_PASSE + "x")
    assert response.status_code == 422
    assert erreurs_du_champ(response.get_data(as_text=True), "confirmation") == [
        "Les deux mots de passe saisis ne sont pas identiques."]
    assert _compte(app_comptes).mot_de_passe is None


# --- The creation form -----------------------------------------------------------------------------------------------


@pytest.mark.feature("F-01")
def test_confirmation_de_l_adresse_email_differente(app_comptes, client, smtp):
    response = demander_creation(client, confirmation="awa.konate@example.com")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_error(html, "email_confirmation") == "Les deux adresses email saisies ne sont pas identiques."
    assert 'value="awa.konate@example.org"' in html  # what was typed is kept
    assert _compte(app_comptes) is None
    assert distribuer(app_comptes)["envoye"] == 0 and smtp.messages == []


@pytest.mark.feature("F-01")
def test_champs_obligatoires_et_formats(app_comptes, client):
    page = client.get("/creer-mon-compte").get_data(as_text=True)
    response = client.post("/creer-mon-compte", data={"csrf_token": csrf_token(page)})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field_error(html, "email") == "Le champ « Adresse email » est obligatoire."
    assert field_error(html, "email_confirmation") == "Le champ « Confirmation de l'adresse email » est obligatoire."
    assert field_error(html, "numero_etranger") == "Le champ « Numéro étranger » est obligatoire."
    assert field_error(html, "date_naissance") == "Le champ « Date de naissance » est obligatoire."

    response = demander_creation(client, email="pas-une-adresse", numero="12345", naissance="31/02/2007")
    html = response.get_data(as_text=True)
    assert "doit contenir une adresse email valide" in field_error(html, "email")
    assert field_error(html, "numero_etranger") == "Le numéro étranger doit comporter 10 chiffres."
    assert field_error(html, "date_naissance") == "La « Date de naissance » n'est pas une date valide (JJ/MM/AAAA)."
    assert _compte(app_comptes) is None


@pytest.mark.feature("F-01")
def test_sans_jeton_csrf_rien_n_est_cree(app_comptes, client):
    response = client.post("/creer-mon-compte", data={
        "email": AWA_EMAIL, "email_confirmation": AWA_EMAIL, "numero_etranger": AWA["numero_etranger"],
        "date_naissance": AWA["date_naissance"]})
    assert response.status_code == 400 and "Formulaire expiré" in text(response)
    assert _compte(app_comptes) is None


@pytest.mark.feature("F-01")
@pytest.mark.feature("F-40")
def test_meme_reponse_neutre_et_aucun_second_lien(app_comptes, client, smtp, demo):
    """Twice, unknown, wrong date of birth, a person who already has an account: the same page, no mail."""
    pages = []

    def neutre(response) -> str:
        assert response.status_code == 302 and response.location == "/creer-mon-compte/demande-enregistree"
        return main_content(client.get(response.location).get_data(as_text=True))

    pages.append(neutre(demander_creation(client)))  # the only one that sends a link
    pages.append(neutre(demander_creation(client, email="autre.adresse@example.org")))  # again: link still live
    pages.append(neutre(demander_creation(client, numero="1234567890")))  # nobody in the register
    pages.append(neutre(demander_creation(client, naissance="15/03/2007")))  # wrong date of birth
    pages.append(neutre(demander_creation(client, numero=demo["CAS_3"].numero_etranger)))  # already has an account
    assert len(set(pages)) == 1 and NEUTRE in lisible(pages[0])

    distribuer(app_comptes)
    assert [m["To"] for m in smtp.messages] == [AWA_EMAIL]
    with app_comptes.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Compte).join(Personne).where(
            Personne.numero_etranger == AWA["numero_etranger"])) == 1
    assert _compte(app_comptes).email == AWA_EMAIL  # the second request changed nothing


# --- SMTP down -----------------------------------------------------------------------------------------------------


@pytest.mark.feature("F-01")
@pytest.mark.feature("F-27")
def test_serveur_smtp_en_panne_la_creation_reussit_et_le_courriel_part_au_retour(app_comptes, client, smtp,
                                                                                monkeypatch):
    smtp.arreter()
    response = demander_creation(client)
    assert response.status_code == 302 and NEUTRE in lisible(client.get(response.location).get_data(as_text=True))
    assert distribuer(app_comptes) == {"envoye": 0, "a_envoyer": 1, "echec": 0}
    with app_comptes.app_context():
        courriel = db.session.scalars(select(Courriel)).one()
        assert courriel.etat == "a_envoyer" and courriel.modele == "creation_compte"
        assert "ConnectionRefusedError" in courriel.derniere_erreur
    smtp.demarrer()
    _decaler(monkeypatch, timedelta(minutes=2))  # past the 1-minute back-off
    assert distribuer(app_comptes)["envoye"] == 1
    [message] = smtp.messages
    assert choisir_mot_de_passe(client, lien_du_message(message)).status_code == 302
    assert login(client, AWA["numero_etranger"], MOT_DE_PASSE).status_code == 302


# --- Forgotten password ---------------------------------------------------------------------------------------------


@pytest.mark.feature("F-02")
@pytest.mark.feature("F-27")
def test_mot_de_passe_oublie_meme_reponse_et_seul_le_compte_connu_recoit_un_lien(app_comptes, client, smtp, demo):
    person = demo["CAS_3"]
    assert "Mot de passe oublié ?" in get_text(client, "/connexion")
    page = get_text(client, "/mot-de-passe-oublie")
    assert "Mot de passe oublié" in page and "Identifiant *" in page

    connu = demander_oubli(client, person.numero_etranger)
    inconnu = demander_oubli(client, "1234567890")
    assert connu.status_code == inconnu.status_code == 302 and connu.location == inconnu.location
    page_connu = main_content(client.get(connu.location).get_data(as_text=True))
    assert page_connu == main_content(client.get(inconnu.location).get_data(as_text=True))
    assert ("Si un compte correspond à l'identifiant saisi, un email vient d'être envoyé à l'adresse email de ce "
            "compte.") in lisible(page_connu)

    assert distribuer(app_comptes)["envoye"] == 1
    [message] = smtp.messages
    assert message["To"] == f"{person.numero_etranger}@demo.example.org"
    assert message["Subject"] == "Réinitialisation du mot de passe de votre compte"
    assert "ce lien n'est valable que 24 heures" in texte(message)
    lien = lien_du_message(message)

    # Until the link is used, the old password still works; after, only the new one.
    assert login(app_comptes.test_client(), person.numero_etranger, person.mot_de_passe).status_code == 302
    assert choisir_mot_de_passe(client, lien, "Nouveau-Mot-2!").status_code == 302
    assert login(app_comptes.test_client(), person.numero_etranger, person.mot_de_passe).status_code == 200
    assert login(app_comptes.test_client(), person.numero_etranger, "Nouveau-Mot-2!").status_code == 302
    assert LIEN_INVALIDE in get_text(client, chemin(lien))


@pytest.mark.feature("F-02")
def test_mot_de_passe_oublie_lien_expire_apres_24_heures_et_nouveau_lien(app_comptes, client, smtp, demo,
                                                                          monkeypatch):
    person = demo["CAS_1"]
    demander_oubli(client, person.numero_etranger)
    distribuer(app_comptes)
    premier = lien_du_message(smtp.messages[-1])
    _decaler(monkeypatch, timedelta(hours=24, seconds=1))
    page = get_text(client, chemin(premier))
    assert LIEN_EXPIRE in page and "Recevoir un nouveau lien pour mon mot de passe" in page
    demander_oubli(client, person.numero_etranger)
    distribuer(app_comptes)
    second = lien_du_message(smtp.messages[-1])
    assert choisir_mot_de_passe(client, second, "Nouveau-Mot-2!").status_code == 302
    assert login(client, person.numero_etranger, "Nouveau-Mot-2!").status_code == 302


@pytest.mark.feature("F-02")
def test_un_nouveau_lien_remplace_le_precedent(app_comptes, client, smtp, demo):
    person = demo["CAS_2"]
    demander_oubli(client, person.numero_etranger)
    demander_oubli(client, person.numero_etranger)
    distribuer(app_comptes)
    premier, second = (lien_du_message(m) for m in smtp.messages)
    assert LIEN_INVALIDE in get_text(client, chemin(premier))
    assert choisir_mot_de_passe(client, second, "Nouveau-Mot-2!").status_code == 302


@pytest.mark.feature("F-02")
def test_mot_de_passe_oublie_pour_un_compte_en_attente_confirme_l_adresse(app_comptes, client, smtp):
    """The creation mail was lost: « Mot de passe oublié ? » sends a link that also confirms the address."""
    demander_creation(client)
    demander_oubli(client, AWA["numero_etranger"])
    distribuer(app_comptes)
    creation, oubli = smtp.messages
    assert LIEN_INVALIDE in get_text(client, chemin(lien_du_message(creation)))  # replaced by the newer one
    assert choisir_mot_de_passe(client, lien_du_message(oubli)).status_code == 302
    assert _compte(app_comptes).email_confirme_le is not None
    assert login(client, AWA["numero_etranger"], MOT_DE_PASSE).status_code == 302
