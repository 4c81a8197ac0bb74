"""« S'identifier avec FranceConnect » (F-03): not configured, then against a local OpenID Connect provider."""

from __future__ import annotations

from urllib.parse import parse_qs, quote, urlsplit

import pytest
import requests
from joserfc.jwk import RSAKey
from sqlalchemy import select

from app.extensions import db
from app.models import Compte, Personne
from tests.comptes_outils import AWA, ajouter_au_registre, chemin, lisible
from tests.conftest import csrf_token
from tests.oidc_provider import FournisseurOIDC
from tests.web.helpers import get_text

ECHEC = "La connexion avec FranceConnect n'a pas abouti."


@pytest.fixture
def fournisseur():
    serveur = FournisseurOIDC().demarrer()
    yield serveur
    serveur.arreter()


@pytest.fixture
def app_fc(app, fournisseur):
    app.config.update(FC_ISSUER=fournisseur.url, FC_CLIENT_ID=fournisseur.client_id,
                      FC_CLIENT_SECRET=fournisseur.client_secret, URL_BASE="http://localhost")
    return app


@pytest.fixture
def client(app_fc):
    return app_fc.test_client()


def _identite_de(app, numero: str, sub: str, **autres: str) -> dict[str, str]:
    """The identity FranceConnect gives for a person of the register (pivot identity claims)."""
    with app.app_context():
        personne = db.session.scalar(select(Personne).where(Personne.numero_etranger == numero))
        identite = {"sub": sub, "given_name": personne.prenoms, "family_name": personne.nom_naissance,
                    "birthdate": personne.date_naissance.isoformat(), "email": f"{sub}@fc.example.org",
                    "gender": {"Masculin": "male", "Féminin": "female"}[personne.sexe]}
    return {**identite, **autres}


def _compte(app, numero: str) -> Compte | None:
    with app.app_context():
        return db.session.scalar(select(Compte).join(Personne).where(Personne.numero_etranger == numero))


def _par_franceconnect(client, fournisseur, identite: dict[str, str], suivant: str | None = None):
    """Click the button, consent at the provider, come back: the response of our callback."""
    fournisseur.identite = identite
    depart = client.get("/franceconnect" + (f"?next={suivant}" if suivant else ""))
    assert depart.status_code == 302 and depart.location.startswith(f"{fournisseur.url}/authorize?")
    chez_le_fournisseur = requests.get(depart.location, allow_redirects=False, timeout=10)
    assert chez_le_fournisseur.status_code == 302
    retour = chez_le_fournisseur.headers["Location"]
    assert retour.startswith("http://localhost/franceconnect/retour?")
    return client.get(chemin(retour))


@pytest.mark.feature("F-03")
def test_franceconnect_non_configure_le_dit(app):
    client = app.test_client()
    assert "S'identifier avec FranceConnect" in lisible(client.get("/connexion"))
    response = client.get("/franceconnect")
    assert response.status_code == 200
    page = lisible(response)
    assert "FranceConnect n'est pas disponible sur cette instance : aucun fournisseur d'identité n'y est configuré." \
        in page
    assert "Retour à la connexion" in page
    assert client.get("/franceconnect/retour?code=x&state=y").status_code == 404


@pytest.mark.feature("F-03")
@pytest.mark.parametrize("userinfo_en_jwt", [True, False], ids=["userinfo-jwt-signe", "userinfo-json"])
def test_franceconnect_connecte_la_personne_du_registre(app_fc, client, fournisseur, demo, userinfo_en_jwt):
    fournisseur.userinfo_en_jwt = userinfo_en_jwt
    person = demo["CAS_3"]
    response = _par_franceconnect(client, fournisseur, _identite_de(app_fc, person.numero_etranger, "fc-sub-cas3"),
                                  suivant="/mes-demandes")
    assert response.status_code == 302 and response.location == "/mes-demandes"
    page = get_text(client, "/mes-demandes")
    assert "Étranger DCEM" in page and "Se déconnecter" in page
    assert _compte(app_fc, person.numero_etranger).franceconnect_sub == "fc-sub-cas3"

    # What the provider saw: the authorization-code flow with state, nonce and eIDAS level; the secret in the body.
    (_, autorisation), (_, jeton) = [r for r in fournisseur.requetes if r[0] in ("authorize", "token")]
    assert autorisation["response_type"] == "code" and autorisation["acr_values"] == "eidas1"
    assert autorisation["state"] and autorisation["nonce"]
    assert set(autorisation["scope"].split()) >= {"openid", "given_name", "family_name", "birthdate"}
    assert autorisation["redirect_uri"] == "http://localhost/franceconnect/retour"
    assert jeton["grant_type"] == "authorization_code" and jeton["client_id"] == fournisseur.client_id

    # The password account is the same account: the demo password still works.
    autre = app_fc.test_client()
    page = autre.get("/connexion").get_data(as_text=True)
    response = autre.post("/connexion", data={"csrf_token": csrf_token(page), "identifiant": person.numero_etranger,
                                              "mot_de_passe": person.mot_de_passe})
    assert response.status_code == 302


@pytest.mark.feature("F-03")
def test_noms_compares_sans_accents_ni_casse_et_deuxieme_connexion_par_le_sub(app_fc, client, fournisseur, demo):
    person = demo["CAS_3"]
    identite = _identite_de(app_fc, person.numero_etranger, "fc-sub-42", given_name="ETRANGER Paul",
                            family_name="dcem")
    assert _par_franceconnect(client, fournisseur, identite).status_code == 302
    assert "Étranger DCEM" in get_text(client, "/")
    # Next time the identity is found by its `sub`, even if FranceConnect spells the name differently.
    autre = app_fc.test_client()
    assert _par_franceconnect(autre, fournisseur, {**identite, "family_name": "D'CEM"}).status_code == 302
    assert "Étranger DCEM" in get_text(autre, "/")


