"""Login sessions kept server-side (F-48), so that they can be ended and expire when idle.

The signed session cookie keeps Flask-Login's actor id (« usager:12 », « agent:3 ») and a random token;
table `session_ouverte` keeps the token's SHA-256, the actor, and the times of creation and last
activity. A session is valid only while its row exists for that actor and was active less than
SESSION_INACTIVITE_MINUTES ago: logout deletes the row, a password set through a link deletes every row
of the account, and a copied cookie dies with its row. A cookie without a token (older ones) is simply
logged out. `vue_le` is written at most once a minute: SQLite serializes writes.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import current_app, g
from flask import session as cookie
from flask_login import login_user, logout_user
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from . import clock
from .extensions import db
from .models import SessionOuverte

JETON = "_jeton"
VALIDE, EXPIREE, REFUSEE = "valide", "expiree", "refusee"
RAFRAICHISSEMENT = timedelta(minutes=1)


def inactivite_max() -> timedelta:
    return timedelta(minutes=current_app.config["SESSION_INACTIVITE_MINUTES"])


def _empreinte(jeton: str) -> str:
    return hashlib.sha256(jeton.encode()).hexdigest()


def _utc(moment: datetime) -> datetime:
    """SQLite gives naive UTC back."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def ouvrir(utilisateur: object) -> None:
    """Log `utilisateur` in on a fresh session: nothing from before (a planted cookie, a half-done flow, the
    other space's session) is kept, and the previous session of this browser ends. The caller commits."""
    fermer_celle_ci()
    cookie.clear()
    maintenant = clock.now()
    # Rows idle for longer than the timeout are dead: clear them now and then (at each login).
    db.session.execute(delete(SessionOuverte).where(SessionOuverte.vue_le < maintenant - inactivite_max()))
    login_user(utilisateur)
    jeton = secrets.token_urlsafe(32)
    db.session.add(SessionOuverte(empreinte=_empreinte(jeton), acteur=utilisateur.get_id(),
                                  creee_le=maintenant, vue_le=maintenant))
    cookie[JETON] = jeton
    g.pop("_session_ouverte", None)


def fermer_celle_ci() -> None:
    """End this browser's session (its row, then the cookie's login). The caller commits."""
    jeton = cookie.get(JETON)
    if isinstance(jeton, str) and jeton:
        db.session.execute(delete(SessionOuverte).where(SessionOuverte.empreinte == _empreinte(jeton)))
    if "_user_id" in cookie:
        logout_user()
    cookie.clear()
    g.pop("_session_ouverte", None)


def fermer_toutes(session: Session, acteur: str) -> None:
    """End every session of this actor (a new password): copied cookies included. The caller commits."""
    session.execute(delete(SessionOuverte).where(SessionOuverte.acteur == acteur))


def etat(acteur: str, compte: tuple[type, int, Sequence[Any]] | None = None) -> str:
    """VALIDE, EXPIREE (idle too long) or REFUSEE (no token, ended, or another actor's) for this request.

    `compte` (model, id, load options): the actor's account, read in the same query into the session's identity map,
    whatever the session turns out to be; the user loader then finds it loaded."""
    deja = g.get("_session_ouverte")
    if deja is not None and deja[0] == acteur:
        return deja[1]
    jeton = cookie.get(JETON)
    ligne = None
    if isinstance(jeton, str) and jeton:
        requete = (select(SessionOuverte.id, SessionOuverte.acteur, SessionOuverte.vue_le)
                   .where(SessionOuverte.empreinte == _empreinte(jeton)))
        if compte is not None:
            modele, ident, options = compte
            requete = requete.add_columns(modele).outerjoin(modele, modele.id == ident).options(*options)
        ligne = db.session.execute(requete).first()
    if ligne is None or ligne.acteur != acteur:
        resultat = REFUSEE
    elif clock.now() - _utc(ligne.vue_le) > inactivite_max():
        resultat = EXPIREE
    else:
        resultat = VALIDE
    g._session_ouverte = (acteur, resultat, ligne)
    return resultat


def noter_activite() -> None:
    """Move this session's last activity to now, if it is more than a minute old (and commit it)."""
    deja = g.get("_session_ouverte")
    if deja is None or deja[1] != VALIDE:
        return
    ligne = deja[2]
    maintenant = clock.now()
    if maintenant - _utc(ligne.vue_le) >= RAFRAICHISSEMENT:
        db.session.execute(update(SessionOuverte).where(SessionOuverte.id == ligne.id).values(vue_le=maintenant))
        db.session.commit()
