"""The agenda load test: its load generator process, its table and verdict, and a small real run."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

import bench.__main__ as bench_main
from bench import load
from bench.load import LoadRun, Scenario

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def port(app: Flask) -> Iterator[int]:
    """The test app served over HTTP on 127.0.0.1 in a thread; yields its port."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_port
    server.shutdown()
    thread.join(timeout=10)


def run_client(port: int, tmp_path: Path, lines: list[str], *flags: str) -> dict:
    """Run ``python -m bench.load_client`` in its own process; its JSON answer."""
    paths = tmp_path / "paths.txt"
    paths.write_text("\n".join(lines) + "\n", encoding="utf-8")
    command = [sys.executable, "-m", "bench.load_client", "--port", str(port)]
    command += ["--paths", str(paths), "--deadline", "60", *flags]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=90)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_load_generator_counts_every_answer(port: int, tmp_path: Path) -> None:
    out = run_client(port, tmp_path, ['/healthz\t"ok"'], "--users", "20", "--requests", "3")
    assert out["errors"] == 0 and out["error_reasons"] == []
    assert len(out["latencies_ms"]) == 60 and all(x > 0 for x in out["latencies_ms"])
    assert out["seconds"] > 0


def test_wrong_pages_and_answers_are_errors(port: int, tmp_path: Path) -> None:
    lines = ['/healthz\t"ok"', "/no-such-page\tanything", "/healthz\tsomeone else's name"]
    out = run_client(port, tmp_path, lines, "--users", "3", "--requests", "2")
    assert out["errors"] == 4 and len(out["latencies_ms"]) == 6
    assert dict(map(tuple, out["error_reasons"])) == {
        "HTTP 404": 2,
        "200 without the attendee's own agenda": 2,
    }


def test_nothing_listening_is_an_error_per_request(tmp_path: Path) -> None:
    from tests.smtp_server import free_port

    out = run_client(free_port(), tmp_path, ['/healthz\t"ok"'], "--users", "2", "--requests", "2")
    assert out["errors"] == 4 and out["latencies_ms"] == []
    assert "ConnectionRefusedError" in out["error_reasons"][0][0]


def test_a_connection_the_server_closed_while_idle_is_opened_again(tmp_path: Path) -> None:
    """A server that answers one request per connection, then hangs up without saying so."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(30)

    def serve() -> None:
        for _ in range(3):  # bounded: the three requests of the one user
            conn, _ = listener.accept()
            with conn:
                conn.recv(4096)
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    port = listener.getsockname()[1]
    flags = ("--users", "1", "--requests", "3", "--think", "0.2")
    out = run_client(port, tmp_path, ["/\tok"], *flags)
    thread.join(timeout=10)
    listener.close()
    assert out["errors"] == 0 and len(out["latencies_ms"]) == 3


def test_only_loopback_is_a_target(tmp_path: Path) -> None:
    paths = tmp_path / "paths.txt"
    paths.write_text("/\tx\n")
    command = [sys.executable, "-m", "bench.load_client", "--host", "example.org"]
    done = subprocess.run(
        [*command, "--port", "80", "--paths", str(paths)], cwd=ROOT, capture_output=True, timeout=30
    )
    assert done.returncode == 2 and b"loopback" in done.stderr


def fake_runs(p95: float, errors: int = 0, failure: str = "") -> list[LoadRun]:
    """A static file's run (p95 10 ms, 100 req/s) and a cached agenda's with the given p95.

    Both have a flat 100 ms tail above their p95.
    """
    scenario = Scenario("all at once", 10, 10)
    if failure:
        return [LoadRun(scenario, "-", failure=failure, database="sqlite", page=load.CACHED)]

    def latencies(p: float) -> list[float]:
        return [p * 0.5] * 90 + [p] * 6 + [100.0] * 4

    static = LoadRun(scenario, "/static", latencies(10.0), 0, [], 1.0, database="sqlite")
    static.page = load.STATIC
    cached = LoadRun(scenario, "/a/<token>", latencies(p95), errors, [("HTTP 500", errors)], 1.25)
    cached.database, cached.page, cached.limit = "sqlite", load.CACHED, static
    static.limit = static
    return [static, cached]


def run_main(monkeypatch, tmp_path: Path, runs: list[LoadRun], *flags: str) -> tuple[int, str]:
    monkeypatch.setattr(load, "bench_load", lambda seed: runs)
    out = tmp_path / "results.md"
    code = bench_main.main(["--sizes", "load", "--out", str(out), *flags])
    return code, out.read_text()


def table_row(markdown: str, page: str) -> list[str]:
    row = next(line for line in markdown.splitlines() if f"| {page} (" in line)
    return [c.strip() for c in row.strip("|").split("|")]


def test_a_met_goal_is_reported_with_the_ratios(monkeypatch, tmp_path: Path) -> None:
    code, markdown = run_main(monkeypatch, tmp_path, fake_runs(p95=14.0))
    assert code == 0
    assert "## Agenda under load" in markdown and "## Solver" not in markdown
    cached = table_row(markdown, load.CACHED)
    assert cached[:2] == ["sqlite", "all at once"]
    assert cached[3:7] == ["10 x 10", "100", "0", "7.0"] and cached[7] == "14.0"
    assert cached[10] == "80"  # 100 requests in 1.25 s
    assert cached[-3:] == ["1.25x", "1.40x", "yes"]  # 100/80 req/s, 14/10 ms p95
    static = table_row(markdown, load.STATIC)
    assert static[10] == "100" and static[-3:] == ["-", "-", "-"]


def test_slow_or_failing_answers_miss_the_goal_fatal_only_when_strict(
    monkeypatch, tmp_path: Path
) -> None:
    for runs in (fake_runs(p95=16.0), fake_runs(p95=14.0, errors=3)):
        code, markdown = run_main(monkeypatch, tmp_path, runs)
        assert code == 0 and table_row(markdown, load.CACHED)[-1] == "no"
        assert run_main(monkeypatch, tmp_path, runs, "--strict")[0] == 1


def test_a_load_test_that_cannot_run_fails_the_benchmark(monkeypatch, tmp_path: Path) -> None:
    runs = fake_runs(0, failure="PostgreSQL at postgresql+psycopg://x is not usable")
    code, markdown = run_main(monkeypatch, tmp_path, runs)
    assert code == 1 and "no: PostgreSQL at" in markdown


def test_without_postgresql_the_load_test_says_so(monkeypatch) -> None:
    from tests.smtp_server import free_port

    url = f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/none"
    monkeypatch.setenv(load.DATABASE_VAR, url)
    runs = load.bench_load(databases=("postgresql",))
    assert runs and all("is not usable" in r.failure for r in runs)
    assert {r.page for r in runs} == {load.STATIC, load.COLD, load.CACHED}


@pytest.mark.redis
@pytest.mark.slow
def test_a_tiny_real_run_on_sqlite(monkeypatch) -> None:
    """30 attendees, gunicorn without and with the cache on Redis, the load generator for real:
    every answer is the reader's own page, and each page is compared with the static file."""
    monkeypatch.setenv(load.REDIS_VAR, "redis://127.0.0.1:6379/14")
    scenarios = (Scenario("burst", 30, 2),)
    runs = load.bench_load(attendees=30, scenarios=scenarios, databases=("sqlite",))
    assert [r.page for r in runs] == [load.STATIC, load.COLD, load.CACHED]
    for run in runs:
        assert not run.failure, run.failure
        assert run.errors == 0 and run.requests == 60
        assert run.limit is runs[0] and run.rate_ratio() is not None
    assert runs[0].path == load.STATIC_PATH and runs[2].path == "/a/<token>"
