"""Hostile attendee files, made on the spot, and how fast and lean their refusal is.

Each file is what an attacker (or a broken exporter) could upload as an attendees file: zip
bombs, XML entity tricks, cut archives, CSV that makes parsers spin. ``bench_hostile`` parses
each one in a child process (``python -m bench.hostile FILE``), as the import would, and
measures the wall time to refusal and the child's peak memory (VmHWM) above the same child's
baseline, against the targets of issue 11: refused in under 2 s and 100 MB.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

TARGET_SECONDS = 2.0
TARGET_MIB = 100.0
HEADER = ["file", "size on disk", "refusal s", "peak MiB", "s / 2 s", "MiB / 100 MB", "met"]
ATTENDEE_HEADER = ["email", "name", "company", "kind", "region"]
ROW_LIMIT = 20_000  # the import's default MAX_IMPORT_ROWS
MIB = 1024 * 1024

SHEET_START = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b"<sheetData>"
)
SHEET_END = b"</sheetData></worksheet>"


def _inline_row(number: int, values: Iterable[str]) -> bytes:
    cells = "".join(
        f'<c r="{chr(65 + k)}{number}" t="inlineStr"><is><t>{v}</t></is></c>'
        for k, v in enumerate(values)
    )
    return f'<row r="{number}">{cells}</row>'.encode()


def _template() -> dict[str, bytes]:
    """The parts of a small valid workbook made by openpyxl (header and one attendee)."""
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(ATTENDEE_HEADER)
    book.active.append(["ann@example.org", "Ann", "Acme", "partner", "EMEA"])
    out = io.BytesIO()
    book.save(out)
    with zipfile.ZipFile(out) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def workbook(
    sheet: Callable[[io.BufferedIOBase], None] | bytes,
    replace: dict[str, bytes] | None = None,
    level: int = 6,
) -> bytes:
    """A workbook whose first sheet's XML is ``sheet`` (bytes, or a writer streaming it)."""
    parts = _template() | (replace or {})
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        for name, data in parts.items():
            if name != "xl/worksheets/sheet1.xml":
                archive.writestr(name, data)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as stream:
            if isinstance(sheet, bytes):
                stream.write(sheet)
            else:
                sheet(stream)
    return out.getvalue()


def _header_xml() -> bytes:
    return _inline_row(1, ATTENDEE_HEADER)


