"""Agenda pages served from a rendering cached per attendee, stamp and time window.

When an event starts every attendee opens their agenda in the same minute, and each page costs
10-12 ms of CPU to build. So the rendered HTML is kept, keyed on:

- the attendee's id and a hash of their current token (a re-issued token never finds the old
  link's page; the token itself is checked against the database on every request first);
- the event's ``agenda_stamp`` and the attendee's own ``agenda_stamp``, which the database bumps
  in the same transaction as any write an agenda may show (app/models/agenda_stamps.py):
  a publish or re-plan, a name, company or table change, a token re-issue, a follow-up answer;
- a fingerprint of the templates and code that draw the page (a deploy never serves old HTML).

What depends on the clock is handled in two ways. The "now / next" marks, follow-ups opening at
a round's end, their close and requests closing at the start all change at known instants: an
entry is only used until the next of them (``valid_until``) and at most ``AGENDA_CACHE_SECONDS``.
The "last updated" time is left out of the cached HTML as a placeholder and filled in with the
minute the page is served, so the strong ETag is the entry's digest plus that minute.

The store is Flask-Caching: ``RedisCache`` when ``REDIS_URL`` is set (shared by every worker), a
bounded ``SimpleCache`` in each process otherwise, or nothing (``AGENDA_CACHE=off``).
"""

from __future__ import annotations

import hashlib
import re
import threading
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from cachelib import SimpleCache
from flask import Flask, current_app
from markupsafe import escape
from sqlalchemy import Engine, Select, bindparam, create_engine, event, select

from app.extensions import agenda_pages, db
from app.models import Attendee, Event
from app.services.attendees.agenda import Agenda
from app.services.events.clock import to_utc
from app.services.followups.closing import closes_at_utc

KEY_VERSION = "v1"
DEFAULT_MAX_SECONDS = 600  # an entry is re-rendered at least this often, whatever happens
# What draws the agenda page: a change to any of these (a deploy) changes every key.
DRAWN_BY = (
    "templates/base.html",
    "templates/attendee/layout.html",
    "templates/attendee/agenda.html",
    "app/services/attendees/agenda.py",
    "app/services/attendees/agenda_cache.py",
)
NOW_UTC = "@@mingle-rendered-utc@@"
NOW_LOCAL = re.compile(r"@@mingle-rendered-local:([^@]*)@@")


# -- configuration ------------------------------------------------------------------------------


def init_agenda_cache(app: Flask, root: Path) -> None:
    """Bind the agenda page store to ``app``: Redis, this process's memory, or none."""
    kind = app.config.get("AGENDA_CACHE") or ("redis" if app.config.get("REDIS_URL") else "memory")
    app.config["AGENDA_CACHE"] = kind
    app.config.setdefault("AGENDA_CACHE_SECONDS", DEFAULT_MAX_SECONDS)
    app.config.setdefault("AGENDA_CACHE_PREFIX", "mingle-agenda:")
    config: dict[str, Any] = {
        "CACHE_TYPE": {"redis": "RedisCache", "memory": "SimpleCache"}.get(kind, "NullCache"),
        "CACHE_NO_NULL_WARNING": True,
        "CACHE_KEY_PREFIX": app.config["AGENDA_CACHE_PREFIX"],
        "CACHE_DEFAULT_TIMEOUT": app.config["AGENDA_CACHE_SECONDS"],
        "CACHE_THRESHOLD": app.config.get("AGENDA_CACHE_SIZE", 5000),
    }
    if kind == "redis":
        config["CACHE_REDIS_URL"] = app.config["REDIS_URL"]
        config["CACHE_OPTIONS"] = {"socket_connect_timeout": 2, "socket_timeout": 2}
    agenda_pages.init_app(app, config=config)
    # With Redis, each process also keeps the pages it served in memory: a key names its
    # stamps, read from the database on every request, so a local copy is never staler than
    # Redis's, and a hit costs no round trip.
    app.extensions["mingle_agenda_local"] = (
        SimpleCache(
            threshold=app.config.get("AGENDA_CACHE_SIZE", 5000),
            default_timeout=app.config["AGENDA_CACHE_SECONDS"],
        )
        if kind == "redis"
        else None
    )
    digest = hashlib.sha256(KEY_VERSION.encode())
    for name in DRAWN_BY:
        path = root / name
        digest.update(path.read_bytes() if path.exists() else name.encode())
    app.config["AGENDA_CACHE_CODE"] = digest.hexdigest()[:12]


def enabled() -> bool:
    """Whether agenda pages are cached (``AGENDA_CACHE`` is not ``off``)."""
    return current_app.config.get("AGENDA_CACHE", "off") != "off"


# -- who is asking: one indexed query ----------------------------------------------------------


@dataclass(frozen=True)
class AgendaOwner:
    """The attendee a token belongs to, with the stamps that key their cached page."""

    attendee_id: int
    event_id: int
    key: str


