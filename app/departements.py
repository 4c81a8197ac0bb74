"""Postal code → department: the one rule shared by step 1 (F-07), the application number (F-26) and the agents'
prefectures (F-30), so that a deposited application always names a department that an agent can be attached to.

A postal code is 5 ASCII digits (`\\d` would also accept « ５ » or « ٥ ») whose department is a real one:
- metropolitan 01–95 except 20 (its first two digits);
- Corsica 20xxx: Corse-du-Sud (2A) for 200xx–201xx, Haute-Corse (2B) for 202xx–206xx (Bastia is 20200 and 20600,
  Biguglia 20620); the application number keeps « 20 »;
- overseas 971xx–976xx: Guadeloupe 971 (Saint-Barthélemy 97133 and Saint-Martin 97150 are served by its prefect),
  Martinique 972, Guyane 973, La Réunion 974, Saint-Pierre-et-Miquelon 975, Mayotte 976; the number keeps « 97 »
  (its department field has 2 characters). The Pacific (98xxx) and Monaco (98000) are outside this procedure.
A few communes have the postal code of a neighbouring department (La Poste's exceptions): the department is the one
the postal code names, as the application number always did.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import gettext

from .i18n import N_

METROPOLE = frozenset(f"{n:02d}" for n in range(1, 96) if n != 20)
CORSE = frozenset({"2A", "2B"})
OUTRE_MER = frozenset({"971", "972", "973", "974", "975", "976"})
PREFECTURES = METROPOLE | CORSE | OUTRE_MER

CINQ_CHIFFRES = re.compile(r"[0-9]{5}")  # ASCII on purpose

# Translated when raised (F-18): the page's language if there is a request, else French.
MESSAGE_FORMAT = N_("Le « Code postal » doit comporter 5 chiffres de 0 à 9, par exemple 59800.")
MESSAGE_INCONNU = N_(
    "Le code postal %(code)s ne correspond à aucun département français. Indiquez le code postal de votre adresse "
    "en France métropolitaine, en Corse, en Guadeloupe (avec Saint-Barthélemy et Saint-Martin), en Martinique, "
    "en Guyane, à La Réunion, à Saint-Pierre-et-Miquelon ou à Mayotte, par exemple 59800."
)


class CodePostalInvalide(ValueError):
    """A postal code of no French department served by this procedure, with the French reason."""


@dataclass(frozen=True)
class Departement:
    numero: str  # 2 ASCII digits, the first field of the application number
    prefecture: str  # the department whose prefecture instructs the application: « 59 », « 2A », « 974 »


def du_code_postal(code_postal: str | None) -> Departement:
    """The department of a postal code; raises CodePostalInvalide (message for the applicant) otherwise."""
    code = (code_postal or "").strip()
    if not CINQ_CHIFFRES.fullmatch(code):
        raise CodePostalInvalide(gettext(MESSAGE_FORMAT))
    tete = code[:2]
    if tete in METROPOLE:
        return Departement(tete, tete)
    if tete == "20" and code[2] in "0123456":
        return Departement("20", "2A" if code[2] in "01" else "2B")
    if tete == "97" and code[:3] in OUTRE_MER:
        return Departement("97", code[:3])
    raise CodePostalInvalide(gettext(MESSAGE_INCONNU, code=code))


def prefecture(code: str | None) -> str | None:
    """An agent's department code as stored (« 2a » → « 2A »), or None if no application can ever carry it."""
    code = (code or "").strip().upper()
    return code if code in PREFECTURES else None
