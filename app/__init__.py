"""The application factory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import config
from .entiers import IdConverter
from .extensions import csrf, db, login_manager, migrate
from .workflow.verification import Probleme, ProcessusRefuse

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class DemarrageRefuse(ProcessusRefuse, click.ClickException):
    """The process files break the contract: the app does not start. Its message lists every problem; the `flask`
    command line shows that list alone, without a traceback (it handles ClickException so)."""

    def __init__(self, problemes: list[Probleme]) -> None:
        ProcessusRefuse.__init__(self, problemes)
        self.show_color = None

    def show(self, file: Any = None) -> None:
        click.echo(self.message, file=file, err=file is None)


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """Build the app; refuse to start (DemarrageRefuse) if the process files break the contract with the code."""
    app = Flask(__name__)
    app.url_map.converters["int"] = IdConverter
    app.config.update(config.load())
    app.config.update(overrides or {})
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", config.engine_options(app.config["SQLALCHEMY_DATABASE_URI"]))
    app.config["WTF_I18N_ENABLED"] = False

    db.init_app(app)
    from .extensions import regler_sqlite

    regler_sqlite(app)  # WAL on SQLite files (README « PostgreSQL »)
    from .recherche import dans_les_modeles

    # include_object: the optional trigram index of migration 0010 is not in the models (app/recherche.py).
    migrate.init_app(app, db, directory=str(MIGRATIONS), render_as_batch=True, include_object=dans_les_modeles)
    csrf.init_app(app)
    login_manager.init_app(app)
    from . import i18n

    i18n.init_app(app)  # French and English (F-18)
    if app.config.get("PROXY_FIX_X_FOR"):
        # Behind N trusted proxies only: otherwise X-Forwarded-For is the client's word, and never read.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=int(app.config["PROXY_FIX_X_FOR"]))

    from . import forms, tasks
    from .workflow.specs import ProcessDefinitionError
    from .workflow.store import DemandeStore, ProcessCatalog
    from .workflow.verification import Code

    code = Code(forms.REGISTRY, tasks.HANDLERS, incomplets=tuple(forms.INCOMPLETS))
    try:
        catalog = ProcessCatalog(app.config["BPMN_DIR"], app.config["DMN_DIR"], code)
    except ProcessusRefuse as err:
        raise DemarrageRefuse(err.problemes) from None
    except ProcessDefinitionError as err:  # no BPMN file at all
        raise DemarrageRefuse([Probleme(err.file, err.element, "", err.message)]) from None
    app.extensions["demandes"] = DemandeStore(catalog, lambda: db.session)

    from .views import agent, analyste, auth, demarche, errors, notifications, pages

    app.register_blueprint(auth.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(demarche.bp)
    app.register_blueprint(agent.bp)
    app.register_blueprint(analyste.bp)
    app.register_blueprint(notifications.bp)
    from .views import entete

    app.register_blueprint(entete.bp)
    errors.register(app)
    from . import securite
    securite.register(app)
    from . import sans_nul

    sans_nul.register(app)  # before any view: PostgreSQL's text cannot hold NUL

    from . import cli, filters

    cli.register(app)
    filters.register(app)
    return app
