"""« Demandeur non éligible » (F-09): the decision's reason, « Modifier ma saisie » back to step 2."""

from __future__ import annotations

from typing import Any

from .fields import Saisie


class Form(Saisie):
    pass


def build(data: dict[str, Any], formdata: Any = None) -> Form:
    return Form(formdata=formdata)


def values(form: Form) -> dict[str, Any]:
    return {"choix_non_eligible": "modifier"}
