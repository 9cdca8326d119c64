"""``solve --compact`` (FORMATS.md section 6): fewer breaks for at most the tolerance of score."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from solver.model import solve
from solver.rules import schedule_breaks
from solver.schema import Instance, Rules
from solver.synthetic import generate_event
from solver.validate import validate
from tests.solver.test_solver_cli import ATTENDEES, run


@pytest.fixture(scope="module")
def forum() -> Instance:
    """40 attendees, 6 rounds, tables for everyone: plenty of ways to leave gaps."""
    return Instance(generate_event(40, 6, seed=4), Rules(6, 20, min_meetings=2))


def test_compact_gives_fewer_breaks_within_the_tolerance(forum: Instance) -> None:
    result = solve(forum, time_limit=12, seed=1, compact=0.02)
    assert result.status in ("optimal", "feasible")
    stats = result.stats
    breaks = sum(schedule_breaks(len(forum.attendees), result.meetings))
    assert stats["breaks"] == breaks
    assert breaks <= stats["breaks_before_compact"]
    assert 0 <= stats["breaks_bound"] <= breaks
    assert result.objective >= (1 - 0.02) * stats["objective_before_compact"] - 1e-6
    assert validate(forum, result.meetings).ok
    if stats["breaks_before_compact"] > 0:
        assert breaks < stats["breaks_before_compact"], "a 2% tolerance buys some breaks"


def test_a_zero_tolerance_keeps_the_score(forum: Instance) -> None:
    result = solve(forum, time_limit=8, seed=2, compact=0.0)
    assert result.objective == pytest.approx(result.stats["objective_before_compact"], abs=1e-6)
    assert result.stats["breaks"] <= result.stats["breaks_before_compact"]
    assert validate(forum, result.meetings).ok


def test_the_command_line_reports_both(tmp_path: Path) -> None:
    (tmp_path / "attendees.csv").write_text(ATTENDEES, encoding="utf-8", newline="")
    done = run(
        "solve", "--attendees", "attendees.csv", "--rounds", "4", "--tables", "3",
        "--min-meetings", "1", "--time-limit", "6", "--compact", "--quiet",
        "--out", "schedule.csv", cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert {"breaks", "breaks_before_compact", "objective_before_compact"} <= summary.keys()
    assert summary["objective"] >= 0.995 * summary["objective_before_compact"] - 1e-6
    bad = run(
        "solve", "--attendees", "attendees.csv", "--rounds", "4", "--tables", "3",
        "--compact", "--compact-tolerance", "2", "--out", "schedule.csv", cwd=tmp_path,
    )  # fmt: skip
    assert bad.returncode != 0 and "--compact-tolerance must be" in bad.stderr
