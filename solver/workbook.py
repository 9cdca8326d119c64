"""Reading an uploaded XLSX workbook: its zip archive checked before openpyxl opens it.

The zip archive's directory is checked before any entry is inflated: how many entries,
each one's uncompressed size and compression ratio, and their total (a 1 MB file that inflates
to 1 GB is refused at once); ``zipfile`` then refuses to inflate an entry past the size its
directory declares. The worksheets are found as openpyxl finds them (the workbook's
relationships, checked against ``[Content_Types].xml``), never by file name. Each entry is
then inflated once, in chunks, and scanned at C speed: it must be intact, UTF-8, declare no
DTD, and hold no more XML elements (per row, outside rows, in all worksheets, in the other
parts) than openpyxl can keep or parse in time, and the sheets no more rows than the limit
allows; a worksheet may hold no comment, CDATA or processing instruction, which could hide
a row's edge from the count. openpyxl then parses through defusedxml, which refuses entity
declarations and external references (XXE, billion laughs), and rows are streamed
(``read_only``) and read no further than the row limit plus one.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator

from solver.sheets import MAX_BLANK_ROWS, MAX_COLUMNS, SheetError, checked_row

# Bounds on an XLSX archive, checked from its directory before anything is inflated. A real
# 20,000-row attendee workbook is a few MB of XML, compressed about 5 to 20 times.
MAX_ZIP_ENTRIES = 1_000
MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024  # all entries together, inflated
MAX_PART_BYTES = 10 * 1024 * 1024  # any entry but a worksheet: openpyxl parses those whole
MAX_COMPRESSION_RATIO = 100  # uncompressed / compressed, for entries over RATIO_FLOOR_BYTES
RATIO_FLOOR_BYTES = 1024 * 1024  # small entries may compress well; they cannot hurt
# Bounds on the XML elements openpyxl would hold at once, or parse; see _ElementCounter.
MAX_ROW_ELEMENTS = 4 * MAX_COLUMNS  # a cell is 2 to 4 elements; openpyxl reads 201 columns
MAX_LOOSE_ELEMENTS = 100_000
MAX_SHEET_ELEMENTS = 1_500_000  # all worksheets; 20,000 rows x 15 inline cells take 920,000
MAX_PART_ELEMENTS = 500_000  # a 20,000-row sheet's shared strings need about 100,000
# The parts that say where the worksheets are, parsed whole before anything else is scanned.
MAX_MAP_BYTES = 512 * 1024  # [Content_Types].xml, the workbook and its relationships, each
MAX_TAG_BYTES = 64 * 1024  # one tag of a worksheet, attributes and all
# A row's start tag <row ...> or end tag </row>, with or without a namespace prefix.
ROW_EDGE = re.compile(rb"<(/?)(?:[A-Za-z_][\w.-]{0,31}:)?row(?=[\s>/])")
# The rest of a start tag up to its ">", skipping quoted attribute values (which may hold ">").
TAG_REST = re.compile(rb"""[^>"']*(?:(?:"[^"]*"|'[^']*')[^>"']*)*>""")
# Markup whose "<" is not an element: a comment, CDATA, DOCTYPE or processing instruction.
NOT_ELEMENT = re.compile(rb"<[!?]")
WORKSHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
SCAN_CHUNK_BYTES = 1024 * 1024  # entries are inflated this much at a time to be checked
XLSX = "is not a readable Excel workbook"


def workbook_rows(data: bytes, filename: str, max_rows: int | None) -> Iterator[list[str]]:
    from openpyxl import DEFUSEDXML, load_workbook

    if not DEFUSEDXML:  # openpyxl parses with the standard library's XML then: refuse
        raise SheetError(f"{filename}: reading XLSX files needs defusedxml, which is off")
    check_archive(data, filename, max_rows)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # any failure of the parser on a hostile file is the file's
        raise SheetError(f"{filename} {XLSX}: {_reason(exc)}") from None
    try:
        if not book.worksheets:
            raise SheetError(f"{filename} {XLSX}: it has no worksheet")
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(max_col=MAX_COLUMNS + 1, values_only=True)
        number = 0
        while True:
            number += 1
            try:
                values = next(rows)
            except StopIteration:
                return
            except Exception as exc:
                raise SheetError(f"{filename} {XLSX}: row {number}: {_reason(exc)}") from None
            cells = ["" if v is None else _cell_text(v) for v in values]
            while cells and not cells[-1]:
                cells.pop()  # openpyxl pads rows to max_col: only real cells count
            yield checked_row(cells, number, filename)
    finally:
        book.close()


def check_archive(data: bytes, filename: str, max_rows: int | None = None) -> None:
    """Refuse a workbook whose zip directory promises too much, before inflating anything.

    Raises:
        SheetError: not a zip archive, too many entries, an entry or the total too large once
            inflated, or an entry compressed suspiciously well (a zip bomb).
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise SheetError(
            f"{filename} {XLSX}: it is not a zip archive, or it is cut short ({exc})"
        ) from None
    with archive:
        entries = archive.infolist()
        if len(entries) > MAX_ZIP_ENTRIES:
            raise SheetError(
                f"{filename} {XLSX}: it holds {len(entries):,} files; at most "
                f"{MAX_ZIP_ENTRIES:,} are allowed"
            )
        worksheets = _worksheet_parts(archive, filename)  # reads three small parts, bounded
        total = 0
        for entry in entries:
            size, packed = entry.file_size, entry.compress_size
            total += size
            if entry.filename not in worksheets and size > MAX_PART_BYTES:
                raise SheetError(
                    f"{filename} {XLSX}: its part {entry.filename!r} inflates to "
                    f"{_mib(size)}; at most {_mib(MAX_PART_BYTES)} are allowed"
                )
            if size > RATIO_FLOOR_BYTES and size > MAX_COMPRESSION_RATIO * max(packed, 1):
                raise SheetError(
                    f"{filename} {XLSX}: its part {entry.filename!r} inflates "
                    f"{size / max(packed, 1):,.0f} times (from {_mib(packed)} to {_mib(size)}); "
                    f"at most {MAX_COMPRESSION_RATIO} times is allowed (a zip bomb?)"
                )
            if total > MAX_UNCOMPRESSED_BYTES:
                raise SheetError(
                    f"{filename} {XLSX}: it inflates to more than "
                    f"{_mib(MAX_UNCOMPRESSED_BYTES)}; at most {_mib(MAX_UNCOMPRESSED_BYTES)} "
                    "are allowed (save it as CSV, or split it)"
                )
        rows = _RowBudget(filename, max_rows, worksheets)
        for entry in entries:
            _scan_entry(archive, entry, filename, rows)


