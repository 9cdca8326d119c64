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
    """Measured runs whose latencies have the given p95 (a flat 100 ms tail above it)."""
    scenario = Scenario("all at once", 10, 10)
    if failure:
        return [LoadRun(scenario, "-", failure=failure)]
    latencies = [p95 * 0.5] * 90 + [p95] * 6 + [100.0] * 4
    return [LoadRun(scenario, "/a/<token>", latencies, errors, [("HTTP 500", errors)], 2.0)]


def run_main(monkeypatch, tmp_path: Path, runs: list[LoadRun], *flags: str) -> tuple[int, str]:
    monkeypatch.setattr(load, "bench_load", lambda seed: runs)
    out = tmp_path / "results.md"
    code = bench_main.main(["--sizes", "load", "--out", str(out), *flags])
    return code, out.read_text()


def test_a_met_goal_is_reported(monkeypatch, tmp_path: Path) -> None:
    code, markdown = run_main(monkeypatch, tmp_path, fake_runs(p95=20.0))
    assert code == 0
    assert "## Agenda under load" in markdown and "## Solver" not in markdown
    row = next(line for line in markdown.splitlines() if line.startswith("| all at once"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[1:5] == ["10 x 10", "100", "0", "10.0"]
    assert cells[5] == "20.0" and cells[-1] == "yes"


def test_slow_or_failing_answers_miss_the_goal_fatal_only_when_strict(
    monkeypatch, tmp_path: Path
) -> None:
    for runs in (fake_runs(p95=80.0), fake_runs(p95=20.0, errors=3)):
        code, markdown = run_main(monkeypatch, tmp_path, runs)
        assert code == 0 and "| no |" in markdown
        assert run_main(monkeypatch, tmp_path, runs, "--strict")[0] == 1


def test_a_load_test_that_cannot_run_fails_the_benchmark(monkeypatch, tmp_path: Path) -> None:
    runs = fake_runs(0, failure="PostgreSQL at postgresql+psycopg://x is not usable")
    code, markdown = run_main(monkeypatch, tmp_path, runs)
    assert code == 1 and "no: PostgreSQL at" in markdown


def test_without_postgresql_the_load_test_says_so(monkeypatch) -> None:
    from tests.smtp_server import free_port

    url = f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/none"
    monkeypatch.setenv(load.DATABASE_VAR, url)
    runs = load.bench_load()
    assert runs and all("is not usable" in r.failure for r in runs)


@pytest.mark.postgres
@pytest.mark.slow
def test_a_small_real_run_on_postgresql(monkeypatch) -> None:
    """30 attendees, gunicorn and the load generator for real: every answer is the reader's own."""
    import os

    monkeypatch.setenv(load.DATABASE_VAR, os.environ["MINGLE_TEST_DATABASE_URL"])
    scenarios = (Scenario("warm-up", 5, 1, measured=False), Scenario("burst", 30, 2))
    (run,) = load.bench_load(attendees=30, solve_seconds=3, scenarios=scenarios)
    assert not run.failure, run.failure
    assert run.errors == 0 and run.requests == 60
    assert run.path == "/a/<token>"
