"""Shared fixtures: an app on a migrated database per test (SQLite, or PostgreSQL), copied from
one the migration chain built once per session."""

from __future__ import annotations

import itertools
import os
import re
import shutil
import signal
import uuid
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import flask_migrate
import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from rq import Queue
from sqlalchemy import Engine, create_engine, text
from werkzeug.security import generate_password_hash

from app import create_app

# No push-reminder clock threads from the apps tests make (several turn ``testing`` off to see
# real error pages): the clock's own tests switch it on for their app.
os.environ.setdefault("REMINDER_CLOCK", "off")
from app.config import normalise_database_url
from app.extensions import db
from app.models import Attendee, Event, Meeting, Organiser, ScheduleVersion
from app.services.accounts import create_organiser
from app.services.events.editing import create_event
from app.services.scheduling import builds

# When set, database tests run on this PostgreSQL server (each test in a database of its own)
# instead of a temporary SQLite file; .ci/run sets it for its second pass.
POSTGRES_URL_VAR = "MINGLE_TEST_DATABASE_URL"
REDIS_URL = "redis://127.0.0.1:6379/15"  # the Redis database tests may empty
DATABASE_FIXTURES = {"app", "database_url", "empty_database_url"}


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker that .ci/run selects to re-run database tests on PostgreSQL."""
    config.addinivalue_line(
        "markers", f"database: uses the app database (PostgreSQL when {POSTGRES_URL_VAR} is set)"
    )
    config.addinivalue_line(
        "markers",
        "any_database: tests the app's logic, the same on every database engine "
        "(.ci/run's PostgreSQL pass leaves it out)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark tests that touch the database; skip PostgreSQL-only tests without a server URL."""
    skip_postgres = pytest.mark.skip(reason=f"PostgreSQL tests need {POSTGRES_URL_VAR}")
    for item in items:
        if DATABASE_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.database)
        if "postgres" in item.keywords and not os.environ.get(POSTGRES_URL_VAR):
            item.add_marker(skip_postgres)


def _postgres_server() -> Engine | None:
    """An AUTOCOMMIT engine on the PostgreSQL server (CREATE DATABASE needs it), or None."""
    server_url = os.environ.get(POSTGRES_URL_VAR)
    if not server_url:
        return None
    return create_engine(normalise_database_url(server_url), isolation_level="AUTOCOMMIT")


def _database_on(server: Engine, name: str) -> str:
    """The URL of database ``name`` on ``server``, password included."""
    return server.url.set(database=name).render_as_string(hide_password=False)


def _new_database(server: Engine, template: str | None = None) -> str:
    """Create a database of a name of its own, empty or a copy of ``template``; its name."""
    name = f"mingle_test_{uuid.uuid4().hex[:12]}"
    copy = f' TEMPLATE "{template}" STRATEGY WAL_LOG' if template else ""
    with server.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"{copy}'))
    return name


