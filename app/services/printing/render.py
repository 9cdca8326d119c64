"""Printed material as pure render functions: badges, agendas with follow-up forms, table signs.

Each ``render_*`` takes plain data classes and returns PDF bytes. Nothing here reads the database
or a request (``app/services/printing/data.py`` builds the inputs from the published schedule),
so the CLI and the views only write or send the bytes, in the spirit of pretix's badge exporter.
Sheet layouts are in millimetres, as label sheets are sold. Text is set in the bundled DejaVu
Sans (static/fonts/), embedded in every file, so accented, Polish and Vietnamese names print;
every line is measured and shrunk (then wrapped, then shortened with an ellipsis) to its box.
QR codes are vector: the code's dark modules become one filled path of rectangles.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache, lru_cache
from pathlib import Path

import numpy as np
from reportlab import rl_config
from reportlab.lib.colors import Color, HexColor, white
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from app.services.printing.qr import qr_matrix
from solver.text import clean_text

# Page streams binary (Flate only): ASCII85 on top made files a quarter larger and took a tenth
# of the time of 2,000 badges. A process-wide reportlab setting: the report PDFs
# (app/services/reports/pdf.py, which imports this module's fonts) are written the same way.
rl_config.useA85 = 0

FONT_DIR = Path(__file__).resolve().parents[3] / "static" / "fonts"
REGULAR = "DejaVuSans"
BOLD = "DejaVuSans-Bold"
FONT_FILES = {REGULAR: "DejaVuSans.ttf", BOLD: "DejaVuSans-Bold.ttf"}
ELLIPSIS = "\u2026"
MAX_PRINTED = 600  # characters of one printed field; none has room for more
HYPHEN_BREAK = re.compile(r"[^-]+-+(?=[^-])|.+")  # "Dupont-Lefèvre" -> "Dupont-", "Lefèvre"
LEADING = 1.18  # line height as a multiple of the font size
ASCENT = 0.93  # DejaVu Sans: baseline below the top of its line, per point of size
QUIET_MODULES = 4  # blank modules around a QR code, as ISO/IEC 18004 asks

INK = HexColor("#111827")
GREY = HexColor("#4b5563")
LIGHT = HexColor("#9ca3af")
RULE = HexColor("#d1d5db")
# Kind bands: dark enough for white text; the kind is always written in the band as well.
KIND_COLOURS = {
    "partner": HexColor("#1d4ed8"),
    "vendor": HexColor("#b45309"),
    "distributor": HexColor("#047857"),
}
OTHER_KIND = HexColor("#374151")
# Sponsor tiers: light fills under dark text, and as many stars as the tier is high.
TIERS = {
    "platinum": (HexColor("#e5e4e2"), 3),
    "gold": (HexColor("#f2c94c"), 2),
    "silver": (HexColor("#cfd4da"), 1),
}


# -- sheet layouts ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Layout:
    """A sheet of badges: page size, grid, margins, gaps and badge size, in millimetres."""

    description: str
    page_width: float
    page_height: float
    columns: int
    rows: int
    badge_width: float
    badge_height: float
    margin_left: float
    margin_top: float
    gap_x: float = 0.0
    gap_y: float = 0.0

    @property
    def per_page(self) -> int:
        """Badges on one sheet."""
        return self.columns * self.rows

    def pages(self, badges: int) -> int:
        """Sheets needed for ``badges`` badges (one side)."""
        return max(1, math.ceil(badges / self.per_page))

    def origin(self, slot: int, mirrored: bool = False) -> tuple[float, float]:
        """Bottom-left corner (mm, PDF coordinates) of the ``slot``-th badge, row by row.

        ``mirrored`` swaps the columns, for the back of a sheet flipped on its long edge.
        """
        row, column = divmod(slot, self.columns)
        if mirrored:
            column = self.columns - 1 - column
        x = self.margin_left + column * (self.badge_width + self.gap_x)
        top = self.margin_top + row * (self.badge_height + self.gap_y)
        return x, self.page_height - top - self.badge_height


LAYOUTS: dict[str, Layout] = {
    # One badge per A6 card (badge printers, or A6 stock in an office printer).
    "a6": Layout("A6 card, one badge", 105.0, 148.0, 1, 1, 105.0, 148.0, 0.0, 0.0),
    # Eight 99.1 x 67.7 mm labels on A4 (the common L7165 label-sheet size).
    "a4-2x4": Layout(
        "A4 sheet, 2 x 4 labels of 99.1 x 67.7 mm", 210.0, 297.0, 2, 4, 99.1, 67.7, 4.65, 13.1, 2.5
    ),
    # Six 4 x 3 in badge inserts on US Letter.
    "letter-2x3": Layout(
        "US Letter sheet, 2 x 3 badges of 4 x 3 in", 215.9, 279.4, 2, 3, 101.6, 76.2, 6.35, 25.4
    ),
}
DEFAULT_LAYOUT = "a4-2x4"


# -- inputs -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AgendaSlot:
    """One round of an attendee's agenda: a meeting, a free round or a round they are away."""

    round: int
    start: datetime  # naive, the event's local time
    end: datetime
    kind: str = "meeting"  # "meeting", "free" or "away"
    table: str = ""
    other_name: str = ""
    other_company: str = ""
    other_kind: str = ""
    other_title: str = ""
    reasons: tuple[str, ...] = ()  # why, in the second person
    followup_url: str = ""  # the meeting's online follow-up, encoded in its QR code
    reference: str = ""  # printed on the paper form so staff can key the answer in


