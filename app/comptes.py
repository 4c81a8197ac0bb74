"""Accounts (F-01, F-02, F-03): creation request, single-use 24-hour links, passwords, FranceConnect linking.

A link carries a token signed with SECRET_KEY (itsdangerous, one salt per purpose) whose payload is the
account id and a random nonce. The account row keeps the SHA-256 of that nonce, the purpose and the time
of issue: a link is valid only if all three match and it was issued less than 24 hours ago by
`clock.now()`. Using it clears the nonce, so it works once; issuing a new link replaces the old one, so an
account has at most one live link.

Passwords are hashed with Argon2id (app/mots_de_passe.py) and never stored, logged or shown in clear.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import unicodedata
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask import current_app, render_template, url_for
from flask_babel import lazy_gettext
from itsdangerous import BadData, URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from . import clock, i18n, mots_de_passe, sessions
from .courriels import mettre_en_file
from .models import Compte, Personne

CREATION = "creation"
REINITIALISATION = "reinitialisation"
SELS = {CREATION: "compte.creation", REINITIALISATION: "compte.reinitialisation"}
VALIDITE = timedelta(hours=24)


# --- Passwords ------------------------------------------------------------------------------------------------

LONGUEUR_MIN, LONGUEUR_MAX = 8, 128
# Lazy (F-18): translated into the page's language when the rule is broken.
REGLES: list[tuple[Any, Any]] = [
    (lazy_gettext("Le mot de passe doit faire au moins %(n)s caractères.", n=LONGUEUR_MIN),
     lambda m: len(m) >= LONGUEUR_MIN),
    (lazy_gettext("Le mot de passe doit contenir au moins une majuscule."), lambda m: any(c.isupper() for c in m)),
    (lazy_gettext("Le mot de passe doit contenir au moins une minuscule."), lambda m: any(c.islower() for c in m)),
    (lazy_gettext("Le mot de passe doit contenir au moins un chiffre."), lambda m: any(c in "0123456789" for c in m)),
    (lazy_gettext("Le mot de passe doit contenir au moins un caractère spécial (par exemple ! ? @ # $ % & * - _)."),
     lambda m: any(not c.isalnum() and not c.isspace() for c in m)),
    (lazy_gettext("Le mot de passe ne doit pas dépasser %(n)s caractères.", n=LONGUEUR_MAX),
     lambda m: len(m) <= LONGUEUR_MAX),
]


def regles_non_respectees(mot_de_passe: str) -> list[str]:
    """The message of every rule the password breaks, in the order of the page's sentence, in the page's language."""
    return [str(message) for message, respectee in REGLES if not respectee(mot_de_passe)]


hacher = mots_de_passe.hacher


def authentifier(session: Session, identifiant: str, mot_de_passe: str) -> Compte | None:
    """The active account of this n° étranger if the password is its own; None otherwise, in the same time.
    A hash made with older Argon2 parameters is replaced (the caller's commit stores it)."""
    compte = session.scalar(select(Compte).join(Personne).where(Personne.numero_etranger == identifiant.strip()))
    bon, nouvelle = mots_de_passe.verifier(compte.mot_de_passe if compte is not None else None, mot_de_passe)
    if not bon:
        return None
    if nouvelle:
        compte.mot_de_passe = nouvelle
    return compte


# --- Single-use links ------------------------------------------------------------------------------------------


class LienInvalide(Exception):
    """A link that cannot be used: `raison` is "expire" or "invalide"; `objet` is its purpose when known."""

    def __init__(self, raison: str, objet: str | None = None) -> None:
        super().__init__(raison)
        self.raison, self.objet = raison, objet


def _serialiseur(objet: str) -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SELS[objet])


def _empreinte(nonce: str) -> str:
    return hashlib.sha256(nonce.encode()).hexdigest()


