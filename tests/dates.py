"""Today as the app sees it: the date in Paris (app/clock.py), not the machine's.

Between 23:00 and midnight UTC (22:00 in summer) the two differ by a day: demo people built from the machine's date
would then be one day off the ones `flask demo-charger` loads (their ASE date, their age on the 18th birthday)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo


def aujourdhui() -> date:
    return datetime.now(ZoneInfo("Europe/Paris")).date()
