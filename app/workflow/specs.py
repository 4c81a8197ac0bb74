"""Process definitions: read bpmn/ and dmn/, parse them once per content hash.

A bundle is the set of BPMN and DMN files of one version of the process. Its hash names the
version: applications keep the version they started with. The files are checked against the
contract by verification.py before a bundle is used.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml.etree import XMLSyntaxError
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.defaults import BoundaryEvent, EndEvent
from SpiffWorkflow.bpmn.specs.mixins import SubWorkflowTaskMixin
from SpiffWorkflow.dmn.specs.business_rule_task_mixin import BusinessRuleTaskMixin
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.spiff.specs.defaults import UserTask

from . import contrat, dialecte, empreinte

PROCESS_ID = contrat.PROCESSUS


class ProcessDefinitionError(Exception):
    """A process file that cannot run: names the file and the element."""

    def __init__(self, file: str, element: str, message: str) -> None:
        self.file, self.element, self.message = file, element, message
        super().__init__(f"{file} — élément « {element} » : {message}")


@dataclass
class ProcessBundle:
    """One version of the process: its files, their hash, and the parsed specs."""

    content_hash: str
    process_id: str
    files: dict[str, str]
    spec: Any
    subprocess_specs: dict[str, Any]
    decision_outputs: dict[str, set[str]] = field(default_factory=dict)
    decisions: dict[str, Any] = field(default_factory=dict)

    def all_task_specs(self) -> list[Any]:
        return [ts for _, ts in self.task_specs_with_file()]

    def task_specs_with_file(self) -> list[tuple[str, Any]]:
        specs = [self.spec, *self.subprocess_specs.values()]
        return [(s.file or "?", ts) for s in specs for ts in s.task_specs.values()]

    def user_task(self, name: str) -> Any:
        for ts in self.all_task_specs():
            if ts.name == name:
                return ts
        raise KeyError(name)


def read_process_files(bpmn_dir: Path, dmn_dir: Path) -> dict[str, str]:
    """The files of the current version, keyed by `bpmn/<name>` or `dmn/<name>`."""
    files: dict[str, str] = {}
    for folder, suffix in ((bpmn_dir, ".bpmn"), (dmn_dir, ".dmn")):
        for path in sorted(Path(folder).glob(f"*{suffix}")):
            files[f"{Path(folder).name}/{path.name}"] = path.read_text(encoding="utf-8")
    if not any(name.endswith(".bpmn") for name in files):
        raise ProcessDefinitionError(str(bpmn_dir), PROCESS_ID, "aucun fichier BPMN trouvé")
    return files


def content_hash(files: dict[str, str]) -> str:
    return empreinte.empreinte(files)  # of the normalized XML: a modeler's re-save is not a new version


def parse_bundle(files: dict[str, str], process_id: str = PROCESS_ID) -> ProcessBundle:
    """Parse BPMN and DMN text; any parse error becomes a ProcessDefinitionError."""
    parser = SpiffBpmnParser(validator=VALIDATOR)
    current = "?"
    try:
        for name, text in dialecte.traduire_fichiers(files).items():  # what modelers write, as Python
            current = name
            if name.endswith(".dmn"):
                parser.add_dmn_str(text.encode("utf-8"), filename=name)
            else:
                parser.add_bpmn_str(text.encode("utf-8"), filename=name)
        current = next(n for n in files if n.endswith(".bpmn"))
        spec = parser.get_spec(process_id)
        subprocess_specs = parser.get_subprocess_specs(process_id)
    except XMLSyntaxError as err:
        raise ProcessDefinitionError(current, f"ligne {err.lineno}", f"XML mal formé : {err.msg}") from err
    except ValidationException as err:
        where = err.id or (f"ligne {err.line_number}" if err.line_number else "") or err.tag or "?"
        raise ProcessDefinitionError(err.file_name or current, where, str(err)) from err
    except (SpiffWorkflowException, ValueError, KeyError) as err:
        raise ProcessDefinitionError(current, process_id, str(err)) from err
    bundle = ProcessBundle(content_hash(files), process_id, files, spec, subprocess_specs)
    bundle.decisions = {ref: parser.get_engine(ref, None) for ref in parser.dmn_parsers}
    for ts in bundle.all_task_specs():
        if isinstance(ts, BusinessRuleTaskMixin):
            table = ts.dmnEngine.decision_table
            bundle.decision_outputs[ts.name] = {
                (o.name or o.label).split(".")[0] for o in table.outputs
            }
    return bundle


def end_event_names(bundle: ProcessBundle) -> dict[str, str]:
    """bpmn id → name of every end event and subprocess: the states an application can be in."""
    names = {}
    for ts in bundle.spec.task_specs.values():
        if isinstance(ts, (EndEvent, SubWorkflowTaskMixin, BoundaryEvent)) and ts.bpmn_id:
            names[ts.bpmn_id] = ts.bpmn_name or ts.bpmn_id
    return names


def final_states(bundle: ProcessBundle) -> dict[str, str]:
    """bpmn id → name of the process's own end events: where an application's life is over."""
    return {ts.bpmn_id: ts.bpmn_name or ts.bpmn_id for ts in bundle.spec.task_specs.values()
            if isinstance(ts, EndEvent) and ts.bpmn_id}


def lane_user_tasks(bundle: ProcessBundle, lane: str) -> dict[str, str]:
    """bpmn id → name of the process's own user tasks in `lane` (an application waiting there waits for it)."""
    return {ts.bpmn_id: ts.bpmn_name or ts.bpmn_id for ts in bundle.spec.task_specs.values()
            if isinstance(ts, UserTask) and ts.lane == lane and ts.bpmn_id}
