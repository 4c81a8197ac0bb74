"""Shared field rules with French messages that name the field."""

from __future__ import annotations

import re
from typing import Any

from wtforms import DateField, ValidationError
from wtforms.validators import Length
from wtforms.widgets import TextInput

from .. import clock


def required(label: str) -> str:
    return f"Le champ « {label} » est obligatoire."


def longueur(label: str, maximum: int) -> Length:
    """At most `maximum` characters, said in French with the field's name."""
    return Length(max=maximum, message=f"Le champ « {label} » ne doit pas dépasser {maximum} caractères.")


class PastDate:
    """A date that is not in the future."""

    def __init__(self, label: str) -> None:
        self.label = label

    def __call__(self, form: Any, field: Any) -> None:
        if field.data and field.data > clock.today():
            raise ValidationError(f"La « {self.label} » ne peut pas être dans le futur.")


class FrenchDateField(DateField):
    """A date typed JJ/MM/AAAA (as the hint says; ISO is understood too), shown JJ/MM/AAAA.

    A text field rather than the browser's date picker, whose format follows the phone's
    language and would contradict the hint.
    """

    widget = TextInput()

    def __init__(self, label: str | None = None, validators: list[Any] | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("format", ["%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"])
        kwargs.setdefault("render_kw", {"placeholder": "JJ/MM/AAAA", "inputmode": "numeric", "autocomplete": "off"})
        super().__init__(label, validators, **kwargs)

    def _value(self) -> str:
        if self.raw_data:
            return " ".join(self.raw_data)
        return self.data.strftime("%d/%m/%Y") if self.data else ""

    def process_formdata(self, valuelist: list[Any]) -> None:
        valuelist = [v.strip() for v in valuelist]
        try:
            super().process_formdata(valuelist)
        except ValueError as err:
            raise ValueError(f"La « {self.label.text} » n'est pas une date valide (JJ/MM/AAAA).") from err


PHONE = re.compile(r"^(?:\+33|0033|0)([1-9])(\d{8})$")


def normalise_phone(raw: str) -> str | None:
    """A French phone number as 10 digits starting with 0, or None."""
    digits = re.sub(r"[\s.\-()]", "", raw or "")
    match = PHONE.match(digits)
    return f"0{match.group(1)}{match.group(2)}" if match else None
