"""Benchmark the attendee agenda when every phone opens it at once, against a static file.

Issue 13's goal: served from its cache, the agenda answers within 1.5x of what a static file
served by the same gunicorn does (throughput and p95), with no errors. The bench
(``--sizes load``, about ten minutes), once on SQLite and once on PostgreSQL:

1. makes a database of its own: a SQLite file in a temporary folder, and a schema on the
   PostgreSQL server (``MINGLE_BENCH_DATABASE_URL``, default
   ``postgresql+psycopg://root@127.0.0.1:5432/test``), dropped at the end;
2. migrates it and seeds an event of 2,000 synthetic attendees (``solver.synthetic``) imported
   through the real import, with a round-robin schedule (``solver.baselines``) published; the
   event starts now, as at the moment everyone opens their agenda, with 30-minute rounds so
   the whole run falls within round 1;
3. serves the app with gunicorn on 127.0.0.1 (``-k gthread``, WORKERS x THREADS), first with
   the agenda cache off (``AGENDA_CACHE=off``: every page drawn, as before the cache), then on
   Redis (``REDIS_URL``, a key prefix of its own, removed at the end) after one unmeasured
   pass over every attendee's page;
4. runs the load generator, ``bench/load_client.py``, in a second process: one keep-alive
   connection per virtual user, each reading their own ``/a/<token>`` agenda (checked to be
   theirs) or the 13 kB ``/static/css/mingle.css`` (the limit), in two scenarios: 500 users at
   the same instant, 5 requests each back to back, and 2,000 users opening once within 60 s;
5. reports p50/p95/p99/max latency, requests per second, errors and, for the agenda, the ratio
   of its throughput and p95 to the static file's in the same scenario and database.

Only loopback traffic; every loop is bounded by request counts and deadlines.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from markupsafe import escape
from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import create_engine, make_url, select, text

from app import create_app
from app.config import normalise_database_url
from app.extensions import db
from app.models import Attendee, ScheduleVersion
from app.services.attendees.importing import apply_import, preview_import
from app.services.events.editing import create_event
from app.services.scheduling.instance import event_instance
from app.services.scheduling.versions import add_meetings
from bench.appdb import migrate_quietly
from solver.baselines import round_robin
from solver.synthetic import generate_event, write_attendees_csv

ROOT = Path(__file__).resolve().parent.parent
DATABASE_VAR = "MINGLE_BENCH_DATABASE_URL"
DEFAULT_DATABASE_URL = "postgresql+psycopg://root@127.0.0.1:5432/test"
REDIS_VAR = "MINGLE_BENCH_REDIS_URL"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/14"
DATABASES = ("sqlite", "postgresql")
ATTENDEES = 2000
ROUNDS = 8
ROUND_MINUTES = 30
TIMEZONE = "Europe/Lisbon"
RATIO_GOAL = 1.5  # the cached agenda's p95 and 1/throughput within this of the static file's
# Two cores: two processes keep both busy rendering, threads overlap the database waits.
WORKERS = 2
THREADS = 8
READY_SECONDS = 30  # gunicorn must answer /healthz within this
STATIC_PATH = "/static/css/mingle.css"
STATIC_MARKER = "Mingle: mobile-first styles"
# What is read: the static file (the limit), the agenda drawn every time, the agenda cached.
STATIC, COLD, CACHED = "static file", "agenda, no cache", "agenda, cached"
HEADER = [
    "database",
    "scenario",
    "page",
    "users x requests",
    "requests",
    "errors",
    "p50 ms",
    "p95 ms",
    "p99 ms",
    "max ms",
    "req/s",
    "app CPU ms/req",
    "load before",
    "req/s vs static",
    "p95 vs static",
    "goal met",
]


@dataclass(frozen=True)
class Scenario:
    """How the virtual users behave: start spread (ramp) and mean pause between requests."""

    label: str
    users: int
    requests: int
    ramp: float = 0.0  # seconds over which the users start
    think: float = 0.0  # mean seconds between one user's requests (0.5x to 1.5x)
    measured: bool = True  # the warm-up is not


WARM_UP = Scenario("warm-up", 50, 2, measured=False)
SCENARIOS = (
    Scenario("500 at the same instant", 500, 5),
    Scenario("2,000 opening within 60 s", 2000, 1, ramp=60.0),
)


@dataclass
class LoadRun:
    """One scenario's measurements."""

    scenario: Scenario
    path: str  # what was read, e.g. /a/<token>
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    error_reasons: list[tuple[str, int]] = field(default_factory=list)
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # used by gunicorn's processes during the scenario
    load_before: float | None = None  # the machine's 1-minute load average at the start
    failure: str = ""  # the bench could not run (no PostgreSQL, gunicorn did not start ...)
    database: str = ""
    page: str = ""  # STATIC, COLD or CACHED
    limit: LoadRun | None = None  # the static file's run in the same database and scenario

    def percentile(self, p: int) -> float | None:
        """The p-th percentile latency in ms (inclusive method), None without data."""
        if len(self.latencies_ms) < 2:
            return self.latencies_ms[0] if self.latencies_ms else None
        return statistics.quantiles(self.latencies_ms, n=100, method="inclusive")[p - 1]

    @property
    def requests(self) -> int:
        """Requests answered, errors included."""
        return len(self.latencies_ms)

    @property
    def rate(self) -> float:
        """Requests per second over the scenario's wall time."""
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms(self) -> float | None:
        """The app's CPU time per request (gunicorn's processes, not the database's)."""
        return 1000 * self.cpu_seconds / self.requests if self.requests else None

    def rate_ratio(self) -> float | None:
        """The static file's throughput over this page's (1.0: as fast; 2.0: half as fast)."""
        if self.limit is None or not self.rate or not self.limit.rate:
            return None
        return self.limit.rate / self.rate

    def p95_ratio(self) -> float | None:
        """This page's p95 over the static file's."""
        mine, static = self.percentile(95), self.limit and self.limit.percentile(95)
        return mine / static if mine is not None and static else None

    def misses(self) -> list[str]:
        """Why the run misses the goal (empty when met): errors anywhere, ratios when cached."""
        if self.failure:
            return [self.failure]
        label = f"{self.database} {self.scenario.label} {self.page}".strip()
        out = []
        if self.errors:
            reasons = "; ".join(f"{n} x {why}" for why, n in self.error_reasons)
            out.append(f"{label}: {self.errors} errors ({reasons})")
        if self.page == CACHED:
            for name, ratio in (("req/s", self.rate_ratio()), ("p95", self.p95_ratio())):
                if ratio is None or ratio > RATIO_GOAL:
                    out.append(f"{label}: {name} {_x(ratio)} the static file's > {RATIO_GOAL:g}x")
        return out

    def cells(self) -> list[str]:
        """The row's table cells, in HEADER order."""
        s = self.scenario
        if self.failure:
            head = [self.database or "-", s.label, self.page or "-"]
            return [*head, *["-"] * (len(HEADER) - 4), f"no: {self.failure}"]
        goal = "no" if self.misses() else "yes"
        if self.page != CACHED:
            goal = "no (errors)" if self.errors else "-"
        return [
            self.database,
            s.label,
            f"{self.page} ({self.path})",
            f"{s.users:,} x {s.requests}",
            f"{self.requests:,}",
            str(self.errors),
            _ms(self.percentile(50)),
            _ms(self.percentile(95)),
            _ms(self.percentile(99)),
            _ms(max(self.latencies_ms, default=None)),
            f"{self.rate:,.0f}",
            _ms(self.cpu_ms),
            "-" if self.load_before is None else f"{self.load_before:.1f}",
            "-" if self.page == STATIC else _x(self.rate_ratio()),
            "-" if self.page == STATIC else _x(self.p95_ratio()),
            goal,
        ]


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _x(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def bench_load(
    seed: int = 0,
    attendees: int = ATTENDEES,
    scenarios: tuple[Scenario, ...] = SCENARIOS,
    databases: tuple[str, ...] = DATABASES,
) -> list[LoadRun]:
    """On each database: seed, serve with gunicorn, run every scenario on every page.

    Args:
        attendees: the seeded event's size (at least the largest scenario's users, or users
            share pages).
        scenarios: the measured load scenarios, in order.
        databases: "sqlite" and/or "postgresql".
    """
    runs: list[LoadRun] = []
    for database in databases:
        try:
            runs += _bench_database(database, seed, attendees, scenarios)
        except BenchUnavailable as exc:
            runs += [
                LoadRun(s, "-", failure=str(exc), database=database, page=page)
                for s in scenarios
                for page in (STATIC, COLD, CACHED)
            ]
    for run in runs:
        run.limit = next(
            (
                r
                for r in runs
                if r.page == STATIC and r.database == run.database and r.scenario == run.scenario
            ),
            None,
        )
    return runs


def _bench_database(
    database: str, seed: int, attendees: int, scenarios: tuple[Scenario, ...]
) -> list[LoadRun]:
    """Seed one database, then measure the static file, the agenda cold and cached on it."""
    print(f"  {database}:", flush=True)
    runs: list[LoadRun] = []
    with _database(database) as url, tempfile.TemporaryDirectory(prefix="mingle-load-") as tmp:
        folder = Path(tmp)
        agenda_lines = _seed(url, seed, attendees)
        agendas, static = folder / "agendas.txt", folder / "static.txt"
        agendas.write_text("\n".join(agenda_lines) + "\n", encoding="utf-8")
        static.write_text(f"{STATIC_PATH}\t{STATIC_MARKER}\n", encoding="utf-8")
        with _gunicorn(url, folder, {"AGENDA_CACHE": "off"}) as (port, pid):
            _run_client(WARM_UP, port, agendas, "-")
            for page, paths, label in (
                (STATIC, static, STATIC_PATH),
                (COLD, agendas, "/a/<token>"),
            ):
                runs += [_measure(s, port, pid, paths, label, database, page) for s in scenarios]
        try:
            runs += _cached_runs(url, folder, agendas, len(agenda_lines), scenarios, database)
        except BenchUnavailable as exc:  # the cold and static rows above stay measured
            runs += [
                LoadRun(s, "-", failure=str(exc), database=database, page=CACHED) for s in scenarios
            ]
    return runs


def _cached_runs(
    url: str,
    folder: Path,
    agendas: Path,
    attendees: int,
    scenarios: tuple[Scenario, ...],
    database: str,
) -> list[LoadRun]:
    """The agenda with its cache on Redis, filled first by one request per attendee.

    The filling requests arrive at about 100 a second, within what the server draws, and a
    second pass picks up any page the first did not keep.
    """
    with _redis_prefix() as (redis_url, prefix):
        env = {"AGENDA_CACHE": "redis", "REDIS_URL": redis_url, "AGENDA_CACHE_PREFIX": prefix}
        with _gunicorn(url, folder, env) as (port, pid):
            fill = Scenario("fill the cache", attendees, 1, ramp=attendees / 100, measured=False)
            for _ in range(2):
                warm = _run_client(fill, port, agendas, "-")
                if not warm.failure and not warm.errors:
                    break
                print(f"      filling: {warm.failure or warm.error_reasons}", flush=True)
            else:
                raise BenchUnavailable(
                    f"filling the cache failed: {warm.failure or warm.error_reasons}"
                )
            return [
                _measure(s, port, pid, agendas, "/a/<token>", database, CACHED) for s in scenarios
            ]


def _measure(
    scenario: Scenario, port: int, pid: int, paths: Path, label: str, database: str, page: str
) -> LoadRun:
    """One measured scenario, with the server's CPU time and the machine's load before it."""
    cpu, before = _tree_cpu_seconds(pid), _load_average()
    run = _run_client(scenario, port, paths, label)
    run.cpu_seconds = _tree_cpu_seconds(pid) - cpu
    run.load_before = before
    run.database, run.page = database, page
    return run


class BenchUnavailable(Exception):
    """The load bench cannot run here (no PostgreSQL, gunicorn does not start ...)."""


@contextlib.contextmanager
def _database(kind: str) -> Iterator[str]:
    """A fresh database of ``kind`` for the bench, removed afterwards; yields its URL."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="mingle-load-db-") as tmp:
            yield f"sqlite:///{Path(tmp) / 'load.sqlite3'}"
        return
    server_url = normalise_database_url(os.environ.get(DATABASE_VAR) or DEFAULT_DATABASE_URL)
    with _schema(server_url) as url:
        yield url


@contextlib.contextmanager
def _redis_prefix() -> Iterator[tuple[str, str]]:
    """The bench's Redis and a key prefix of its own; its keys are deleted afterwards."""
    url = os.environ.get(REDIS_VAR) or DEFAULT_REDIS_URL
    connection = Redis.from_url(url, socket_connect_timeout=2)
    try:
        connection.ping()
    except RedisError as exc:
        raise BenchUnavailable(f"Redis at {url} is not usable: {exc}") from exc
    prefix = f"mingle-bench-{secrets.token_hex(6)}:"
    try:
        yield url, prefix
    finally:
        for key in connection.scan_iter(match=f"{prefix}*", count=1000):
            connection.delete(key)
        connection.close()


@contextlib.contextmanager
def _schema(server_url: str) -> Iterator[str]:
    """A fresh schema on the server for the bench, dropped afterwards; yields its URL."""
    schema = f"mingle_bench_{secrets.token_hex(6)}"
    admin = create_engine(server_url, connect_args={"connect_timeout": 5})
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:
        admin.dispose()
        where = make_url(server_url).render_as_string(hide_password=True)
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise BenchUnavailable(f"PostgreSQL at {where} is not usable: {reason}") from exc
    url = make_url(server_url).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _seed(url: str, seed: int, attendees: int) -> list[str]:
    """Migrate, import ``attendees`` attendees, publish a round-robin schedule starting now.

    Returns:
        One ``PATH<TAB>MARKER`` line per attendee for the load generator (their agenda and
        their name as the page shows it).
    """
    print(f"    seeding {attendees} attendees and their schedule ...", flush=True)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "REDIS_URL": None})
    with tempfile.TemporaryDirectory(prefix="mingle-load-csv-") as tmp:
        csv_path = Path(tmp) / "attendees.csv"
        write_attendees_csv(generate_event(attendees, ROUNDS, seed=seed), csv_path)
        data = csv_path.read_bytes()
    with app.app_context():
        migrate_quietly()
        now = datetime.now(ZoneInfo(TIMEZONE)).replace(tzinfo=None, second=0, microsecond=0)
        event = create_event(
            None,
            {
                "name": "Load benchmark forum",
                "venue": "Loopback Hall",
                "timezone": TIMEZONE,
                "starts_at": now,
                "rounds": ROUNDS,
                "round_minutes": ROUND_MINUTES,
                "tables": attendees // 2,
                "min_meetings": 4,
            },
        )
        preview = preview_import(event, data, "attendees.csv")
        if not preview.ok:
            raise BenchUnavailable(f"the synthetic attendees do not import: {preview.problems[0]}")
        apply_import(event, preview)
        built = event_instance(event)
        version = ScheduleVersion(event_id=event.id, number=1, source="solver", status="ready")
        add_meetings(version, built, round_robin(built.instance, seed=seed), set())
        db.session.add(version)
        db.session.flush()
        event.published_version_id = version.id
        db.session.commit()
        people = db.session.scalars(select(Attendee).where(Attendee.event_id == event.id)).all()
        lines = [f"/a/{a.token}\t{escape(a.name)}" for a in people]
        print(
            f"    {len(people)} attendees, {len(version.meetings)} meetings published; "
            f"event starts {now:%H:%M} {TIMEZONE}",
            flush=True,
        )
        db.session.remove()
        db.engine.dispose()
    return lines


