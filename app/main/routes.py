"""Routes that belong to no audience: the public home page and the load balancer's probe."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template
from flask.typing import ResponseReturnValue
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import db

bp = Blueprint("main", __name__)


@bp.get("/")
def home() -> ResponseReturnValue:
    """Explain what Mingle is to whoever opens the site."""
    return render_template("main/home.html")


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """Answer 200 when the database answers ``SELECT 1``, else 503."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        db.session.rollback()
        current_app.logger.warning("healthz: database unreachable: %s", exc)
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok")