@dataclass(frozen=True)
class BadgeData:
    """What one badge shows; ``url`` (the attendee's agenda) is what its QR code opens."""

    name: str
    company: str
    kind: str  # partner, vendor or distributor
    region: str
    url: str
    first_name: str = ""  # printed large; default: the name's first word
    title: str = ""
    country: str = ""
    tier: str | None = None  # platinum, gold or silver: marked on vendors' badges
    event_name: str = ""
    agenda: tuple[AgendaSlot, ...] = ()  # printed on the back with ``duplex``


@dataclass(frozen=True)
class AgendaData:
    """One attendee's printed agenda: who they are, the event, and every round."""

    event_name: str
    venue: str
    timezone: str
    starts_at: datetime  # naive local start of round 1
    name: str
    company: str
    kind: str
    region: str
    url: str  # the attendee's agenda online
    slots: tuple[AgendaSlot, ...]
    title: str = ""
    currency: str = ""  # pre-printed next to the pipeline value
    version: int | None = None  # the published schedule version printed


@dataclass(frozen=True)
class Seat:
    """One person at a table in one round."""

    name: str
    company: str


@dataclass(frozen=True)
class TableRound:
    """Who sits at a table in one round; no seats when the table is free."""

    round: int
    start: datetime
    end: datetime
    seats: tuple[Seat, ...] = ()


@dataclass(frozen=True)
class TableSignData:
    """One table's sign: its label and who sits there round by round."""

    event_name: str
    table: int
    label: str
    rounds: tuple[TableRound, ...]
    venue: str = ""


# -- fonts, text and QR codes -----------------------------------------------------------------


@cache
def register_fonts() -> None:
    """Register DejaVu Sans (regular and bold) with reportlab, once per process."""
    for name, filename in FONT_FILES.items():
        pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / filename)))


def clean(text: str | None) -> str:
    """One line of printable text: NFC, no control characters, whitespace collapsed, bounded.

    Nothing longer than ``MAX_PRINTED`` characters can reach the fitting below: no badge line,
    agenda row or sign has room for more, even at the smallest size.
    """
    text = clean_text(text)
    return text if len(text) <= MAX_PRINTED else text[: MAX_PRINTED - 1].rstrip() + ELLIPSIS


@lru_cache(maxsize=8192)
def _char_width(char: str, font: str) -> float:
    """Width of one character at 1 pt; text widths add up (reportlab applies no kerning)."""
    return pdfmetrics.stringWidth(char, font, 1.0)


def _unit_widths(text: str, font: str) -> list[float]:
    """Each character's width at 1 pt, measured once."""
    return [_char_width(char, font) for char in text]


def width(text: str, font: str, size: float) -> float:
    """Width of ``text`` in points."""
    return sum(_unit_widths(text, font)) * size


def _longest_prefix(widths: Sequence[float], room: float, start: int = 0) -> int:
    """The end of the longest run ``widths[start:end]`` that fits ``room`` (at least one)."""
    total, end = 0.0, start
    while end < len(widths) and total + widths[end] <= room:
        total += widths[end]
        end += 1
    return max(end, start + 1)


def shorten(text: str, font: str, size: float, room: float) -> str:
    """``text`` cut at the end, with an ellipsis, until it fits ``room`` points."""
    widths = _unit_widths(text, font)
    if sum(widths) * size <= room:
        return text
    room_left = room / size - _char_width(ELLIPSIS, font)
    if room_left <= 0:
        return ""
    end = _longest_prefix(widths, room_left)
    if sum(widths[:end]) > room_left:  # not even one character fits beside the ellipsis
        return ""
    return text[:end].rstrip() + ELLIPSIS


@dataclass(frozen=True)
class _Piece:
    """A breakable piece of text, the glue before it, and its width at 1 pt."""

    text: str
    glue: str  # " " after a space, "" after a hyphen
    widths: tuple[float, ...]
    width: float


def _pieces(text: str, font: str) -> list[_Piece]:
    """Breakable pieces of ``text``, measured once: at spaces, and after hyphens."""
    out: list[_Piece] = []
    for word in text.split():
        for k, part in enumerate(HYPHEN_BREAK.findall(word)):
            widths = tuple(_unit_widths(part, font))
            out.append(_Piece(part, " " if k == 0 else "", widths, sum(widths)))
    return out


