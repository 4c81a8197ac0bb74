"""Shared field rules with French messages that name the field, and the base of every form (`Saisie`)."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from typing import Any

from flask_babel import gettext, lazy_gettext
from flask_wtf import FlaskForm
from wtforms import DateField, Field, PasswordField, StringField, TextAreaField, ValidationError
from wtforms.utils import unset_value
from wtforms.validators import Length
from wtforms.widgets import TextInput

from .. import clock
from ..i18n import N_

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
        "Not a valid integer value.": N_("Saisissez un nombre entier, en chiffres de 0 à 9."),
        "Not a valid decimal value.": N_("Saisissez un nombre, en chiffres de 0 à 9."),
        "Not a valid float value.": N_("Saisissez un nombre, en chiffres de 0 à 9."),
        "Not a valid date value.": N_("Saisissez une date au format JJ/MM/AAAA."),
        "Not a valid datetime value.": N_("Saisissez une date au format JJ/MM/AAAA."),
        "Not a valid choice.": N_("Choisissez l'une des réponses proposées."),
        "Invalid Choice: could not coerce.": N_("Choisissez l'une des réponses proposées."),
        "Choices cannot be None.": N_("Choisissez l'une des réponses proposées."),
        "This field is required.": N_("Ce champ est obligatoire."),
        "Invalid input.": N_("Cette valeur n'est pas acceptée."),
    }

    def gettext(self, message: str) -> str:
        """The French text in the page's language (F-18): the catalogue's msgid is the French text."""
        return gettext(self.MESSAGES.get(message, message))

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


# Messages are lazy (F-18): built when the form class is defined, translated when shown, in the page's language.
# `label` may itself be lazy (lazy_gettext), so the field's name follows the language too.
def required(label: str) -> str:
    return lazy_gettext("Le champ « %(label)s » est obligatoire.", label=label)


def longueur(label: str, maximum: int) -> Length:
    """At most `maximum` characters, said in French with the field's name."""
    return Length(max=maximum, message=lazy_gettext("Le champ « %(label)s » ne doit pas dépasser %(maximum)s "
                                                    "caractères.", label=label, maximum=maximum))


class PastDate:
    """A date that is not in the future."""

    def __init__(self, label: str) -> None:
        self.label = label

    def __call__(self, form: Any, field: Any) -> None:
        if field.data and field.data > clock.today():
            raise ValidationError(gettext("La « %(label)s » ne peut pas être dans le futur.", label=self.label))


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
            raise ValueError(gettext("La « %(label)s » n'est pas une date valide (JJ/MM/AAAA).",
                                     label=self.label.text)) from err


MOIS = (N_("janvier"), N_("février"), N_("mars"), N_("avril"), N_("mai"), N_("juin"), N_("juillet"), N_("août"),
        N_("septembre"), N_("octobre"), N_("novembre"), N_("décembre"))
PARTIES = ("jour", "mois", "annee")
FORMATS_D_UNE_DATE = ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y")


class DateJourMoisAnnee(Field):
    """A date as the seed shows it: « Jour », « Mois » (chosen by name), « Année », posted as `<name>-jour`,
    `<name>-mois` (1 to 12) and `<name>-annee` (macros.date_jour_mois_annee draws them).

    A single JJ/MM/AAAA or ISO value under the field's own name is understood too: input kept before the three
    parts existed, and scripts. `raw_data` is one string (the parts joined), so that InputRequired sees « empty »
    only when nothing at all was typed; an incomplete or impossible date is a French message of its own.
    """

    noms_des_mois = MOIS

    def __init__(self, label: str | None = None, validators: list[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(label, validators, **kwargs)
        self.parties: dict[str, str] = {}

    def process(self, formdata: Any, data: Any = unset_value, extra_filters: Any = None) -> None:
        super().process(None, data, extra_filters)
        self.parties = {}
        if formdata is None:
            return
        saisies = {p: formdata.get(f"{self.name}-{p}") for p in PARTIES}
        if any(v is not None for v in saisies.values()):
            self.parties = {p: (v or "").strip() for p, v in saisies.items()}
            self.raw_data = [" ".join(v for v in self.parties.values() if v)]
            self.data = None
            try:
                self.data = self._depuis_les_parties()
            except ValueError as err:
                self.process_errors.append(str(err))
        elif self.name in formdata:
            texte = (formdata.get(self.name) or "").strip()
            self.raw_data = [texte]
            self.data = None
            if texte:
                self.data = self._depuis_le_texte(texte)
        else:
            self.raw_data = []  # not posted: the stored date stays (as WTForms' own fields do)

    def _depuis_le_texte(self, texte: str) -> date | None:
        for fmt in FORMATS_D_UNE_DATE:
            try:
                return datetime.strptime(texte, fmt).date()
            except ValueError:
                continue
        self.process_errors.append(gettext("La « %(label)s » n'est pas une date valide : indiquez le jour, le mois "
                                           "et l'année.", label=self.label.text))
        return None

    def _depuis_les_parties(self) -> date | None:
        jour, mois, annee = (self.parties[p] for p in PARTIES)
        nom = self.label.text
        if not (jour or mois or annee):
            return None
        manque = [m for m, v in ((gettext("le jour"), jour), (gettext("le mois"), mois), (gettext("l'année"), annee))
                  if not v]
        if manque:
            raise ValueError(gettext("La « %(label)s » est incomplète : indiquez %(parties)s.", label=nom,
                                     parties=gettext(" et ").join(manque)))
        if not re.fullmatch(r"[0-9]{1,2}", jour) or not 1 <= int(jour) <= 31:
            raise ValueError(gettext("Le jour de la « %(label)s » doit être un nombre de 1 à 31.", label=nom))
        if not re.fullmatch(r"[0-9]{1,2}", mois) or not 1 <= int(mois) <= 12:
            raise ValueError(gettext("Choisissez le mois de la « %(label)s » dans la liste.", label=nom))
        if not re.fullmatch(r"[0-9]{4}", annee) or not 1900 <= int(annee) <= 2100:
            raise ValueError(gettext("L'année de la « %(label)s » doit comporter 4 chiffres, par exemple 2023.",
                                     label=nom))
        try:
            return date(int(annee), int(mois), int(jour))
        except ValueError:
            raise ValueError(gettext("La « %(label)s » n'existe pas : il n'y a pas de %(jour)s %(mois)s %(annee)s.",
                                     label=nom, jour=int(jour), mois=gettext(MOIS[int(mois) - 1]),
                                     annee=annee)) from None

    def partie(self, nom: str) -> str:
        """What a part's input shows: as typed if the form was posted, else from the stored date."""
        if self.parties:
            return self.parties.get(nom, "")
        if self.raw_data and not self.data:
            return ""
        if not isinstance(self.data, date):
            return ""
        return {"jour": str(self.data.day), "mois": str(self.data.month), "annee": str(self.data.year)}[nom]

    def _value(self) -> str:
        return self.data.strftime("%d/%m/%Y") if isinstance(self.data, date) else ""


PHONE = re.compile(r"^(?:\+33|0033|0)([1-9])([0-9]{8})$")  # ASCII digits: \d would accept « ６ »


def normalise_phone(raw: str) -> str | None:
    """A French phone number as 10 digits starting with 0, or None."""
    digits = re.sub(r"[\s.\-()]", "", raw or "")
    match = PHONE.match(digits)
    return f"0{match.group(1)}{match.group(2)}" if match else None
