"""Badges on sheets laid out in millimetres, as label sheets are sold, as a pure render function.

``render_badges(badges, layout) -> bytes`` in the spirit of pretix's badge exporter: it takes
plain data (``app/services/printing/data.py`` reads it from the database) and returns the PDF.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.lib.colors import HexColor, white
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from app.services.printing.agendas import AgendaSlot
from app.services.printing.text import (
    ASCENT,
    BOLD,
    GREY,
    INK,
    LEADING,
    REGULAR,
    Fitted,
    clean,
    draw_lines,
    draw_qr,
    draw_text,
    first_word,
    fit,
    new_canvas,
    shorten,
    width,
)

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


# -- what a badge shows -----------------------------------------------------------------------


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


# -- drawing ----------------------------------------------------------------------------------


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
            company=fit(badge.company, BOLD, room, b * 0.38, min(b * 0.38, 6.5), max_lines=3),
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
        draw_text(
            canvas, mark.lines[0], px + mark_width / 2, baseline, BOLD, mark_size, INK, "centre"
        )
    label = fit(kind.upper() or "GUEST", BOLD, w - 3 * pad - mark_width, size, 5)
    baseline = y + (h - label.size * 0.72) / 2
    draw_text(canvas, label.lines[0], x + pad, baseline, BOLD, label.size, white)


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
        draw_text(canvas, line, align_x, top - event_size, REGULAR, event_size, GREY, align)
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
    draw_text(
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
    top = draw_lines(canvas, block.first, text_x, top, BOLD, INK, align)
    top = draw_lines(canvas, block.name, text_x, top, REGULAR, INK, align)
    top = draw_lines(canvas, block.title, text_x, top, REGULAR, GREY, align) - block.gap
    top = draw_lines(canvas, block.company, text_x, top, BOLD, INK, align) - block.gap
    draw_lines(canvas, block.place, text_x, top, REGULAR, GREY, align)


def _draw_badge_back(
    canvas: Canvas, badge: BadgeData, x: float, y: float, w: float, h: float
) -> None:
    """The back of a badge: the attendee's meetings, two short lines per meeting."""
    pad = max(3.5 * mm, min(w, h) * 0.06)
    room = w - 2 * pad
    head = fit(f"Your meetings \u00b7 {clean(badge.name)}", BOLD, room, max(7.0, h / 20), 6)
    top = draw_lines(canvas, head, x + pad, y + h - pad, BOLD) - head.size * 0.4
    slots = [s for s in badge.agenda if s.kind == "meeting"]
    if not slots:
        draw_text(
            canvas, "No meetings scheduled.", x + pad, top - head.size, REGULAR, head.size, GREY
        )
        return
    size = max(4.5, min(head.size * 0.9, (top - y - pad) / (len(slots) * 2 * LEADING + 0.3)))
    time_w = width("00:00", BOLD, size) + size
    for slot in slots:
        who = f"{clean(slot.other_name)}, {clean(slot.other_company)}"
        where = f"Round {slot.round} \u00b7 {clean(slot.table)}"
        draw_text(canvas, f"{slot.start:%H:%M}", x + pad, top - ASCENT * size, BOLD, size)
        top = draw_lines(
            canvas,
            Fitted(size, (shorten(who, REGULAR, size, room - time_w),)),
            x + pad + time_w,
            top,
            REGULAR,
        )
        top = (
            draw_lines(
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
    canvas = new_canvas(buffer, (sheet.page_width * mm, sheet.page_height * mm), "Badges")
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