def _wrap_pieces(pieces: Sequence[_Piece], space: float, size: float, room: float) -> list[str]:
    """Greedy wrap of measured pieces into lines of at most ``room`` points; linear in length.

    A piece wider than the room on its own (a very long word) is split between characters.
    """
    unit_room = room / size
    lines: list[str] = []
    line, line_width = "", 0.0
    for piece in pieces:
        glue = space if piece.glue else 0.0
        if line and line_width + glue + piece.width <= unit_room:
            line, line_width = f"{line}{piece.glue}{piece.text}", line_width + glue + piece.width
            continue
        if not line and piece.width <= unit_room:
            line, line_width = piece.text, piece.width
            continue
        if line:
            lines.append(line)
        start, rest = 0, piece.width
        while rest > unit_room and len(piece.text) - start > 1:
            end = _longest_prefix(piece.widths, unit_room, start)
            lines.append(piece.text[start:end])
            rest -= sum(piece.widths[start:end])
            start = end
        line, line_width = piece.text[start:], rest
    if line:
        lines.append(line)
    return lines


def wrap(text: str, font: str, size: float, room: float) -> list[str]:
    """Greedy wrap into lines of at most ``room`` points, at spaces or after hyphens.

    A piece wider than the room on its own (a very long word) is split between characters.
    """
    return _wrap_pieces(_pieces(text, font), _char_width(" ", font), size, room)


@dataclass(frozen=True)
class Fitted:
    """Text set to fit a box: its font size and lines."""

    size: float
    lines: tuple[str, ...]

    @property
    def height(self) -> float:
        """Points taken by the lines."""
        return len(self.lines) * self.size * LEADING


def fit(
    text: str, font: str, room: float, size: float, smallest: float, max_lines: int = 1
) -> Fitted:
    """The largest size (``smallest``..``size``) at which ``text`` fits ``room`` points wide.

    One line is preferred; up to ``max_lines`` are used when that allows a clearly larger size
    or one line cannot fit at ``smallest``. Text still too long at ``smallest`` is shortened with
    an ellipsis, so nothing ever runs past ``room``.
    """
    text = clean(text)
    if not text:
        return Fitted(size, ())
    pieces = _pieces(text, font)  # measured once; every size below reuses the widths
    space = _char_width(" ", font)

    def lines_at(points: float) -> list[str]:
        return _wrap_pieces(pieces, space, points, room)

    full = (sum(p.width for p in pieces) + space * sum(p.glue == " " for p in pieces[1:])) * size
    one_line = size if full <= room else math.floor(size * room / full * 10) / 10
    best = Fitted(one_line, (text,)) if one_line >= smallest else None
    if max_lines > 1 and (best is None or best.size < size):
        low, high = smallest, size
        if len(lines_at(low)) <= max_lines:
            for _ in range(8):  # bisect the size to a few hundredths of a point
                middle = (low + high) / 2
                if len(lines_at(middle)) <= max_lines:
                    low = middle
                else:
                    high = middle
            low = math.floor(low * 10) / 10
            if best is None or low > best.size * 1.2:
                best = Fitted(low, tuple(lines_at(low)))
    if best is not None:
        return best
    lines = lines_at(smallest)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = shorten(lines[-1] + ELLIPSIS, font, smallest, room)
    return Fitted(smallest, tuple(lines))


def first_word(name: str) -> str:
    """The name's first word, printed large when no first name is given."""
    words = clean(name).split()
    return words[0] if words else ""


def _qr_path(modules: np.ndarray) -> str:
    """PDF operators filling the dark modules, one unit square per module, row 0 at the top.

    Each run of dark modules in a row is one rectangle and all are filled at once: no hairline
    seams between modules, and small integers instead of formatted coordinates.
    """
    count = modules.shape[0]
    edges = np.zeros((count, count + 2), dtype=np.int8)
    edges[:, 1:-1] = modules
    change = np.diff(edges, axis=1)
    ops = []
    for r in range(count):
        starts = np.flatnonzero(change[r] == 1).tolist()
        ends = np.flatnonzero(change[r] == -1).tolist()
        y = count - 1 - r
        ops += [f"{a} {y} {b - a} 1 re" for a, b in zip(starts, ends, strict=True)]
    return "\n".join(ops)


def draw_qr(canvas: Canvas, data: str, x: float, y: float, size: float) -> None:
    """Draw ``data`` as a vector QR code filling the square at (x, y), quiet zone included."""
    modules = qr_matrix(data)
    count = modules.shape[0]
    step = size / (count + 2 * QUIET_MODULES)
    canvas.saveState()
    canvas.setFillColor(white)
    canvas.rect(x, y, size, size, stroke=0, fill=1)
    canvas.restoreState()
    left, bottom = x + QUIET_MODULES * step, y + QUIET_MODULES * step
    # Raw operators in a q/Q pair: the modules' grid scaled into place, filled black.
    canvas.addLiteral(
        f"q 1 0 0 1 {left:.4f} {bottom:.4f} cm {step:.5f} 0 0 {step:.5f} 0 0 cm 0 g\n"
        f"{_qr_path(modules)}\nf Q"
    )


