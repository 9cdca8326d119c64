"""Benchmark the attendee agenda under load: 500 readers at once, gunicorn on PostgreSQL.

Issue 4's goal: 500 concurrent agenda readers, p95 latency < 50 ms and no errors. The bench
(``--sizes load``, about a minute):

1. creates a schema of its own on the PostgreSQL server (``MINGLE_BENCH_DATABASE_URL``,
   default ``postgresql+psycopg://root@127.0.0.1:5432/test``), dropped at the end;
2. migrates it and seeds an event of 500 synthetic attendees (``solver.synthetic``) with a
   schedule built by the real solver and published; the event starts now, as at the moment
   everyone opens their agenda;
3. serves the app with gunicorn on 127.0.0.1 (``-k gthread``, WORKERS x THREADS);
4. runs the load generator, ``bench/load_client.py``, in a second process: one keep-alive
   connection per virtual user, each user reading their own ``/a/<token>`` agenda, checked to
   be theirs. After a warm-up, two scenarios: everyone opening at the same instant and
   reloading back to back (the worst case: 500 requests always queued at the server), and
   500 readers who open within 10 s and reload about every 10 s (about 50 requests/s);
5. reports p50/p95/p99/max latency, requests per second and errors against the goal.

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
from sqlalchemy import create_engine, make_url, select, text

from app import create_app
from app.config import normalise_database_url
from app.extensions import db
from app.models import Attendee
from app.services.attendees.importing import apply_import, preview_import
from app.services.events.editing import create_event
from app.services.scheduling.builds import run_build
from app.services.scheduling.jobs import create_build_job
from app.services.scheduling.versions import publish
from bench.appdb import migrate_quietly
from solver.synthetic import generate_event, write_attendees_csv

ROOT = Path(__file__).resolve().parent.parent
DATABASE_VAR = "MINGLE_BENCH_DATABASE_URL"
DEFAULT_DATABASE_URL = "postgresql+psycopg://root@127.0.0.1:5432/test"
ATTENDEES = 500
ROUNDS = 8
SOLVE_SECONDS = 10
TIMEZONE = "Europe/Lisbon"
TARGET_P95_MS = 50.0
# Two cores: two processes keep both busy rendering, threads overlap the database waits.
WORKERS = 2
THREADS = 8
READY_SECONDS = 30  # gunicorn must answer /healthz within this
HEADER = [
    "scenario",
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
    "target",
    "met",
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


SCENARIOS = (
    Scenario("warm-up", 50, 2, measured=False),
    Scenario("all at once, back to back", ATTENDEES, 5),
    Scenario("readers: open within 10 s, reload every ~10 s", ATTENDEES, 5, ramp=10.0, think=10.0),
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
        """The app's CPU time per request (gunicorn's processes, not PostgreSQL's)."""
        return 1000 * self.cpu_seconds / self.requests if self.requests else None

    def misses(self) -> list[str]:
        """Why the run misses the goal (empty when met)."""
        if self.failure:
            return [self.failure]
        out = []
        p95 = self.percentile(95)
        if p95 is None or p95 >= TARGET_P95_MS:
            out.append(f"{self.scenario.label}: p95 {_ms(p95)} ms >= {TARGET_P95_MS:g} ms")
        if self.errors:
            reasons = "; ".join(f"{n} x {why}" for why, n in self.error_reasons)
            out.append(f"{self.scenario.label}: {self.errors} errors ({reasons})")
        return out

    def cells(self) -> list[str]:
        """The row's table cells, in HEADER order."""
        s = self.scenario
        if self.failure:
            return [s.label, *["-"] * (len(HEADER) - 2), f"no: {self.failure}"]
        return [
            f"{s.label} ({self.path})",
            f"{s.users} x {s.requests}",
            f"{self.requests:,}",
            str(self.errors),
            _ms(self.percentile(50)),
            _ms(self.percentile(95)),
            _ms(self.percentile(99)),
            _ms(max(self.latencies_ms, default=None)),
            f"{self.rate:,.0f}",
            _ms(self.cpu_ms),
            "-" if self.load_before is None else f"{self.load_before:.1f}",
            f"p95 < {TARGET_P95_MS:g} ms, 0 errors",
            "no" if self.misses() else "yes",
        ]


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def bench_load(
    seed: int = 0,
    attendees: int = ATTENDEES,
    solve_seconds: int = SOLVE_SECONDS,
    scenarios: tuple[Scenario, ...] = SCENARIOS,
) -> list[LoadRun]:
    """Seed PostgreSQL, serve with gunicorn, run every scenario; returns the measured runs.

    Args:
        attendees, solve_seconds: the seeded event's size and its build's time limit.
        scenarios: the load scenarios, in order (the ones not ``measured`` warm up).
    """
    server_url = normalise_database_url(os.environ.get(DATABASE_VAR) or DEFAULT_DATABASE_URL)
    measured = [s for s in scenarios if s.measured]
    try:
        with _schema(server_url) as url, tempfile.TemporaryDirectory(prefix="mingle-load-") as tmp:
            folder = Path(tmp)
            path, lines = _seed(url, seed, folder, attendees, solve_seconds)
            paths = folder / "paths.txt"
            paths.write_text("\n".join(lines) + "\n", encoding="utf-8")
            with _gunicorn(url, folder) as (port, pid):
                runs = []
                for scenario in scenarios:
                    cpu, before = _tree_cpu_seconds(pid), _load_average()
                    runs.append(_run_client(scenario, port, paths, path))
                    runs[-1].cpu_seconds = _tree_cpu_seconds(pid) - cpu
                    runs[-1].load_before = before
    except BenchUnavailable as exc:
        return [LoadRun(s, "-", failure=str(exc)) for s in measured]
    return [r for r in runs if r.scenario.measured]


