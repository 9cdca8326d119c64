"""Schedule exports: the CSV of FORMATS.md section 3 and an XLSX workbook for people.

Every cell goes through ``safe_cell`` (solver/text.py), the one neutraliser: a cell a
spreadsheet would run as a formula gets a leading apostrophe, and characters a workbook cannot
hold are dropped.
"""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font

from app.models import Event, ScheduleVersion
from solver.io import write_schedule
from solver.text import safe_cell

__all__ = ["safe_cell", "schedule_csv", "schedule_xlsx"]


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
    book = Workbook()
    sheet = book.active
    sheet.title = "Schedule"
    header = [
        "round", "start", "end", "table", "table name",
        "email_a", "name_a", "company_a", "email_b", "name_b", "company_b",
        "score", "reasons", "pinned",
    ]  # fmt: skip
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    times = event.round_times()
    for m in version.meetings:
        start, end = times[m.round - 1] if m.round <= len(times) else (None, None)
        a, b = m.attendee_a, m.attendee_b
        row = [
            m.round, start, end, m.table, event.table_label(m.table),
            a.email, a.name, a.company, b.email, b.name, b.company,
            m.score, m.reasons, "yes" if m.pinned else "",
        ]  # fmt: skip
        sheet.append([safe_cell(v) for v in row])
    sheet.freeze_panes = "A2"
    widths = (7, 17, 17, 7, 16, 28, 22, 22, 28, 22, 22, 8, 60, 7)
    for column, width in zip("ABCDEFGHIJKLMN", widths, strict=True):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
