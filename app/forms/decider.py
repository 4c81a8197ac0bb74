"""« Décision à prendre » (F-34), lane Agent: favourable (validity dates, fee) or unfavourable (reason)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from wtforms import IntegerField, RadioField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import InputRequired, NumberRange, Optional

from .. import clock
from ..workflow.expressions import anniversaire
from .fields import FrenchDateField, Saisie, longueur, required

L_DECISION = "Décision"
L_DEBUT = "Début de validité de la carte de séjour temporaire"
L_FIN = "Fin de validité de la carte de séjour temporaire"
L_MONTANT = "Montant des taxes (€)"
L_MOTIF = "Motif du refus"


class Form(Saisie):
    decision = RadioField(
        L_DECISION,
        choices=[SelectChoice("favorable", "Favorable"), SelectChoice("defavorable", "Défavorable")],
        validators=[InputRequired(required(L_DECISION))],
        invalid_choice_message=required(L_DECISION),
    )
    titre_debut = FrenchDateField(L_DEBUT, validators=[Optional()])
    titre_fin = FrenchDateField(L_FIN, validators=[Optional()])
    montant_taxe = IntegerField(L_MONTANT, default=0, validators=[
        Optional(), NumberRange(min=0, max=10000, message=f"Le « {L_MONTANT} » doit être un nombre entre 0 et 10000.")])
    motif_refus = TextAreaField(L_MOTIF, validators=[longueur(L_MOTIF, 4000)])

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        if self.decision.data == "favorable":
            for field, label in ((self.titre_debut, L_DEBUT), (self.titre_fin, L_FIN)):
                if not field.data and not field.errors:
                    field.errors.append(required(label))
                    ok = False
            if self.titre_debut.data and self.titre_fin.data and self.titre_fin.data <= self.titre_debut.data:
                self.titre_fin.errors.append("La fin de validité doit être après le début de validité.")
                ok = False
        if self.decision.data == "defavorable" and not (self.motif_refus.data or "").strip():
            self.motif_refus.errors.append(required(L_MOTIF))
            ok = False
        return ok


def build(data: dict[str, Any], formdata: Any = None) -> Form:
    debut = clock.today() + timedelta(days=1)
    initial = {"titre_debut": data.get("titre_debut") or debut,
               "titre_fin": data.get("titre_fin") or anniversaire(debut, 1) - timedelta(days=1),
               "montant_taxe": data.get("montant_taxe", 0)}
    return Form(formdata=formdata, data=initial)


def values(form: Form) -> dict[str, Any]:
    favorable = form.decision.data == "favorable"
    return {
        "decision": form.decision.data,
        "titre_debut": form.titre_debut.data if favorable else None,
        "titre_fin": form.titre_fin.data if favorable else None,
        "montant_taxe": (form.montant_taxe.data or 0) if favorable else 0,
        "motif_refus": "" if favorable else form.motif_refus.data.strip(),
    }