def _new_canvas(buffer: io.BytesIO, page: tuple[float, float], title: str) -> Canvas:
    """A canvas with Mingle's metadata and the fonts registered."""
    register_fonts()
    canvas = Canvas(buffer, pagesize=page, pageCompression=1, initialFontName=REGULAR)
    canvas.setTitle(title)
    canvas.setAuthor("Mingle")
    canvas.setCreator("Mingle")
    return canvas


def _text(
    canvas: Canvas,
    text: str,
    x: float,
    y: float,
    font: str,
    size: float,
    colour: Color = INK,
    align: str = "left",
) -> None:
    """Draw one line with its baseline at ``y``; ``align`` is left, centre or right of ``x``."""
    canvas.setFont(font, size)
    canvas.setFillColor(colour)
    if align == "centre":
        canvas.drawCentredString(x, y, text)
    elif align == "right":
        canvas.drawRightString(x, y, text)
    else:
        canvas.drawString(x, y, text)


def _lines(
    canvas: Canvas,
    fitted: Fitted,
    x: float,
    top: float,
    font: str,
    colour: Color = INK,
    align: str = "left",
) -> float:
    """Draw fitted lines downward from ``top``; returns the y below them."""
    for line in fitted.lines:
        _text(canvas, line, x, top - ASCENT * fitted.size, font, fitted.size, colour, align)
        top -= fitted.size * LEADING
    return top


def _time_span(start: datetime, end: datetime) -> str:
    """``09:00–09:10``."""
    return f"{start:%H:%M}\u2013{end:%H:%M}"


def _day(moment: datetime) -> str:
    """``Monday 4 March 2030``."""
    return f"{moment:%A} {moment.day} {moment:%B %Y}"


# -- badges -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _BadgeText:
    """A badge's text block, fitted at one scale."""

    first: Fitted
    name: Fitted
    title: Fitted
    company: Fitted
    place: Fitted
    gap: float

    @property
    def height(self) -> float:
        """Points taken by the block, gaps included."""
        parts = (self.first, self.name, self.title, self.company, self.place)
        return sum(p.height for p in parts) + self.gap * 2


def _badge_text(badge: BadgeData, room: float, height: float, base: float) -> _BadgeText:
    """Fit the badge's lines into ``room`` x ``height`` points, shrinking all when too tall.

    ``base`` is the first name's largest size; the other lines scale with it.
    """
    first = clean(badge.first_name) or first_word(badge.name)
    name = "" if clean(badge.name) == first else badge.name  # "Ewa" once is enough
    place = " \u00b7 ".join(p for p in (clean(badge.region), clean(badge.country)) if p)
    scale = 1.0
    for _ in range(6):
        b = base * scale
        block = _BadgeText(
            first=fit(first, BOLD, room, b, min(b, 10.0)),
            name=fit(name, REGULAR, room, b * 0.42, min(b * 0.42, 6.5), max_lines=3),
            title=fit(badge.title, REGULAR, room, b * 0.3, min(b * 0.3, 5.5)),
            company=fit(badge.company, BOLD, room, b * 0.38, min(b * 0.38, 6.5), max_lines=2),
            place=fit(place, REGULAR, room, b * 0.3, min(b * 0.3, 5.5)),
            gap=b * 0.18,
        )
        if block.height <= height:
            return block
        scale *= max(0.6, height / block.height * 0.98)
    return block


def _band(canvas: Canvas, badge: BadgeData, x: float, y: float, w: float, h: float) -> None:
    """The kind colour band across the bottom: the kind in words, and the sponsor tier mark."""
    kind = clean(badge.kind).lower()
    canvas.setFillColor(KIND_COLOURS.get(kind, OTHER_KIND))
    canvas.rect(x, y, w, h, stroke=0, fill=1)
    pad = min(4 * mm, h * 0.35)
    size = min(h * 0.42, 16.0)
    tier = clean(badge.tier).lower() if kind == "vendor" and badge.tier else ""
    mark_width = 0.0
    if tier in TIERS:
        fill, stars = TIERS[tier]
        mark = fit("\u2605" * stars + f" {tier.upper()} SPONSOR", BOLD, w * 0.5, size * 0.62, 4)
        mark_size = mark.size
        mark_width = width(mark.lines[0], BOLD, mark_size) + 2 * mark_size
        px, ph = x + w - pad - mark_width, mark_size * 1.9
        py = y + (h - ph) / 2
        canvas.setFillColor(fill)
        canvas.setStrokeColor(white)
        canvas.setLineWidth(0.8)
        canvas.roundRect(px, py, mark_width, ph, ph / 2, stroke=1, fill=1)
        baseline = py + (ph - mark_size * 0.72) / 2
        _text(canvas, mark.lines[0], px + mark_width / 2, baseline, BOLD, mark_size, INK, "centre")
    label = fit(kind.upper() or "GUEST", BOLD, w - 3 * pad - mark_width, size, 5)
    baseline = y + (h - label.size * 0.72) / 2
    _text(canvas, label.lines[0], x + pad, baseline, BOLD, label.size, white)


