"""Service-task handlers, one module per BPMN operator (`spiffworkflow:serviceTaskOperator`).

A handler takes the TaskContext (application, session, day) and the task's parameters, and
returns a JSON-friendly dict that becomes the task's result variable.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

OPERATORS = ("numeroter", "supprimer_documents", "produire_confirmation", "envoyer_courriel", "notifier",
             "produire_attestation")

HANDLERS: dict[str, Callable[..., dict[str, Any]]] = {
    op: importlib.import_module(f"{__name__}.{op}").handle for op in OPERATORS
}