def _free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def _gunicorn(url: str, folder: Path, settings: dict[str, str]) -> Iterator[tuple[int, int]]:
    """gunicorn serving ``wsgi:app`` on 127.0.0.1 until the block ends; yields port and pid.

    ``settings``: environment variables of this server (the agenda cache's).
    """
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": secrets.token_hex(16),
        "MINGLE_ENV": "production",
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
        "REDIS_URL": "",
        "SMTP_HOST": "",
        **settings,
    }
    log = folder / "gunicorn.log"
    command = [
        sys.executable, "-m", "gunicorn",
        "--workers", str(WORKERS), "--worker-class", "gthread", "--threads", str(THREADS),
        "--bind", f"127.0.0.1:{port}", "--backlog", "2048", "--keep-alive", "5",
        "--error-logfile", str(log), "--log-level", "warning",
        "wsgi:app",
    ]  # fmt: skip
    cache = settings.get("AGENDA_CACHE", "default")
    print(
        f"    gunicorn: {WORKERS} workers x {THREADS} threads (gthread) on 127.0.0.1:{port}, "
        f"agenda cache {cache}",
        flush=True,
    )
    server = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    try:
        _wait_ready(port, server, log)
        yield port, server.pid
    finally:
        server.send_signal(signal.SIGTERM)  # the master stops its own workers
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


