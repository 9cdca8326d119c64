"""The import benchmark: timed preview + apply on a throwaway database, its table and verdict."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import bench.__main__ as bench_main
from bench import importing

ROWS = 60  # the real benchmark imports 5,000; the mechanics are the same


def run_main(tmp_path: Path, *flags: str, **sizes: Any) -> tuple[int, str]:
    """``python -m bench --sizes import`` on a ROWS-row file (and the given target)."""
    out = tmp_path / "results.md"
    setup = bench_main.Setup(import_rows=ROWS, **sizes)
    code = bench_main.main(["--sizes", "import", "--out", str(out), *flags], setup)
    return code, out.read_text()


def test_imports_new_changed_and_unchanged_rows() -> None:
    runs = importing.bench_import(ROWS, seed=1)
    assert [r.outcome for r in runs] == [
        f"{ROWS} created, 0 updated, 0 unchanged",
        f"0 created, {ROWS} updated, 0 unchanged",
        f"0 created, 0 updated, {ROWS} unchanged",
    ]
    assert all(not r.error and 0 < r.seconds < importing.TARGET_SECONDS for r in runs)
    assert runs[0].cells()[-1] == "yes"


def test_only_the_import_runs_with_sizes_import(tmp_path: Path) -> None:
    """``--sizes import`` writes the import table and no solver table; the target is met."""
    code, markdown = run_main(tmp_path)
    assert code == 0
    assert "## Attendee import" in markdown and "## Solver" not in markdown
    assert f"| new ({ROWS} created, 0 updated, 0 unchanged) | {ROWS} |" in markdown
    assert "| < 10 s |" in markdown


def test_a_slow_import_misses_its_target_only_strictly_fatal(tmp_path: Path) -> None:
    code, markdown = run_main(tmp_path, import_seconds=1e-9)
    assert code == 0 and "| no |" in markdown
    assert run_main(tmp_path, "--strict", import_seconds=1e-9)[0] == 1


def test_a_failing_import_fails_the_benchmark(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(importing, "apply_import", broken)
    code, markdown = run_main(tmp_path)
    assert code == 1
    assert "new: RuntimeError: disk full" in markdown
