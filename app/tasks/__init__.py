"""Service-task handlers, one module per BPMN operator (`spiffworkflow:serviceTaskOperator`).

A handler is the module's `handle(ctx, **parameters)`: it takes the TaskContext (application, session, day,
process data) and the task's parameters, and returns a JSON-friendly dict that becomes the task's result variable.
The modules are found by scanning this package (a module with `handle` is an operator; helpers such as `identite`
have none); the parameters an operator takes are its handler's signature.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class Traitement(Protocol):
    """A service-task handler: `ctx` first, then the BPMN parameters by name."""

    def __call__(self, ctx: Any, /, **parametres: Any) -> dict[str, Any]: ...


def _scanner() -> dict[str, Traitement]:
    traitements = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        handle = getattr(importlib.import_module(f"{__name__}.{info.name}"), "handle", None)
        if isinstance(handle, Traitement):
            traitements[info.name] = handle
    return traitements


HANDLERS: dict[str, Traitement] = _scanner()
OPERATORS = tuple(HANDLERS)