class BenchUnavailable(Exception):
    """The load bench cannot run here (no PostgreSQL, gunicorn does not start ...)."""


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


def _seed(
    url: str, seed: int, folder: Path, attendees: int, solve_seconds: int
) -> tuple[str, list[str]]:
    """Migrate, import ``attendees`` attendees, build and publish a schedule starting now.

    Returns:
        The path label read (``/a/<token>``, or ``/healthz`` without the attendee pages) and
        one ``PATH<TAB>MARKER`` line per attendee for the load generator.
    """
    print(f"  seeding {attendees} attendees and building their schedule ...", flush=True)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "REDIS_URL": None})
    csv_path = folder / "attendees.csv"
    write_attendees_csv(generate_event(attendees, ROUNDS, seed=seed), csv_path)
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
                "tables": attendees // 2,
                "min_meetings": 4,
                "solve_time_limit": solve_seconds,
            },
        )
        preview = preview_import(event, csv_path.read_bytes(), csv_path.name)
        if not preview.ok:
            raise BenchUnavailable(f"the synthetic attendees do not import: {preview.problems[0]}")
        apply_import(event, preview)
        job = run_build(create_build_job(event, solve_seconds).id)
        if job.status != "done" or job.version is None:
            raise BenchUnavailable(f"the schedule build failed: {job.error}")
        publish(job.version)
        people = db.session.scalars(select(Attendee).where(Attendee.event_id == event.id)).all()
        agenda = "attendee.agenda" in app.view_functions
        if agenda:
            lines = [f"/a/{a.token}\t{escape(a.name)}" for a in people]
        else:  # the attendee pages are not there yet: measure the stack on the health probe
            lines = ['/healthz\t"ok"'] * len(people)
        print(
            f"  {len(people)} attendees, {len(job.version.meetings)} meetings published "
            f"(version {job.version.number}); event starts {now:%H:%M} {TIMEZONE}",
            flush=True,
        )
        db.session.remove()
        db.engine.dispose()
    return ("/a/<token>" if agenda else "/healthz"), lines


def _free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def _gunicorn(url: str, folder: Path) -> Iterator[tuple[int, int]]:
    """gunicorn serving ``wsgi:app`` on 127.0.0.1 until the block ends; yields port and pid."""
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": secrets.token_hex(16),
        "MINGLE_ENV": "production",
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
        "REDIS_URL": "",
        "SMTP_HOST": "",
    }
    log = folder / "gunicorn.log"
    command = [
        sys.executable, "-m", "gunicorn",
        "--workers", str(WORKERS), "--worker-class", "gthread", "--threads", str(THREADS),
        "--bind", f"127.0.0.1:{port}", "--backlog", "2048", "--keep-alive", "5",
        "--error-logfile", str(log), "--log-level", "warning",
        "wsgi:app",
    ]  # fmt: skip
    print(
        f"  gunicorn: {WORKERS} workers x {THREADS} threads (gthread) on 127.0.0.1:{port}",
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
    print(f"  {scenario.label}: {scenario.users} users x {scenario.requests} ...", flush=True)
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
