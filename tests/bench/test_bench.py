"""The benchmark's verdict: failing runs exit non-zero, missed targets only with --strict."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

import bench.__main__ as bench_main
from bench.runner import Run, Spec, build_instance
from solver.baselines import greedy
from solver.schema import Meeting
from solver.validate import validate

# Without minimum meetings greedy's schedule holds every hard rule: a stand-in solver result.
SPEC = Spec(120, 6, 40, 20.0, min_ratio=0.99, max_gib=None, min_meetings=0)


def fake_measure(
    solver_meetings: list[Meeting] | None, bound: float
) -> Callable[[str, Spec, int, float, int], Run]:
    """A stand-in for the child-process runner: baselines for real, the solver as given."""

    def measure(method: str, spec: Spec, seed: int, limit: float, workers: int) -> Run:
        if method != "solver":
            return Run(method, meetings=greedy(build_instance(spec, seed)), seconds=0.1)
        if solver_meetings is None:
            return Run(method, error="ModuleNotFoundError: No module named 'solver.model'")
        return Run(method, solver_meetings, seconds=1.0, status="feasible", bound=bound)

    return measure


def run_bench(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    meetings: list[Meeting] | None,
    bound: float,
    *flags: str,
) -> tuple[int, str]:
    monkeypatch.setattr(bench_main, "measure", fake_measure(meetings, bound))
    out = tmp_path / "results.md"
    setup = bench_main.Setup(specs=(SPEC,))
    code = bench_main.main(["--sizes", "120", "--out", str(out), *flags], setup)
    return code, out.read_text()


@pytest.fixture(scope="module")
def valid() -> tuple[list[Meeting], float]:
    """A schedule holding every hard rule of SPEC's event, and its objective."""
    instance = build_instance(SPEC, 0)
    meetings = greedy(instance)
    report = validate(instance, meetings)
    assert report.ok
    return meetings, report.objective


def test_a_solver_schedule_breaking_a_rule_fails(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, valid: tuple[list[Meeting], float]
) -> None:
    meetings, objective = valid
    twice = [*meetings, Meeting(meetings[0].round, 40, meetings[0].a, meetings[0].b)]
    code, markdown = run_bench(monkeypatch, tmp_path, twice, objective * 2)
    assert code == 1
    assert "| 120 / 6 / 40 | 0 | solver (CP-SAT) |" in markdown


def test_no_solver_schedule_fails(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert run_bench(monkeypatch, tmp_path, None, 0.0)[0] == 1


def test_an_objective_above_the_bound_fails(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, valid: tuple[list[Meeting], float]
) -> None:
    meetings, objective = valid
    assert run_bench(monkeypatch, tmp_path, meetings, objective - 1)[0] == 1


def test_a_missed_target_fails_only_when_strict(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, valid: tuple[list[Meeting], float]
) -> None:
    meetings, objective = valid
    assert run_bench(monkeypatch, tmp_path, meetings, objective * 2)[0] == 0
    assert run_bench(monkeypatch, tmp_path, meetings, objective * 2, "--strict")[0] == 1
    code, markdown = run_bench(monkeypatch, tmp_path, meetings, objective, "--strict")
    assert code == 0
    assert "| 1.0000 | 0 |" in markdown
