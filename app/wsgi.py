"""The WSGI application for gunicorn (gunicorn.conf.py) or any WSGI server: `app.wsgi:application`.

Process files that break the contract stop the start with the list of every problem alone, as the `flask` commands
show it, not under a traceback; exit status 3 is gunicorn's « worker failed to boot »: it stops the server instead
of starting the process again and again.
"""

from __future__ import annotations

import sys

from . import DemarrageRefuse, create_app

try:
    application = create_app()
except DemarrageRefuse as refus:
    refus.show()
    sys.exit(3)
