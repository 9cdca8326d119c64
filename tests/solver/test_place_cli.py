"""``python -m solver place`` end to end on files, as FORMATS.md section 6 gives it."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from tests.solver.test_solver_cli import run

ATTENDEES = (
    "email,name,company,kind,region,available_rounds\n"
    "ana@erp.io,Ana,ERP Partners,partner,EMEA,\n"
    "ben@cloud.io,Ben,CloudCo,partner,APAC,1-3\n"
    "cara@sec.io,Cara,SecureIT,partner,NA,\n"
    "dan@vendor.io,Dan,BigVendor,vendor,NA,\n"
    "eve@vendor.io,Eve,BigVendor,vendor,EMEA,4-6\n"
)


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "attendees.csv").write_text(ATTENDEES, encoding="utf-8")
    return tmp_path


def place(files: Path, meetings: str, *extra: str):
    (files / "meetings.csv").write_text(meetings, encoding="utf-8")
    return run(
        "place", "--attendees", "attendees.csv", "--meetings", "meetings.csv",
        "--rounds", "6", "--tables", "2", "--time-limit", "10", "--quiet",
        "--out", "schedule.csv", *extra, cwd=files,
    )  # fmt: skip


def test_place_writes_every_agreed_meeting_with_the_fewest_breaks(files: Path) -> None:
    done = place(
        files,
        "email_a,email_b,rounds,round\n"
        "ana@erp.io,dan@vendor.io,,\n"
        "ana@erp.io,ben@cloud.io,,\n"
        "ana@erp.io,eve@vendor.io,,\n"
        "cara@sec.io,dan@vendor.io,1-2,\n"
        "cara@sec.io,eve@vendor.io,,5\n",
        "--fairness", "1",
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary["status"] == "optimal"
    assert summary["meetings"] == 5
    assert summary["breaks"] == summary["breaks_bound"]
    assert summary["max_breaks"] - summary["min_breaks"] <= 1
    assert {"seconds", "breaks", "breaks_bound", "max_breaks", "min_breaks"} <= summary.keys()
    with (files / "schedule.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["round", "table", "email_a", "email_b", "score", "reasons"]
    fixed = next(
        r for r in rows if {r["email_a"], r["email_b"]} == {"cara@sec.io", "eve@vendor.io"}
    )
    assert fixed["round"] == "5"
    ana = sorted(int(r["round"]) for r in rows if "ana@erp.io" in (r["email_a"], r["email_b"]))
    assert ana[-1] - ana[0] == 2, "Ana's three meetings in three rounds in a row"
    # The check command accepts what place wrote (its hard rules hold).
    checked = run(
        "check", "--attendees", "attendees.csv", "--rounds", "6", "--tables", "2",
        "schedule.csv", cwd=files,
    )  # fmt: skip
    assert "valid" in checked.stdout.splitlines()[-2]


def test_a_bad_meetings_file_exits_1_naming_row_column_and_value(files: Path) -> None:
    done = place(files, "email_a,email_b\nana@erp.io,nobody@x.io\n")
    assert done.returncode == 1
    assert (
        "row 2, column 'email_b', value 'nobody@x.io': this e-mail is not in the attendees file"
        in done.stderr
    )
    assert not (files / "schedule.csv").exists()


def test_meetings_that_cannot_all_be_placed_exit_2_with_the_reason(files: Path) -> None:
    done = place(
        files,
        "ben@cloud.io,ana@erp.io\nben@cloud.io,cara@sec.io\nben@cloud.io,dan@vendor.io\n"
        "ben@cloud.io,eve@vendor.io\n",
    )
    assert done.returncode == 2
    assert (
        "row 4: ben@cloud.io and eve@vendor.io have no round to meet in (ben@cloud.io attends "
        "1-3; eve@vendor.io attends 4-6)" in done.stdout
    )
    assert json.loads(done.stdout.strip().splitlines()[-1])["status"] == "infeasible"
    assert not (files / "schedule.csv").exists()
