"""The door, under /checkin: staff mark attendees present by badge QR code or by name.

The event's team may use it (owner, co-organisers, door staff with a log-in), and so may a
browser that opened one of the event's door links (``/door/<token>``), which reaches this
event's door and nothing else. The blueprint loads the event of the URL once, access-checked
(app/access.py ``door_event``: other people's events are 404, an expired or revoked door link
410), before any view; CSRFProtect guards every POST.

A door page stays open for hours, longer than a CSRF token lives (WTF_CSRF_TIME_LIMIT, an
hour): when a scan is refused for its token, the scanner fetches a fresh one from
``csrf.json`` and sends the scan once more. The token keeps its expiry everywhere else, and
the scan keeps the same CSRF check as every other POST.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from app.access import current_event, door_event, event_attendee, load_event_once, open_door_link
from app.services.attendees.checkin import attendee_by_scan, check_in, counts, undo_check_in
from app.services.attendees.search import find_attendees
from app.services.events import clock
from app.services.events.team import door_link_by_token

bp = Blueprint("checkin", __name__, url_prefix="/checkin/<slug>")
load_event_once(bp, door_event)
# Door links, for a shared phone: /door/<token> opens its event's door page in this browser.
links_bp = Blueprint("door", __name__, url_prefix="/door")


@links_bp.get("/<token>")
def open_link(token: str) -> ResponseReturnValue:
    """Open a door link: this browser may then use its event's door page, and nothing else."""
    link = door_link_by_token(token)
    if link is None:
        abort(404)
    if not link.active(clock.utc_now().replace(tzinfo=None)):
        abort(410)
    open_door_link(link)
    return redirect(url_for("checkin.door", slug=link.event.slug))


def _back_to_door() -> ResponseReturnValue:
    """Redirect to the door page, keeping the name search the action was made from."""
    q = request.form.get("q", "")
    return redirect(url_for("checkin.door", q=q or None))


@bp.get("")
def door() -> ResponseReturnValue:
    """The door page: live counts, the camera scanner, and search by name (?q=)."""
    event = current_event()
    q = request.args.get("q", "")
    return render_template(
        "checkin/door.html",
        event=event,
        counts=counts(event),
        q=q,
        found=find_attendees(event, q),
        door_link=g.get("door_link"),
        door_only=not event.can_manage(current_user),
    )


@bp.get("/counts.json")
def counts_json() -> ResponseReturnValue:
    """Expected, present and absent as JSON, polled by the door page."""
    return jsonify(counts(current_event()).as_dict())


@bp.get("/csrf.json")
def csrf_json() -> ResponseReturnValue:
    """A fresh CSRF token for this session, fetched by the scanner when its token expired."""
    return jsonify(csrf=generate_csrf())


@bp.post("/scan")
def scan() -> ResponseReturnValue:
    """Check in the attendee whose badge QR code was scanned (``code``); JSON for the scanner."""
    event = current_event()
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


@bp.post("/attendees/<int:attendee_id>")
def attendee_check_in(attendee_id: int) -> ResponseReturnValue:
    """Check in one attendee found by name."""
    event = current_event()
    attendee = event_attendee(event, attendee_id)
    if check_in(event, attendee):
        flash(f"{attendee.name} is checked in.", "success")
    else:
        flash(f"{attendee.name} was already checked in.", "warning")
    return _back_to_door()


@bp.post("/attendees/<int:attendee_id>/undo")
def attendee_undo(attendee_id: int) -> ResponseReturnValue:
    """Undo a check-in made by mistake."""
    event = current_event()
    attendee = event_attendee(event, attendee_id)
    undo_check_in(event, attendee)
    flash(f"{attendee.name} is no longer checked in.", "success")
    return _back_to_door()
