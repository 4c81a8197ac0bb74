"""Étape 4 — Dépôt de la demande (F-11): observations, then the final deposit."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import TextAreaField

from .. import documents
from ..extensions import db
from .fields import longueur

MAX_OBSERVATIONS = 2000


class Form(FlaskForm):
    observations = TextAreaField(
        "Observations à destination de l'administration",
        validators=[longueur("Observations à destination de l'administration", MAX_OBSERVATIONS)],
    )


def contexte(demande: Any, data: dict[str, Any]) -> dict[str, Any]:
    return {"documents": documents.par_piece(db.session, demande.id), "ephoto": data.get("ephoto")}


def build(data: dict[str, Any], formdata: Any = None) -> Form:
    return Form(formdata=formdata, data={"observations": data.get("observations", "")})


def values(form: Form) -> dict[str, Any]:
    return {"observations": (form.observations.data or "").strip()}
