"""Étape 2 — Motif de séjour (F-08): prise en charge (ASE or tiers digne de confiance), family situation,
attestations of the applicant's case (F-21)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import gettext, lazy_gettext
from wtforms import BooleanField, RadioField, SelectField, StringField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, InputRequired, StopValidation

from ..i18n import N_, du_diagramme
from ..workflow import contrat
from .fields import DateJourMoisAnnee, PastDate, Saisie, longueur, required

# Stored in French (the agents read them), shown in the page's language (F-18).
SITUATIONS = [N_("Célibataire"), N_("Concubin(ne)"), N_("Divorcé(e)"), N_("Marié(e)"), N_("Pacsé(e)")]
EN_UNION = {"Marié(e)", "Pacsé(e)"}
# contrat.PLACEMENTS' words, as the page's heading says them (« … PAR L'ASE »).
QUI = (N_("l'ASE"), N_("le tiers digne de confiance"))

L_ASE = lazy_gettext("Date de prise en charge par l'ASE")
# The date's label per placement (F-17); app/filters.prise_en_charge writes the same French on the summary.
L_PRISE_EN_CHARGE = {"ase": L_ASE,
                     "tiers": lazy_gettext("Date de prise en charge par le tiers digne de confiance")}


def par_qui(data: dict[str, Any]) -> str:
    """« l'ASE » or « le tiers digne de confiance »: who took the applicant in, as the situation page recorded it."""
    return contrat.PLACEMENTS.get(data.get(contrat.PLACEMENT) or "", contrat.PLACEMENTS["ase"])
L_ENTREE = lazy_gettext("Date d'entrée en France")
L_SITUATION = lazy_gettext("Quelle est votre situation familiale actuelle ?")
L_UNION = lazy_gettext("Date de début de l'union")
L_PAYS_UNION = lazy_gettext("Pays de l'union")
L_ENFANTS = lazy_gettext("Avez-vous des enfants à votre charge ?")


def _date(label: str, *validators: Any) -> DateJourMoisAnnee:
    """Day, month by name, year: as the seed shows the dates of step 2."""
    return DateJourMoisAnnee(label, validators=list(validators) + [PastDate(label)])


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
        choices=[SelectChoice("", lazy_gettext("Sélectionnez une option"))]
        + [SelectChoice(s, lazy_gettext(s)) for s in SITUATIONS],  # extracted where SITUATIONS marks them
        validators=[DataRequired(required(L_SITUATION))],
        invalid_choice_message=lazy_gettext("Choisissez une des options de la liste « %(label)s ».",
                                            label=L_SITUATION),
    )
    date_debut_union = _date(L_UNION, RequiredIfUnion(required(L_UNION)))
    pays_union = StringField(
        L_PAYS_UNION, validators=[RequiredIfUnion(required(L_PAYS_UNION)), longueur(L_PAYS_UNION, 80)]
    )
    enfants_a_charge = RadioField(
        L_ENFANTS,
        choices=[SelectChoice("oui", lazy_gettext("Oui")), SelectChoice("non", lazy_gettext("Non"))],
        validators=[InputRequired(required(L_ENFANTS))],
        invalid_choice_message=lazy_gettext("Répondez « Oui » ou « Non » à la question « %(label)s ».",
                                            label=L_ENFANTS),
    )

    attestation_codes: list[str] = []
    prise_en_charge_par = contrat.PLACEMENTS["ase"]  # « l'ASE » or « le tiers digne de confiance »
    date_naissance: date | None = None  # the applicant's, set by build(): the ASE date cannot precede it

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        ase, entree, naissance = self.date_prise_en_charge_ase, self.date_entree_france, self.date_naissance
        if ase.data and naissance and ase.data < naissance and not ase.errors:
            ase.errors.append(gettext("La « %(label)s » ne peut pas être antérieure à votre date de naissance "
                                      "(%(naissance)s).", label=ase.label.text,
                                      naissance=naissance.strftime("%d/%m/%Y")))
            ok = False
        # The ASE takes in a child who is in France: a placement before the entry into France is a typing error.
        if ase.data and entree.data and ase.data < entree.data and not ase.errors:
            ase.errors.append(gettext("La « %(label)s » ne peut pas être antérieure à la « %(entree)s ».",
                                      label=ase.label.text, entree=L_ENTREE))
            ok = False
        return ok

    def attestation_fields(self) -> list[Any]:
        return [self[f"attestation_{code}"] for code in self.attestation_codes]


def form_class(attestations: list[dict[str, str]], data: dict[str, Any] | None = None) -> type[BaseForm]:
    """The form with one required box per attestation that the DMN gave for the case; the date of prise en charge
    named after who took the applicant in, the ASE or a tiers digne de confiance (F-17)."""
    fields: dict[str, Any] = {"attestation_codes": [a["code"] for a in attestations],
                              "prise_en_charge_par": par_qui(data or {})}
    placement = (data or {}).get(contrat.PLACEMENT) or "ase"
    if placement in L_PRISE_EN_CHARGE and placement != "ase":
        libelle = L_PRISE_EN_CHARGE[placement]
        champ = _date(libelle, InputRequired(required(libelle)))
        champ.creation_counter = BaseForm.date_prise_en_charge_ase.creation_counter  # keeps its place on the page
        fields["date_prise_en_charge_ase"] = champ
    for a in attestations:
        # The DMN's words, translated now (the form is built for one request): data, escaped on the page.
        texte = du_diagramme(a["libelle"])
        fields[f"attestation_{a['code']}"] = BooleanField(
            texte,
            validators=[DataRequired(gettext("Vous devez cocher l'attestation « %(libelle)s »", libelle=texte))],
        )
    return type("MotifSejourForm", (BaseForm,), fields)


def build(data: dict[str, Any], formdata: Any = None) -> BaseForm:
    cls = form_class(data.get("attestations", []), data)
    names = ("date_prise_en_charge_ase", "date_entree_france", "situation_familiale", "date_debut_union",
             "pays_union", "enfants_a_charge")
    initial = {k: data[k] for k in names if data.get(k) not in (None, "")}
    if isinstance(initial.get("enfants_a_charge"), bool):  # kept as a boolean, shown as the radio's value
        initial["enfants_a_charge"] = "oui" if initial["enfants_a_charge"] else "non"
    initial.update({f"attestation_{c}": True for c in data.get("attestations_cochees", [])})
    form = cls(formdata=formdata, data=initial or None)
    naissance = data.get("date_naissance")
    form.date_naissance = naissance if isinstance(naissance, date) else None
    return form


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
