"""Every page an attendee uses, under /a: agenda, calendar, requests and follow-ups.

Attendees have no account: the secret token in their link (and badge QR code) is their only
credential. Access is checked in one place, ``attendee_by_token(token)``, which answers 404 for
an unknown or revoked token; meetings are loaded through ``attendee_meeting``, which answers
404 for a meeting of another person, version or event. Nothing here reads the organiser's
login; CSRFProtect guards every POST, and app/security.py keeps these pages out of caches,
search engines and other sites' Referer headers. The service worker (``/a/sw.js``, scope
``/a/``) keeps the agenda readable offline.
"""

from __future__ import annotations

import re
import secrets

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_from_directory,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from app.extensions import db
from app.models import Attendee, Meeting
from app.params import whole
from app.services.attendees import agenda_cache
from app.services.attendees.agenda import agenda_ics, build_agenda
from app.services.attendees.requests import RequestRefused, recommendations, set_request
from app.services.events import clock
from app.services.followups.answers import (
    CURRENCIES,
    HELD_LABELS,
    NEXT_STEP_LABELS,
    FollowUpRefused,
    find_followup,
    followup_state,
    form_values,
    other_side,
    record_followup,
)
from app.services.followups.closing import collection

bp = Blueprint("attendee", __name__, url_prefix="/a")

# Tokens are secrets.token_urlsafe(32): 43 characters. Anything else is not worth a query.
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{32,64}")


# Access


def attendee_by_token(token: str) -> Attendee:
    """The attendee whose current link carries ``token``, else 404 (unknown or re-issued)."""
    if not TOKEN_SHAPE.fullmatch(token):
        abort(404)
    attendee = db.session.scalar(select(Attendee).where(Attendee.token == token))
    # The indexed lookup finds the row; the exact comparison guards against a database whose
    # collation would match tokens case-insensitively.
    if attendee is None or not secrets.compare_digest(attendee.token, token):
        abort(404)
    return attendee


def attendee_meeting(attendee: Attendee, meeting_id: int) -> Meeting:
    """A meeting of the published schedule that ``attendee`` is in, else 404."""
    meeting = db.session.get(Meeting, meeting_id)
    if (
        meeting is None
        or attendee.event.published_version_id is None
        or meeting.version_id != attendee.event.published_version_id
        or attendee.id not in (meeting.attendee_a_id, meeting.attendee_b_id)
    ):
        abort(404)
    return meeting


# Offline


@bp.get("/sw.js")
def service_worker() -> ResponseReturnValue:
    """The service worker, served under /a/ so its scope covers every agenda."""
    response = send_from_directory(
        current_app.static_folder or "static", "js/sw.js", mimetype="text/javascript"
    )
    response.headers["Service-Worker-Allowed"] = "/a/"
    response.headers["Cache-Control"] = "no-cache"
    return response


# Agenda and calendar


@bp.get("/<token>")
def agenda(token: str) -> ResponseReturnValue:
    """The attendee's agenda: meetings, breaks, free rounds, why each match, follow-ups.

    Served from the cached rendering of app/services/attendees/agenda_cache.py, with a strong
    ETag: a phone that has this minute's page gets 304 after one indexed query. A page with a
    message to show (after a follow-up is saved) is drawn afresh and not kept.
    """
    if not agenda_cache.enabled() or session.get("_flashes"):
        attendee = attendee_by_token(token)
        return render_template("attendee/agenda.html", agenda=build_agenda(attendee), token=token)
    owner = _agenda_owner(token)
    now = clock.utc_now()
    entry = agenda_cache.get_cached(owner, now)
    if entry is None:
        person = db.session.get(Attendee, owner.attendee_id)
        if person is None:  # removed since the lookup
            abort(404)
        agenda = build_agenda(person, now)
        body = render_template(
            "attendee/agenda.html", agenda=agenda_cache.placeholder_times(agenda), token=token
        )
        if current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token") in g:
            # The page carries this visitor's CSRF token: never keep it for anyone else.
            return render_template("attendee/agenda.html", agenda=agenda, token=token)
        entry = agenda_cache.store(owner, agenda, body, now)
    etag = entry.etag(now)
    if request.if_none_match.contains_weak(etag):
        response = Response(status=304)
    else:
        response = Response(entry.page(now), mimetype="text/html")
    response.set_etag(etag)
    return response