def draw_badge(canvas: Canvas, badge: BadgeData, x: float, y: float, w: float, h: float) -> None:
    """Draw one badge in the box (x, y, w, h), in points: portrait or landscape by its shape."""
    portrait = h > w * 1.15
    pad = max(3.5 * mm, min(w, h) * 0.06)
    band = h * (0.12 if portrait else 0.15)
    _band(canvas, badge, x, y, w, band)
    event = clean(badge.event_name)
    event_size = max(6.0, h * (0.022 if portrait else 0.035))
    top = y + h - pad
    if event:
        align_x, align = (x + w / 2, "centre") if portrait else (x + pad, "left")
        line = shorten(event, REGULAR, event_size, w - 2 * pad)
        _text(canvas, line, align_x, top - event_size, REGULAR, event_size, GREY, align)
        top -= event_size * 1.9
    caption_size = max(5.0, event_size * 0.8)
    if portrait:
        qr = min(w * 0.5, h * 0.34)
        qr_x, qr_y = x + (w - qr) / 2, y + band + pad * 0.6 + caption_size * 1.6
        room, text_x, align = w - 2 * pad, x + w / 2, "centre"
        text_bottom = qr_y + qr + pad * 0.4
        base = h * 0.1
    else:
        qr = min(w * 0.36, h - band - 2 * pad - caption_size * 1.5)
        qr_x, qr_y = x + w - qr - pad * 0.4, y + band + caption_size * 1.6 + pad * 0.3
        room, text_x, align = qr_x - x - pad, x + pad, "left"
        text_bottom = y + band + pad * 0.5
        base = h * 0.16
    draw_qr(canvas, badge.url, qr_x, qr_y, qr)
    _text(
        canvas,
        "Scan for your agenda",
        qr_x + qr / 2,
        qr_y - caption_size * 1.2,
        REGULAR,
        caption_size,
        GREY,
        "centre",
    )
    block = _badge_text(badge, room, top - text_bottom, base)
    spare = top - text_bottom - block.height
    top -= spare / 2 if portrait else min(spare / 2, pad)
    top = _lines(canvas, block.first, text_x, top, BOLD, INK, align)
    top = _lines(canvas, block.name, text_x, top, REGULAR, INK, align)
    top = _lines(canvas, block.title, text_x, top, REGULAR, GREY, align) - block.gap
    top = _lines(canvas, block.company, text_x, top, BOLD, INK, align) - block.gap
    _lines(canvas, block.place, text_x, top, REGULAR, GREY, align)


def _draw_badge_back(
    canvas: Canvas, badge: BadgeData, x: float, y: float, w: float, h: float
) -> None:
    """The back of a badge: the attendee's meetings, two short lines per meeting."""
    pad = max(3.5 * mm, min(w, h) * 0.06)
    room = w - 2 * pad
    head = fit(f"Your meetings \u00b7 {clean(badge.name)}", BOLD, room, max(7.0, h / 20), 6)
    top = _lines(canvas, head, x + pad, y + h - pad, BOLD) - head.size * 0.4
    slots = [s for s in badge.agenda if s.kind == "meeting"]
    if not slots:
        _text(canvas, "No meetings scheduled.", x + pad, top - head.size, REGULAR, head.size, GREY)
        return
    size = max(4.5, min(head.size * 0.9, (top - y - pad) / (len(slots) * 2 * LEADING + 0.3)))
    time_w = width("00:00", BOLD, size) + size
    for slot in slots:
        who = f"{clean(slot.other_name)}, {clean(slot.other_company)}"
        where = f"Round {slot.round} \u00b7 {clean(slot.table)}"
        _text(canvas, f"{slot.start:%H:%M}", x + pad, top - ASCENT * size, BOLD, size)
        top = _lines(
            canvas,
            Fitted(size, (shorten(who, REGULAR, size, room - time_w),)),
            x + pad + time_w,
            top,
            REGULAR,
        )
        top = (
            _lines(
                canvas,
                Fitted(size, (shorten(where, REGULAR, size, room - time_w),)),
                x + pad + time_w,
                top,
                REGULAR,
                GREY,
            )
            - size * 0.3
        )


