"""The application factory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import config
from .entiers import IdConverter
from .extensions import csrf, db, login_manager, migrate

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """Build the app; refuse to start if a process file names a form or handler we lack."""
    app = Flask(__name__)
    app.url_map.converters["int"] = IdConverter
    app.config.update(config.load())
    app.config.update(overrides or {})
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", config.engine_options(app.config["SQLALCHEMY_DATABASE_URI"]))
    app.config["WTF_I18N_ENABLED"] = False

    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS), render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    if app.config.get("PROXY_FIX_X_FOR"):
        # Behind N trusted proxies only: otherwise X-Forwarded-For is the client's word, and never read.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=int(app.config["PROXY_FIX_X_FOR"]))

    from . import forms, tasks
    from .workflow.store import DemandeStore, ProcessCatalog

    catalog = ProcessCatalog(app.config["BPMN_DIR"], app.config["DMN_DIR"], set(forms.FORM_KEYS), tasks.HANDLERS)
    app.extensions["demandes"] = DemandeStore(catalog, lambda: db.session)

    from .views import agent, auth, demarche, errors, notifications, pages

    app.register_blueprint(auth.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(demarche.bp)
    app.register_blueprint(agent.bp)
    app.register_blueprint(notifications.bp)
    errors.register(app)
    from . import securite
    securite.register(app)

    from . import cli, filters

    cli.register(app)
    filters.register(app)
    return app
