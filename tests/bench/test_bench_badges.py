"""The badge benchmark: every layout rendered and timed, its table and verdict."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import bench.__main__ as bench_main
from bench import printing

BADGES = 24  # the real benchmark renders 2,000; the mechanics are the same


def run_main(tmp_path: Path, *flags: str, **sizes: Any) -> tuple[int, str]:
    """``python -m bench --sizes badges`` on BADGES badges (and the given target)."""
    out = tmp_path / "results.md"
    setup = bench_main.Setup(badges=BADGES, **sizes)
    code = bench_main.main(["--sizes", "badges", "--out", str(out), *flags], setup)
    return code, out.read_text()


def test_every_layout_is_rendered_and_timed() -> None:
    runs = printing.bench_badges(BADGES, seed=1)
    assert [r.layout for r in runs] == ["a6", "a4-2x4", "letter-2x3"]
    assert [r.pages for r in runs] == [24, 3, 4]
    assert all(not r.error and 0 < r.seconds < printing.TARGET_SECONDS for r in runs)
    assert all(r.size_bytes > 10_000 for r in runs)


def test_only_the_badges_run_with_sizes_badges(tmp_path: Path) -> None:
    code, markdown = run_main(tmp_path)
    assert code == 0
    assert "## Badges" in markdown and "## Solver" not in markdown
    assert f"| {BADGES} | a4-2x4 | 3 |" in markdown and "| < 30 s | yes |" in markdown


def test_a_slow_render_misses_its_target_only_strictly_fatal(tmp_path: Path) -> None:
    code, markdown = run_main(tmp_path, badge_seconds=1e-9)
    assert code == 0 and "| no |" in markdown
    assert run_main(tmp_path, "--strict", badge_seconds=1e-9)[0] == 1


def test_a_failing_render_fails_the_benchmark(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def broken(*args: object) -> bytes:
        raise RuntimeError("font missing")

    monkeypatch.setattr(printing, "render_badges", broken)
    code, markdown = run_main(tmp_path)
    assert code == 1
    assert "a6: RuntimeError: font missing" in markdown
