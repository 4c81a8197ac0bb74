"""Template filters: dates, times and durations as French people read them."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from flask import Flask

from . import clock
from .i18n import langue_courante
from .workflow import contrat
from .workflow.textes_du_processus import parties_de_duree

# Singular and plural of each unit of an ISO 8601 duration; French takes the plural from 2 on.
UNITES_FR = {
    "annees": ("an", "ans"), "mois": ("mois", "mois"), "semaines": ("semaine", "semaines"),
    "jours": ("jour", "jours"), "heures": ("heure", "heures"), "minutes": ("minute", "minutes"),
    "secondes": ("seconde", "secondes"),
}


def date_fr(value: Any) -> str:
    if isinstance(value, str) and value:
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return value
    if isinstance(value, datetime):
        value = clock.paris(value).date()
    return value.strftime("%d/%m/%Y") if isinstance(value, date) else ""


def heure_fr(value: datetime | None) -> str:
    return clock.paris(value).strftime("%H:%M") if value else ""


# The same in English (F-18), for the applicant's pages: English takes the plural from 2 on as well (« 1.5 days »
# aside, which no timer of the process states).
UNITES_EN = {
    "annees": ("year", "years"), "mois": ("month", "months"), "semaines": ("week", "weeks"),
    "jours": ("day", "days"), "heures": ("hour", "hours"), "minutes": ("minute", "minutes"),
    "secondes": ("second", "seconds"),
}


def duree_fr(iso: str | None, anglais: bool = False) -> str:
    """A timer's ISO 8601 duration in words: P30D → « 30 jours », P1M → « 1 mois », PT48H → « 48 heures »,
    P1M15D → « 1 mois et 15 jours » (`anglais`: « 30 days »). Anything else is shown as it is."""
    parties = parties_de_duree(iso or "")
    if parties is None:
        return iso or ""
    unites, virgule, et = (UNITES_EN, ".", " and ") if anglais else (UNITES_FR, ",", " et ")
    mots = []
    for nombre, unite in parties:
        singulier, pluriel = unites[unite]
        chiffre = format(nombre.normalize(), "f").replace(".", virgule)
        mots.append(f"{chiffre} {pluriel if nombre >= 2 else singulier}")
    return mots[0] if len(mots) == 1 else ", ".join(mots[:-1]) + et + mots[-1]


def duree(iso: str | None) -> str:
    """`duree_fr` in the page's language (the applicant's pages; the agents' use `duree_fr`)."""
    return duree_fr(iso, anglais=langue_courante() == "en")


def prise_en_charge(data: dict[str, Any]) -> str:
    """« Date de prise en charge par l'ASE » or « … par le tiers digne de confiance » (F-17), from the data."""
    placement = data.get(contrat.PLACEMENT) if isinstance(data, dict) else None
    return f"Date de prise en charge par {contrat.PLACEMENTS.get(placement or '', contrat.PLACEMENTS['ase'])}"


def register(app: Flask) -> None:
    app.add_template_filter(date_fr)
    app.add_template_filter(prise_en_charge)
    app.add_template_filter(heure_fr)
    app.add_template_filter(duree_fr)
    app.add_template_filter(duree)

    @app.context_processor
    def site() -> dict[str, Any]:
        return {
            "instance_officielle": app.config["INSTANCE_OFFICIELLE"],
            "dsfr_installe": (Path(app.static_folder) / "dsfr" / "dsfr.min.css").exists(),
        }



