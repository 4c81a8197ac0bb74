"""One module per user-task form key: the BPMN « form » property names the module.

Each module defines `build(data, formdata)` → a Flask-WTF form prefilled from the task data,
and `values(form)` → the typed values given to the workflow.
"""

from __future__ import annotations

import importlib
from types import ModuleType

FORM_KEYS = (
    "informations_personnelles", "motif_sejour", "demandeur_non_eligible", "justificatifs", "depot",
    "examiner_demande", "decider", "repondre_complement",
)

REGISTRY: dict[str, ModuleType] = {key: importlib.import_module(f"{__name__}.{key}") for key in FORM_KEYS}


def get(key: str) -> ModuleType:
    return REGISTRY[key]
