"""The hostile-file benchmark: each file parsed in a child, its table and verdict."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import bench.__main__ as bench_main
from bench import hostile

SMALL = ("XXE", "not a zip", "duplicate headers", '20 KB of ",')


def run_main(tmp_path: Path, *flags: str, **sizes: Any) -> tuple[int, str]:
    """``python -m bench --sizes hostile`` with the given files and target."""
    out = tmp_path / "results.md"
    setup = bench_main.Setup(**sizes)
    code = bench_main.main(["--sizes", "hostile", "--out", str(out), *flags], setup)
    return code, out.read_text()


def test_sizes_hostile_prints_a_row_per_file_and_meets_the_targets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, markdown = run_main(tmp_path, hostile_files={k: hostile.FILES[k] for k in SMALL})
    assert code == 0
    assert "## Hostile attendee files" in markdown and "## Solver" not in markdown
    assert "| " + " | ".join(hostile.HEADER) + " |" in markdown
    assert hostile.HEADER[2:4] == ["refusal s", "peak MiB"]
    assert "| XXE (xxe.xlsx) | 4," in markdown
    assert markdown.count("| yes |") == len(SMALL)
    assert "target (refused, < 2 s and < 100 MB each): met" in capsys.readouterr().out


def test_a_file_the_parser_accepts_fails_the_benchmark(tmp_path: Path) -> None:
    fine = ("fine.csv", lambda: b"email,name,company,kind,region\na@b.co,A,C,partner,X\n")
    code, markdown = run_main(tmp_path, hostile_files={"a fine file": fine})
    assert code == 1 and "a fine file: accepted: 1 row(s), no problem" in markdown


def test_a_slow_refusal_misses_its_target_only_strictly_fatal(tmp_path: Path) -> None:
    slow = {"hostile_files": {"XXE": hostile.FILES["XXE"]}, "hostile_seconds": 1e-9}
    code, markdown = run_main(tmp_path, **slow)
    assert code == 0 and "| no |" in markdown
    assert run_main(tmp_path, "--strict", **slow)[0] == 1