def render_badges(
    badges: Sequence[BadgeData], layout: str = DEFAULT_LAYOUT, duplex: bool = False
) -> bytes:
    """Badges laid out on sheets of ``layout`` (a key of ``LAYOUTS``), as PDF bytes.

    With ``duplex`` every sheet is followed by its back (flipped on the long edge), each
    badge's meetings behind it. An empty list gives one blank sheet.
    """
    sheet = LAYOUTS[layout]
    buffer = io.BytesIO()
    canvas = _new_canvas(buffer, (sheet.page_width * mm, sheet.page_height * mm), "Badges")
    w, h = sheet.badge_width * mm, sheet.badge_height * mm
    for first in range(0, max(len(badges), 1), sheet.per_page):
        page = badges[first : first + sheet.per_page]
        for slot, badge in enumerate(page):
            bx, by = sheet.origin(slot)
            draw_badge(canvas, badge, bx * mm, by * mm, w, h)
        canvas.showPage()
        if duplex:
            for slot, badge in enumerate(page):
                bx, by = sheet.origin(slot, mirrored=True)
                _draw_badge_back(canvas, badge, bx * mm, by * mm, w, h)
            canvas.showPage()
    canvas.save()
    return buffer.getvalue()


# -- agendas with paper follow-up forms -------------------------------------------------------

PAGE_MARGIN = 11 * mm
FORM_SIZE = 6.4  # points, the form's labels
BOX = 2.7 * mm  # a tick box
# The online form's answers (FollowUp.HELD and NEXT_STEPS, "none" being no tick), worded short.
HELD_BOXES = ("Yes, we met", "They didn't come", "I couldn't come")
NEXT_BOXES = ("Call", "Proposal", "Joint deal", "Deal registered")
MEETING_ROW = 24 * mm
OTHER_ROW = 7 * mm
FOLLOWUP_QR = 17 * mm


def _tick(canvas: Canvas, x: float, y: float, label: str, number: bool = False) -> None:
    """A tick box with its bottom-left at (x, y), ``label`` beside it or (a number) inside."""
    canvas.setStrokeColor(GREY)
    canvas.setLineWidth(0.5)
    canvas.rect(x, y, BOX, BOX, stroke=1, fill=0)
    if number:
        _text(canvas, label, x + BOX / 2, y + BOX * 0.25, REGULAR, FORM_SIZE * 0.85, GREY, "centre")
    else:
        _text(canvas, label, x + BOX + 0.8 * mm, y + BOX * 0.2, REGULAR, FORM_SIZE)


FormLine = tuple[str, list[str], bool]  # label (blank on a continued line), boxes, numbered


def _box_width(box: str, numbered: bool) -> float:
    """Room a tick box takes with its label and the space after it."""
    if numbered:
        return BOX + 0.9 * mm
    return BOX + 0.8 * mm + width(box, REGULAR, FORM_SIZE) + 2.2 * mm


def _form_lines(room: float) -> list[FormLine]:
    """The form's questions as printed lines, boxes wrapped to ``room`` points."""
    questions: list[FormLine] = [
        ("Met?", list(HELD_BOXES), False),
        ("Rating", [str(n) for n in range(1, 6)], True),
        ("Recommend", [str(n) for n in range(11)], True),
        ("Next step", list(NEXT_BOXES), False),
    ]
    lines: list[FormLine] = []
    label_w = width("Recommend", BOLD, FORM_SIZE) + 2 * mm
    for label, boxes, numbered in questions:
        line: list[str] = []
        used = label_w
        for box in boxes:
            need = _box_width(box, numbered)
            if line and used + need > room:
                lines.append((label, line, numbered))
                label, line, used = "", [], label_w
            line.append(box)
            used += need
        lines.append((label, line, numbered))
    return lines


def _draw_form(
    canvas: Canvas, slot: AgendaSlot, currency: str, x: float, top: float, room: float
) -> None:
    """The paper follow-up form for one meeting, its QR code at the right."""
    field_room = room - FOLLOWUP_QR - 2 * mm
    label_w = width("Recommend", BOLD, FORM_SIZE) + 2 * mm
    line_h = BOX + 0.9 * mm
    y = top - 0.9 * mm - FORM_SIZE
    _text(canvas, "After the meeting: tick, or scan to answer online", x, y, BOLD, FORM_SIZE, GREY)
    y -= line_h
    for label, boxes, numbered in _form_lines(field_room):
        if label:
            _text(canvas, label, x, y + BOX * 0.2, BOLD, FORM_SIZE)
        bx = x + label_w
        for box in boxes:
            _tick(canvas, bx, y, box, numbered)
            bx += _box_width(box, numbered)
        y -= line_h
    _text(canvas, "Pipeline value", x, y + BOX * 0.2, BOLD, FORM_SIZE)
    canvas.setStrokeColor(GREY)
    canvas.setLineWidth(0.5)
    end = x + field_room - (width(currency, REGULAR, FORM_SIZE) + 1.5 * mm if currency else 0)
    start = x + max(label_w, width("Pipeline value", BOLD, FORM_SIZE) + 1.5 * mm)
    canvas.line(start, y + 0.4 * mm, end, y + 0.4 * mm)
    if currency:
        _text(canvas, currency, x + field_room, y + BOX * 0.2, REGULAR, FORM_SIZE, INK, "right")
    qr_x = x + room - FOLLOWUP_QR
    qr_y = top - FOLLOWUP_QR - 0.5 * mm
    if slot.followup_url:
        draw_qr(canvas, slot.followup_url, qr_x, qr_y, FOLLOWUP_QR)
    if slot.reference:
        _text(
            canvas,
            slot.reference,
            qr_x + FOLLOWUP_QR / 2,
            qr_y - FORM_SIZE * 0.9,
            REGULAR,
            FORM_SIZE * 0.85,
            GREY,
            "centre",
        )


