"""The re-planning benchmark: a solved event, 10% no-shows, the timed re-plan and its verdict."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import bench.__main__ as bench_main
from bench import replan as bench
from solver.replan import ReplanResult
from solver.schema import Instance, Meeting

ATTENDEES = 60  # the real benchmark has 400; the mechanics are the same


def run_main(tmp_path: Path, *flags: str, **sizes: Any) -> tuple[int, str]:
    """``python -m bench --sizes replan --quick`` on ATTENDEES people (and the given target)."""
    out = tmp_path / "results.md"
    setup = bench_main.Setup(
        replan_attendees=ATTENDEES,
        replan_tables=ATTENDEES // 2,
        replan_quick_seconds=2.0,
        **sizes,
    )
    code = bench_main.main(["--sizes", "replan", "--quick", "--out", str(out), *flags], setup)
    return code, out.read_text()


def test_the_re_plan_is_timed_checked_and_reported() -> None:
    run = bench.bench_replan(seed=1, solve_seconds=2.0, attendees=ATTENDEES, tables=ATTENDEES // 2)
    assert run.failure == "" and run.violations == []
    assert run.status in ("optimal", "feasible")
    assert run.absent == 6 and 0 < run.seconds < bench.TARGET_SECONDS
    assert run.dropped > 0 and run.added > 0 and run.disturbed == 0
    assert run.objective_deleted < run.objective_before
    assert run.objective_deleted < run.objective_after
    assert run.cells()[-1] == "yes"


def test_only_the_re_plan_runs_with_sizes_replan(tmp_path: Path) -> None:
    code, markdown = run_main(tmp_path)
    assert code == 0
    assert "## No-show re-planning" in markdown and "## Solver" not in markdown
    assert f"| {ATTENDEES} / 8 / 30 | 6 (10%) | rounds 3-8 |" in markdown
    assert "| valid, < 10 s | yes |" in markdown


def test_a_slow_re_plan_misses_its_target_only_strictly_fatal(tmp_path: Path) -> None:
    code, markdown = run_main(tmp_path, replan_seconds=1e-9)
    assert code == 0 and "| no |" in markdown
    assert run_main(tmp_path, "--strict", replan_seconds=1e-9)[0] == 1


def test_a_re_plan_breaking_a_rule_fails_the_benchmark(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The bench checks the answer itself: a no-show kept in round 3 is caught."""
    real = bench.replan

    def sloppy(
        instance: Instance, current: list[Meeting], absent: set[int], from_round: int, **kw: Any
    ) -> ReplanResult:
        result = real(instance, current, absent, from_round, **kw)
        result.meetings = current  # as if nothing had been re-planned
        return result

    monkeypatch.setattr(bench, "replan", sloppy)
    code, markdown = run_main(tmp_path)
    assert code == 1
    assert "| no |" in markdown


def test_a_failing_re_plan_fails_the_benchmark(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def broken(*args: object, **kw: object) -> ReplanResult:
        raise RuntimeError("solver crashed")

    monkeypatch.setattr(bench, "replan", broken)
    code, markdown = run_main(tmp_path)
    assert code == 1
    assert "RuntimeError: solver crashed" in markdown
