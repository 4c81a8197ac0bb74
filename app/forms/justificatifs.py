"""Étape 3 — Justificatifs (F-22): the documents the DMN requires for the applicant's case.

Uploads come with F-10: until then the page lists the documents and says uploading is not
available on this instance.
"""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm

RUBRIQUES = ("INFORMATIONS PERSONNELLES", "DOMICILE", "MOTIF DE SÉJOUR")


class Form(FlaskForm):
    pass


def build(data: dict[str, Any], formdata: Any = None) -> Form:
    return Form(formdata=formdata)


def by_rubrique(pieces: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    groups = [(r, [p for p in pieces if p.get("rubrique") == r]) for r in RUBRIQUES]
    others = [p for p in pieces if p.get("rubrique") not in RUBRIQUES]
    return [(r, ps) for r, ps in groups if ps] + ([("AUTRES", others)] if others else [])


def values(form: Form) -> dict[str, Any]:
    return {}