def whitespace_bomb(inflated: int = 1024 * MIB) -> bytes:
    """A workbook of about 1 MB whose sheet inflates to ``inflated`` bytes of spaces."""

    def write(stream: io.BufferedIOBase) -> None:
        stream.write(SHEET_START + _header_xml())
        block = b" " * (4 * MIB)
        for _ in range(inflated // len(block)):
            stream.write(block)
        stream.write(SHEET_END)

    return workbook(write, level=9)


def giant_cell(inflated: int = 512 * MIB) -> bytes:
    """One inline cell of ``inflated`` letters (MemoryError on main's code at 1 GB)."""

    def write(stream: io.BufferedIOBase) -> None:
        stream.write(SHEET_START + _header_xml())
        stream.write(b'<row r="2"><c r="A2" t="inlineStr"><is><t>')
        block = b"A" * (4 * MIB)
        for _ in range(inflated // len(block)):
            stream.write(block)
        stream.write(b"</t></is></c></row>" + SHEET_END)

    return workbook(write, level=9)


def long_cell(chars: int = 8 * MIB) -> bytes:
    """A name of ``chars`` characters in an otherwise fine workbook, under the zip bounds."""
    import random

    letters = bytes(ord("a") + k % 8 for k in range(256))
    text = random.Random(0).randbytes(chars).translate(letters).decode()
    row = _inline_row(2, ["ann@example.org", text, "Acme", "partner", "EMEA"])
    return workbook(SHEET_START + _header_xml() + row + SHEET_END)


def many_rows(inflated: int = 1200 * MIB) -> bytes:
    """``inflated`` bytes of identical rows (the issue's 4.7 MB file held 1.2 GB of them)."""
    row = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>'
    block = row * (4 * MIB // len(row))

    def write(stream: io.BufferedIOBase) -> None:
        stream.write(SHEET_START + _header_xml())
        for _ in range(inflated // len(block)):
            stream.write(block)
        stream.write(SHEET_END)

    return workbook(write, level=9)


def rows_over_limit(limit: int = ROW_LIMIT) -> bytes:
    """A well-formed workbook of twice ``limit`` attendee rows, within the zip bounds."""

    def write(stream: io.BufferedIOBase) -> None:
        stream.write(SHEET_START + _header_xml())
        for n in range(2, 2 * limit + 2):
            stream.write(_inline_row(n, [f"p{n}@example.org", f"P {n}", f"C{n}", "partner", "X"]))
        stream.write(SHEET_END)

    return workbook(write)


def _varied(element: bytes, count: int, seed: int) -> bytes:
    """``count`` copies of a 4-byte ``element`` whose second byte is x or y at random.

    One bit of randomness per element keeps the compression ratio near 30, under the ratio
    bound, as an attacker would.
    """
    import numpy as np

    cells = np.frombuffer(element * count, dtype=np.uint8).reshape(count, 4).copy()
    pick = np.random.default_rng(seed).integers(0, 2, count, dtype=np.uint8)
    cells[:, 1] = np.where(pick, element[1], ord("y"))
    return cells.tobytes()


def junk_elements(inflated: int = 48 * MIB) -> bytes:
    """Millions of empty unknown elements between rows: openpyxl keeps every one in its tree."""

    def write(stream: io.BufferedIOBase) -> None:
        stream.write(SHEET_START + _header_xml())
        for k in range(inflated // MIB):
            stream.write(_varied(b"<x/>", MIB // 4, k))
        stream.write(SHEET_END)

    return workbook(write)


def wide_row(inflated: int = 48 * MIB) -> bytes:
    """One row of millions of empty cells: openpyxl makes a dict of each before max_col."""

    def write(stream: io.BufferedIOBase) -> None:
        stream.write(SHEET_START + _header_xml() + b'<row r="2">')
        for k in range(inflated // MIB):
            stream.write(_varied(b"<c/>", MIB // 4, k))
        stream.write(b"</row>" + SHEET_END)

    return workbook(write)


def junk_strings(elements: int = 2_000_000) -> bytes:
    """A shared-strings part of ``elements`` empty unknown elements, all kept by openpyxl."""
    parts = _template()
    kind = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
    override = f'<Override PartName="/xl/sharedStrings.xml" ContentType="{kind}"/>'
    types = parts["[Content_Types].xml"].replace(b"</Types>", override.encode() + b"</Types>")
    strings = (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + _varied(b"<x/>", elements, 1)
        + b"</sst>"
    )
    sheet = SHEET_START + _header_xml() + SHEET_END
    return workbook(sheet, {"[Content_Types].xml": types, "xl/sharedStrings.xml": strings})


def _junk_rows(write_row: Callable[[io.BufferedIOBase, int], None], inflated: int, per_row: int):
    """A sheet writer: the header, then rows of ``per_row`` 4-byte junk elements each."""

    def write(stream: io.BufferedIOBase) -> None:
        stream.write(SHEET_START.replace(b"<worksheet ", b'<worksheet xmlns:q="urn:q" '))
        stream.write(_header_xml())
        for n in range(2, 2 + inflated // (4 * per_row)):
            write_row(stream, n)
        stream.write(SHEET_END)

    return write


def quoted_gt_rows(inflated: int = 48 * MIB, per_row: int = 40_000) -> bytes:
    """Rows ``<row r="N" q:a=">"/>`` that close themselves after a quoted ``>``, then junk.

    The junk is outside every row, where openpyxl keeps it; main's code took the row to end
    at the first ``>``, counted the junk as row cells, and took 67 s and 1.1 GB.
    """

    def row(stream: io.BufferedIOBase, n: int) -> None:
        stream.write(f'<row r="{n}" q:a=">"/>'.encode() + _varied(b"<x/>", per_row, n))

    return workbook(_junk_rows(row, inflated, per_row))


def comment_rows(inflated: int = 48 * MIB, per_row: int = 40_000) -> bytes:
    """``<!--<row>-->`` before each run of junk: a row edge only a byte counter sees."""

    def row(stream: io.BufferedIOBase, n: int) -> None:
        stream.write(b"<!--<row>-->" + _varied(b"<x/>", per_row, n) + b"<!--</row>-->")

    return workbook(_junk_rows(row, inflated, per_row))


def many_wide_rows(inflated: int = 48 * MIB, per_row: int = 40_000) -> bytes:
    """Rows of ``per_row`` empty cells each: under main's 50,000 a row, 12 M cells in all."""

    def row(stream: io.BufferedIOBase, n: int) -> None:
        stream.write(f'<row r="{n}">'.encode() + _varied(b"<c/>", per_row, n) + b"</row>")

    return workbook(_junk_rows(row, inflated, per_row))


def strings_in_worksheets(elements: int = 10_000_000, per_row: int = 40_000) -> bytes:
    """Shared strings stored as ``xl/worksheets/strings.xml``, their junk in fake rows.

    openpyxl finds the shared strings through [Content_Types].xml and parses them whole;
    main's code judged parts by name, so gave these the worksheet budgets (18.7 s, 843 MB).
    """
    parts = _template()
    kind = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
    override = f'<Override PartName="/xl/worksheets/strings.xml" ContentType="{kind}"/>'
    types = parts["[Content_Types].xml"].replace(b"</Types>", override.encode() + b"</Types>")
    body = bytearray()
    for k in range(0, elements, per_row):
        body += b"<row>" + _varied(b"<x/>", min(per_row, elements - k), k) + b"</row>"
    strings = (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + bytes(body)
        + b"</sst>"
    )
    sheet = SHEET_START + _header_xml() + SHEET_END
    return workbook(sheet, {"[Content_Types].xml": types, "xl/worksheets/strings.xml": strings})


def _entity_sheet(doctype: str, cell: str) -> bytes:
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        + doctype.encode()
        + SHEET_START.split(b"\n", 1)[1]
        + _header_xml()
        + _inline_row(2, ["ann@example.org", cell, "Acme", "partner", "EMEA"])
        + SHEET_END
    )


def xxe() -> bytes:
    """A name that is an external entity reading /etc/passwd."""
    doctype = '<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    return workbook(_entity_sheet(doctype, "&xxe;"))


def billion_laughs() -> bytes:
    """Ten levels of ten entities each: 10^9 "lol"s if anything expanded them."""
    lines = ['<!ENTITY lol0 "lol">']
    lines += [f'<!ENTITY lol{k} "{f"&lol{k - 1};" * 10}">' for k in range(1, 10)]
    doctype = "<!DOCTYPE worksheet [" + "".join(lines) + "]>"
    return workbook(_entity_sheet(doctype, "&lol9;"))


def external_dtd() -> bytes:
    """A sheet whose DOCTYPE names an external DTD (a fetch, if a parser followed it)."""
    doctype = '<!DOCTYPE worksheet SYSTEM "http://evil.test/x.dtd">'
    return workbook(_entity_sheet(doctype, "Ann"))


def malformed_xml() -> bytes:
    """A sheet whose XML stops in the middle of a row."""
    return workbook(SHEET_START + _header_xml() + b'<row r="2"><c r="A2" t="inlineStr"><is><t>Ann')


def not_a_zip() -> bytes:
    """A text file named .xlsx."""
    return b"email,name,company,kind,region\nann@example.org,Ann,Acme,partner,EMEA\n"


def truncated_zip() -> bytes:
    """A valid workbook cut in half (an interrupted download)."""
    data = workbook(SHEET_START + _header_xml() + SHEET_END)
    return data[: len(data) // 2]


def unterminated_quote(chars: int = 200 * 1024) -> bytes:
    """A CSV whose name opens a quote that never closes, over csv's 128 KiB field limit."""
    return (",".join(ATTENDEE_HEADER) + '\nann@example.org,"Ann' + "x" * chars + "\n").encode()


def quote_comma(size: int = 20 * 1024) -> bytes:
    """20 KB of ``",``: 4 to 7 s of CPU in csv.Sniffer on main's code."""
    return b'",' * (size // 2)


def duplicate_headers() -> bytes:
    """``email,name,company,kind,region,email,name``: main imported the later columns."""
    return (
        b"email,name,company,kind,region,email,name\n"
        b"ann@example.org,Ann,Acme,partner,EMEA,eve@example.org,Eve\n"
    )


# name -> (file name, maker): the hostile files of issue 11, items 2, 3 and 15, and the
# review's bypasses of the XLSX element budgets.
FILES: dict[str, tuple[str, Callable[[], bytes]]] = {
    "whitespace bomb (1 GB)": ("bomb.xlsx", whitespace_bomb),
    "giant cell (512 MB)": ("giant-cell.xlsx", giant_cell),
    "long cell (8 M chars)": ("long-cell.xlsx", long_cell),
    "many rows (1.2 GB)": ("many-rows.xlsx", many_rows),
    "rows over the limit": ("over-limit.xlsx", rows_over_limit),
    "junk elements (48 MB)": ("junk.xlsx", junk_elements),
    "wide row (48 MB)": ("wide.xlsx", wide_row),
    "junk shared strings (2 M)": ("strings.xlsx", junk_strings),
    'row tags with a quoted ">" (48 MB)': ("quoted-gt.xlsx", quoted_gt_rows),
    "rows faked in comments (48 MB)": ("comment-rows.xlsx", comment_rows),
    "many wide rows (48 MB)": ("wide-rows.xlsx", many_wide_rows),
    "rows of 700 cells (42 MB)": ("cells.xlsx", lambda: many_wide_rows(42 * MIB, 700)),
    "shared strings as a worksheet (10 M)": ("sheet-strings.xlsx", strings_in_worksheets),
    "XXE": ("xxe.xlsx", xxe),
    "billion laughs": ("laughs.xlsx", billion_laughs),
    "external DTD": ("dtd.xlsx", external_dtd),
    "malformed XML": ("malformed.xlsx", malformed_xml),
    "not a zip": ("text.xlsx", not_a_zip),
    "truncated zip": ("cut.xlsx", truncated_zip),
    "unterminated quote (200 KiB)": ("quote.csv", unterminated_quote),
    '20 KB of ",': ("quote-comma.csv", quote_comma),
    "duplicate headers": ("twice.csv", duplicate_headers),
}


@dataclass
class HostileRun:
    """One hostile file parsed in a child process: how long and how much memory it took."""

    label: str
    filename: str
    size: int  # bytes on disk
    seconds: float = 0.0
    peak_mib: float = 0.0  # child's VmHWM above its baseline before parsing
    problem: str = ""  # the first problem the parser returned
    error: str = ""  # the parser raised, or returned rows instead of refusing
    target_seconds: float = TARGET_SECONDS

    def misses(self) -> list[str]:
        """Why this refusal misses its targets (empty when met)."""
        if self.error:
            return [f"{self.label}: {self.error}"]
        out = []
        if self.seconds >= self.target_seconds:
            out.append(
                f"{self.label} took {self.seconds:.2f} s, target < {self.target_seconds:g} s"
            )
        if self.peak_mib >= TARGET_MIB:
            out.append(f"{self.label} peaked at {self.peak_mib:.0f} MiB, target < 100 MB")
        return out

    def cells(self) -> list[str]:
        """The row's table cells, in HEADER order."""
        done = not self.error
        size = f"{self.size / MIB:,.1f} MB" if self.size >= MIB else f"{self.size:,} B"
        return [
            f"{self.label} ({self.filename})" if done else f"{self.label}: {self.error}",
            size,
            f"{self.seconds:.3f}" if done else "-",
            f"{self.peak_mib:.1f}" if done else "-",
            f"{self.seconds / self.target_seconds:.2f}" if done else "-",
            f"{self.peak_mib / TARGET_MIB:.2f}" if done else "-",
            "no" if self.misses() else "yes",
        ]


def parse_in_child(path: Path, max_rows: int = ROW_LIMIT) -> dict[str, object]:
    """Parse ``path`` with ``parse_attendees`` in a fresh child; its time, memory and outcome."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.hostile", str(path), str(max_rows)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parent.parent,
        check=False,
    )
    if done.returncode != 0:
        return {"error": f"exit {done.returncode}: {done.stderr.strip()[-300:]}"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def bench_hostile(
    files: Mapping[str, tuple[str, Callable[[], bytes]]] = FILES,
    target_seconds: float = TARGET_SECONDS,
) -> list[HostileRun]:
    """Make each hostile file, parse it in a child process, and measure its refusal."""
    runs = []
    with tempfile.TemporaryDirectory(prefix="mingle-hostile-") as folder:
        for label, (filename, make) in files.items():
            path = Path(folder) / filename
            path.write_bytes(make())
            run = HostileRun(label, filename, path.stat().st_size, target_seconds=target_seconds)
            outcome = parse_in_child(path)
            run.seconds = float(outcome.get("seconds", 0.0))  # type: ignore[arg-type]
            run.peak_mib = float(outcome.get("peak_mib", 0.0))  # type: ignore[arg-type]
            run.problem = str(outcome.get("problem", ""))
            run.error = str(outcome.get("error", ""))
            if not run.error and not run.problem:
                run.error = f"accepted: {outcome.get('rows')} row(s), no problem"
            runs.append(run)
            path.unlink()
    return runs


def vm_hwm_mib() -> float:
    """This process's peak resident memory so far (VmHWM), in MiB."""
    for line in Path(f"/proc/{os.getpid()}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def _child(path: str, max_rows: int) -> None:
    """In the child: parse one file and print its time, memory above baseline and outcome."""
    from solver.io import parse_attendees

    data = Path(path).read_bytes()
    # Warm up: import openpyxl's and csv's code so the baseline holds them.
    parse_attendees(b"email\n", "warm.csv")
    parse_attendees(workbook(SHEET_START + _header_xml() + SHEET_END), "warm.xlsx")
    baseline = vm_hwm_mib()
    start = time.perf_counter()
    rows, problems = parse_attendees(data, Path(path).name, max_rows=max_rows)
    seconds = time.perf_counter() - start
    outcome = {
        "seconds": seconds,
        "peak_mib": vm_hwm_mib() - baseline,
        "rows": len(rows),
        "problem": str(problems[0]) if problems else "",
    }
    print(json.dumps(outcome))


if __name__ == "__main__":
    _child(sys.argv[1], int(sys.argv[2]))
