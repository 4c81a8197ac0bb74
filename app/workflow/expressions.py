"""Functions offered to BPMN/DMN expressions, and the script engine that runs them.

Process files are trusted code (see ARCHITECTURE.md, « Trust »); applicants' values only ever
reach expressions as data, never as expression text.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment


def anniversaire(naissance: date, ans: int) -> date:
    """The day a person born on `naissance` is `ans` years old.

    Born on 29 February: in a common year the birthday is 1 March, the first day on which the
    full years are completed.
    """
    try:
        return naissance.replace(year=naissance.year + ans)
    except ValueError:
        return date(naissance.year + ans, 3, 1)


def age_au(naissance: date, jour: date) -> int:
    """Full years of age on `jour`."""
    ans = jour.year - naissance.year
    return ans if jour >= anniversaire(naissance, ans) else ans - 1


EXPRESSION_GLOBALS: dict[str, Any] = {"anniversaire": anniversaire, "age_au": age_au, "date": date}

ServiceCaller = Callable[[str, dict[str, Any], Any], Any]


class ProcessScriptEngine(PythonScriptEngine):
    """Python expressions with our helper functions; service tasks call our handler registry.

    SpiffWorkflow 3.2.0 masks handler errors behind a NameError (trap 2 of SPIFFWORKFLOW.md):
    ours re-raises the handler's own error, naming the task.
    """

    def __init__(self, call_handler: ServiceCaller) -> None:
        super().__init__(environment=TaskDataEnvironment(dict(EXPRESSION_GLOBALS)))
        self._call_handler = call_handler

    def call_service(self, task, operation_name: str, operation_params: dict, **kwargs) -> str:  # noqa: ANN001
        params = {name: p["value"] for name, p in operation_params.items()}
        try:
            result = self._call_handler(operation_name, params, task)
        except WorkflowTaskException:
            raise
        except Exception as err:
            raise WorkflowTaskException(
                f"Le traitement « {operation_name} » a échoué : {err}", task=task, exception=err
            ) from err
        return json.dumps(result)
