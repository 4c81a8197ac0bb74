"""Operator `retenir`: keep values as they are now, under the task's result variable (F-20).

The diagram names what to keep with the parameters (their values are expressions on the process data) and where
with `resultVariable`: before the case is decided again at deposit, « Retenir la situation du brouillon » keeps the
case, attestations and pieces the draft was built on (`situation_du_brouillon`), which the gateway compares with
the day's decisions. No effect outside the process data.
"""

from __future__ import annotations

from typing import Any


def handle(ctx: Any, **valeurs: Any) -> dict[str, Any]:
    return dict(valeurs)