def _agenda_header(canvas: Canvas, agenda: AgendaData, page: int) -> float:
    """The page's head: event, date and place, the attendee and their agenda's QR code."""
    page_w, page_h = A4
    x, room = PAGE_MARGIN, page_w - 2 * PAGE_MARGIN
    qr = 24 * mm
    top = page_h - PAGE_MARGIN
    draw_qr(canvas, agenda.url, page_w - PAGE_MARGIN - qr, top - qr, qr)
    _text(
        canvas,
        "Your agenda online",
        page_w - PAGE_MARGIN - qr / 2,
        top - qr - 6.5,
        REGULAR,
        6.0,
        GREY,
        "centre",
    )
    text_room = room - qr - 4 * mm
    event = fit(agenda.event_name, BOLD, text_room, 15, 9)
    top = _lines(canvas, event, x, top, BOLD)
    where = [_day(agenda.starts_at), clean(agenda.venue), f"times in {agenda.timezone}"]
    info = fit(" \u00b7 ".join(w for w in where if w), REGULAR, text_room, 8.5, 6, max_lines=2)
    top = _lines(canvas, info, x, top, REGULAR, GREY) - 2.5 * mm
    name = fit(agenda.name, BOLD, text_room, 14, 8)
    top = _lines(canvas, name, x, top, BOLD)
    who = [clean(agenda.title), clean(agenda.company), clean(agenda.kind), clean(agenda.region)]
    line = fit(" \u00b7 ".join(w for w in who if w), REGULAR, text_room, 9, 6.5, max_lines=2)
    top = _lines(canvas, line, x, top, REGULAR, GREY)
    if page > 1:
        _text(canvas, f"(continued, page {page})", x, top - 9, REGULAR, 7.5, GREY)
        top -= 9
    top = min(top, page_h - PAGE_MARGIN - qr - 9) - 2 * mm
    canvas.setStrokeColor(INK)
    canvas.setLineWidth(0.8)
    canvas.line(x, top, x + room, top)
    return top


def _agenda_footer(canvas: Canvas, agenda: AgendaData) -> None:
    """A line at the foot of the page: which schedule this is, and where answers go."""
    version = f"schedule version {agenda.version}" if agenda.version else "published schedule"
    note = (
        f"Printed from the {version}; the online agenda always shows the latest. Hand the "
        "ticked forms to the organisers, or answer online: either counts."
    )
    line = shorten(note, REGULAR, 6.5, A4[0] - 2 * PAGE_MARGIN)
    _text(canvas, line, PAGE_MARGIN, PAGE_MARGIN * 0.6, REGULAR, 6.5, LIGHT)


