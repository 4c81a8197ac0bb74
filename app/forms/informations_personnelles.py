"""Étape 1 — Informations personnelles (F-07): address, phone, emancipation box."""

from __future__ import annotations

import re
from typing import Any

from wtforms import BooleanField, StringField, ValidationError
from wtforms.validators import DataRequired, Optional

from .. import departements
from .fields import Saisie, longueur, normalise_phone, required

TEXT = {"adresse": "Adresse", "ville": "Ville", "telephone": "Téléphone"}


class Form(Saisie):
    emancipe = BooleanField("Je suis un mineur (+16 ans) émancipé")
    adresse = StringField("Adresse", validators=[DataRequired(required("Adresse")), longueur("Adresse", 200)])
    outre_mer = BooleanField(
        "Vous résidez outre-mer et vous ne trouvez pas votre adresse dans les suggestions d'adresse qui vous "
        "sont proposées."
    )
    numero_voie = StringField("Numéro de voie", validators=[Optional(), longueur("Numéro de voie", 10)])
    voie = StringField("Voie", validators=[Optional(), longueur("Voie", 120)])
    complement = StringField("Complément d'adresse", validators=[Optional(), longueur("Complément d'adresse", 120)])
    code_postal = StringField("Code postal", validators=[DataRequired(required("Code postal"))])
    ville = StringField("Ville", validators=[DataRequired(required("Ville")), longueur("Ville", 80)])
    pays = StringField("Pays", default="FRANCE", validators=[Optional(), longueur("Pays", 60)])
    code_insee = StringField("Code INSEE", validators=[Optional()])
    telephone = StringField("Téléphone", validators=[DataRequired(required("Téléphone"))])

    def validate_code_postal(self, field: Any) -> None:
        try:  # the department must be one a prefecture serves, or no agent would ever see the application
            departements.du_code_postal(field.data)
        except departements.CodePostalInvalide as err:
            raise ValidationError(str(err)) from err

    def validate_code_insee(self, field: Any) -> None:
        if field.data and not re.fullmatch(r"([0-9]{5}|2[AB][0-9]{3})", field.data.strip().upper()):
            raise ValidationError("Le « Code INSEE » doit comporter 5 caractères (par exemple 59350).")

    def validate_telephone(self, field: Any) -> None:
        if normalise_phone(field.data) is None:
            raise ValidationError(
                "Le « Téléphone » doit être un numéro français de 10 chiffres, par exemple 06 12 34 56 78."
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
