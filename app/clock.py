"""Today's date and time, in the applicant's time zone (Europe/Paris)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

PARIS = ZoneInfo("Europe/Paris")


def now() -> datetime:
    """Aware UTC time; AUJOURDHUI (ISO date) in the config pins the day, for demos and tests."""
    fixed = current_app.config.get("AUJOURDHUI") if has_app_context() else None
    if fixed:
        return datetime.combine(date.fromisoformat(fixed), datetime.now(PARIS).timetz()).astimezone(UTC)
    return datetime.now(UTC)


def today() -> date:
    return now().astimezone(PARIS).date()


def paris(moment: datetime) -> datetime:
    """A stored time as shown to people (SQLite gives naive UTC back)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(PARIS)