def _utc(moment: datetime) -> datetime:
    """SQLite gives naive UTC back."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def emettre_jeton(compte: Compte, objet: str) -> str:
    """A new link for this account and purpose; the previous one, if any, stops working."""
    nonce = secrets.token_urlsafe(32)
    compte.jeton_nonce = _empreinte(nonce)
    compte.jeton_objet = objet
    compte.jeton_emis_le = clock.now()
    return _serialiseur(objet).dumps({"c": compte.id, "n": nonce})


def lien_vivant(compte: Compte) -> bool:
    """The account has a link that was issued less than 24 hours ago and not used yet."""
    return bool(compte.jeton_nonce and compte.jeton_emis_le and _utc(compte.jeton_emis_le) + VALIDITE > clock.now())


def lire_jeton(session: Session, jeton: str) -> tuple[Compte, str]:
    """The account and purpose of a live link; raises LienInvalide (expired, used, replaced, forged)."""
    for objet in SELS:
        try:
            charge = _serialiseur(objet).loads(jeton or "")
        except BadData:
            continue
        break
    else:
        raise LienInvalide("invalide")
    if not isinstance(charge, dict) or not isinstance(charge.get("c"), int) or not isinstance(charge.get("n"), str):
        raise LienInvalide("invalide", objet)
    compte = session.get(Compte, charge["c"])
    if (
        compte is None
        or not compte.jeton_nonce
        or compte.jeton_objet != objet
        or not hmac.compare_digest(compte.jeton_nonce, _empreinte(charge["n"]))
    ):
        raise LienInvalide("invalide", objet)
    if not lien_vivant(compte):
        raise LienInvalide("expire", objet)
    return compte, objet


def definir_mot_de_passe(session: Session, compte: Compte, mot_de_passe: str) -> None:
    """Set the password through a link: the link is used up, the e-mail address is confirmed by it, and every
    open session of the account ends (whoever held the old password, or a copied cookie, is out)."""
    compte.mot_de_passe = hacher(mot_de_passe)
    compte.jeton_nonce = compte.jeton_objet = compte.jeton_emis_le = None
    if compte.email_confirme_le is None:
        compte.email_confirme_le = clock.now()
    sessions.fermer_toutes(session, compte.get_id())


def _lien(jeton: str) -> str:
    return current_app.config["URL_BASE"].rstrip("/") + url_for("auth.mot_de_passe", jeton=jeton)


def _contexte(compte: Compte, jeton: str) -> dict[str, Any]:
    personne = compte.personne
    return {
        "prenoms": personne.prenoms,
        "nom": (personne.nom_usage or personne.nom_naissance).title(),
        "lien": _lien(jeton),
        "lien_connexion": _lien_connexion(),
    }


def _lien_connexion() -> str:
    return current_app.config["URL_BASE"].rstrip("/") + url_for("auth.connexion")


# --- Account creation (F-01) and forgotten password (F-02) -----------------------------------------------------


def demander_creation(session: Session, numero_etranger: str, date_naissance: date, email: str) -> bool:
    """Create the pending account and queue the e-mail with its 24-hour link, in the caller's transaction.

    Returns whether a mail was queued; the caller shows the same page either way. Nothing is sent for
    an unknown n° étranger, a date of birth that does not match the register, an account already
    active, or a pending account whose link is still live (one live link at a time). A pending
    account whose link has expired gets a new one, at the address typed now.
    """
    personne = session.scalar(select(Personne).where(Personne.numero_etranger == numero_etranger))
    if personne is None or personne.date_naissance != date_naissance:
        return False
    compte = session.scalar(select(Compte).where(Compte.personne_id == personne.id))
    if compte is None:
        # Two requests at the same moment: the unique personne_id makes the second flush fail
        # (IntegrityError); the caller rolls back and shows the same page.
        compte = Compte(personne_id=personne.id, email=email, cree_le=clock.now(), langue=i18n.langue_courante())
        session.add(compte)
        session.flush()
    elif compte.actif or lien_vivant(compte):
        return False
    else:
        compte.email = email
        compte.langue = i18n.langue_courante()  # the language of the page the account is being created from
    jeton = emettre_jeton(compte, CREATION)
    mettre_en_file(session, "creation_compte", email, _contexte(compte, jeton), compte_id=compte.id)
    return True


def _rediger_pour_rien(modele: str, contexte: dict[str, Any]) -> None:
    """The rendering that `mettre_en_file` does, thrown away: the request costs the same time as a real one."""
    render_template(f"mail/{modele}.txt", **contexte)
    render_template(f"mail/{modele}.html", **contexte)


def demander_reinitialisation(session: Session, identifiant: str, envoyer: bool = True) -> bool:
    """Queue a new 24-hour link to the account's address; False, and nothing sent, for an unknown identifiant
    (or when `envoyer` is False: too many links for this account lately, the live one stays valid).

    Either way the same work is done, a token signed and the mail rendered, so that the answer's time does
    not tell whether the identifiant has an account; only the queueing differs.
    """
    compte = session.scalar(select(Compte).join(Personne).where(Personne.numero_etranger == identifiant.strip()))
    if compte is None or not compte.email or not envoyer:
        jeton = _serialiseur(REINITIALISATION).dumps({"c": 0, "n": secrets.token_urlsafe(32)})
        _rediger_pour_rien("mot_de_passe_oublie", {"prenoms": "", "nom": "", "lien": _lien(jeton),
                                                   "lien_connexion": _lien_connexion()})
        return False
    jeton = emettre_jeton(compte, REINITIALISATION)
    mettre_en_file(session, "mot_de_passe_oublie", compte.email, _contexte(compte, jeton), compte_id=compte.id)
    return True


# --- FranceConnect (F-03) ------------------------------------------------------------------------------------


class IdentiteNonRattachee(Exception):
    """The FranceConnect identity matches no one (or more than one person) of the register."""


class CompteDejaRattache(Exception):
    """The person's account is already linked to another FranceConnect identity."""


