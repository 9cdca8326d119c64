"""The door, under /checkin: staff mark attendees present by badge QR code or by name.

Only the event's organiser may use it (``organiser_event`` from app/access.py: other people's
events are 404); every view is ``login_required`` and CSRFProtect guards every POST.

A door page stays open for hours, longer than a CSRF token lives (WTF_CSRF_TIME_LIMIT, an
hour): when a scan is refused for its token, the scanner fetches a fresh one from
``csrf.json`` and sends the scan once more. The token keeps its expiry everywhere else, and
the scan keeps the same CSRF check as every other POST.
"""

from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required
from flask_wtf.csrf import generate_csrf

from app.access import event_attendee, organiser_event
from app.services.attendees.checkin import attendee_by_scan, check_in, counts, undo_check_in
from app.services.attendees.search import find_attendees

bp = Blueprint("checkin", __name__, url_prefix="/checkin")


def _back_to_door(slug: str) -> ResponseReturnValue:
    """Redirect to the door page, keeping the name search the action was made from."""
    q = request.form.get("q", "")
    return redirect(url_for("checkin.door", slug=slug, q=q or None))


@bp.get("/<slug>")
@login_required
def door(slug: str) -> ResponseReturnValue:
    """The door page: live counts, the camera scanner, and search by name (?q=)."""
    event = organiser_event(slug)
    q = request.args.get("q", "")
    return render_template(
        "checkin/door.html",
        event=event,
        counts=counts(event),
        q=q,
        found=find_attendees(event, q),
    )


@bp.get("/<slug>/counts.json")
@login_required
def counts_json(slug: str) -> ResponseReturnValue:
    """Expected, present and absent as JSON, polled by the door page."""
    return jsonify(counts(organiser_event(slug)).as_dict())


@bp.get("/<slug>/csrf.json")
@login_required
def csrf_json(slug: str) -> ResponseReturnValue:
    """A fresh CSRF token for this session, fetched by the scanner when its token expired."""
    organiser_event(slug)
    return jsonify(csrf=generate_csrf())


@bp.post("/<slug>/scan")
@login_required
def scan(slug: str) -> ResponseReturnValue:
    """Check in the attendee whose badge QR code was scanned (``code``); JSON for the scanner."""
    event = organiser_event(slug)
    attendee = attendee_by_scan(event, request.form.get("code", ""))
    if attendee is None:
        return jsonify(ok=False, error="Not a badge of this event."), 404
    new = check_in(event, attendee)
    return jsonify(
        ok=True,
        name=attendee.name,
        company=attendee.company,
        already=not new,
        counts=counts(event).as_dict(),
    )


@bp.post("/<slug>/attendees/<int:attendee_id>")
@login_required
def attendee_check_in(slug: str, attendee_id: int) -> ResponseReturnValue:
    """Check in one attendee found by name."""
    event = organiser_event(slug)
    attendee = event_attendee(event, attendee_id)
    if check_in(event, attendee):
        flash(f"{attendee.name} is checked in.", "success")
    else:
        flash(f"{attendee.name} was already checked in.", "warning")
    return _back_to_door(slug)


@bp.post("/<slug>/attendees/<int:attendee_id>/undo")
@login_required
def attendee_undo(slug: str, attendee_id: int) -> ResponseReturnValue:
    """Undo a check-in made by mistake."""
    event = organiser_event(slug)
    attendee = event_attendee(event, attendee_id)
    undo_check_in(event, attendee)
    flash(f"{attendee.name} is no longer checked in.", "success")
    return _back_to_door(slug)