def _owner_query() -> Select[Any]:
    attendees, events = Attendee.__table__, Event.__table__
    return (
        select(attendees.c.id, attendees.c.event_id, attendees.c.token)
        .add_columns(events.c.agenda_stamp, attendees.c.agenda_stamp)
        .join(events, events.c.id == attendees.c.event_id)
        .where(attendees.c.token == bindparam("token"))
    )


# Built once: constructing the statement would cost as much as running it.
OWNER_QUERY = _owner_query()
_OWNER_SQL: dict[str, str] = {}  # OWNER_QUERY compiled, by dialect name


def agenda_owner(token: str) -> tuple[int, int, str, int, int] | None:
    """The (attendee id, event id, token, event stamp, attendee stamp) for ``token``, or None.

    One indexed lookup on an autocommit connection: no ORM machinery and no transaction to
    begin and roll back, so a page served from the cache (or a 304) costs the database one
    round trip. The page, when drawn, reads its data after this, so a page is never kept under
    stamps newer than what it shows.
    """
    engine = lookup_engine()
    if engine.dialect.name == "sqlite":
        return _file_lookup(engine, token)
    return _server_lookup(engine, token)


def _compiled(engine: Engine) -> str:
    """OWNER_QUERY as the SQL text of ``engine``'s dialect, compiled once."""
    sql = _OWNER_SQL.get(engine.dialect.name)
    if sql is None:
        sql = _OWNER_SQL[engine.dialect.name] = str(OWNER_QUERY.compile(dialect=engine.dialect))
    return sql


def _file_lookup(engine: Engine, token: str) -> tuple[int, int, str, int, int] | None:
    """The lookup on SQLite: the compiled statement on the driver's connection (sqlite3 keeps
    its own statement cache), without SQLAlchemy's execution layer, whose work around a
    one-row query costs several times the query's. A SELECT opens no transaction in sqlite3."""
    pooled = engine.raw_connection()
    driver: Any = pooled.driver_connection  # sqlite3's Connection
    try:
        row = driver.execute(_compiled(engine), (token,)).fetchone()
    finally:
        pooled.close()
    return None if row is None else (row[0], row[1], row[2], row[3], row[4])


def _server_lookup(engine: Engine, token: str) -> tuple[int, int, str, int, int] | None:
    """The lookup on PostgreSQL: a statement psycopg prepares once per connection.

    It runs on the driver's connection, checked out of the lookup engine's pool, since
    SQLAlchemy's execution layer around a one-row query costs the app about as much CPU as
    the driver itself. A connection the server dropped (a restart, a failover: the lookup
    engine does not ping before each use) fails once; the pool then lets go of every
    connection it holds, and the lookup runs again on a new one.
    """
    sql = _compiled(engine)
    for attempt in (1, 2):
        pooled = engine.raw_connection()
        driver: Any = pooled.driver_connection  # psycopg's Connection
        try:
            row = driver.execute(sql, {"token": token}, prepare=True).fetchone()
        except engine.dialect.loaded_dbapi.Error as exc:
            if attempt == 2 or not engine.dialect.is_disconnect(exc, pooled.dbapi_connection, None):
                pooled.close()
                raise
            pooled.invalidate(exc)
            engine.dispose(close=False)  # the others are as old: a fresh pool, new connections
            continue
        pooled.close()
        return None if row is None else (row[0], row[1], row[2], row[3], row[4])
    return None  # not reached: the second attempt returns or raises


_LOOKUP_LOCK = threading.Lock()


def lookup_engine() -> Engine:
    """The engine the token lookup runs on: on a server database, one of its own.

    The app's engine pings the server before handing out each connection (``pool_pre_ping``),
    a round trip as dear as the lookup itself. The lookup engine skips it and runs in
    autocommit mode; it is disposed with the app's engine. SQLite is in-process, so there
    the app's engine serves (and an in-memory database is only visible on it).
    """
    engine = db.engine
    if engine.dialect.name == "sqlite":
        return engine
    engines: dict[Engine, Engine] = current_app.extensions.setdefault("mingle_lookup", {})
    lookup = engines.get(engine)
    if lookup is not None:
        return lookup
    with _LOOKUP_LOCK:
        lookup = engines.get(engine)
        if lookup is None:
            options = current_app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {})
            lookup = create_engine(
                engine.url,
                connect_args=options.get("connect_args", {}),
                isolation_level="AUTOCOMMIT",
                pool_pre_ping=False,
                pool_size=engine.pool.size() if hasattr(engine.pool, "size") else 5,
            )
            event.listen(engine, "engine_disposed", lambda _engine: lookup.dispose())
            engines[engine] = lookup
    return lookup


