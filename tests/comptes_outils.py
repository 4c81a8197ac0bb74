"""Helpers for the account tests (F-01, F-02, F-03): a person of the register without an account, the forms
posted as a browser does (CSRF on), and the link read from the mail the real SMTP server received."""

from __future__ import annotations

import html
import re
from datetime import date
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlsplit

from app.courriels import envoyer_les_courriels_dus
from app.extensions import db
from app.register import import_rows
from tests.conftest import csrf_token

# A young person known to the register, with no account yet (the demo people all have one).
AWA = {"numero_etranger": "5908002099", "nom_naissance": "KONATÉ", "nom_usage": "", "prenoms": "Awa",
       "sexe": "Féminin", "date_naissance": "14/03/2007", "pays_naissance": "MALI", "lieu_naissance": "Bamako",
       "nationalite": "Malienne", "titres": ""}
AWA_NAISSANCE = date(2007, 3, 14)
AWA_EMAIL = "awa.konate@example.org"
MOT_DE_PASSE = "Bienvenue-2026!"

PHRASE_MOT_DE_PASSE = ("Votre mot de passe doit être réinitialisé. Merci de renseigner un nouveau mot de passe, "
                       "qui doit faire au moins 8 caractères avec au moins une majuscule, une minuscule, un chiffre "
                       "et un caractère spécial.")
NEUTRE = ("Demande de création de compte bien enregistrée. Un email vous a été envoyé afin de confirmer votre adresse "
          "email. Vous devez confirmer votre adresse email et créer votre mot de passe avant de pouvoir envoyer votre "
          "demande.")


def ajouter_au_registre(app: Any, **champs: str) -> dict[str, str]:
    ligne = {**AWA, **champs}
    with app.app_context():
        import_rows(db.session, [ligne])
        db.session.commit()
    return ligne


def chemin(url: str) -> str:
    """The path and query of a link, to follow it with the test client (its host is URL_BASE)."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def demander_creation(client: Any, email: str = AWA_EMAIL, numero: str = AWA["numero_etranger"],
                      naissance: str = AWA["date_naissance"], confirmation: str | None = None, **env: Any) -> Any:
    page = client.get("/creer-mon-compte").get_data(as_text=True)
    return client.post("/creer-mon-compte", data={
        "csrf_token": csrf_token(page), "email": email,
        "email_confirmation": email if confirmation is None else confirmation,
        "numero_etranger": numero, "date_naissance": naissance,
    }, **env)


def demander_oubli(client: Any, identifiant: str, **env: Any) -> Any:
    page = client.get("/mot-de-passe-oublie").get_data(as_text=True)
    return client.post("/mot-de-passe-oublie", data={"csrf_token": csrf_token(page), "identifiant": identifiant},
                       **env)


def choisir_mot_de_passe(client: Any, lien: str, nouveau: str = MOT_DE_PASSE, confirmation: str | None = None) -> Any:
    page = client.get(chemin(lien))
    assert page.status_code == 200, page.get_data(as_text=True)[:500]
    return client.post(chemin(lien), data={"csrf_token": csrf_token(page.get_data(as_text=True)),
                                           "nouveau": nouveau,
                                           "confirmation": nouveau if confirmation is None else confirmation})


def distribuer(app: Any) -> dict[str, int]:
    """One pass of the worker: the outbox to the SMTP server."""
    with app.app_context():
        return envoyer_les_courriels_dus(db.session)


def texte(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()


def lien_du_message(message: EmailMessage) -> str:
    """The password link of a received mail (text part), checked against the HTML part's link."""
    liens = re.findall(r"https?://\S+/mot-de-passe\?jeton=[\w.\-]+", texte(message))
    assert len(liens) == 1, texte(message)
    assert f'href="{liens[0]}"' in message.get_body(("html",)).get_content()
    return liens[0]


def lisible(page: Any) -> str:
    """A page (response or HTML) as a person reads it: tags removed, entities decoded, white space collapsed."""
    fragment = page if isinstance(page, str) else page.get_data(as_text=True)
    fragment = re.sub(r"<(script|style)\b.*?</\1>", " ", fragment, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", fragment))).strip()


def erreurs_du_champ(page: str, field_id: str) -> list[str]:
    """The messages shown under a field: one (macros.errors) or several (the password's rules)."""
    bloc = re.search(rf'<div id="{re.escape(field_id)}-erreur">(.*?)</div>', page, re.S)
    if bloc:
        return [lisible(m) for m in re.findall(r'<p class="fr-error-text">(.*?)</p>', bloc.group(1), re.S)]
    return [lisible(m) for m in re.findall(rf'<p class="fr-error-text" id="{re.escape(field_id)}-erreur">(.*?)</p>',
                                           page, re.S)]
