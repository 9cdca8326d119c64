"""The Mingle app the web-side benchmarks run: on a throwaway SQLite file, migrated quietly."""

from __future__ import annotations

import logging
from pathlib import Path

import flask_migrate
from flask import Flask

from app import create_app


def sqlite_app(folder: Path) -> Flask:
    """A Mingle app whose database and uploads live in ``folder`` (a temporary directory)."""
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.sqlite3'}",
            "SECRET_KEY": "benchmark",
            "UPLOAD_FOLDER": str(folder),
        }
    )


def migrate_quietly() -> None:
    """Build the current app's database by the migration chain, without alembic's log lines."""
    logging.disable(logging.INFO)  # alembic's "Running upgrade" lines are noise here
    try:
        flask_migrate.upgrade()
    finally:
        logging.disable(logging.NOTSET)