def owner_key(attendee_id: int, event_id: int, token: str, stamps: tuple[int, int]) -> AgendaOwner:
    """The cache key of an attendee's page for these stamps."""
    token_hash = hashlib.sha256(token.encode()).hexdigest()[:24]
    code = current_app.config.get("AGENDA_CACHE_CODE", "")
    key = f"{KEY_VERSION}:{code}:e{event_id}.{stamps[0]}:a{attendee_id}.{stamps[1]}:{token_hash}"
    return AgendaOwner(attendee_id, event_id, key)


# -- entries -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CachedAgenda:
    """A rendered agenda with placeholders for the "last updated" time, valid until an instant."""

    body: str
    digest: str
    timezone: str
    valid_until: float  # UTC epoch seconds

    def fresh(self, now: datetime) -> bool:
        """Whether the page still shows what a render at ``now`` would show."""
        return now.timestamp() < self.valid_until

    def etag(self, now: datetime) -> str:
        """The strong ETag of the page as served in ``now``'s minute (its bytes are fixed)."""
        return f"{self.digest}-{int(_minute(now).timestamp()) // 60}"

    def page(self, now: datetime) -> str:
        """The page as served at ``now``: the placeholders filled with the minute."""
        minute = _minute(now)
        local = minute.astimezone(ZoneInfo(self.timezone))
        body = self.body.replace(NOW_UTC, minute.isoformat())
        return NOW_LOCAL.sub(lambda m: str(escape(local.strftime(m.group(1)))), body)


def _minute(now: datetime) -> datetime:
    return now.astimezone(UTC).replace(second=0, microsecond=0)


def get_cached(owner: AgendaOwner, now: datetime) -> CachedAgenda | None:
    """The cached page of ``owner`` if there is one still valid at ``now``."""
    local = current_app.extensions.get("mingle_agenda_local")
    entry = local.get(owner.key) if local is not None else None
    if isinstance(entry, CachedAgenda) and entry.fresh(now):
        return entry
    try:
        entry = agenda_pages.get(owner.key)
    except Exception:  # Redis down or a broken entry: render instead of failing the page
        current_app.logger.warning("agenda cache read failed", exc_info=True)
        return None
    if isinstance(entry, CachedAgenda) and entry.fresh(now):
        if local is not None:
            local.set(owner.key, entry, timeout=int(entry.valid_until - now.timestamp()) + 1)
        return entry
    return None


def store(owner: AgendaOwner, agenda: Agenda, body: str, now: datetime) -> CachedAgenda:
    """Keep a page rendered with ``placeholder_times``; returns the entry (kept or not)."""
    limit = current_app.config.get("AGENDA_CACHE_SECONDS", DEFAULT_MAX_SECONDS)
    until = min(valid_until(agenda, now), now + timedelta(seconds=limit))
    digest = hashlib.sha256(f"{owner.key}\n{body}".encode()).hexdigest()[:32]
    entry = CachedAgenda(body, digest, agenda.event.timezone, until.timestamp())
    seconds = int((until - now).total_seconds()) + 1
    local = current_app.extensions.get("mingle_agenda_local")
    if local is not None:
        local.set(owner.key, entry, timeout=seconds)
    try:
        agenda_pages.set(owner.key, entry, timeout=seconds)
    except Exception:  # Redis down: the page is still served, just not kept
        current_app.logger.warning("agenda cache write failed", exc_info=True)
    return entry


def valid_until(agenda: Agenda, now: datetime) -> datetime:
    """The first instant after ``now`` at which the page would show something else.

    Every time-dependent part of the page changes at one of these: a round or break starting
    or ending ("now", "next", "past"; a follow-up opens at its round's end), the event's start
    (requests close), and the follow-ups' close.
    """
    event = agenda.event
    moments = [slot.start_utc for slot in agenda.slots] + [slot.end_utc for slot in agenda.slots]
    moments.append(closes_at_utc(event))
    moments.append(to_utc(event, event.starts_at))
    later = [m for m in moments if m > now]
    return min(later, default=now + timedelta(seconds=DEFAULT_MAX_SECONDS))


class PlaceholderTime:
    """Stands for the rendering time in a cached page; filled in when the page is served."""

    def __init__(self, local: bool) -> None:
        self.local = local

    def isoformat(self) -> str:
        if self.local:
            raise TypeError("the local rendering time has no ISO placeholder")
        return NOW_UTC

    def strftime(self, fmt: str) -> str:
        if not self.local or "@" in fmt:
            raise TypeError("only the local rendering time is formatted")
        return f"@@mingle-rendered-local:{fmt}@@"


def placeholder_times(agenda: Agenda) -> Agenda:
    """``agenda`` with placeholders for its rendering time (see ``CachedAgenda.page``)."""
    return replace(
        agenda,
        rendered_at=PlaceholderTime(local=True),  # type: ignore[arg-type]
        rendered_utc=PlaceholderTime(local=False),  # type: ignore[arg-type]
    )
