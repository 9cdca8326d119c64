"""The text toolkit every printed PDF shares: fonts, measuring, wrapping, shrinking, drawing.

Text is set in the bundled DejaVu Sans (static/fonts/), embedded in every file, so accented,
Polish and Vietnamese names print; every line is measured and shrunk (then wrapped, then
shortened with an ellipsis) to its box. QR codes are vector: the code's dark modules become one
filled path of rectangles. Badges, agendas and table signs draw with the helpers here.
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
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from app.services.printing.qr import qr_matrix
from app.services.scheduling.vocabulary import clean_text

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
PAGE_MARGIN = 11 * mm  # around an A4 agenda or table sign


# -- fonts, measuring and fitting -------------------------------------------------------------


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
        """The text wrapped at ``points``, from the widths measured once above."""
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


# -- drawing ----------------------------------------------------------------------------------


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


def new_canvas(buffer: io.BytesIO, page: tuple[float, float], title: str) -> Canvas:
    """A canvas with Mingle's metadata and the fonts registered."""
    register_fonts()
    canvas = Canvas(buffer, pagesize=page, pageCompression=1, initialFontName=REGULAR)
    canvas.setTitle(title)
    canvas.setAuthor("Mingle")
    canvas.setCreator("Mingle")
    return canvas


def draw_text(
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


def draw_lines(
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
        draw_text(canvas, line, x, top - ASCENT * fitted.size, font, fitted.size, colour, align)
        top -= fitted.size * LEADING
    return top


def time_span(start: datetime, end: datetime) -> str:
    """``09:00–09:10``."""
    return f"{start:%H:%M}\u2013{end:%H:%M}"


def long_day(moment: datetime) -> str:
    """``Monday 4 March 2030``."""
    return f"{moment:%A} {moment.day} {moment:%B %Y}"