def _worksheet_parts(archive: zipfile.ZipFile, filename: str) -> frozenset[str]:
    """The parts openpyxl will stream as worksheets, found the way it finds them.

    openpyxl finds the workbook and the shared strings through ``[Content_Types].xml`` and the
    sheets through the workbook's relationships, never by file name: a part under
    ``xl/worksheets/`` may be the shared strings, which openpyxl parses whole. So a worksheet
    is the target of a sheet's relationship (not a chartsheet's: those are parsed whole), and
    every other part gets the strict budget of the parts parsed whole. A worksheet that is also
    declared, read or linked as another kind of part is refused: it would escape that budget.
    Only the few small parts that say all this are parsed here (defusedxml, size-bounded).
    """
    from openpyxl.packaging.manifest import Manifest
    from openpyxl.packaging.relationship import get_dependents, get_rels_path
    from openpyxl.packaging.workbook import WorkbookPackage
    from openpyxl.reader.excel import _find_workbook_part
    from openpyxl.xml import constants
    from openpyxl.xml.functions import fromstring

    names = set(archive.namelist())

    def read(name: str) -> bytes:
        if name not in names:
            raise SheetError(f"{filename} {XLSX}: it has no part {name!r}")
        size = archive.getinfo(name).file_size
        if size > MAX_MAP_BYTES:
            raise SheetError(
                f"{filename} {XLSX}: its part {name!r} inflates to {_mib(size)}; at most "
                f"{_mib(MAX_MAP_BYTES)} are allowed"
            )
        return archive.read(name)

    try:
        manifest = Manifest.from_tree(fromstring(read(constants.ARC_CONTENT_TYPES)))
        book = _find_workbook_part(manifest).PartName[1:]
        book_rels = get_rels_path(book)
        read(book_rels)  # its size, before openpyxl's own reader parses it
        rels = get_dependents(archive, book_rels).to_dict()
        package = WorkbookPackage.from_tree(fromstring(read(book)))
    except SheetError:
        raise
    except Exception as exc:  # any failure of the parser on a hostile file is the file's
        raise SheetError(f"{filename} {XLSX}: {_reason(exc)}") from None
    declared: dict[str, set[str]] = {}
    for override in manifest.Override:
        declared.setdefault(override.PartName[1:], set()).add(override.ContentType)
    defaults = {d.Extension.lower(): d.ContentType for d in manifest.Default}
    linked = [r.id for r in package.externalReferences] + [c.id for c in package.pivotCaches]
    other = {rels[key].target for key in linked if key in rels}
    other |= {constants.ARC_CONTENT_TYPES, book, book_rels, constants.ARC_STYLE}
    other |= {constants.ARC_CORE, constants.ARC_CUSTOM, constants.ARC_THEME}
    worksheets = set()
    for sheet in package.sheets:
        rel = rels.get(sheet.id) if sheet.id else None
        if rel is None or rel.target not in names or "chartsheet" in rel.Type:
            continue  # openpyxl skips these, fails on them, or parses them whole
        part = rel.target
        kinds = declared.get(part) or {defaults.get(part.rsplit(".", 1)[-1].lower(), "")}
        if part in other:
            _misplaced(filename, sheet.name, part, "is also read as another kind of part")
        if kinds != {WORKSHEET_TYPE}:
            said = " and ".join(sorted(k or "nothing" for k in kinds))
            _misplaced(filename, sheet.name, part, f"[Content_Types].xml declares as {said}")
        worksheets.add(part)
    return frozenset(worksheets)


