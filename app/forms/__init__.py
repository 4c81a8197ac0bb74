"""One module per user-task form key: the BPMN « form » property names the module.

Each module defines `build(data, formdata)` → a Flask-WTF form prefilled from the task data, and `values(form)` →
the typed values given to the workflow. The modules are found by scanning this package: a module with both
functions is a form (shared helpers such as `fields` have neither). What each form gives the process, its
template and the lane whose pages serve it are declared in app/workflow/contrat.py.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType
from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class FormulaireDeTache(Protocol):
    """A form module, as the task pages use it."""

    def build(self, data: dict[str, Any], formdata: Any = None) -> Any: ...

    def values(self, form: Any) -> dict[str, Any]: ...


def _scanner() -> tuple[dict[str, ModuleType], list[str]]:
    """(form modules by key, modules that define only one of build/values: half-written forms)."""
    formulaires, incomplets = {}, []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        if isinstance(module, FormulaireDeTache):
            formulaires[info.name] = module
        elif hasattr(module, "build") or hasattr(module, "values"):
            incomplets.append(info.name)
    return formulaires, incomplets


REGISTRY, INCOMPLETS = _scanner()
FORM_KEYS = tuple(REGISTRY)


def get(key: str) -> FormulaireDeTache:
    return REGISTRY[key]
