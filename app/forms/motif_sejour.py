"""Étape 2 — Motif de séjour (F-08): ASE, family situation, attestations of the applicant's case (F-21)."""

from __future__ import annotations

from typing import Any

from wtforms import BooleanField, DateField, RadioField, SelectField, StringField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, InputRequired, StopValidation

from .fields import FrenchDateField, PastDate, Saisie, longueur, required

SITUATIONS = ["Célibataire", "Concubin(e)", "Divorcé(e)", "Marié(e)", "Pacsé(e)"]
EN_UNION = {"Marié(e)", "Pacsé(e)"}

L_ASE = "Date de prise en charge par l'ASE"
L_ENTREE = "Date d'entrée en France"
L_SITUATION = "Quelle est votre situation familiale actuelle ?"
L_UNION = "Date de début de l'union"
L_PAYS_UNION = "Pays de l'union"
L_ENFANTS = "Avez-vous des enfants à votre charge ?"


def _date(label: str, *validators: Any) -> DateField:
    return FrenchDateField(label, validators=list(validators) + [PastDate(label)])


class RequiredIfUnion:
    """Required when the applicant is Marié(e) or Pacsé(e); otherwise ignored."""

    def __init__(self, message: str) -> None:
        self.message = message

    def __call__(self, form: Any, field: Any) -> None:
        # A text field's data is its cleaned text (Saisie): invisible characters alone are empty.
        valeur = field.data if isinstance(field.data, str) else (field.raw_data[0] if field.raw_data else "")
        empty = not str(valeur).strip()
        if form.situation_familiale.data not in EN_UNION or empty:
            field.errors[:] = []
            raise StopValidation(self.message if form.situation_familiale.data in EN_UNION else None)


class BaseForm(Saisie):
    date_prise_en_charge_ase = _date(L_ASE, InputRequired(required(L_ASE)))
    date_entree_france = _date(L_ENTREE, InputRequired(required(L_ENTREE)))
    situation_familiale = SelectField(
        L_SITUATION,
        choices=[SelectChoice("", "Sélectionnez une option")] + [SelectChoice(s, s) for s in SITUATIONS],
        validators=[DataRequired(required(L_SITUATION))],
        invalid_choice_message=f"Choisissez une des options de la liste « {L_SITUATION} ».",
    )
    date_debut_union = _date(L_UNION, RequiredIfUnion(required(L_UNION)))
    pays_union = StringField(
        L_PAYS_UNION, validators=[RequiredIfUnion(required(L_PAYS_UNION)), longueur(L_PAYS_UNION, 80)]
    )
    enfants_a_charge = RadioField(
        L_ENFANTS,
        choices=[SelectChoice("oui", "Oui"), SelectChoice("non", "Non")],
        validators=[InputRequired(required(L_ENFANTS))],
        invalid_choice_message=f"Répondez « Oui » ou « Non » à la question « {L_ENFANTS} ».",
    )

    attestation_codes: list[str] = []

    def attestation_fields(self) -> list[Any]:
        return [self[f"attestation_{code}"] for code in self.attestation_codes]


def form_class(attestations: list[dict[str, str]]) -> type[BaseForm]:
    """The form with one required box per attestation that the DMN gave for the case."""
    fields: dict[str, Any] = {"attestation_codes": [a["code"] for a in attestations]}
    for a in attestations:
        fields[f"attestation_{a['code']}"] = BooleanField(
            a["libelle"],
            validators=[DataRequired(f"Vous devez cocher l'attestation « {a['libelle']} »")],
        )
    return type("MotifSejourForm", (BaseForm,), fields)


def build(data: dict[str, Any], formdata: Any = None) -> BaseForm:
    cls = form_class(data.get("attestations", []))
    names = ("date_prise_en_charge_ase", "date_entree_france", "situation_familiale", "date_debut_union",
             "pays_union", "enfants_a_charge")
    initial = {k: data[k] for k in names if data.get(k) not in (None, "")}
    if isinstance(initial.get("enfants_a_charge"), bool):  # kept as a boolean, shown as the radio's value
        initial["enfants_a_charge"] = "oui" if initial["enfants_a_charge"] else "non"
    initial.update({f"attestation_{c}": True for c in data.get("attestations_cochees", [])})
    return cls(formdata=formdata, data=initial or None)


def values(form: BaseForm) -> dict[str, Any]:
    en_union = form.situation_familiale.data in EN_UNION
    return {
        "date_prise_en_charge_ase": form.date_prise_en_charge_ase.data,
        "date_entree_france": form.date_entree_france.data,
        "situation_familiale": form.situation_familiale.data,
        "date_debut_union": form.date_debut_union.data if en_union else None,
        "pays_union": form.pays_union.data.strip() if en_union else "",
        "enfants_a_charge": form.enfants_a_charge.data == "oui",
        "attestations_cochees": list(form.attestation_codes),
    }
