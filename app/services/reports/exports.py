"""The answers behind the sponsor and event reports, as CSV and XLSX for spreadsheets.

``event_report_export`` and ``sponsor_report_export`` are the downloads by format (csv, xlsx,
or the report as pdf) that both audiences' pages send.

One row per follow-up answer, written by ``csv_text``/``xlsx_bytes``
(app/services/scheduling/exports.py), which pass every cell through ``safe_cell`` so that free text
(a comment starting with "=") is shown, never run as a formula. CSV is UTF-8 with a BOM so
spreadsheets keep accents.
"""

from __future__ import annotations

from app.models import Event
from app.services.reports.anonymity import protect_answers
from app.services.reports.collector import collector_paused
from app.services.reports.figures import SPONSOR_KINDS, SponsorReport, event_report
from app.services.reports.pdf import render_event_report, render_sponsor_report

# The one definition of "the published meetings and their answers", shared with the figures,
# so the event rows need no second query that could drift.
from app.services.reports.rows import Answer, people_by_id, published_rows
from app.services.scheduling.exports import CSV, PDF, XLSX, Export, csv_text, xlsx_bytes

ROWS_HEADER = (
    "answer_id",
    "round",
    "answered_by",
    "answered_by_company",
    "answered_by_kind",
    "answered_by_region",
    "about",
    "about_company",
    "held",
    "rating",
    "recommend",
    "next_step",
    "pipeline_value",
    "currency",
    "why",
)
EVENT_ROWS_HEADER = (*ROWS_HEADER, "meeting_type")


def _values(a: Answer) -> list[object]:
    """One answer's cells in ``ROWS_HEADER`` order."""
    return [
        a.id,
        a.round,
        a.attendee.name,
        a.attendee.company,
        a.attendee.kind,
        a.attendee.region,
        a.other.name,
        a.other.company,
        a.held,
        a.rating,
        a.recommend,
        a.next_step,
        a.pipeline_value,
        a.currency,
        a.why,
    ]


# The sponsor report


def report_rows(report: SponsorReport) -> list[list[object]]:
    """The answers about the sponsor's meetings, as the sponsor may read them (anonymity.py).

    Its own people's answers in full; the partners' without anything that identifies them
    (no answer number, round, name, company, kind, region, or the rep they were about), in the
    order of their values, and only when there are enough of them; then the reasons partners
    let be quoted, on rows of their own without scores (named only if they said so).
    """
    withheld = bool(report.measures.withheld)
    protected = protect_answers(
        report.answers,
        report.company,
        10**9 if withheld else report.min_answers,
        unnamed_quotes=not withheld,
    )
    rows = [_values(a) for a in protected.own]
    for p in protected.partners:
        cells: list[object] = ["", "", "", "", "", "", "", "", p.held, p.rating, p.recommend]
        rows.append([*cells, p.next_step, p.pipeline_value, p.currency, ""])
    for q in protected.quotes:
        rows.append(["", "", q.author, q.company, *[""] * 10, q.text])
    return rows


def report_csv(report: SponsorReport) -> str:
    """The sponsor report's rows as CSV."""
    return csv_text(ROWS_HEADER, report_rows(report))


def report_xlsx(report: SponsorReport) -> bytes:
    """The sponsor report's rows as an XLSX workbook."""
    return xlsx_bytes(ROWS_HEADER, report_rows(report), "Answers")


# The event report


@collector_paused
def event_rows(event: Event) -> list[list[object]]:
    """One row per answer about a meeting of ``event``'s published schedule, in answer order.

    The last cell says whether the meeting was a sponsor meeting (a vendor or distributor on
    either side) or partner-to-partner, as the event report splits them. Answers about
    meetings of other (unpublished or older) versions are left out, as in the report.
    """
    people = people_by_id(event)
    meetings, answers = published_rows(event, people)
    rows = []
    for x in meetings:
        kinds = (people[x.attendee_a_id].kind, people[x.attendee_b_id].kind)
        sponsor = any(kind in SPONSOR_KINDS for kind in kinds)
        kind = "sponsor" if sponsor else "partner-to-partner"
        for who, other in ((x.attendee_a_id, x.attendee_b_id), (x.attendee_b_id, x.attendee_a_id)):
            a = answers.get((x.round, who, other))
            if a is not None:
                rows.append((a.id, [*_values(a), kind]))
    return [values for _, values in sorted(rows, key=lambda r: r[0])]


def event_csv(event: Event) -> str:
    """The event report's rows as CSV."""
    return csv_text(EVENT_ROWS_HEADER, event_rows(event))


def event_xlsx(event: Event) -> bytes:
    """The event report's rows as an XLSX workbook."""
    return xlsx_bytes(EVENT_ROWS_HEADER, event_rows(event), "Answers")


# Downloads by format, for the report pages of both audiences


def event_report_export(event: Event, fmt: str) -> Export | None:
    """The event report's answers as CSV or XLSX, or the report as PDF; None for other formats."""
    filename = f"{event.slug}-report.{fmt}"
    if fmt == "csv":
        return Export(event_csv(event).encode("utf-8"), CSV, filename)
    if fmt == "xlsx":
        return Export(event_xlsx(event), XLSX, filename)
    if fmt == "pdf":
        return Export(render_event_report(event_report(event)), PDF, filename)
    return None


def sponsor_report_export(report: SponsorReport, fmt: str) -> Export | None:
    """A sponsor's answers as CSV or XLSX, or their report as PDF; None for other formats."""
    filename = f"report.{fmt}"
    if fmt == "csv":
        return Export(report_csv(report).encode("utf-8"), CSV, filename)
    if fmt == "xlsx":
        return Export(report_xlsx(report), XLSX, filename)
    if fmt == "pdf":
        return Export(render_sponsor_report(report), PDF, filename)
    return None
