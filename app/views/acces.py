"""Who may open a page (F-30): applicants' pages and agents' pages never mix.

`usager_requis` replaces `login_required` on every applicant page: an agent who opens one gets a
403 page that sends them back to their queue (an agent's id must never be read as an account id).
`agent_requis` guards every agent page: not logged in → the agent login page; an applicant → 403.
`analyste_requis` guards every analyst page (F-45) the same way: analysts, agents and applicants never mix.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, current_app, render_template, url_for
from flask_babel import gettext
from flask_login import current_user

from ..extensions import db, login_manager
from ..models import Agent, Analyste, Compte, Demande
from ..workflow.store import DemandeStore
from ..workflow.textes_du_processus import TextesDuProcessus, textes

T = TypeVar("T")


def store() -> DemandeStore:
    return current_app.extensions["demandes"]


def textes_de(demande: Demande) -> TextesDuProcessus:
    """What the application's own process version states (steps, deadlines): it keeps the version it started with."""
    return textes(store().catalog.engine(demande.version_processus).bundle)


def acteur() -> str:
    """Who acts, as the audit log names them (« usager:12 », « agent:3 »)."""
    return utilisateur().get_id()


def a_moi_ou_404(model: type[T], row_id: int) -> T:
    """A row of the logged-in applicant (its `compte_id`), or 404: never reveal another person's."""
    row = db.session.get(model, row_id)
    if row is None or row.compte_id != current_user.id:
        abort(404)
    return row


def utilisateur() -> Any:
    return current_user._get_current_object() if current_user else None


def est_agent() -> bool:
    return isinstance(utilisateur(), Agent)


def est_analyste() -> bool:
    return isinstance(utilisateur(), Analyste)


def est_usager() -> bool:
    return isinstance(utilisateur(), Compte)


def _refus(message: str, lien: str, libelle: str) -> tuple[str, int]:
    return render_template("acces_refuse.html", message=message, lien=lien, libelle=libelle), 403


def usager_requis(view: Callable[..., Any]) -> Callable[..., Any]:
    """An applicant's page: log in first; an agent is turned away."""

    @wraps(view)
    def decorated(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if est_analyste():
            return _refus("Cette page est réservée aux usagers. Vous êtes connecté(e) avec un compte analyste.",
                          url_for("analyste.accueil"), "Retour à l'espace analyste")
        if not est_usager():
            return _refus("Cette page est réservée aux usagers. Vous êtes connecté(e) avec un compte agent.",
                          url_for("agent.demandes"), "Retour à la file des demandes")
        return view(*args, **kwargs)

    return decorated


def agent_requis(view: Callable[..., Any]) -> Callable[..., Any]:
    """An agent's page: log in on the agent login page first; an applicant is turned away."""

    @wraps(view)
    def decorated(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not est_agent():
            return _refus(gettext("Cette page est réservée aux agents de préfecture."), url_for("pages.accueil"),
                          gettext("Retour à l'accueil"))
        return view(*args, **kwargs)

    return decorated


def analyste_requis(view: Callable[..., Any]) -> Callable[..., Any]:
    """An analyst's page: log in on the analyst login page first; applicants and agents are turned away."""

    @wraps(view)
    def decorated(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not est_analyste():
            return _refus(gettext("Cette page est réservée aux analystes métier."), url_for("pages.accueil"),
                          gettext("Retour à l'accueil"))
        return view(*args, **kwargs)

    return decorated
