"""The hostile-file benchmark: each file parsed in a child, its table and verdict."""

from __future__ import annotations

from pathlib import Path

import pytest

import bench.__main__ as bench_main
from bench import hostile

SMALL = ("XXE", "not a zip", "duplicate headers", '20 KB of ",')


def run_main(tmp_path: Path, *flags: str) -> tuple[int, str]:
    out = tmp_path / "results.md"
    code = bench_main.main(["--sizes", "hostile", "--out", str(out), *flags])
    return code, out.read_text()


def test_sizes_hostile_prints_a_row_per_file_and_meets_the_targets(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(hostile, "FILES", {k: hostile.FILES[k] for k in SMALL})
    code, markdown = run_main(tmp_path)
    assert code == 0
    assert "## Hostile attendee files" in markdown and "## Solver" not in markdown
    assert "| " + " | ".join(hostile.HEADER) + " |" in markdown
    assert hostile.HEADER[2:4] == ["refusal s", "peak MiB"]
    assert "| XXE (xxe.xlsx) | 4," in markdown
    assert markdown.count("| yes |") == len(SMALL)
    assert "target (refused, < 2 s and < 100 MB each): met" in capsys.readouterr().out


def test_a_file_the_parser_accepts_fails_the_benchmark(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    fine = ("fine.csv", lambda: b"email,name,company,kind,region\na@b.co,A,C,partner,X\n")
    monkeypatch.setattr(hostile, "FILES", {"a fine file": fine})
    code, markdown = run_main(tmp_path)
    assert code == 1 and "a fine file: accepted: 1 row(s), no problem" in markdown


def test_a_slow_refusal_misses_its_target_only_strictly_fatal(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(hostile, "FILES", {"XXE": hostile.FILES["XXE"]})
    monkeypatch.setattr(hostile, "TARGET_SECONDS", 1e-9)
    code, markdown = run_main(tmp_path)
    assert code == 0 and "| no |" in markdown
    assert run_main(tmp_path, "--strict")[0] == 1