def _agenda_owner(token: str) -> agenda_cache.AgendaOwner:
    """Who ``token`` belongs to, with their page's cache key, else 404 (as attendee_by_token)."""
    if not TOKEN_SHAPE.fullmatch(token):
        abort(404)
    row = agenda_cache.agenda_owner(token)
    if row is None or not secrets.compare_digest(row[2], token):
        abort(404)
    return agenda_cache.owner_key(row[0], row[1], token, (row[3], row[4]))


@bp.get("/<token>/agenda.ics")
def calendar(token: str) -> ResponseReturnValue:
    """The agenda as an iCalendar file, one event per meeting."""
    attendee = attendee_by_token(token)
    link = current_app.config["PUBLIC_URL"] + url_for("attendee.agenda", token=token)
    body = agenda_ics(build_agenda(attendee), link)
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{attendee.event.slug}-agenda.ics"'
    )
    return response


# Requests


@bp.route("/<token>/requests", methods=["GET", "POST"])
def requests(token: str) -> ResponseReturnValue:
    """Recommended matches; mark up to N as "must meet" and any as "would rather not meet"."""
    attendee = attendee_by_token(token)
    if request.method == "POST":
        other_id = request.form.get("other", type=whole)
        other = db.session.get(Attendee, other_id) if other_id else None
        kind = request.form.get("kind", "")
        try:
            set_request(attendee, other, None if kind == "none" else kind)
        except RequestRefused as refused:
            page = recommendations(attendee)
            return render_template(
                "attendee/requests.html", page=page, attendee=attendee, token=token, error=refused
            ), 400
        flash(_request_saved(other, kind), "success")
        return redirect(url_for("attendee.requests", token=token))
    page = recommendations(attendee)
    return render_template("attendee/requests.html", page=page, attendee=attendee, token=token)


def _request_saved(other: Attendee | None, kind: str) -> str:
    """The confirmation of a stored request."""
    name = other.name if other else "them"
    if kind == "must":
        return f"Noted: you must meet {name}."
    if kind == "avoid":
        return f"Noted: you would rather not meet {name}."
    return f"Your request about {name} is withdrawn."


# Follow-ups


@bp.route("/<token>/followup/<int:meeting_id>", methods=["GET", "POST"])
def followup(token: str, meeting_id: int) -> ResponseReturnValue:
    """The one-minute follow-up of one meeting, open from the end of its round until closing."""
    attendee = attendee_by_token(token)
    meeting = attendee_meeting(attendee, meeting_id)
    event = attendee.event
    other = db.session.get(Attendee, other_side(meeting, attendee))
    answer = find_followup(event, attendee, other.id) if other else None
    context = {
        "attendee": attendee,
        "event": event,
        "meeting": meeting,
        "other": other,
        "token": token,
        "table": event.table_label(meeting.table),
        "held_labels": HELD_LABELS,
        "next_step_labels": NEXT_STEP_LABELS,
        "currencies": CURRENCIES,
        "closes_at": collection(event).closes_at,
    }
    if request.method == "POST":
        submitted = request.form.to_dict()  # services take plain mappings, not MultiDicts
        try:
            record_followup(meeting, attendee, submitted)
        except FollowUpRefused as refused:
            state = followup_state(event, meeting, answer)
            status = 422 if refused.errors else 409
            return render_template(
                "attendee/followup.html",
                state=state,
                values=form_values(attendee, answer, submitted),
                error=str(refused),
                errors=refused.errors,
                **context,
            ), status
        flash(
            f"Thank you: your follow-up on {other.name if other else 'this meeting'} is saved. "
            f"You can change it until {collection(event).closes_at:%H:%M, %d %b}.",
            "success",
        )
        return redirect(url_for("attendee.agenda", token=token, _anchor=f"round-{meeting.round}"))
    return render_template(
        "attendee/followup.html",
        state=followup_state(event, meeting, answer),
        values=form_values(attendee, answer),
        error=None,
        errors={},
        **context,
    )
