"""Étape 1 — Informations personnelles (F-07): address, phone, emancipation box."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import gettext, lazy_gettext
from wtforms import BooleanField, StringField, ValidationError
from wtforms.validators import DataRequired, Optional

from .. import departements
from .fields import Saisie, longueur, normalise_phone, required

# Labels and messages are lazy (F-18): translated when shown, in the page's language.
L_ADRESSE, L_VILLE, L_TELEPHONE = lazy_gettext("Adresse"), lazy_gettext("Ville"), lazy_gettext("Téléphone")
L_NUMERO_VOIE, L_VOIE = lazy_gettext("Numéro de voie"), lazy_gettext("Voie")
L_COMPLEMENT, L_CODE_POSTAL = lazy_gettext("Complément d'adresse"), lazy_gettext("Code postal")
L_PAYS, L_CODE_INSEE = lazy_gettext("Pays"), lazy_gettext("Code INSEE")
TEXT = {"adresse": L_ADRESSE, "ville": L_VILLE, "telephone": L_TELEPHONE}


class Form(Saisie):
    emancipe = BooleanField(lazy_gettext("Je suis un mineur (+16 ans) émancipé"))
    adresse = StringField(L_ADRESSE, validators=[DataRequired(required(L_ADRESSE)), longueur(L_ADRESSE, 200)])
    outre_mer = BooleanField(lazy_gettext(
        "Vous résidez outre-mer et vous ne trouvez pas votre adresse dans les suggestions d'adresse qui vous "
        "sont proposées."
    ))
    numero_voie = StringField(L_NUMERO_VOIE, validators=[Optional(), longueur(L_NUMERO_VOIE, 10)])
    voie = StringField(L_VOIE, validators=[Optional(), longueur(L_VOIE, 120)])
    complement = StringField(L_COMPLEMENT, validators=[Optional(), longueur(L_COMPLEMENT, 120)])
    code_postal = StringField(L_CODE_POSTAL, validators=[DataRequired(required(L_CODE_POSTAL))])
    ville = StringField(L_VILLE, validators=[DataRequired(required(L_VILLE)), longueur(L_VILLE, 80)])
    pays = StringField(L_PAYS, default="FRANCE", validators=[Optional(), longueur(L_PAYS, 60)])
    code_insee = StringField(L_CODE_INSEE, validators=[Optional()])
    telephone = StringField(L_TELEPHONE, validators=[DataRequired(required(L_TELEPHONE))])

    def validate_code_postal(self, field: Any) -> None:
        try:  # the department must be one a prefecture serves, or no agent would ever see the application
            departements.du_code_postal(field.data)
        except departements.CodePostalInvalide as err:
            raise ValidationError(str(err)) from err

    def validate_code_insee(self, field: Any) -> None:
        if field.data and not re.fullmatch(r"([0-9]{5}|2[AB][0-9]{3})", field.data.strip().upper()):
            raise ValidationError(gettext("Le « Code INSEE » doit comporter 5 caractères (par exemple 59350)."))

    def validate_telephone(self, field: Any) -> None:
        if normalise_phone(field.data) is None:
            raise ValidationError(
                gettext("Le « Téléphone » doit être un numéro français de 10 chiffres, par exemple 06 12 34 56 78.")
            )


def build(data: dict[str, Any], formdata: Any = None) -> Form:
    names = ("emancipe", "adresse", "outre_mer", "numero_voie", "voie", "complement", "code_postal", "ville",
             "pays", "code_insee", "telephone")
    return Form(formdata=formdata, data={k: data[k] for k in names if k in data} or None)


VOIE = re.compile(r"^\s*(\d+\s*(?:bis|ter|quater|[A-Za-z])?)[\s,]+(.+?)\s*$", re.IGNORECASE)


def split_address(adresse: str) -> tuple[str, str]:
    """« 20 Rue Nationale » → (« 20 », « Rue Nationale »): the details need not be typed twice."""
    match = VOIE.match(adresse)
    return (match.group(1).replace(" ", ""), match.group(2)) if match else ("", adresse.strip())


def values(form: Form) -> dict[str, Any]:
    numero_voie, voie = (form.numero_voie.data or "").strip(), (form.voie.data or "").strip()
    if not numero_voie and not voie:
        numero_voie, voie = split_address(form.adresse.data)
    return {
        "emancipe": bool(form.emancipe.data),
        "adresse": form.adresse.data.strip(),
        "outre_mer": bool(form.outre_mer.data),
        "numero_voie": numero_voie,
        "voie": voie,
        "complement": (form.complement.data or "").strip(),
        "code_postal": form.code_postal.data.strip(),
        "ville": form.ville.data.strip(),
        "pays": (form.pays.data or "FRANCE").strip().upper(),
        "code_insee": (form.code_insee.data or "").strip().upper(),
        "telephone": normalise_phone(form.telephone.data),
    }
