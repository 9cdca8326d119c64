"""The web app's foundation: configuration, health check, home page, CSRF and migrations."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask, request
from flask.testing import FlaskClient, FlaskCliRunner
from flask_wtf.csrf import generate_csrf
from sqlalchemy import create_engine, inspect, text

from app import PROJECT_ROOT, create_app
from app.config import DEFAULT_MAX_CONTENT_LENGTH, dev_secret_key, normalise_database_url
from app.extensions import csrf, db

CONFIG_VARS = (
    "DATABASE_URL",
    "SECRET_KEY",
    "REDIS_URL",
    "PUBLIC_URL",
    "MINGLE_ENV",
    "BUILD_RUNNER",
)


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """Remove Mingle's configuration variables so each test states the ones it needs."""
    for name in CONFIG_VARS + ("MAX_CONTENT_LENGTH",):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


# Health check


def test_healthz_ok_when_database_answers(client: FlaskClient) -> None:
    """A reachable database gives 200 and the JSON the load balancer expects."""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.is_json
    assert response.get_json() == {"status": "ok"}


@pytest.mark.parametrize(
    "unreachable_url",
    [
        "postgresql+psycopg://root@127.0.0.1:1/mingle",  # nothing listens on port 1
        "sqlite:////nonexistent-mingle-dir/nowhere/mingle.sqlite3",  # folder does not exist
    ],
)
def test_healthz_503_when_database_unreachable(unreachable_url: str) -> None:
    """An unreachable database gives 503 with an error status, not a crash page."""
    app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": unreachable_url})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "error"
    assert body["database"] == "unreachable"


# Pages


def test_home_page_explains_mingle_on_a_phone(client: FlaskClient) -> None:
    """The home page renders with the product name, a mobile viewport and our stylesheet."""
    response = client.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Mingle" in html
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in html
    assert "/static/css/mingle.css" in html
    for audience in ("Organisers", "Attendees", "Sponsors"):
        assert audience in html


def test_stylesheet_is_served_with_print_rules(client: FlaskClient) -> None:
    """The top-level static folder is served, and the stylesheet covers paper."""
    response = client.get("/static/css/mingle.css")
    assert response.status_code == 200
    assert "@media print" in response.get_data(as_text=True)
    response.close()


# Configuration


def test_config_comes_from_environment(clean_env: pytest.MonkeyPatch) -> None:
    """DATABASE_URL, SECRET_KEY, REDIS_URL and PUBLIC_URL are honoured."""
    clean_env.setenv("DATABASE_URL", "postgresql://mingle:pw@db.example.org:5432/mingle")
    clean_env.setenv("SECRET_KEY", "from-the-environment")
    clean_env.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    clean_env.setenv("PUBLIC_URL", "https://mingle.example.org/")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == (
        "postgresql+psycopg://mingle:pw@db.example.org:5432/mingle"
    )
    assert app.config["SECRET_KEY"] == "from-the-environment"
    assert app.config["REDIS_URL"] == "redis://127.0.0.1:6379/0"
    assert app.config["PUBLIC_URL"] == "https://mingle.example.org"
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["MAX_CONTENT_LENGTH"] == DEFAULT_MAX_CONTENT_LENGTH


def test_defaults_without_environment(clean_env: pytest.MonkeyPatch) -> None:
    """With nothing set: SQLite under instance/, local public URL, no Redis."""
    app = create_app({"SECRET_KEY": "x"})
    expected = Path(app.instance_path) / "mingle.sqlite3"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{expected}"
    assert app.config["PUBLIC_URL"] == "http://127.0.0.1:5000"
    assert app.config["REDIS_URL"] is None
    assert app.config["SESSION_COOKIE_SECURE"] is False


def test_build_runner_comes_from_environment(clean_env: pytest.MonkeyPatch) -> None:
    """BUILD_RUNNER picks where builds run; unset, REDIS_URL decides when a build starts."""
    assert create_app({"SECRET_KEY": "x"}).config["BUILD_RUNNER"] is None
    clean_env.setenv("BUILD_RUNNER", " Inline ")
    assert create_app({"SECRET_KEY": "x"}).config["BUILD_RUNNER"] == "inline"
    clean_env.setenv("BUILD_RUNNER", "celery")
    with pytest.raises(ValueError, match="BUILD_RUNNER must be one of inline, thread, rq"):
        create_app({"SECRET_KEY": "x"})
    clean_env.setenv("BUILD_RUNNER", "rq")
    with pytest.raises(ValueError, match="needs REDIS_URL"):
        create_app({"SECRET_KEY": "x"})
    clean_env.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    assert create_app({"SECRET_KEY": "x"}).config["BUILD_RUNNER"] == "rq"


