"""Étape 4 — Dépôt de la demande (F-11): observations, then the final deposit."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import TextAreaField

from .fields import longueur

MAX_OBSERVATIONS = 2000


class Form(FlaskForm):
    observations = TextAreaField(
        "Observations à destination de l'administration",
        validators=[longueur("Observations à destination de l'administration", MAX_OBSERVATIONS)],
    )


def build(data: dict[str, Any], formdata: Any = None) -> Form:
    return Form(formdata=formdata, data={"observations": data.get("observations", "")})


def values(form: Form) -> dict[str, Any]:
    return {"observations": (form.observations.data or "").strip()}