def _drop_database(server: Engine, name: str) -> None:
    """Drop a test database, closing what a killed worker or server left connected to it."""
    with server.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _migrate(url: str) -> None:
    """Run the whole migration chain on the database at ``url``, then let go of it."""
    app = create_app({"TESTING": True, "SECRET_KEY": "template", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        flask_migrate.upgrade()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database the migration chain built once per session: a SQLite file or a PG database.

    Each test's database is a copy of it, so the chain runs once, not once per test; the
    migration tests themselves ask for ``empty_database_url`` and run the chain for real.
    """
    server = _postgres_server()
    if server is None:
        path = tmp_path_factory.mktemp("template") / "mingle.sqlite3"
        _migrate(f"sqlite:///{path}")
        yield str(path)
        return
    name = _new_database(server)
    try:
        _migrate(_database_on(server, name))
        yield name
    finally:
        _drop_database(server, name)
        server.dispose()


@pytest.fixture
def empty_database_url(tmp_path: Path) -> Iterator[str]:
    """URL of an empty database that only this test uses, removed afterwards."""
    server = _postgres_server()
    if server is None:
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    name = _new_database(server)
    try:
        yield _database_on(server, name)
    finally:
        _drop_database(server, name)
        server.dispose()


@pytest.fixture
def database_url(migrated_template: str, tmp_path: Path) -> Iterator[str]:
    """URL of a migrated database that only this test uses: a copy of the session's template."""
    server = _postgres_server()
    if server is None:
        path = tmp_path / "mingle.sqlite3"
        shutil.copyfile(migrated_template, path)
        yield f"sqlite:///{path}"
        return
    name = _new_database(server, template=migrated_template)
    try:
        yield _database_on(server, name)
    finally:
        _drop_database(server, name)
        server.dispose()


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """A Mingle app on this test's migrated database."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "UPLOAD_FOLDER": str(tmp_path / "uploads"),
            "VAPID_KEY_FILE": str(tmp_path / "vapid_private.pem"),  # not the repo's instance/
            # Builds finish before start_build returns; tests of threads and RQ say otherwise.
            "BUILD_RUNNER": "inline",
        }
    )
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def redis_queue(app: Flask) -> Iterator[Queue]:
    """The app's build queue on a real, emptied Redis database; RQ's signal handlers undone."""
    connection = Redis.from_url(REDIS_URL)
    try:
        connection.ping()
    except RedisConnectionError:
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    app.config["REDIS_URL"] = REDIS_URL
    app.config["BUILD_RUNNER"] = "rq"
    queue = Queue(builds.QUEUE, connection=connection)
    queue.empty()
    # An RQ worker run in the test installs its own SIGINT/SIGTERM handlers.
    handlers = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}
    yield queue
    for number, handler in handlers.items():
        signal.signal(number, handler)
    queue.empty()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client for ``app``."""
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    """A runner for ``app``'s Flask CLI commands."""
    return app.test_cli_runner()


# Factories: each fixture returns a callable that makes one object in the test's database.
# They run inside ``app_ctx``, the app context pushed for the whole test, so the objects they
# return stay usable; requests made with the test client share that context and its session.

DEFAULT_PASSWORD = "correct horse battery"
CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"')


@pytest.fixture
def app_ctx(app: Flask) -> Iterator[None]:
    """Keep an app context (and so one database session) open for the whole test."""
    with app.app_context():
        yield


@cache
def _default_password_hash() -> str:
    """scrypt takes a quarter of a second: hash the default password once per test run."""
    return generate_password_hash(DEFAULT_PASSWORD)


@pytest.fixture
def make_organiser(app_ctx: None) -> Callable[..., Organiser]:
    """Make an organiser: ``make_organiser(email=None, password=DEFAULT_PASSWORD, name="")``."""
    counter = itertools.count(1)

    def make(
        email: str | None = None, password: str = DEFAULT_PASSWORD, name: str = ""
    ) -> Organiser:
        email = email or f"organiser{next(counter)}@example.org"
        if password != DEFAULT_PASSWORD:
            return create_organiser(email, password, name)
        organiser = Organiser(email=email, name=name or email.split("@")[0])
        organiser.password_hash = _default_password_hash()
        db.session.add(organiser)
        db.session.commit()
        return organiser

    return make


@pytest.fixture
def make_event(app_ctx: None) -> Callable[..., Event]:
    """Make an event: ``make_event(organiser, name=..., rounds=..., tables=..., **settings)``."""

    def make(organiser: Organiser | None = None, **settings: Any) -> Event:
        values: dict[str, Any] = {
            "name": "Partner Forum",
            "rounds": 6,
            "tables": 10,
            "starts_at": datetime(2030, 3, 4, 9, 0),
        }
        values.update(settings)
        return create_event(organiser, values)

    return make


def attendee_factory() -> Callable[..., Attendee]:
    """``make_attendee`` without the fixture, for code that brings its own app context.

    Each factory numbers its people from 1 (person1@example.org, "Person 1", "Company 1").
    """
    counter = itertools.count(1)

    def make(event: Event, email: str | None = None, **fields: Any) -> Attendee:
        number = next(counter)
        values: dict[str, Any] = {
            "email": email or f"person{number}@example.org",
            "name": f"Person {number}",
            "company": f"Company {number}",
            "kind": "partner",
            "region": "EMEA",
        }
        values.update(fields)
        attendee = Attendee(event_id=event.id, **values)
        db.session.add(attendee)
        db.session.commit()
        return attendee

    return make


def add_version(
    event: Event,
    meetings: Sequence[tuple[int, int, Attendee, Attendee]] = (),
    published: bool = False,
    **fields: Any,
) -> ScheduleVersion:
    """``make_version`` without the fixture, for code that brings its own app context."""
    number = len(event.versions) + 1
    version = ScheduleVersion(event_id=event.id, number=number, **fields)
    version.meetings = [
        Meeting(round=r, table=t, attendee_a_id=a.id, attendee_b_id=b.id, score=1.0)
        for r, t, a, b in meetings
    ]
    db.session.add(version)
    db.session.flush()
    if published:
        event.published_version_id = version.id
    db.session.commit()
    db.session.refresh(event)
    return version


@pytest.fixture
def make_attendee(app_ctx: None) -> Callable[..., Attendee]:
    """Make an attendee: ``make_attendee(event, email, company=..., **fields)``."""
    return attendee_factory()


@pytest.fixture
def make_version(app_ctx: None) -> Callable[..., ScheduleVersion]:
    """Make a schedule version: ``make_version(event, [(round, table, a, b), ...], published)``."""
    return add_version


@pytest.fixture
def login_as(app: Flask, app_ctx: None) -> Callable[[Organiser], FlaskClient]:
    """A new test client logged in as the given organiser: ``login_as(organiser)``."""

    def login(organiser: Organiser) -> FlaskClient:
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = organiser.get_id()  # id and session version
            session["_fresh"] = True
        return client

    return login


def csrf_token(client: FlaskClient, page: str = "/organiser/login") -> str:
    """A CSRF token for ``client``'s session, read from a page's form as a browser would."""
    html = client.get(page).get_data(as_text=True)
    match = CSRF_INPUT.search(html)
    assert match, f"no CSRF token on {page}"
    return match.group(1)


def post_form(client: FlaskClient, url: str, data: dict[str, Any] | None = None, **kwargs: Any):
    """POST a form the way a browser does: with the session's CSRF token."""
    page = "/organiser/events" if _logged_in(client) else "/organiser/login"
    return client.post(url, data={**(data or {}), "csrf_token": csrf_token(client, page)}, **kwargs)


def _logged_in(client: FlaskClient) -> bool:
    with client.session_transaction() as session:
        return "_user_id" in session


TAGS = ["erp", "crm", "security", "cloud", "data", "iot"]
REGIONS = ["EMEA", "NA", "APAC", "LATAM"]


@pytest.fixture
def event(
    make_organiser: Callable[..., Organiser],
    make_event: Callable[..., Event],
    make_attendee: Callable[..., Attendee],
) -> Event:
    """An event of 14 attendees (two pairs of colleagues), 3 rounds, 6 tables, minimum 2."""
    event = make_event(make_organiser(), rounds=3, tables=6, min_meetings=2, solve_time_limit=5)
    for i in range(14):
        make_attendee(
            event,
            f"p{i}@c{i // 2 if i < 4 else i}.io",
            name=f"Person{i} Example",
            company=f"Company {i // 2 if i < 4 else i}",
            kind="vendor" if i % 5 == 0 else "partner",
            region=REGIONS[i % 4],
            offers=[TAGS[i % 6]],
            seeks=[TAGS[(i + 2) % 6], TAGS[(i + 3) % 6]],
            target_regions=[REGIONS[(i + 1) % 4]],
        )
    return event
