"""Étape 4 — Dépôt de la demande (F-11): observations, then the final deposit."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext, lazy_gettext
from wtforms import TextAreaField

from .. import departements, documents
from ..extensions import db
from .fields import Saisie, longueur

MAX_OBSERVATIONS = 2000
L_OBSERVATIONS = lazy_gettext("Observations à destination de l'administration")


class Form(Saisie):
    observations = TextAreaField(L_OBSERVATIONS, validators=[longueur(L_OBSERVATIONS, MAX_OBSERVATIONS)])
    code_postal: str | None = None  # step 1's, set by build()

    def validate(self, extra_validators: Any = None) -> bool:
        """Step 1's postal code is checked again: a draft saved before postal codes were checked against the
        departments may hold one that no prefecture serves, and could not be numbered."""
        ok = super().validate(extra_validators)
        try:
            departements.du_code_postal(self.code_postal)
        except departements.CodePostalInvalide as err:
            self.observations.errors.append(gettext("Votre adresse (étape 1) : %(erreur)s Corrigez-la avec le bouton "
                                                    "« Modifier » de l'étape 1, puis déposez votre demande.",
                                                    erreur=str(err)))
            return False
        return ok


def contexte(demande: Any, data: dict[str, Any]) -> dict[str, Any]:
    return {"documents": documents.par_piece(db.session, demande.id), "ephoto": data.get("ephoto")}


def build(data: dict[str, Any], formdata: Any = None) -> Form:
    form = Form(formdata=formdata, data={"observations": data.get("observations", "")})
    form.code_postal = data.get("code_postal")
    return form


def values(form: Form) -> dict[str, Any]:
    return {"observations": (form.observations.data or "").strip()}
