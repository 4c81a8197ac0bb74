"""Moving timers into the past, for tests: they never sleep.

A duration timer's due time is computed by SpiffWorkflow when it is first checked and kept in the
waiting task's `internal_data["event_value"]` (SPIFFWORKFLOW.md, trap 6). These helpers rewrite
it; through the store, the save also rewrites `Demande.prochain_timer` and `Demande.echeance`,
exactly as a real due date would have been written.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from app.workflow.engine import Engine

PASSE = timedelta(minutes=1)


def echoir(engine: Engine, wf: Any, moment: datetime | None = None) -> list[str]:
    """Set every waiting timer of `wf` to `moment` (default: a minute ago); returns their bpmn ids.

    Nothing is fired here: the timer is due, as after 30 days, until someone drives it.
    """
    moment = moment or datetime.now(UTC) - PASSE
    ids = []
    for task in engine.waiting_events(wf):
        if task.internal_data.get("event_value"):
            task.internal_data["event_value"] = moment.isoformat()
            ids.append(task.task_spec.bpmn_id)
    return ids


def echoir_demande(app: Any, demande_id: int, moment: datetime | None = None) -> list[str]:
    """The same on a stored application, in one transaction of the store (columns rewritten on save)."""
    from app import clock

    with app.app_context():
        with app.extensions["demandes"].open(demande_id, clock.today()) as instance:
            return echoir(instance.engine, instance.wf, moment)