def _mots(texte: str | None) -> tuple[str, ...]:
    """Names compared as words, without accents, case, hyphens or apostrophes: « N'Diaye-Sow » = « NDIAYE SOW »."""
    sans_accents = "".join(c for c in unicodedata.normalize("NFKD", texte or "") if not unicodedata.combining(c))
    return tuple(re.sub(r"[^A-Za-z]+", " ", sans_accents.replace("'", "").replace("’", "")).upper().split())


GENRES = {"male": "MASCULIN", "female": "FEMININ"}


def _correspond(personne: Personne, prenoms: tuple[str, ...], nom: tuple[str, ...], genre: str | None) -> bool:
    noms = {_mots(personne.nom_naissance), _mots(personne.nom_usage)} - {()}
    prenoms_registre = _mots(personne.prenoms)
    if genre in GENRES and " ".join(_mots(personne.sexe)) in GENRES.values() and (
        GENRES[genre] != " ".join(_mots(personne.sexe))
    ):
        return False
    return nom in noms and bool(prenoms) and bool(prenoms_registre) and (
        prenoms == prenoms_registre or prenoms[0] == prenoms_registre[0]
    )


def personne_de_l_identite(session: Session, identite: Mapping[str, Any]) -> Personne:
    """The one person of the register with this date of birth, family name and given name(s) (and sex, if given)."""
    try:
        naissance = date.fromisoformat(str(identite.get("birthdate") or ""))
    except ValueError as err:
        raise IdentiteNonRattachee from err
    prenoms, nom = _mots(identite.get("given_name")), _mots(identite.get("family_name"))
    candidats = session.scalars(select(Personne).where(Personne.date_naissance == naissance)).all()
    trouves = [p for p in candidats if _correspond(p, prenoms, nom, identite.get("gender"))]
    if len(trouves) != 1:
        raise IdentiteNonRattachee
    return trouves[0]


def rattacher_franceconnect(session: Session, identite: Mapping[str, Any]) -> Compte:
    """The account of the person FranceConnect identified: linked by `sub` the first time, created if needed."""
    sub = str(identite["sub"])
    compte = session.scalar(select(Compte).where(Compte.franceconnect_sub == sub))
    if compte is not None:
        return compte
    personne = personne_de_l_identite(session, identite)
    compte = session.scalar(select(Compte).where(Compte.personne_id == personne.id))
    if compte is None:
        compte = Compte(personne_id=personne.id, email=str(identite.get("email") or "")[:254], cree_le=clock.now())
        session.add(compte)
    elif compte.franceconnect_sub and compte.franceconnect_sub != sub:
        raise CompteDejaRattache
    compte.franceconnect_sub = sub
    session.flush()
    return compte
