"""Template filters: dates and times as French people read them."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from flask import Flask

from . import clock


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


def register(app: Flask) -> None:
    app.add_template_filter(date_fr)
    app.add_template_filter(heure_fr)

    @app.context_processor
    def site() -> dict[str, Any]:
        return {
            "instance_officielle": app.config["INSTANCE_OFFICIELLE"],
            "dsfr_installe": (Path(app.static_folder) / "dsfr" / "dsfr.min.css").exists(),
        }



