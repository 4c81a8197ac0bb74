"""Shared field rules with French messages that name the field."""

from __future__ import annotations

import re
from typing import Any

from wtforms import ValidationError

from .. import clock


def required(label: str) -> str:
    return f"Le champ « {label} » est obligatoire."


class PastDate:
    """A date that is not in the future."""

    def __init__(self, label: str) -> None:
        self.label = label

    def __call__(self, form: Any, field: Any) -> None:
        if field.data and field.data > clock.today():
            raise ValidationError(f"La « {self.label} » ne peut pas être dans le futur.")


PHONE = re.compile(r"^(?:\+33|0033|0)([1-9])(\d{8})$")


def normalise_phone(raw: str) -> str | None:
    """A French phone number as 10 digits starting with 0, or None."""
    digits = re.sub(r"[\s.\-()]", "", raw or "")
    match = PHONE.match(digits)
    return f"0{match.group(1)}{match.group(2)}" if match else None
