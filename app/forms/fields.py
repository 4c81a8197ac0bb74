"""Shared field rules with French messages that name the field, and the base of every form (`Saisie`)."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from flask_wtf import FlaskForm
from wtforms import DateField, PasswordField, StringField, TextAreaField, ValidationError
from wtforms.validators import Length
from wtforms.widgets import TextInput

from .. import clock

# --- Text as typed ----------------------------------------------------------------------------------------------
# Typed text is cleaned rather than refused: the characters removed are invisible, often pasted without knowing
# (a right-to-left keyboard adds U+200F), and a message about a character nobody can see cannot be acted on.
# Bidirectional controls (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069) would make a name or a message
# read differently by an agent than it is stored (« Trojan Source »); other control and format characters
# (NUL, zero-width space, BOM, tags…) have no place in a name, an address or a message either.

# Zero-width (non-)joiners are kept: Persian, Indic scripts and emoji sequences need them.
JOINTS = frozenset("\u200c\u200d")
SEPARATEURS_DE_LIGNE = frozenset("\u2028\u2029\x85")


def _garde(caractere: str, multiligne: bool) -> str:
    if caractere == "\n" or caractere in SEPARATEURS_DE_LIGNE:
        return "\n" if multiligne else " "
    if caractere == "\t":
        return caractere if multiligne else " "
    if caractere in JOINTS:
        return caractere
    return "" if unicodedata.category(caractere) in ("Cc", "Cf", "Cs") else caractere


def texte_propre(valeur: Any, multiligne: bool = False) -> Any:
    """Text in NFC without bidirectional controls nor other control or format characters; a line break of a
    one-line field becomes a space, those of a text area become « \\n ». Anything not a string is returned as is."""
    if not isinstance(valeur, str):
        return valeur
    texte = unicodedata.normalize("NFC", valeur.replace("\r\n", "\n").replace("\r", "\n"))
    return "".join(_garde(c, multiligne) for c in texte)


def texte_propre_multiligne(valeur: Any) -> Any:
    return texte_propre(valeur, multiligne=True)


class MessagesFrancais:
    """WTForms' own messages (a number field given letters, an unknown choice…) in French: our fields name their
    rules themselves, and these are the fallbacks that a hand-crafted request can still reach."""

    MESSAGES = {
        "Not a valid integer value.": "Saisissez un nombre entier, en chiffres de 0 à 9.",
        "Not a valid decimal value.": "Saisissez un nombre, en chiffres de 0 à 9.",
        "Not a valid float value.": "Saisissez un nombre, en chiffres de 0 à 9.",
        "Not a valid date value.": "Saisissez une date au format JJ/MM/AAAA.",
        "Not a valid datetime value.": "Saisissez une date au format JJ/MM/AAAA.",
        "Not a valid choice.": "Choisissez l'une des réponses proposées.",
        "Invalid Choice: could not coerce.": "Choisissez l'une des réponses proposées.",
        "Choices cannot be None.": "Choisissez l'une des réponses proposées.",
        "This field is required.": "Ce champ est obligatoire.",
        "Invalid input.": "Cette valeur n'est pas acceptée.",
    }

    def gettext(self, message: str) -> str:
        return self.MESSAGES.get(message, message)

    def ngettext(self, singulier: str, pluriel: str, n: int) -> str:
        return self.gettext(singulier if n == 1 else pluriel)


FRANCAIS = MessagesFrancais()


class Saisie(FlaskForm):
    """The base of every form of app/forms: each text field (one line or a text area, never a password) is cleaned
    by `texte_propre` before any validator or filter of its own, so that what is checked is what is stored and
    shown; WTForms' fallback messages are French."""

    class Meta:
        def get_translations(self, form: Any) -> MessagesFrancais:
            return FRANCAIS

        def bind_field(self, form: Any, unbound_field: Any, options: dict[str, Any]) -> Any:
            classe = unbound_field.field_class
            if issubclass(classe, StringField) and not issubclass(classe, PasswordField):
                propre = texte_propre_multiligne if issubclass(classe, TextAreaField) else texte_propre
                options["filters"] = (propre, *unbound_field.kwargs.get("filters", ()))
            return super().bind_field(form, unbound_field, options)


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


PHONE = re.compile(r"^(?:\+33|0033|0)([1-9])([0-9]{8})$")  # ASCII digits: \d would accept « ６ »


def normalise_phone(raw: str) -> str | None:
    """A French phone number as 10 digits starting with 0, or None."""
    digits = re.sub(r"[\s.\-()]", "", raw or "")
    match = PHONE.match(digits)
    return f"0{match.group(1)}{match.group(2)}" if match else None