def _misplaced(filename: str, sheet: str, part: str, what: str) -> None:
    raise SheetError(
        f"{filename} {XLSX}: its sheet {sheet!r} is the part {part!r}, which {what}, not a "
        "worksheet; save it again from Excel or LibreOffice"
    )


class _RowBudget:
    """Rows and elements counted across the worksheets, and the elements of every other part.

    Rows count against the row limit plus the empty rows allowed: openpyxl parses every
    worksheet once on opening when it lacks a ``<dimension>``, and 20,000 rows take it seconds,
    so too many rows are refused from this count first. See ``_ElementCounter`` for elements.
    """

    def __init__(self, filename: str, max_rows: int | None, worksheets: frozenset[str]) -> None:
        self.filename = filename
        self.max_rows = max_rows
        self.worksheets = worksheets  # the parts openpyxl streams; see _worksheet_parts
        self.count = 0
        self.sheet_elements = 0  # in all worksheets
        self.part_elements = 0  # in all parts but the worksheets

    def add(self) -> None:
        self.count += 1
        if self.max_rows is not None and self.count > self.max_rows + 1 + MAX_BLANK_ROWS:
            raise SheetError(
                f"{self.filename} has more than {self.max_rows:,} attendee rows; at most "
                f"{self.max_rows:,} are allowed (and {MAX_BLANK_ROWS:,} empty rows)"
            )


class _ElementCounter:
    """Counts the XML elements of one part as it streams by, refusing what openpyxl would hoard.

    openpyxl's streaming parsers clear each row once read, but keep every other element of a
    part in memory (about 90 bytes each, and 4 microseconds each to parse), and build a dict for
    every cell of a row before cutting the row to the columns asked for. So a worksheet may
    hold at most ``MAX_ROW_ELEMENTS`` elements in a row and ``MAX_LOOSE_ELEMENTS`` outside
    rows, all worksheets ``MAX_SHEET_ELEMENTS``, and all other parts ``MAX_PART_ELEMENTS``.
    Counting is done on raw bytes at C speed (``bytes.count``, ``re.split``); only row
    boundaries are looked at one by one. In a worksheet every ``<`` must then be a tag: a
    comment, CDATA section or processing instruction could hide or fake a row edge, and no
    real worksheet has one, so they are refused; a ``<row`` start tag ends at its first ``>``
    outside quoted attribute values (``<row q:a=">"/>`` closes itself).
    """

    def __init__(self, part: str, filename: str, rows: _RowBudget) -> None:
        self.part = part
        self.filename = filename
        self.rows = rows
        self.worksheet = part in rows.worksheets
        self.in_row = False
        self.row_elements = 0
        self.loose = 0
        self.carry = b""
        self.start = True  # the part's XML declaration <?xml ...?> may open it

    def feed(self, chunk: bytes) -> None:
        """Count ``chunk``; a tag it cuts short waits for the next one."""
        text = self.carry + chunk
        if self.worksheet:
            cut = text.rfind(b"<")
            if cut < 0 or TAG_REST.match(text, cut + 1):
                cut = len(text)  # the last tag is whole
            elif len(text) - cut > MAX_TAG_BYTES:
                self._refuse(f"a tag is longer than {_mib(MAX_TAG_BYTES)}")
        else:
            cut = text.rfind(b"<", max(0, len(text) - 64))
            cut = len(text) if cut < 0 else cut
        self.carry = text[cut:]
        self._count(text[:cut])

    def finish(self) -> None:
        """Count what was held back."""
        self._count(self.carry)
        self.carry = b""

    def _count(self, text: bytes) -> None:
        if not self.worksheet:
            self.rows.part_elements += text.count(b"<") - text.count(b"</")
            if self.rows.part_elements > MAX_PART_ELEMENTS:
                self._refuse(
                    f"the parts other than worksheets have more than {MAX_PART_ELEMENTS:,} XML "
                    "elements together"
                )
            return
        if self.start and text.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<?xml"):
            text = text[text.index(b"?>") + 2 :] if b"?>" in text else b""
        self.start = self.start and not text.strip()
        markup = NOT_ELEMENT.search(text)
        if markup:
            seen = text[markup.start() : markup.start() + 9].decode("utf-8", "replace")
            self._refuse(
                f"it has a comment, CDATA section or processing instruction ({seen!r}...), "
                "which no real worksheet has; save it again from Excel or LibreOffice"
            )
        parts = ROW_EDGE.split(text)
        self._tally(parts[0])
        for k in range(1, len(parts), 2):
            closing, piece = parts[k], parts[k + 1]
            if closing:
                self.in_row = False
            else:
                self.rows.add()
                self.rows.sheet_elements += 1  # the row itself, which the split took out
                end = TAG_REST.match(piece)
                self.in_row = not (end and piece[end.end() - 2 : end.end()] == b"/>")
                self.row_elements = 1
            self._tally(piece)

    def _tally(self, piece: bytes) -> None:
        elements = piece.count(b"<") - piece.count(b"</")
        self.rows.sheet_elements += elements
        if self.rows.sheet_elements > MAX_SHEET_ELEMENTS:
            self._refuse(
                f"the worksheets have more than {MAX_SHEET_ELEMENTS:,} XML elements together "
                "(save it as CSV, or split it)"
            )
        if self.in_row:
            self.row_elements += elements
            if self.row_elements > MAX_ROW_ELEMENTS:
                self._refuse(
                    f"row {self.rows.count} has more than {MAX_ROW_ELEMENTS:,} XML elements "
                    f"(at most {MAX_COLUMNS} columns are read)"
                )
        else:
            self.loose += elements
            if self.loose > MAX_LOOSE_ELEMENTS:
                self._refuse(f"more than {MAX_LOOSE_ELEMENTS:,} XML elements are outside rows")

    def _refuse(self, what: str) -> None:
        raise SheetError(f"{self.filename} {XLSX}: in its part {self.part!r}, {what}")


