"""Table signs, one A4 page per table in use: who sits there in each round.

``render_table_signs(signs) -> bytes`` takes plain data (``app/services/printing/data.py``
reads it from the published schedule) and returns the PDF.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from app.services.printing.text import (
    BOLD,
    GREY,
    LEADING,
    LIGHT,
    PAGE_MARGIN,
    REGULAR,
    RULE,
    Fitted,
    clean,
    draw_lines,
    fit,
    new_canvas,
    time_span,
)


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
    timezone: str = ""  # the zone of the round times, named once in the sign's top line


def _sign(canvas: Canvas, sign: TableSignData) -> None:
    """One table's sign: its label large, then each round's time and the two people."""
    page_w, page_h = A4
    x, room = PAGE_MARGIN * 1.4, page_w - 2.8 * PAGE_MARGIN
    top = page_h - PAGE_MARGIN * 1.4
    zone = f"times in {sign.timezone}" if sign.timezone else ""
    where = " \u00b7 ".join(p for p in (clean(sign.event_name), clean(sign.venue), zone) if p)
    top = draw_lines(canvas, fit(where, REGULAR, room, 11, 7), x, top, REGULAR, GREY)
    top = draw_lines(canvas, fit(sign.label, BOLD, room, 64, 20), x, top - 2 * mm, BOLD)
    top = (
        draw_lines(
            canvas, fit("Meetings at this table", REGULAR, room, 12, 8), x, top, REGULAR, GREY
        )
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
        draw_lines(canvas, Fitted(14 * scale, (f"Round {r.round}",)), x, base, BOLD)
        draw_lines(
            canvas,
            Fitted(12 * scale, (time_span(r.start, r.end),)),
            x,
            base - 14 * scale * LEADING,
            REGULAR,
            GREY,
        )
        if not r.seats:
            draw_lines(canvas, Fitted(12 * scale, ("free",)), x + time_w, base, REGULAR, LIGHT)
        for k, seat in enumerate(r.seats[:2]):
            sx = x + time_w + k * seat_w
            name = fit(seat.name, BOLD, seat_w - 3 * mm, 15 * scale, 7, max_lines=3)
            y = draw_lines(canvas, name, sx, base, BOLD)
            draw_lines(
                canvas,
                fit(seat.company, REGULAR, seat_w - 3 * mm, 11 * scale, 6, max_lines=2),
                sx,
                y,
                REGULAR,
                GREY,
            )
        top -= row


def render_table_signs(signs: Sequence[TableSignData]) -> bytes:
    """Table signs, one A4 page per table, as PDF bytes."""
    buffer = io.BytesIO()
    canvas = new_canvas(buffer, A4, "Table signs")
    for sign in signs:
        _sign(canvas, sign)
        canvas.showPage()
    if not signs:
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()
