"""Spreadsheet exports: the one CSV and XLSX writer, and the schedule's CSV and workbook.

Every cell of every export goes through ``safe_cell`` (solver/text.py), the one neutraliser,
inside ``csv_text`` and ``xlsx_bytes`` (and solver/io.py's ``write_schedule``), so no export can
forget it: a cell a spreadsheet would run as a formula gets a leading apostrophe, and
characters a workbook cannot hold are dropped.

``Export`` is what a download view sends (bytes, media type, file name); ``schedule_export``
picks the schedule's format from the URL's, as app/services/reports/exports.py does for reports.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from app.models import Event, ScheduleVersion
from app.services.scheduling.vocabulary import safe_cell
from solver.io import write_schedule

CSV = "text/csv; charset=utf-8"  # the bytes are UTF-8: said once, as the Content-Type
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = "application/pdf"


@dataclass(frozen=True)
class Export:
    """A file to download: its bytes, media type and the name it is saved under."""

    body: bytes
    mimetype: str  # the whole Content-Type, with its charset for text (sent as it is)
    filename: str


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """Rows as CSV with CRLF line ends, UTF-8 with a BOM so spreadsheets keep accents."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_cell(v) for v in header])
    writer.writerows([safe_cell(v) for v in row] for row in rows)
    return out.getvalue()


def xlsx_bytes(
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    title: str,
    widths: Sequence[int] = (),
) -> bytes:
    """Rows as a one-sheet workbook named ``title``: bold, frozen header, optional widths."""
    book = Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append([safe_cell(v) for v in header])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([safe_cell(v) for v in row])
    sheet.freeze_panes = "A2"
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def schedule_csv(version: ScheduleVersion) -> str:
    """The version as ``round,table,email_a,email_b,score,reasons`` (FORMATS.md section 3)."""
    rows = [
        (
            m.round,
            m.table,
            m.attendee_a.email,
            m.attendee_b.email,
            m.score,
            m.reasons,
        )
        for m in version.meetings
    ]
    return write_schedule(rows)


def schedule_xlsx(event: Event, version: ScheduleVersion) -> bytes:
    """A workbook: one row per meeting with times, table names, people and reasons."""
    header = [
        "round", "start", "end", "table", "table name",
        "email_a", "name_a", "company_a", "email_b", "name_b", "company_b",
        "score", "reasons", "pinned",
    ]  # fmt: skip
    times = event.round_times()
    rows = []
    for m in version.meetings:
        start, end = times[m.round - 1] if m.round <= len(times) else (None, None)
        a, b = m.attendee_a, m.attendee_b
        rows.append([
            m.round, start, end, m.table, event.table_label(m.table),
            a.email, a.name, a.company, b.email, b.name, b.company,
            m.score, m.reasons, "yes" if m.pinned else "",
        ])  # fmt: skip
    widths = (7, 17, 17, 7, 16, 28, 22, 22, 28, 22, 22, 8, 60, 7)
    return xlsx_bytes(header, rows, "Schedule", widths)


def schedule_export(event: Event, version: ScheduleVersion, fmt: str) -> Export | None:
    """``version`` as CSV (FORMATS.md section 3) or XLSX by ``fmt``; None for other formats."""
    filename = f"{event.slug}-schedule-v{version.number}.{fmt}"
    if fmt == "csv":
        return Export(schedule_csv(version).encode("utf-8"), CSV, filename)
    if fmt == "xlsx":
        return Export(schedule_xlsx(event, version), XLSX, filename)
    return None
