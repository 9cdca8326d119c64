"""Printing: badges, agendas with paper follow-up forms, table signs (PDF downloads)."""

from __future__ import annotations

import io

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue

from app.access import current_event, event_attendee
from app.organiser.blueprint import event_bp
from app.params import whole
from app.services.printing.agendas import render_agendas
from app.services.printing.badges import DEFAULT_LAYOUT, LAYOUTS, render_badges
from app.services.printing.data import (
    NothingPublished,
    agenda_data,
    attendees_to_print,
    badge_data,
    record_badges_printed,
    table_sign_data,
)
from app.services.printing.signs import render_table_signs


def _pdf(data: bytes, name: str) -> ResponseReturnValue:
    """Send PDF bytes as a download named ``name``."""
    return send_file(
        io.BytesIO(data), mimetype="application/pdf", as_attachment=True, download_name=name
    )


@event_bp.get("/print")
def badges() -> ResponseReturnValue:
    """Choose a badge sheet layout; download badges, agendas and table signs."""
    event = current_event()
    return render_template(
        "organiser/print.html",
        event=event,
        layouts=LAYOUTS,
        default_layout=DEFAULT_LAYOUT,
        attendees=attendees_to_print(event),
    )


@event_bp.route("/print/badges.pdf", methods=["GET", "POST"])
def badges_pdf() -> ResponseReturnValue:
    """Everyone's badges on sheets of the chosen layout, optionally with agendas on the back.

    The print page's form POSTs (with its CSRF token) and records the print run on the
    dashboard; a GET of the same URL downloads the same PDF and changes nothing.
    """
    event = current_event()
    source = request.form if request.method == "POST" else request.args
    layout = source.get("layout", DEFAULT_LAYOUT)
    if layout not in LAYOUTS:
        abort(400)
    duplex = source.get("duplex") == "1"
    try:
        data = render_badges(badge_data(event, with_agenda=duplex), layout, duplex)
    except NothingPublished as exc:
        flash(f"Badges with agendas on the back: {exc}.", "error")
        return redirect(url_for("organiser.event.badges"))
    if request.method == "POST":
        record_badges_printed(event)
    return _pdf(data, f"{event.slug}-badges-{layout}{'-duplex' if duplex else ''}.pdf")


@event_bp.get("/print/agendas.pdf")
def agendas_pdf() -> ResponseReturnValue:
    """Printed agendas with paper follow-up forms: everyone's, or one attendee's (?attendee=)."""
    event = current_event()
    attendee_id = request.args.get("attendee", type=whole)
    attendee = event_attendee(event, attendee_id) if attendee_id else None
    try:
        agendas = agenda_data(event, attendee)
    except NothingPublished as exc:
        flash(f"{exc}.", "error")
        return redirect(url_for("organiser.event.badges"))
    name = f"{event.slug}-agenda-{attendee.id}.pdf" if attendee else f"{event.slug}-agendas.pdf"
    return _pdf(render_agendas(agendas), name)


@event_bp.get("/print/table-signs.pdf")
def table_signs_pdf() -> ResponseReturnValue:
    """One sign per table: who sits there in each round of the published schedule."""
    event = current_event()
    try:
        signs = table_sign_data(event)
    except NothingPublished as exc:
        flash(f"{exc}.", "error")
        return redirect(url_for("organiser.event.badges"))
    return _pdf(render_table_signs(signs), f"{event.slug}-table-signs.pdf")
