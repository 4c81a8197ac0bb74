"""The foreigners' register (F-40): import from CSV, and the demo people.

CSV columns (UTF-8, « ; » separated, header line):
numero_etranger;nom_naissance;nom_usage;prenoms;sexe;date_naissance;pays_naissance;lieu_naissance;nationalite;titres
`date_naissance` is JJ/MM/AAAA; `titres` is empty or « début|fin|nature|motif|statut » items
separated by « + », dates JJ/MM/AAAA.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import Personne, TitreSejour

COLUMNS = ["numero_etranger", "nom_naissance", "nom_usage", "prenoms", "sexe", "date_naissance",
           "pays_naissance", "lieu_naissance", "nationalite", "titres"]


class RegisterError(ValueError):
    """A bad line of the register file, named by its line number."""


def _date(text: str, line: int, column: str) -> date:
    try:
        return datetime.strptime(text.strip(), "%d/%m/%Y").date()
    except ValueError as err:
        raise RegisterError(f"ligne {line} : « {column} » n'est pas une date JJ/MM/AAAA ({text!r})") from err


def import_rows(session: Session, rows: Iterable[dict[str, str]]) -> int:
    """Insert or update people by n° étranger; their titles are replaced. Returns the count."""
    count = 0
    for line, row in enumerate(rows, start=2):
        numero = (row.get("numero_etranger") or "").strip()
        if not re.fullmatch(r"\d{10}", numero):
            raise RegisterError(f"ligne {line} : le n° étranger doit comporter 10 chiffres ({numero!r})")
        personne = session.scalar(select(Personne).filter_by(numero_etranger=numero)) or Personne(
            numero_etranger=numero
        )
        for column in COLUMNS[1:5] + COLUMNS[6:9]:
            setattr(personne, column, (row.get(column) or "").strip())
        personne.date_naissance = _date(row.get("date_naissance") or "", line, "date_naissance")
        session.add(personne)
        session.flush()
        for titre in list(personne.titres):
            session.delete(titre)
        for item in filter(None, (row.get("titres") or "").split("+")):
            parts = item.split("|")
            if len(parts) != 5:
                raise RegisterError(f"ligne {line} : un titre doit avoir 5 parties début|fin|nature|motif|statut")
            session.add(TitreSejour(
                personne_id=personne.id, debut=_date(parts[0], line, "titres"), fin=_date(parts[1], line, "titres"),
                nature=parts[2].strip(), motif=parts[3].strip(), statut=parts[4].strip(),
            ))
        count += 1
    session.flush()
    return count


def import_csv(session: Session, path: Path) -> int:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh, delimiter=";")
        missing = set(COLUMNS) - set(reader.fieldnames or [])
        if missing:
            raise RegisterError(f"colonnes manquantes : {', '.join(sorted(missing))}")
        return import_rows(session, reader)


@dataclass(frozen=True)
class DemoPerson:
    numero_etranger: str
    prenoms: str
    nom: str
    cas: str
    date_placement: date
    mot_de_passe: str | None  # None: no account yet, to show the account creation


def _years_ago(today: date, years: int, days: int = 0) -> date:
    """`years` years and `days` days before `today` (a negative `years` goes forward)."""
    try:
        anchor = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        anchor = date(today.year - years, 3, 1)
    return anchor - timedelta(days=days)


def demo_people(today: date) -> list[tuple[dict[str, str], DemoPerson]]:
    """One person per case and one ineligible, dated from today so they stay in their case."""

    def row(numero: str, nom: str, prenom: str, sexe: str, naissance: date, pays: str, lieu: str, nat: str,
            titres: str = "") -> dict[str, str]:
        return {"numero_etranger": numero, "nom_naissance": nom, "nom_usage": "", "prenoms": prenom, "sexe": sexe,
                "date_naissance": naissance.strftime("%d/%m/%Y"), "pays_naissance": pays, "lieu_naissance": lieu,
                "nationalite": nat, "titres": titres}

    cas1 = _years_ago(today, 17, 40)   # 16 years and ~10 months
    cas2 = _years_ago(today, 16, 200)  # 16 years and ~7 months
    cas3 = _years_ago(today, 18, 90)   # 18 years and 3 months
    inel = _years_ago(today, 18, 30)
    sans_compte = _years_ago(today, 17, 100)
    circ = (f"{(today - timedelta(days=400)).strftime('%d/%m/%Y')}|{(today + timedelta(days=330)).strftime('%d/%m/%Y')}"
            "|Document de circulation||Accepté")
    return [
        (row("5908002010", "ETRANGER", "Mineur", "Masculin", cas1, "BRESIL", "Brasilia", "Brésilienne"),
         DemoPerson("5908002010", "Mineur", "ETRANGER", "CAS 1 : mineur non émancipé",
                    _years_ago(cas1, -15), "Demo-Cas1!")),
        (row("5908002011", "DIALLO", "Aïssatou", "Féminin", cas2, "GUINEE", "Conakry", "Guinéenne", circ),
         DemoPerson("5908002011", "Aïssatou", "DIALLO",
                    "CAS 2 : mineur émancipé (cocher « Je suis un mineur (+16 ans) émancipé »)",
                    _years_ago(cas2, -14), "Demo-Cas2!")),
        (row("5903007192", "DCEM", "Étranger", "Masculin", cas3, "TUNISIE", "Tunis", "Tunisienne"),
         DemoPerson("5903007192", "Étranger", "DCEM", "CAS 3 : majeur", _years_ago(cas3, -15), "Demo-Cas3!")),
        (row("5908002016", "NGUYỄN", "Thị Lan", "Féminin", inel, "VIETNAM", "Hà Nội", "Vietnamienne"),
         DemoPerson("5908002016", "Thị Lan", "NGUYỄN", "non éligible (confiée à l'ASE après 16 ans)",
                    _years_ago(inel, -17), "Demo-NonElig1!")),
        (row("5908002020", "HAILE", "Selam", "Féminin", sans_compte, "ERYTHREE", "Asmara", "Érythréenne"),
         DemoPerson("5908002020", "Selam", "HAILE", "CAS 1, sans compte : créez-le depuis « Créer votre compte »",
                    _years_ago(sans_compte, -15), None)),
    ]
