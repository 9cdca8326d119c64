"""Mingle web application: the factory that assembles config, extensions and blueprints."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import event

from app import gc_guard
from app.config import dev_secret_key, engine_options, from_environment, normalise_database_url
from app.errors import install_error_pages
from app.extensions import csrf, db, limiter, login_manager, migrate
from app.params import IdConverter
from app.security import install_security

# Templates and static files live beside the package, at the repository root.
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Create a configured Mingle app; ``config`` overrides what the environment says."""
    gc_guard.install()
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    # Every <int:...> in a URL: ASCII digits, at most a database integer (else 404, not 500).
    app.url_map.converters["int"] = IdConverter
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(from_environment(os.environ, app.instance_path))
    if config:
        app.config.from_mapping(config)
    _finish_config(app)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    limiter.init_app(app)
    install_security(app)
    install_error_pages(app)
    _enable_sqlite_foreign_keys(app)

    from app import models  # noqa: F401  (registers tables with the metadata for migrations)
    from app.attendee.routes import bp as attendee_bp
    from app.board.routes import bp as board_bp
    from app.checkin.routes import bp as checkin_bp
    from app.checkin.routes import links_bp as door_links_bp
    from app.cli import register_cli
    from app.main.routes import bp as main_bp
    from app.organiser import bp as organiser_bp
    from app.services.attendees.agenda_cache import init_agenda_cache
    from app.services.messages.push_reminders import install_reminder_clock
    from app.sponsor.routes import bp as sponsor_bp

    init_agenda_cache(app, PROJECT_ROOT)
    app.register_blueprint(main_bp)
    app.register_blueprint(organiser_bp)
    app.register_blueprint(attendee_bp)
    app.register_blueprint(checkin_bp)
    app.register_blueprint(door_links_bp)
    app.register_blueprint(sponsor_bp)
    app.register_blueprint(board_bp)
    register_cli(app)
    install_reminder_clock(app)
    return app


def _finish_config(app: Flask) -> None:
    """Fill in settings that depend on the merged config, and refuse unsafe production ones."""
    uri = normalise_database_url(app.config["SQLALCHEMY_DATABASE_URI"])
    app.config["SQLALCHEMY_DATABASE_URI"] = uri
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", engine_options(uri))
    if not app.config.get("SECRET_KEY"):
        if app.config.get("MINGLE_ENV") == "production":
            raise RuntimeError("SECRET_KEY must be set when MINGLE_ENV=production")
        app.config["SECRET_KEY"] = dev_secret_key(app.instance_path)
    # Rate-limit counts live in Redis when there is one, so all workers share them; a Redis
    # outage falls back to per-process memory rather than refusing every log-in.
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    app.config.setdefault("RATELIMIT_ENABLED", True)  # explicit: Flask-Limiter keeps the last app's
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "mingle-limits")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)


def _enable_sqlite_foreign_keys(app: Flask) -> None:
    """Make SQLite enforce foreign keys, as PostgreSQL does, on every new connection."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_foreign_keys_on)


def _sqlite_foreign_keys_on(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    """Turn on SQLite's foreign key enforcement for one DBAPI connection."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
