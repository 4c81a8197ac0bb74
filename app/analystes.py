"""Business analysts (F-45): accounts and login. They own the process (bpmn/, dmn/) and see diagrams, counts and
application numbers — never applicants' personal data or documents. Their own table, their own login page
(e-mail + password), a session id « analyste:<id> »; passwords hashed with Argon2 as everyone's."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .agents import EMAIL, par_email
from .comptes import hacher, regles_non_respectees
from .models import Analyste


class AnalysteInvalide(ValueError):
    """An analyst that cannot be created as asked, with the French reason."""


def creer(session: Session, email: str, nom: str, prenom: str, mot_de_passe: str) -> Analyste:
    """A new active analyst; raises AnalysteInvalide with the reason."""
    email = (email or "").strip().lower()
    if not EMAIL.match(email):
        raise AnalysteInvalide(f"« {email} » n'est pas une adresse email valide.")
    if not (nom or "").strip() or not (prenom or "").strip():
        raise AnalysteInvalide("Le nom et le prénom de l'analyste sont obligatoires.")
    regles = regles_non_respectees(mot_de_passe)
    if regles:
        raise AnalysteInvalide(" ".join(regles))
    if session.scalar(select(Analyste.id).where(func.lower(Analyste.email) == email)) is not None:
        raise AnalysteInvalide(f"Un analyste existe déjà avec l'adresse {email}.")
    analyste = Analyste(email=email, nom=nom.strip(), prenom=prenom.strip(), mot_de_passe=hacher(mot_de_passe))
    session.add(analyste)
    session.flush()
    return analyste


def authentifier(session: Session, email: str, mot_de_passe: str) -> Analyste | None:
    """The active analyst with this e-mail if the password is theirs; None otherwise, in the same time."""
    return par_email(session, Analyste, email, mot_de_passe)


@dataclass(frozen=True)
class AnalysteDemo:
    email: str
    prenom: str
    nom: str
    mot_de_passe: str


DEMO = [AnalysteDemo("analyste@demo.example.org", "Alix", "MOREAU", "Demo-Analyste-1!")]


def charger_demo(session: Session) -> list[AnalysteDemo]:
    """Create the demo analyst, or put back their password."""
    for demo in DEMO:
        analyste = session.scalar(select(Analyste).where(Analyste.email == demo.email))
        if analyste is None:
            creer(session, demo.email, demo.nom, demo.prenom, demo.mot_de_passe)
        else:
            analyste.mot_de_passe, analyste.actif = hacher(demo.mot_de_passe), True
    session.flush()
    return DEMO
