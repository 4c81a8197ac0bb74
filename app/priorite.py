"""Work nobody waits for runs at a low CPU priority: the web requests on the same cores go first."""

from __future__ import annotations

import contextlib
import os
import threading

NICE_BASSE = 10


def priorite_basse() -> None:
    """The calling thread yields the processor to the others (Linux: the nice value is per thread). A thread pool's
    initializer; the thread holds no database lock while it works, so nothing waits behind it."""
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), NICE_BASSE)
