"""The solver's command line end to end, on CSV files, exactly as FORMATS.md section 4."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

# ruff: noqa: E501  (CSV rows read best unbroken)

ATTENDEES = """\ufeffEmail;Name;Company;Kind;Region;Offers;Seeks;Target_Regions;Goals;Available_Rounds;Must_Meet;Avoid;Tier;Favourite Colour\r
ana@erp.io;Ana Kowalczyk;ERP Partners;partner;EMEA;erp;cloud migration;APAC;find_partners;;;;;blue\r
ben@cloud.io;Ben Nguyễn;CloudCo;partner;APAC;cloud migration;erp;EMEA;find_partners;;;;;red\r
cara@sec.io;Cara Łęcka;SecureIT;partner;NA;security;erp;;;1-2;;;;green\r
dan@vendor.io;Dan Vendor;BigVendor;vendor;NA;erp;;EMEA;recruit_partners;;cara@sec.io;;gold;\r
eve@vendor.io;Eve Vendor;BigVendor;vendor;EMEA;security;;APAC;recruit_partners;;;ana@erp.io;;\r
fay@dist.io;Fay Dist;DistriOne;distributor;LATAM;logistics;security;NA;;;;;;\r
"""


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "solver", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "attendees.csv").write_text(ATTENDEES, encoding="utf-8", newline="")
    return tmp_path


def schedule_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_solve_writes_a_valid_schedule_and_a_json_last_line(files: Path):
    out = files / "schedule.csv"
    done = run(
        "solve", "--attendees", "attendees.csv", "--rounds", "3", "--tables", "3",
        "--min-meetings", "1", "--time-limit", "10", "--seed", "3", "--out", str(out),
        cwd=files,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    for key in ("objective", "bound", "gap", "meetings", "seconds"):
        assert key in summary
    assert summary["objective"] <= summary["bound"] + 1e-6
    rows = schedule_rows(out)
    assert list(rows[0].keys()) == ["round", "table", "email_a", "email_b", "score", "reasons"]
    assert len(rows) == summary["meetings"]
    pairs = {frozenset((r["email_a"], r["email_b"])) for r in rows}
    assert frozenset(("dan@vendor.io", "cara@sec.io")) in pairs  # must_meet
    assert frozenset(("eve@vendor.io", "ana@erp.io")) not in pairs  # avoid
    assert frozenset(("dan@vendor.io", "eve@vendor.io")) not in pairs  # colleagues
    ana_ben = [r for r in rows if {r["email_a"], r["email_b"]} == {"ana@erp.io", "ben@cloud.io"}]
    assert ana_ben and "offers erp, which Ben seeks" in ana_ben[0]["reasons"]
    assert sum(float(r["score"]) for r in rows) == pytest.approx(summary["objective"])
    # FORMATS.md section 6: the JSON line counts the breaks of the schedule written.
    rounds_of: dict[str, list[int]] = {}
    for r in rows:
        for email in (r["email_a"], r["email_b"]):
            rounds_of.setdefault(email, []).append(int(r["round"]))
    gaps = sum(
        sum(1 for x, y in zip(sorted(v), sorted(v)[1:], strict=False) if y > x + 1)
        for v in rounds_of.values()
    )
    assert summary["breaks"] == gaps

    check = run(
        "check", "--attendees", "attendees.csv", "--rounds", "3", "--tables", "3",
        "--min-meetings", "1", str(out), cwd=files,
    )  # fmt: skip
    assert check.returncode == 0, check.stdout
    verdict = json.loads(check.stdout.strip().splitlines()[-1])
    assert verdict["valid"] is True
    assert verdict["objective"] == pytest.approx(summary["objective"])


def test_check_reports_a_broken_schedule(files: Path):
    bad = files / "bad.csv"
    bad.write_text(
        "round,table,email_a,email_b,score,reasons\n"
        "1,1,dan@vendor.io,eve@vendor.io,0,\n"
        "1,2,dan@vendor.io,ana@erp.io,0,\n",
        encoding="utf-8",
    )
    check = run(
        "check", "--attendees", "attendees.csv", "--rounds", "2", "--tables", "1", str(bad),
        cwd=files,
    )  # fmt: skip
    assert check.returncode == 1
    assert "both work for BigVendor" in check.stdout
    assert "dan@vendor.io has two meetings in round 1" in check.stdout
    assert "round 1 has 2 meetings for 1 tables" in check.stdout
    assert "cara@sec.io must meet" in check.stdout or "must meet cara@sec.io" in check.stdout


def test_infeasible_exits_2_with_the_reason_and_writes_nothing(files: Path):
    text = ATTENDEES.replace(";1-2;;;;green", ";1;;;;green").replace(
        "dan@vendor.io;Dan Vendor;BigVendor;vendor;NA;erp;;EMEA;recruit_partners;;",
        "dan@vendor.io;Dan Vendor;BigVendor;vendor;NA;erp;;EMEA;recruit_partners;2-3;",
    )
    (files / "attendees.csv").write_text(text, encoding="utf-8")
    out = files / "schedule.csv"
    done = run(
        "solve", "--attendees", "attendees.csv", "--rounds", "3", "--tables", "3",
        "--out", str(out), cwd=files,
    )  # fmt: skip
    assert done.returncode == 2
    assert (
        "must_meet between cara@sec.io and dan@vendor.io is impossible: "
        "they share no available round" in done.stdout
    )
    assert not out.exists()


def test_bad_attendee_rows_name_row_column_and_value(files: Path):
    text = ATTENDEES.replace(";partner;NA;security", ";reseller;NA;security").replace(
        "ana@erp.io;;;;blue", "ana@erp.io;nobody@x.io;;;blue"
    )
    (files / "attendees.csv").write_text(text, encoding="utf-8")
    done = run(
        "solve", "--attendees", "attendees.csv", "--rounds", "2", "--tables", "2",
        "--out", str(files / "s.csv"), cwd=files,
    )  # fmt: skip
    assert done.returncode == 1
    assert "row 4, column 'kind', value 'reseller'" in done.stderr
    assert "column 'avoid', value 'ana@erp.io'" not in done.stderr


def test_scores_file_replaces_the_builtin_score(files: Path):
    scores = files / "scores.csv"
    scores.write_text(
        "email_a,email_b,score\nfay@dist.io,eve@vendor.io,50\nBEN@cloud.io,cara@sec.io,7.5\n",
        encoding="utf-8",
    )
    out = files / "schedule.csv"
    done = run(
        "solve", "--attendees", "attendees.csv", "--scores", "scores.csv", "--rounds", "2",
        "--tables", "3", "--min-meetings", "1", "--time-limit", "10", "--out", str(out),
        cwd=files,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    rows = schedule_rows(out)
    pairs = {frozenset((r["email_a"], r["email_b"])): float(r["score"]) for r in rows}
    assert pairs[frozenset(("fay@dist.io", "eve@vendor.io"))] == 50
    assert pairs[frozenset(("ben@cloud.io", "cara@sec.io"))] == 7.5
    assert summary["objective"] == pytest.approx(57.5)  # unlisted pairs score 0
    assert summary["gap"] == 0
    assert all(r["reasons"] == "" for r in rows)


def test_scores_file_with_unknown_email_is_refused(files: Path):
    (files / "scores.csv").write_text("email_a,email_b,score\nzed@x.io,ana@erp.io,3\n")
    done = run(
        "solve", "--attendees", "attendees.csv", "--scores", "scores.csv", "--rounds", "2",
        "--tables", "2", "--out", str(files / "s.csv"), cwd=files,
    )  # fmt: skip
    assert done.returncode == 1
    assert "row 2, column 'email_a', value 'zed@x.io'" in done.stderr


def test_xlsx_attendees_are_read_from_the_first_sheet(files: Path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for line in ATTENDEES.lstrip("\ufeff").splitlines():
        sheet.append(line.split(";"))
    book.save(files / "attendees.xlsx")
    out = files / "schedule.csv"
    done = run(
        "solve", "--attendees", "attendees.xlsx", "--rounds", "2", "--tables", "3",
        "--time-limit", "5", "--out", str(out), cwd=files,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert schedule_rows(out)
