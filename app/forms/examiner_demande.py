"""« Demande à examiner » (F-32, F-33), lane Agent: an opinion per document, then the next step.

`suite` = « complement » sends the « Demande de complément » (the documents marked not valid,
with their observations); « decision » goes on to « Décision à prendre ».
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wtforms import RadioField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import InputRequired

from ..workflow.textes_du_processus import COMPLEMENTS_MAX, COMPLEMENTS_MAX_PLAFOND
from .fields import Saisie, longueur, required

L_SUITE = "Suite à donner"


def pieces_examinees(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The documents that have files (the ephoto number is checked with the others)."""
    avec = set(data.get("documents", {}))
    return [p for p in data.get("pieces", []) if p["code"] in avec or p.get("nature") == "ephoto"]


class BaseForm(Saisie):
    suite = RadioField(
        L_SUITE,
        choices=[SelectChoice("complement", "Demander un complément à l'usager"),
                 SelectChoice("decision", "Passer à la décision")],
        validators=[InputRequired(required(L_SUITE))],
        invalid_choice_message=required(L_SUITE),
    )
    message_agent = TextAreaField("Message à l'usager (facultatif)", validators=[longueur("Message à l'usager", 2000)])
    codes: list[str] = []
    titres: dict[str, str] = {}
    tours_faits = 0
    # What the diagram states on the task, set by the page that serves it: `complements_max` is the round limit
    # (each round deepens the engine's task tree, SPIFFWORKFLOW.md trap 4: the start-up check bounds it).
    proprietes: Mapping[str, str] = {}

    @property
    def tours_max(self) -> int:
        # A version stored before the diagram stated the limit still has the engine's own bound (trap 4), not 0.
        return int(self.proprietes.get(COMPLEMENTS_MAX) or COMPLEMENTS_MAX_PLAFOND)

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        if self.suite.data == "complement" and self.tours_faits >= self.tours_max:
            self.suite.errors.append(
                f"{self.tours_max} demandes de complément ont déjà été faites pour cette demande : c'est le maximum. "
                "Passez à la décision.")
            ok = False
        non_valides = [c for c in self.codes if self[f"avis_{c}"].data == "non_valide"]
        for code in non_valides:
            if not (self[f"observation_{code}"].data or "").strip():
                self[f"observation_{code}"].errors.append(
                    f"Indiquez une observation pour « {self.titres[code]} », jugé non valide.")
                ok = False
        if self.suite.data == "complement" and not non_valides:
            self.suite.errors.append("Pour demander un complément, marquez au moins un document « non valide ».")
            ok = False
        return ok


def form_class(pieces: list[dict[str, Any]]) -> type[BaseForm]:
    fields: dict[str, Any] = {"codes": [p["code"] for p in pieces], "titres": {p["code"]: p["titre"] for p in pieces}}
    for piece in pieces:
        label = f"Avis sur « {piece['titre']} »"
        fields[f"avis_{piece['code']}"] = RadioField(
            label, choices=[SelectChoice("valide", "Valide"), SelectChoice("non_valide", "Non valide")],
            validators=[InputRequired(required(label))], invalid_choice_message=required(label))
        fields[f"observation_{piece['code']}"] = TextAreaField(
            "Observation", validators=[longueur(f"Observation sur « {piece['titre']} »", 1000)])
    return type("ExaminerDemandeForm", (BaseForm,), fields)


def build(data: dict[str, Any], formdata: Any = None) -> BaseForm:
    """Each round starts empty: the previous round's verdicts are shown beside the form, never pre-selected
    (an agent submitting quickly would resend the same complement)."""
    cls = form_class(pieces_examinees(data))
    cls.tours_faits = int((data.get("notification_complement") or {}).get("tour") or 0)
    return cls(formdata=formdata)


def values(form: BaseForm) -> dict[str, Any]:
    return {
        "avis_documents": {
            code: {"valide": form[f"avis_{code}"].data == "valide",
                   "observation": (form[f"observation_{code}"].data or "").strip()}
            for code in form.codes
        },
        "suite": form.suite.data,
        "message_agent": (form.message_agent.data or "").strip(),
    }
