"""Gunicorn settings of `make run` and `make serve` (read by gunicorn from the current folder, or `-c` this file).

Every setting comes from an environment variable with a default (table « Serveur web » of README.md); gunicorn's
own command-line options still win over this file. The web processes keep nothing another process needs: sessions
and rate-limit counters are in the database, uploads in DOCUMENTS_DIR (a folder every process, on every machine,
reads and writes).
"""

from __future__ import annotations

import gc
import os
from typing import Any


def _entier(nom: str, defaut: int) -> int:
    valeur = os.environ.get(nom, "").strip()
    return int(valeur) if valeur else defaut


def _processus_par_defaut() -> int:
    """One per core (two at least), not gunicorn's two per core plus one: a request here is CPU work (Argon2, the
    workflow, the page) and waits little for the database, and the background worker and the proxy need CPU too.
    Measured on 2 cores with bench/parcours.py (b): 2 processes served 141–154 requests/s on SQLite at p95 ≤ 150 ms
    against about 140 with 3, and 125 on PostgreSQL against 116 with 3 (4 did worse still): more processes than
    cores only take turns on them, each request's time stretched, and on SQLite more writers wait for its lock."""
    return max(2, os.cpu_count() or 1)


wsgi_app = "app.wsgi:application"
bind = [adresse.strip() for adresse in os.environ.get("GUNICORN_BIND", "127.0.0.1:5000").split(",") if adresse.strip()]
workers = _entier("GUNICORN_WORKERS", _processus_par_defaut())
# One thread: the work is CPU-bound (Argon2, the workflow, PDF); more threads (gthread worker) only help with slow
# clients, which a reverse proxy buffers anyway.
threads = _entier("GUNICORN_THREADS", 1)
# Above SQLite's 30 s wait for the write lock (app/config.py), so that a waiting request ends with an answer.
timeout = _entier("GUNICORN_TIMEOUT", 60)
graceful_timeout = _entier("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _entier("GUNICORN_KEEPALIVE", 5)
# A process is replaced after this many requests (0: never), a guard against slow memory growth.
max_requests = _entier("GUNICORN_MAX_REQUESTS", 0)
max_requests_jitter = max_requests // 10

# The app is built once (process files parsed and checked), then each process is a fork of it: a start in about
# the time of one, less memory, and a refusal to start (DemarrageRefuse) reported once, by the master.
preload_app = os.environ.get("GUNICORN_PRELOAD", "1").strip().lower() not in {"0", "non", "no", "false"}

# « - »: standard output; empty: no access log. The pid (%(p)s) tells which process served each request,
# the last field is the duration in milliseconds. Neither the query string nor the Referer is written: the link of
# a password mail carries its token there (/mot-de-passe?jeton=…), and whoever reads the log would take the account.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s "%(a)s" %(p)s %(M)s'
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
proc_name = "titre-sejour-ase"
# gunicorn's control socket sits at one path per user by default: two servers of the same user (make run beside
# the tests) would take it from each other. Off, unless a path is given.
control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET") or None
control_socket_disable = control_socket is None


def pre_fork(server: Any, worker: Any) -> None:
    """What the master built (the app, its parsed processes, its templates: ~200 000 objects) is moved out of the
    garbage collector's sight before each fork: a full collection in a web process no longer walks it all (a pause
    of ~100 ms on one request, measured), and its memory pages stay shared with the master instead of being copied
    when the collector writes to them."""
    gc.freeze()


def post_fork(server: Any, worker: Any) -> None:
    """Each process opens its own database connections: none opened before the fork may be shared."""
    if not server.cfg.preload_app:
        return
    from app.extensions import db

    application = worker.app.wsgi()
    with application.app_context():
        for engine in db.engines.values():
            engine.dispose(close=False)
