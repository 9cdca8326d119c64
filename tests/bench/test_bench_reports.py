"""The reports benchmark: a small answered event, both reports timed as pages and downloads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import app.services.reports.exports as report_exports
import bench.__main__ as bench_main
from bench import reports

SIZE = 150  # the real benchmark reads 2,000 and 10,000 attendees; the mechanics are the same


def run_main(tmp_path: Path, *flags: str, **sizes: Any) -> tuple[int, str]:
    """``python -m bench --sizes reports`` on one SIZE event, one request each."""
    out = tmp_path / "results.md"
    setup = bench_main.Setup(report_sizes=(SIZE,), report_repeats=1, **sizes)
    code = bench_main.main(["--sizes", "reports", "--out", str(out), *flags], setup)
    return code, out.read_text()


def test_both_reports_are_timed_with_the_answers_behind_them() -> None:
    sponsor, event = reports.bench_reports((SIZE,), seed=1)
    assert sponsor.label.startswith("sponsor (") and event.label.startswith("event")
    assert not sponsor.error and not event.error
    assert 0 < sponsor.answers < event.answers  # one company's answers are some of the event's
    for run in (sponsor, event):
        assert 0 < run.page < reports.PAGE_SECONDS
        assert 0 < run.csv < reports.DOWNLOAD_SECONDS and 0 < run.pdf < reports.DOWNLOAD_SECONDS
        assert run.cells()[-1] == "yes"


def test_only_the_reports_run_with_sizes_reports(tmp_path: Path) -> None:
    code, markdown = run_main(tmp_path)
    assert code == 0
    assert "## Reports" in markdown and "## Solver" not in markdown
    assert f"| {SIZE} | sponsor (" in markdown and f"| {SIZE} | event (" in markdown


def test_a_slow_report_misses_its_target_only_strictly_fatal(tmp_path: Path) -> None:
    code, markdown = run_main(tmp_path, report_page_seconds=1e-9)
    assert code == 0 and "| no |" in markdown
    assert run_main(tmp_path, "--strict", report_page_seconds=1e-9)[0] == 1


def test_a_failing_report_fails_the_benchmark(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A download that answers 500 is an error in its row and exit status 1, not a time."""

    def broken(*args: object) -> bytes:
        raise RuntimeError("font missing")

    monkeypatch.setattr(report_exports, "render_sponsor_report", broken)
    code, markdown = run_main(tmp_path)
    assert code == 1
    assert "/report.pdf answered 500" in markdown