def _scan_entry(
    archive: zipfile.ZipFile, entry: zipfile.ZipInfo, filename: str, rows: _RowBudget
) -> None:
    """Inflate one entry (bounded above) in chunks: intact, UTF-8, no DOCTYPE, few elements.

    No part of a real workbook declares a DTD; defusedxml refuses entities, but an external
    DTD alone would pass it. Reading every entry once also finds a cut or corrupt archive
    (zipfile checks each entry's size and CRC) before openpyxl half-reads it. Pictures are
    scanned too: openpyxl parses whatever the workbook's relations point at, whatever its
    name, and a picture's stray ``<`` bytes cost little of the element budget.
    """
    tail = b""
    first = True
    counter = _ElementCounter(entry.filename, filename, rows)
    try:
        with archive.open(entry) as stream:
            while chunk := stream.read(SCAN_CHUNK_BYTES):
                if first and chunk.startswith((b"\xff\xfe", b"\xfe\xff", b"<\x00", b"\x00<")):
                    raise SheetError(
                        f"{filename} {XLSX}: its part {entry.filename!r} is not UTF-8 XML"
                    )
                first = False
                if b"<!DOCTYPE" in tail + chunk[:16] or b"<!DOCTYPE" in chunk:
                    raise SheetError(
                        f"{filename} {XLSX}: its part {entry.filename!r} declares a DTD "
                        "(<!DOCTYPE ...>), which is refused: no real workbook has one"
                    )
                tail = chunk[-16:]
                counter.feed(chunk)
            counter.finish()
    except SheetError:
        raise
    except Exception as exc:  # BadZipFile (CRC, cut short), zlib.error, encrypted, unsupported
        raise SheetError(
            f"{filename} {XLSX}: its part {entry.filename!r} cannot be unpacked: {_reason(exc)}"
        ) from None


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):,.1f} MB" if size >= 1024 * 1024 else f"{size:,} bytes"


def _reason(exc: BaseException) -> str:
    """A short reason for a parser's exception, naming entity and DTD refusals plainly."""
    while exc.__cause__ is not None:  # openpyxl wraps the parser's error in a ValueError
        exc = exc.__cause__
    name = type(exc).__name__
    if name in ("EntitiesForbidden", "DTDForbidden", "ExternalReferenceForbidden"):
        return f"it declares XML entities or external references, which are refused ({name})"
    text = str(exc).strip() or name
    return f"{text[:300]} ({name})" if name not in text else text[:300]


def _cell_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
