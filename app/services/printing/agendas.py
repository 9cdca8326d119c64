"""Printed agendas, one A4 page per attendee, each meeting beside a paper follow-up form.

``render_agendas(agendas) -> bytes`` takes plain data (``app/services/printing/data.py`` reads
it from the published schedule) and returns the PDF; the form's QR code opens the same form
online.
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
    INK,
    LEADING,
    LIGHT,
    PAGE_MARGIN,
    REGULAR,
    RULE,
    clean,
    draw_lines,
    draw_qr,
    draw_text,
    fit,
    long_day,
    new_canvas,
    shorten,
    time_span,
    width,
)

# -- what an agenda shows ---------------------------------------------------------------------


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


# -- the paper follow-up form -----------------------------------------------------------------

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
        draw_text(
            canvas, label, x + BOX / 2, y + BOX * 0.25, REGULAR, FORM_SIZE * 0.85, GREY, "centre"
        )
    else:
        draw_text(canvas, label, x + BOX + 0.8 * mm, y + BOX * 0.2, REGULAR, FORM_SIZE)


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
    draw_text(
        canvas, "After the meeting: tick, or scan to answer online", x, y, BOLD, FORM_SIZE, GREY
    )
    y -= line_h
    for label, boxes, numbered in _form_lines(field_room):
        if label:
            draw_text(canvas, label, x, y + BOX * 0.2, BOLD, FORM_SIZE)
        bx = x + label_w
        for box in boxes:
            _tick(canvas, bx, y, box, numbered)
            bx += _box_width(box, numbered)
        y -= line_h
    draw_text(canvas, "Pipeline value", x, y + BOX * 0.2, BOLD, FORM_SIZE)
    canvas.setStrokeColor(GREY)
    canvas.setLineWidth(0.5)
    end = x + field_room - (width(currency, REGULAR, FORM_SIZE) + 1.5 * mm if currency else 0)
    start = x + max(label_w, width("Pipeline value", BOLD, FORM_SIZE) + 1.5 * mm)
    canvas.line(start, y + 0.4 * mm, end, y + 0.4 * mm)
    if currency:
        draw_text(canvas, currency, x + field_room, y + BOX * 0.2, REGULAR, FORM_SIZE, INK, "right")
    qr_x = x + room - FOLLOWUP_QR
    qr_y = top - FOLLOWUP_QR - 0.5 * mm
    if slot.followup_url:
        draw_qr(canvas, slot.followup_url, qr_x, qr_y, FOLLOWUP_QR)
    if slot.reference:
        draw_text(
            canvas,
            slot.reference,
            qr_x + FOLLOWUP_QR / 2,
            qr_y - FORM_SIZE * 0.9,
            BOLD,  # read back and typed in by staff: dark and bold
            FORM_SIZE * 0.85,
            INK,
            "centre",
        )


# -- pages ------------------------------------------------------------------------------------


def _agenda_header(canvas: Canvas, agenda: AgendaData, page: int) -> float:
    """The page's head: event, date and place, the attendee and their agenda's QR code."""
    page_w, page_h = A4
    x, room = PAGE_MARGIN, page_w - 2 * PAGE_MARGIN
    qr = 24 * mm
    top = page_h - PAGE_MARGIN
    draw_qr(canvas, agenda.url, page_w - PAGE_MARGIN - qr, top - qr, qr)
    draw_text(
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
    top = draw_lines(canvas, event, x, top, BOLD)
    where = [long_day(agenda.starts_at), clean(agenda.venue), f"times in {agenda.timezone}"]
    info = fit(" \u00b7 ".join(w for w in where if w), REGULAR, text_room, 8.5, 6, max_lines=2)
    top = draw_lines(canvas, info, x, top, REGULAR, GREY) - 2.5 * mm
    name = fit(agenda.name, BOLD, text_room, 14, 8)
    top = draw_lines(canvas, name, x, top, BOLD)
    who = [clean(agenda.title), clean(agenda.company), clean(agenda.kind), clean(agenda.region)]
    line = fit(" \u00b7 ".join(w for w in who if w), REGULAR, text_room, 9, 6.5, max_lines=2)
    top = draw_lines(canvas, line, x, top, REGULAR, GREY)
    if page > 1:
        draw_text(canvas, f"(continued, page {page})", x, top - 9, REGULAR, 7.5, GREY)
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
    draw_text(canvas, line, PAGE_MARGIN, PAGE_MARGIN * 0.6, REGULAR, 6.5, LIGHT)


def _meeting_row(
    canvas: Canvas, agenda: AgendaData, slot: AgendaSlot, top: float, left_room: float
) -> None:
    """One meeting: when, where, with whom and why on the left; the form on the right."""
    x = PAGE_MARGIN
    head = f"Round {slot.round} \u00b7 {time_span(slot.start, slot.end)} \u00b7 {slot.table}"
    y = draw_lines(canvas, fit(head, BOLD, left_room, 9, 6.5), x, top - 1.2 * mm, BOLD)
    y = draw_lines(canvas, fit(slot.other_name, BOLD, left_room, 11, 7), x, y, BOLD)
    who = [clean(slot.other_title), clean(slot.other_company), clean(slot.other_kind)]
    y = draw_lines(
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
    draw_lines(canvas, fit(why, REGULAR, left_room, 6.8, 6.8, max_lines=lines), x, y, REGULAR)
    form_x = x + left_room + 4 * mm
    _draw_form(canvas, slot, agenda.currency, form_x, top, A4[0] - PAGE_MARGIN - form_x)


def _other_row(canvas: Canvas, slot: AgendaSlot, top: float) -> None:
    """A round without a meeting: free, or one the attendee is not there for."""
    note = "no meeting: time to visit the expo" if slot.kind == "free" else "you are away"
    line = f"Round {slot.round} \u00b7 {time_span(slot.start, slot.end)} \u00b7 {note}"
    draw_text(canvas, line, PAGE_MARGIN, top - OTHER_ROW + 2.3 * mm, REGULAR, 8, GREY)


def render_agendas(agendas: Sequence[AgendaData]) -> bytes:
    """Printed agendas, one A4 page per attendee (more only past ten rounds), as PDF bytes.

    Beside each meeting: a paper follow-up form (met?, rating, recommend 0-10, next step,
    pipeline value) and a QR code opening the same form online.
    """
    buffer = io.BytesIO()
    canvas = new_canvas(buffer, A4, "Agendas")
    left_room = 76 * mm
    bottom = PAGE_MARGIN + 3 * mm
    for agenda in agendas:
        page = 1
        top = _agenda_header(canvas, agenda, page)
        if not any(s.kind == "meeting" for s in agenda.slots):
            draw_text(
                canvas,
                "No meetings are scheduled for you.",
                PAGE_MARGIN,
                top - 8 * mm,
                REGULAR,
                10,
                GREY,
            )
            top -= 12 * mm  # the free rounds follow below the notice, not across it
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
