"""Prefecture agents (F-30): accounts, their prefectures (by department code), login.

Agents are not applicants: their own table, their own login page (e-mail + password), and a
session id « agent:<id> ». Passwords are hashed with Argon2id as the applicants' are (app/mots_de_passe.py).
"""

from __future__ import annotations

import re
import secrets
import string
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import departements as dep
from . import mots_de_passe
from .comptes import hacher, regles_non_respectees
from .models import Agent, AgentPrefecture

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
T = TypeVar("T", bound=Any)


class AgentInvalide(ValueError):
    """An agent that cannot be created as asked, with the French reason."""


def normaliser_departement(code: str) -> str:
    """A department an application can be deposited in (app/departements.py): an agent attached to any other
    would wait for applications that never come."""
    normalise = dep.prefecture(code)
    if normalise is None:
        raise AgentInvalide(f"« {(code or '').strip()} » n'est pas un code de département (par exemple 59, 2A, 974).")
    return normalise


def generer_mot_de_passe() -> str:
    """16 random characters that meet the password rules of F-02."""
    alphabet = string.ascii_letters + string.digits + "!?@#%&*-_"
    while True:
        mot = "".join(secrets.choice(alphabet) for _ in range(16))
        if not regles_non_respectees(mot):
            return mot


def creer(session: Session, email: str, nom: str, prenom: str, departements: list[str], mot_de_passe: str,
          administrateur: bool = False) -> Agent:
    """A new active agent attached to the given prefectures; raises AgentInvalide with the reason.

    An administrator also sees the applications of departments no agent serves and the incidents; they need no
    prefecture of their own."""
    email = (email or "").strip().lower()
    if not EMAIL.match(email):
        raise AgentInvalide(f"« {email} » n'est pas une adresse email valide.")
    if not (nom or "").strip() or not (prenom or "").strip():
        raise AgentInvalide("Le nom et le prénom de l'agent sont obligatoires.")
    codes = sorted({normaliser_departement(d) for d in departements})
    if not codes and not administrateur:
        raise AgentInvalide("Indiquez au moins un département (--departement 59), ou --administrateur.")
    regles = regles_non_respectees(mot_de_passe)
    if regles:
        raise AgentInvalide(" ".join(regles))
    if session.scalar(select(Agent.id).where(func.lower(Agent.email) == email)) is not None:
        raise AgentInvalide(f"Un agent existe déjà avec l'adresse {email}.")
    agent = Agent(email=email, nom=nom.strip(), prenom=prenom.strip(), mot_de_passe=hacher(mot_de_passe),
                  administrateur=administrateur, prefectures=[AgentPrefecture(departement=code) for code in codes])
    session.add(agent)
    session.flush()
    return agent


def authentifier(session: Session, email: str, mot_de_passe: str) -> Agent | None:
    """The active agent with this e-mail if the password is theirs; None otherwise, in the same time."""
    return par_email(session, Agent, email, mot_de_passe)


def par_email(session: Session, modele: type[T], email: str, mot_de_passe: str) -> T | None:
    """The active account of `modele` (agent, analyst) with this e-mail if the password is theirs; None otherwise,
    after the same Argon2 work whether the e-mail is known or not (no timing tells which). A hash made with older
    Argon2 parameters is replaced (the caller's commit stores it)."""
    compte = session.scalar(select(modele).where(func.lower(modele.email) == (email or "").strip().lower()))
    connu = compte is not None and compte.actif
    bon, nouvelle = mots_de_passe.verifier(compte.mot_de_passe if connu else None, mot_de_passe or "")
    if not bon:
        return None
    if nouvelle:
        compte.mot_de_passe = nouvelle
    return compte


# --- Demo agents (`flask demo-charger`) ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AgentDemo:
    email: str
    prenom: str
    nom: str
    departements: tuple[str, ...]
    mot_de_passe: str
    administrateur: bool = False


# The demo applicants live at 59800 Lille: the Nord agent sees their applications, the Paris agent does not.
# The administrator has no prefecture: they see what no agent serves (a department without agent, incidents).
DEMO = [
    AgentDemo("agent.nord@demo.example.org", "Camille", "MARTIN", ("59",), "Demo-Agent59!"),
    AgentDemo("agent.paris@demo.example.org", "Karim", "BENALI", ("75",), "Demo-Agent75!"),
    AgentDemo("admin@demo.example.org", "Dominique", "LEROY", (), "Demo-Admin-1!", administrateur=True),
]


def charger_demo(session: Session) -> list[AgentDemo]:
    """Create the demo agents, or put back their password and prefectures."""
    for demo in DEMO:
        agent = session.scalar(select(Agent).where(Agent.email == demo.email))
        if agent is None:
            creer(session, demo.email, demo.nom, demo.prenom, list(demo.departements), demo.mot_de_passe,
                  demo.administrateur)
            continue
        agent.mot_de_passe, agent.actif, agent.administrateur = hacher(demo.mot_de_passe), True, demo.administrateur
        if agent.departements != set(demo.departements):
            agent.prefectures = [AgentPrefecture(departement=d) for d in demo.departements]
    session.flush()
    return DEMO
