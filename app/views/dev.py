"""Development page: the outbox, readable in the browser when no SMTP server is configured (F-27)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template
from sqlalchemy import select

from ..extensions import db
from ..models import Courriel

bp = Blueprint("dev", __name__, url_prefix="/dev")


@bp.before_request
def reserved_to_development() -> None:
    """Never on an official instance; off as soon as SMTP is configured (unless asked for)."""
    if current_app.config["INSTANCE_OFFICIELLE"] or not current_app.config["PAGE_COURRIELS"]:
        abort(404)


@bp.route("/courriels")
def courriels() -> str:
    """La boîte d'envoi : les courriels en file, envoyés ou en échec, avec leurs liens."""
    rows = db.session.scalars(select(Courriel).order_by(Courriel.id.desc()).limit(100)).all()
    return render_template("dev/courriels.html", courriels=rows)
