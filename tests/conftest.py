"""Shared fixtures: an app on a fresh, migrated database per test (SQLite, or PostgreSQL)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import flask_migrate
import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import create_engine, make_url, text

from app import create_app
from app.config import normalise_database_url
from app.extensions import db

# When set, database tests run on this PostgreSQL server (each test in a schema of its own)
# instead of a temporary SQLite file; .ci/run sets it for its second pass.
POSTGRES_URL_VAR = "MINGLE_TEST_DATABASE_URL"
DATABASE_FIXTURES = {"app", "database_url"}


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker that .ci/run selects to re-run database tests on PostgreSQL."""
    config.addinivalue_line(
        "markers", f"database: uses the app database (PostgreSQL when {POSTGRES_URL_VAR} is set)"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark tests that touch the database; skip PostgreSQL-only tests without a server URL."""
    skip_postgres = pytest.mark.skip(reason=f"PostgreSQL tests need {POSTGRES_URL_VAR}")
    for item in items:
        if DATABASE_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.database)
        if "postgres" in item.keywords and not os.environ.get(POSTGRES_URL_VAR):
            item.add_marker(skip_postgres)


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """URL of an empty database that only this test uses, removed afterwards."""
    server_url = os.environ.get(POSTGRES_URL_VAR)
    if not server_url:
        yield f"sqlite:///{tmp_path / 'mingle.sqlite3'}"
        return

    server_url = normalise_database_url(server_url)
    schema = f"mingle_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    # search_path makes the schema this test's whole database, alembic_version included.
    url = make_url(server_url).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    """A Mingle app whose database was built by running the migration chain."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key",
            "SQLALCHEMY_DATABASE_URI": database_url,
        }
    )
    with app.app_context():
        flask_migrate.upgrade()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client for ``app``."""
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    """A runner for ``app``'s Flask CLI commands."""
    return app.test_cli_runner()