def _meeting_row(
    canvas: Canvas, agenda: AgendaData, slot: AgendaSlot, top: float, left_room: float
) -> None:
    """One meeting: when, where, with whom and why on the left; the form on the right."""
    x = PAGE_MARGIN
    head = f"Round {slot.round} \u00b7 {_time_span(slot.start, slot.end)} \u00b7 {slot.table}"
    y = _lines(canvas, fit(head, BOLD, left_room, 9, 6.5), x, top - 1.2 * mm, BOLD)
    y = _lines(canvas, fit(slot.other_name, BOLD, left_room, 11, 7), x, y, BOLD)
    who = [clean(slot.other_title), clean(slot.other_company), clean(slot.other_kind)]
    y = _lines(
        canvas,
        fit(", ".join(w for w in who if w), REGULAR, left_room, 8, 6, 2),
        x,
        y,
        REGULAR,
        GREY,
    )
    why = "Why: " + "; ".join(clean(r) for r in slot.reasons) if slot.reasons else ""
    room_left = y - (top - MEETING_ROW + 1 * mm)
    lines = max(1, int(room_left // (6.8 * LEADING)))
    _lines(canvas, fit(why, REGULAR, left_room, 6.8, 6.8, max_lines=lines), x, y, REGULAR)
    form_x = x + left_room + 4 * mm
    _draw_form(canvas, slot, agenda.currency, form_x, top, A4[0] - PAGE_MARGIN - form_x)


def _other_row(canvas: Canvas, slot: AgendaSlot, top: float) -> None:
    """A round without a meeting: free, or one the attendee is not there for."""
    note = "no meeting: time to visit the expo" if slot.kind == "free" else "you are away"
    line = f"Round {slot.round} \u00b7 {_time_span(slot.start, slot.end)} \u00b7 {note}"
    _text(canvas, line, PAGE_MARGIN, top - OTHER_ROW + 2.3 * mm, REGULAR, 8, GREY)


def render_agendas(agendas: Sequence[AgendaData]) -> bytes:
    """Printed agendas, one A4 page per attendee (more only past ten rounds), as PDF bytes.

    Beside each meeting: a paper follow-up form (met?, rating, recommend 0-10, next step,
    pipeline value) and a QR code opening the same form online.
    """
    buffer = io.BytesIO()
    canvas = _new_canvas(buffer, A4, "Agendas")
    left_room = 76 * mm
    bottom = PAGE_MARGIN + 3 * mm
    for agenda in agendas:
        page = 1
        top = _agenda_header(canvas, agenda, page)
        if not any(s.kind == "meeting" for s in agenda.slots):
            _text(
                canvas,
                "No meetings are scheduled for you.",
                PAGE_MARGIN,
                top - 8 * mm,
                REGULAR,
                10,
                GREY,
            )
        for slot in agenda.slots:
            need = MEETING_ROW if slot.kind == "meeting" else OTHER_ROW
            if top - need < bottom:
                _agenda_footer(canvas, agenda)
                canvas.showPage()
                page += 1
                top = _agenda_header(canvas, agenda, page)
            if slot.kind == "meeting":
                _meeting_row(canvas, agenda, slot, top, left_room)
            else:
                _other_row(canvas, slot, top)
            top -= need
            canvas.setStrokeColor(RULE)
            canvas.setLineWidth(0.5)
            canvas.line(PAGE_MARGIN, top, A4[0] - PAGE_MARGIN, top)
        _agenda_footer(canvas, agenda)
        canvas.showPage()
    if not agendas:
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


# -- table signs ------------------------------------------------------------------------------


def _sign(canvas: Canvas, sign: TableSignData) -> None:
    """One table's sign: its label large, then each round's time and the two people."""
    page_w, page_h = A4
    x, room = PAGE_MARGIN * 1.4, page_w - 2.8 * PAGE_MARGIN
    top = page_h - PAGE_MARGIN * 1.4
    where = " \u00b7 ".join(p for p in (clean(sign.event_name), clean(sign.venue)) if p)
    top = _lines(canvas, fit(where, REGULAR, room, 11, 7), x, top, REGULAR, GREY)
    top = _lines(canvas, fit(sign.label, BOLD, room, 64, 20), x, top - 2 * mm, BOLD)
    top = (
        _lines(canvas, fit("Meetings at this table", REGULAR, room, 12, 8), x, top, REGULAR, GREY)
        - 4 * mm
    )
    rounds = sign.rounds or ()
    row = min(30 * mm, (top - PAGE_MARGIN * 1.4) / max(len(rounds), 1))
    scale = min(1.0, row / (30 * mm))
    time_w = 36 * mm * max(scale, 0.7)
    seat_w = (room - time_w) / 2
    for r in rounds:
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.6)
        canvas.line(x, top, x + room, top)
        base = top - 3 * mm * scale
        _lines(canvas, Fitted(14 * scale, (f"Round {r.round}",)), x, base, BOLD)
        _lines(
            canvas,
            Fitted(12 * scale, (_time_span(r.start, r.end),)),
            x,
            base - 14 * scale * LEADING,
            REGULAR,
            GREY,
        )
        if not r.seats:
            _lines(canvas, Fitted(12 * scale, ("free",)), x + time_w, base, REGULAR, LIGHT)
        for k, seat in enumerate(r.seats[:2]):
            sx = x + time_w + k * seat_w
            name = fit(seat.name, BOLD, seat_w - 3 * mm, 15 * scale, 7, max_lines=3)
            y = _lines(canvas, name, sx, base, BOLD)
            _lines(
                canvas,
                fit(seat.company, REGULAR, seat_w - 3 * mm, 11 * scale, 6),
                sx,
                y,
                REGULAR,
                GREY,
            )
        top -= row


def render_table_signs(signs: Sequence[TableSignData]) -> bytes:
    """Table signs, one A4 page per table, as PDF bytes."""
    buffer = io.BytesIO()
    canvas = _new_canvas(buffer, A4, "Table signs")
    for sign in signs:
        _sign(canvas, sign)
        canvas.showPage()
    if not signs:
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()
