"""The organiser's event report as PDF, CSV and XLSX, checked against the known figures of
``report_helpers.build`` (see ``test_reports.py`` for where they come from)."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from app.extensions import db
from app.models import FollowUp
from app.services.reports.exports import (
    EVENT_ROWS_HEADER,
    event_csv,
    event_report_export,
    event_rows,
    event_xlsx,
)
from app.services.reports.figures import event_report
from app.services.reports.pdf import render_event_report
from tests.report_helpers import answer, build


@pytest.fixture
def cast(event, make_attendee, make_version):
    """The hand-built event of ``report_helpers.build``."""
    return build(event, make_attendee, make_version)


def pdf_text(event) -> str:
    """The event report PDF's text, whitespace collapsed."""
    pages = PdfReader(io.BytesIO(render_event_report(event_report(event)))).pages
    return " ".join(" ".join(p.extract_text() for p in pages).split())


def csv_rows(event) -> list[dict[str, str]]:
    body = event_csv(event)
    assert body.startswith("\ufeff") and "\r\n" in body
    return list(csv.DictReader(io.StringIO(body.removeprefix("\ufeff"), newline="")))


# The PDF


def test_pdf_has_the_sponsor_p2p_and_overall_columns(event, cast) -> None:
    text = pdf_text(event)
    assert f"{event.name}: event report" in text
    assert "nothing is extrapolated" in text and "fewer than 10 answers" in text
    assert "Sponsor meetings Sponsors rating partners Partner-to-partner All meetings" in text
    assert "Meetings scheduled 7 — 1 8" in text
    assert "Meetings held 6 — 1 7" in text
    assert "No-shows 1 — 0 1 Unanswered 0 — 0 0" in text
    assert "Asked / answered 6 / 5 6 / 0 2 / 2 14 / 7" in text
    assert "Response rate 83% 0% 100% 50%" in text
    assert "NPS -40 (small sample) — +50 (small sample) -14 (small sample)" in text
    assert "Average rating (1-5) 3.0 — 4.5 3.4" in text
    assert "Proposal 1 0 0 1 Joint deal 0 0 1 1 Deal registered 1 0 0 1" in text
    # Per currency, never summed: P2P meetings reported no pipeline.
    assert "Pipeline EUR 3,000 — — 3,000" in text and "Pipeline USD 500 — — 500" in text


def test_pdf_has_teaming_regions_and_quarters(event, cast) -> None:
    text = pdf_text(event)
    people = len(event.attendees)
    assert (
        f"{100 * 2 / people:.0f}% of attendees (2) named at least one joint deal or proposal "
        "next step." in text
    )
    assert "Attendees, by region" in text and "EMEA" in text and "Americas" in text
    bands = event_report(event).score_bands
    assert [label for label, _, _ in bands] == [
        "Lowest quarter",
        "Second quarter",
        "Third quarter",
        "Highest quarter",
    ]
    table = " ".join(f"{label} {avg:.1f} {n}" for label, avg, n in bands)
    assert f"Planned score Average rating Ratings {table}" in text


def test_pdf_counts_a_meeting_nobody_answered_about(event, cast) -> None:
    pair = (cast.p[1].id, cast.p[2].id)  # the only partner-to-partner meeting
    db.session.query(FollowUp).filter(
        FollowUp.round == 3, FollowUp.attendee_id.in_(pair), FollowUp.other_id.in_(pair)
    ).delete(synchronize_session=False)
    db.session.commit()
    text = pdf_text(event)
    assert "No-shows 1 — 0 1 Unanswered 0 — 1 1" in text
    assert "Meetings held 6 — 0 6" in text
    assert "NPS -40 (small sample) — — -40 (small sample)" in text  # no P2P answers: no NPS


def test_pdf_of_an_event_without_a_published_schedule(event) -> None:
    text = pdf_text(event)
    assert "Meetings scheduled 0 — 0 0" in text
    assert "No published meetings." in text


# CSV and XLSX


def test_csv_has_one_row_per_answer_with_its_meeting_type(event, cast) -> None:
    rows = csv_rows(event)
    assert list(rows[0]) == list(EVENT_ROWS_HEADER)
    assert len(rows) == db.session.query(FollowUp).count() == 11
    assert [int(r["answer_id"]) for r in rows] == sorted(int(r["answer_id"]) for r in rows)
    p2p = [r for r in rows if r["meeting_type"] == "partner-to-partner"]
    assert {(r["answered_by"], r["about"]) for r in p2p} == {
        ("Partner 1", "Partner 2"),
        ("Partner 2", "Partner 1"),
    }
    assert {r["meeting_type"] for r in rows} == {"sponsor", "partner-to-partner"}
    assert sum(r["meeting_type"] == "sponsor" for r in rows) == 9


def test_csv_neutralises_formulas_and_keeps_unicode(event, cast) -> None:
    whys = {r["why"] for r in csv_rows(event)}
    assert "'=great demo" in whys and "=great demo" not in whys
    assert "Ünïcödé ça marche" in whys


def test_answers_about_unpublished_meetings_are_left_out(event, cast) -> None:
    answer(event, cast.p[3], cast.p[4], 3, held="yes", rating=5, why="no such meeting")
    assert len(event_rows(event)) == 11
    assert "no such meeting" not in event_csv(event)


def test_xlsx_has_the_same_rows_neutralised_and_unicode(event, cast) -> None:
    sheet = load_workbook(io.BytesIO(event_xlsx(event))).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0] == list(EVENT_ROWS_HEADER)
    assert sheet["A1"].font.bold
    assert len(rows) == 12
    values = [v for row in rows for v in row]
    assert "'=great demo" in values and "Ünïcödé ça marche" in values
    assert not any(isinstance(v, str) and v[:1] in "=+-@" for v in values)
    types = [row[-1] for row in rows[1:]]
    assert types.count("partner-to-partner") == 2 and types.count("sponsor") == 9


# The download of each format


@pytest.mark.parametrize(
    ("fmt", "mimetype", "opens"),
    [
        ("csv", "text/csv; charset=utf-8", lambda body: body.decode("utf-8").startswith("\ufeff")),
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         lambda body: load_workbook(io.BytesIO(body)).active.max_row == 12),
        ("pdf", "application/pdf", lambda body: len(PdfReader(io.BytesIO(body)).pages) >= 1),
    ],
)  # fmt: skip
def test_each_format_downloads_under_the_event_slug(event, cast, fmt, mimetype, opens) -> None:
    """csv, xlsx and pdf each give their file, media type and ``<slug>-report.<fmt>``."""
    export = event_report_export(event, fmt)
    assert export is not None
    assert export.mimetype == mimetype
    assert export.filename == f"{event.slug}-report.{fmt}"
    assert opens(export.body)


@pytest.mark.parametrize("fmt", ["doc", "CSV", "", "pdf.exe"])
def test_a_format_not_offered_gives_no_file(event, cast, fmt) -> None:
    """Any other format is no download (the page answers 404)."""
    assert event_report_export(event, fmt) is None