def _wait_ready(port: int, server: subprocess.Popen[bytes], log: Path) -> None:
    """Return once /healthz answers 200; raise when gunicorn exits or takes too long."""
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise BenchUnavailable(f"gunicorn exited ({server.returncode}): {_tail(log)}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    raise BenchUnavailable(f"gunicorn did not answer /healthz within {READY_SECONDS} s")


def _tree_cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system) used so far by process ``pid`` and its children (Linux).

    Returns 0 where /proc is not available.
    """
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue  # the process ended meanwhile
        if stat.parent.name == str(pid) or fields[1] == str(pid):  # itself, or its parent
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def _load_average() -> float | None:
    """The machine's 1-minute load average: other work on the cores skews latencies."""
    try:
        return os.getloadavg()[0]
    except OSError:
        return None


def _tail(log: Path) -> str:
    """The last lines of gunicorn's log, on one line."""
    try:
        return " | ".join(log.read_text(encoding="utf-8").splitlines()[-3:])
    except OSError:
        return "(no log)"


def _run_client(scenario: Scenario, port: int, paths: Path, path: str) -> LoadRun:
    """Run the load generator process for one scenario and read its JSON."""
    deadline = 60 + scenario.ramp + scenario.requests * (scenario.think * 1.5 + 30)
    command = [
        sys.executable, "-m", "bench.load_client",
        "--port", str(port), "--paths", str(paths),
        "--users", str(scenario.users), "--requests", str(scenario.requests),
        "--ramp", str(scenario.ramp), "--think", str(scenario.think),
        "--timeout", "30", "--deadline", str(deadline),
    ]  # fmt: skip
    print(f"      {scenario.label}: {scenario.users} users x {scenario.requests} ...", flush=True)
    done = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=deadline + 30, check=False
    )
    run = LoadRun(scenario, path)
    if done.returncode != 0:
        run.failure = f"the load generator failed: {done.stderr.strip().splitlines()[-1:]}"
        return run
    out = json.loads(done.stdout)
    run.latencies_ms = out["latencies_ms"]
    run.errors = out["errors"]
    run.error_reasons = [tuple(x) for x in out["error_reasons"]]
    run.seconds = out["seconds"]
    return run