@pytest.mark.feature("F-03")
def test_personne_du_registre_sans_compte_compte_cree(app_fc, client, fournisseur):
    ajouter_au_registre(app_fc)
    identite = _identite_de(app_fc, AWA["numero_etranger"], "fc-sub-awa", family_name="Konate")
    assert _par_franceconnect(client, fournisseur, identite).status_code == 302
    assert "Awa KONATÉ" in get_text(client, "/mes-demandes")
    compte = _compte(app_fc, AWA["numero_etranger"])
    assert compte.franceconnect_sub == "fc-sub-awa" and compte.mot_de_passe is None
    assert compte.email == "fc-sub-awa@fc.example.org"


@pytest.mark.feature("F-03")
@pytest.mark.parametrize("ecart", ["nom", "date_de_naissance", "prenom", "sexe"])
def test_identite_qui_ne_correspond_a_personne(app_fc, client, fournisseur, demo, ecart):
    person = demo["CAS_3"]
    identite = _identite_de(app_fc, person.numero_etranger, "fc-sub-inconnu")
    identite.update({"nom": {"family_name": "MARTIN"}, "date_de_naissance": {"birthdate": "1990-01-01"},
                     "prenom": {"given_name": "Jean"}, "sexe": {"gender": "female"}}[ecart])
    response = _par_franceconnect(client, fournisseur, identite)
    assert response.status_code == 403
    page = lisible(response)
    assert "Votre identité FranceConnect n'a pu être rattachée à aucun dossier d'étranger connu" in page
    assert "Créer votre compte" in page
    assert client.get("/mes-demandes").status_code == 302
    assert _compte(app_fc, person.numero_etranger).franceconnect_sub is None


@pytest.mark.feature("F-03")
def test_retour_avec_un_etat_forge_refuse(app_fc, client, fournisseur, demo):
    fournisseur.identite = _identite_de(app_fc, demo["CAS_3"].numero_etranger, "fc-sub-cas3")
    depart = client.get("/franceconnect")
    retour = requests.get(depart.location, allow_redirects=False, timeout=10).headers["Location"]
    code = parse_qs(urlsplit(retour).query)["code"][0]
    # Another browser (the attacker's) comes back with this code: its session never started this flow.
    autre = app_fc.test_client()
    response = autre.get(f"/franceconnect/retour?code={code}&state=forge")
    assert response.status_code == 400 and ECHEC in lisible(response)
    assert autre.get("/mes-demandes").status_code == 302


@pytest.mark.feature("F-03")
def test_signature_du_jeton_d_identite_verifiee(app_fc, client, fournisseur, demo):
    fournisseur.cle_publiee = RSAKey.generate_key(2048, parameters={"kid": fournisseur.cle.kid, "alg": "RS256"})
    response = _par_franceconnect(client, fournisseur, _identite_de(app_fc, demo["CAS_3"].numero_etranger, "x"))
    assert response.status_code == 400 and ECHEC in lisible(response)
    assert client.get("/mes-demandes").status_code == 302


@pytest.mark.feature("F-03")
def test_annulation_chez_franceconnect(app_fc, client):
    client.get("/franceconnect")
    response = client.get("/franceconnect/retour?error=access_denied&state=x")
    assert "Vous avez annulé la connexion avec FranceConnect." in lisible(response)
    assert client.get("/mes-demandes").status_code == 302


@pytest.mark.feature("F-03")
def test_fournisseur_injoignable(app, client):
    app.config.update(FC_ISSUER="http://127.0.0.1:9", FC_CLIENT_ID="x", FC_CLIENT_SECRET="y")
    response = app.test_client().get("/franceconnect")
    assert response.status_code == 502 and ECHEC in lisible(response)


@pytest.mark.feature("F-03")
def test_deconnexion_aussi_chez_franceconnect(app_fc, client, fournisseur, demo):
    _par_franceconnect(client, fournisseur, _identite_de(app_fc, demo["CAS_3"].numero_etranger, "fc-sub-cas3"))
    page = client.get("/mes-demandes").get_data(as_text=True)
    response = client.post("/deconnexion", data={"csrf_token": csrf_token(page)})
    assert response.status_code == 302 and response.location.startswith(f"{fournisseur.url}/session/end?")
    assert parse_qs(urlsplit(response.location).query)["id_token_hint"]
    assert client.get("/mes-demandes").status_code == 302  # already logged out here
    retour = requests.get(response.location, allow_redirects=False, timeout=10).headers["Location"]
    assert retour.startswith("http://localhost/franceconnect/deconnecte")
    assert "Vous êtes déconnecté(e)." in get_text(client, chemin(retour))


@pytest.mark.feature("F-48")
@pytest.mark.parametrize("piege", ["//evil.example", "/\t/evil.example", "/\r\n//evil.example", "/\\evil.example",
                                   "https://evil.example", "/%2F%2Fevil.example", "/\x00/evil.example"], ids=repr)
def test_franceconnect_ne_renvoie_jamais_ailleurs(app_fc, client, fournisseur, demo, piege):
    """The `next` kept in the session during the trip to the provider is a path of this site, or the home page."""
    identite = _identite_de(app_fc, demo["CAS_3"].numero_etranger, "fc-sub-cas3")
    response = _par_franceconnect(client, fournisseur, identite, suivant=quote(piege, safe=""))
    assert response.status_code == 302 and response.location == "/"
    assert "Se déconnecter" in get_text(client, "/mes-demandes")