def test_config_argument_overrides_environment(clean_env: pytest.MonkeyPatch) -> None:
    """The mapping given to create_app wins over the environment, and is normalised too."""
    clean_env.setenv("DATABASE_URL", "sqlite:////tmp/ignored.sqlite3")
    app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "postgres://u@h/d"})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/d"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://u@h:5432/d", "postgresql+psycopg://u@h:5432/d"),
        ("postgres://u@h/d", "postgresql+psycopg://u@h/d"),
        ("postgresql+psycopg://u@h/d", "postgresql+psycopg://u@h/d"),
        ("sqlite:////tmp/x.sqlite3", "sqlite:////tmp/x.sqlite3"),
    ],
)
def test_postgresql_urls_use_psycopg(given: str, expected: str) -> None:
    """Plain PostgreSQL URLs are pointed at the installed psycopg 3 driver."""
    assert normalise_database_url(given) == expected


def test_production_refuses_to_start_without_secret_key(clean_env: pytest.MonkeyPatch) -> None:
    """In production a missing SECRET_KEY is an error, never a generated default."""
    clean_env.setenv("MINGLE_ENV", "production")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app()


def test_dev_secret_key_is_persisted_privately(tmp_path: Path) -> None:
    """The development secret is created once, kept across restarts, readable by owner only."""
    first = dev_secret_key(tmp_path)
    assert len(first) == 64
    assert dev_secret_key(tmp_path) == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


# Request handling


def test_post_without_csrf_token_is_refused(app: Flask) -> None:
    """CSRF protection is on: a form POST without the token fails, with it succeeds."""

    @app.get("/_test/token")
    def token() -> str:
        """Hand out a CSRF token bound to this client's session."""
        return generate_csrf()

    @app.post("/_test/form")
    def form() -> str:
        """Accept a form post."""
        return "accepted"

    client = app.test_client()
    assert client.post("/_test/form", data={"name": "Ada"}).status_code == 400
    token_value = client.get("/_test/token").get_data(as_text=True)
    accepted = client.post("/_test/form", data={"name": "Ada", "csrf_token": token_value})
    assert accepted.status_code == 200
    assert accepted.get_data(as_text=True) == "accepted"


def test_uploads_over_the_limit_get_413(app: Flask) -> None:
    """A body larger than MAX_CONTENT_LENGTH is refused before a view reads it."""
    app.config["MAX_CONTENT_LENGTH"] = 1024

    @app.post("/_test/upload")
    @csrf.exempt
    def upload() -> str:
        """Accept an upload, reading the body as a real upload view does."""
        return f"accepted {len(request.form['f'])} bytes"

    client = app.test_client()
    assert client.post("/_test/upload", data={"f": "x" * 100}).status_code == 200
    assert client.post("/_test/upload", data={"f": "x" * 2048}).status_code == 413


# Migrations


def test_migrations_leave_no_pending_model_changes(runner: FlaskCliRunner) -> None:
    """The migration chain is at head and matches the models (`flask db check`)."""
    result = runner.invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output


def test_db_upgrade_command_builds_a_fresh_database(empty_database_url: str) -> None:
    """`flask --app wsgi db upgrade` from the repo root builds an empty database."""
    env = {k: v for k, v in os.environ.items() if k not in CONFIG_VARS}
    env.update(DATABASE_URL=empty_database_url, SECRET_KEY="test-secret-key")
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    engine = create_engine(normalise_database_url(empty_database_url))
    try:
        assert inspect(engine).has_table("alembic_version")
    finally:
        engine.dispose()


# PostgreSQL only


@pytest.mark.postgres
def test_postgres_database_url_from_environment_serves_healthz(
    database_url: str, clean_env: pytest.MonkeyPatch
) -> None:
    """A `postgresql://` DATABASE_URL, as hosting platforms give it, connects through psycopg."""
    plain_url = database_url.replace("postgresql+psycopg://", "postgresql://", 1)
    clean_env.setenv("DATABASE_URL", plain_url)
    clean_env.setenv("SECRET_KEY", "x")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    with app.app_context():
        database = db.session.execute(text("SELECT current_database()")).scalar()
        assert database.startswith("mingle_test_")
        db.engine.dispose()
