"""Reading uploaded spreadsheets (CSV or XLSX) into rows of text, safely.

Every file here comes from outside, so every way it can be hostile is bounded before it costs
time or memory, and every way it can be broken becomes a ``SheetError`` with a message for the
person who uploaded it (never another exception):

- XLSX: see solver/workbook.py, which checks the archive before openpyxl reads it.
- CSV: the text must be UTF-8 without NUL bytes; the delimiter (comma or semicolon) is chosen
  from the header line alone (``csv.Sniffer`` is quadratic: 20 KB of ``",`` cost it seconds),
  and an unterminated quote or an over-long cell is a problem naming its row.
- Both: at most ``MAX_COLUMNS`` columns and ``MAX_CELL_CHARS`` characters in a cell.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

# Bounds on the table itself, for CSV and XLSX alike.
MAX_COLUMNS = 200
MAX_CELL_CHARS = 10_000  # far above any column's limit; the model's limits are checked later
MAX_BLANK_ROWS = 1_000  # empty rows skipped before giving up (formatted but unused rows)
HEADER_SAMPLE_CHARS = 64 * 1024  # the header line, at most, decides comma or semicolon

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")


class SheetError(ValueError):
    """The file cannot be read as a table; the message says why, for the uploader."""


def read_table(data: bytes, filename: str, max_rows: int | None = None) -> list[list[str]]:
    """Rows of text of a CSV (UTF-8, optional BOM, comma or semicolon) or XLSX (first sheet).

    Blank rows are dropped. The first row is the header; at most ``max_rows`` rows follow it
    (None: no limit but the bounds above).

    Raises:
        SheetError: the file is not a readable table, or breaks one of the bounds.
    """
    if filename.lower().endswith(WORKBOOK_SUFFIXES):
        from solver.workbook import workbook_rows  # openpyxl is loaded for workbooks only

        rows: Iterable[list[str]] = workbook_rows(data, filename, max_rows)
    else:
        rows = _csv_rows(data, filename)
    return _bounded(rows, filename, max_rows)


def _bounded(rows: Iterable[list[str]], filename: str, max_rows: int | None) -> list[list[str]]:
    """Keep non-blank rows, stopping at the row limit plus one or after too many blank rows."""
    table: list[list[str]] = []
    blank = 0
    for row in rows:
        if not any(cell.strip() for cell in row):
            blank += 1
            if blank > MAX_BLANK_ROWS:
                raise SheetError(
                    f"{filename} has more than {MAX_BLANK_ROWS:,} empty rows: delete the empty "
                    "rows (or save only the rows with attendees) and upload it again"
                )
            continue
        table.append(row)
        if max_rows is not None and len(table) > max_rows + 1:
            raise SheetError(
                f"{filename} has more than {max_rows:,} attendee rows; "
                f"at most {max_rows:,} are allowed"
            )
    return table


def checked_row(cells: list[str], number: int, filename: str) -> list[str]:
    """``cells`` (spreadsheet row ``number``) within the column and cell-length bounds."""
    if len(cells) > MAX_COLUMNS:
        raise SheetError(
            f"{filename}, row {number}: more than {MAX_COLUMNS} columns; at most "
            f"{MAX_COLUMNS} are allowed"
        )
    for k, cell in enumerate(cells):
        if len(cell) > MAX_CELL_CHARS:
            raise SheetError(
                f"{filename}, row {number}, column {column_letter(k)}: a cell of "
                f"{len(cell):,} characters; at most {MAX_CELL_CHARS:,} are allowed"
            )
    return cells


def column_letter(index: int) -> str:
    """The spreadsheet name of the 0-based column ``index``: 0 is A, 26 is AA."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(ord("A") + rest) + name
    return name


# CSV


def _csv_rows(data: bytes, filename: str) -> Iterator[list[str]]:
    text = _decode(data, filename)
    header = text[:HEADER_SAMPLE_CHARS].split("\n", 1)[0]
    semicolons, commas = (_count_outside_quotes(header, c) for c in ";,")
    delimiter = ";" if semicolons > commas else ","
    # csv's own field limit (128 KiB, process-wide, so left as it is) bounds a runaway quote.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    number = 0
    while True:
        number += 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise SheetError(
                f'{filename}, row {number}: a quote (") is opened and never closed, or a cell '
                f"is far longer than {MAX_CELL_CHARS:,} characters ({exc})"
            ) from None
        yield checked_row(cells, number, filename)


def _decode(data: bytes, filename: str) -> str:
    """The file as text: UTF-8 (with or without BOM), no NUL bytes; else a SheetError."""
    nul = data.find(b"\x00")
    if nul >= 0:
        row = data.count(b"\n", 0, nul) + 1
        raise SheetError(
            f"cannot read {filename}: it is not a text CSV file, row {row} has a NUL byte (is "
            "it UTF-16 or a binary file?); save it as CSV UTF-8, or XLSX"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        row = data.count(b"\n", 0, exc.start) + 1
        raise SheetError(
            f"cannot read {filename}: it is not UTF-8 text (row {row} has the byte "
            f"0x{data[exc.start]:02x}); save it as CSV UTF-8, or XLSX"
        ) from None


def _count_outside_quotes(line: str, char: str) -> int:
    """How often ``char`` occurs in ``line`` outside double-quoted parts (linear time)."""
    parts = line.split('"')
    return sum(part.count(char) for part in parts[::2])
