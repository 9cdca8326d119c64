"""Every page an attendee uses, under /a: agenda, calendar, requests and follow-ups.

Attendees have no account: the secret token in their link (and badge QR code) is their only
credential. Access is checked in one place, ``attendee_by_token(token)``, which answers 404 for
an unknown or revoked token; meetings are loaded through ``attendee_meeting``, by the printed
reference of the pair (stable across schedule versions), which answers 404 for a meeting of
another person or event, or one not published yet. Nothing here reads the organiser's
login; CSRFProtect guards every POST, and app/security.py keeps these pages out of caches,
search engines and other sites' Referer headers. The service worker (``/a/sw.js``, scope
``/a/``) keeps the agenda readable offline and shows the Web Push notifications of
``/a/<token>/push`` (a changed agenda).
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
    jsonify,
    redirect,
    render_template,
    request,
    send_from_directory,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import generate_csrf
from sqlalchemy import select

from app.extensions import db, limiter
from app.models import Attendee
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
    record_followup,
)
from app.services.followups.closing import collection
from app.services.followups.references import BadReference, Found, find_meeting
from app.services.leads import withdraw_scan as withdraw_scan_lead
from app.services.messages import push
from app.services.reports.anonymity import min_answers
from app.services.reports.figures import SPONSOR_KINDS

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


def attendee_meeting(attendee: Attendee, ref: str, printed_version: int | None = None) -> Found:
    """The meeting ``ref`` names (a printed reference or an old meeting number), else 404.

    Only the two people of the pair reach it, and only once the published schedule has (or
    had, before a re-plan dropped it) their meeting; a draft's meeting is nobody's yet.
    """
    try:
        found = find_meeting(attendee.event, ref, printed_version)
    except BadReference:
        abort(404)
    if attendee.id not in found.ref.pair or (found.meeting is None and found.dropped_by is None):
        abort(404)
    return found


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


@limiter.request_filter
def _agenda_is_unlimited() -> bool:
    """No rate limit applies to the agenda: its requests skip the limiter's per-request work
    (resolving which limits apply), as static files do, since every attendee opens it at once."""
    return request.endpoint == "attendee.agenda"


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


# Badge scans at sponsors' booths


@bp.post("/<token>/scans/withdraw")
def withdraw_scan(token: str) -> ResponseReturnValue:
    """Withdraw a sponsor's scan of the attendee's badge: it leaves the sponsor's leads."""
    attendee = attendee_by_token(token)
    lead = withdraw_scan_lead(attendee, request.form.get("lead", type=whole) or 0)
    if lead is None:  # not a scan of this attendee's badge
        abort(404)
    flash(f"Withdrawn: {lead.company} no longer has your badge scan as a lead.", "success")
    return redirect(url_for("attendee.agenda", token=token))


# Follow-ups


@bp.route("/<token>/followup/<ref>", methods=["GET", "POST"])
def followup(token: str, ref: str) -> ResponseReturnValue:
    """The one-minute follow-up of one meeting, open from the end of its round until closing.

    ``ref`` is the meeting's printed reference, so a form printed before a re-plan opens the
    pair's current meeting (saying so when it moved), or says when the re-plan cancelled it.
    """
    attendee = attendee_by_token(token)
    event = attendee.event
    found = attendee_meeting(attendee, ref, request.args.get("v", type=whole))
    low, high = found.ref.pair
    other = db.session.get(Attendee, high if attendee.id == low else low)
    answer = find_followup(event, attendee, other.id) if other else None
    meeting = found.meeting
    if meeting is None:
        return render_template(
            "attendee/followup_cancelled.html",
            attendee=attendee,
            event=event,
            other=other,
            answer=answer,
            token=token,
            code=found.code,
            message=found.cancelled(event),
        ), 410
    moved = ""
    if found.moved and found.printed is not None:
        moved = (
            f"This meeting moved: it is now in round {meeting.round} at "
            f"{event.table_label(meeting.table)} (printed: round {found.printed.round} at "
            f"{event.table_label(found.printed.table)})."
        )
    context = {
        "attendee": attendee,
        "event": event,
        "meeting": meeting,
        "other": other,
        "token": token,
        "code": found.code,
        "moved": moved,
        "table": event.table_label(meeting.table),
        "held_labels": HELD_LABELS,
        "next_step_labels": NEXT_STEP_LABELS,
        "currencies": CURRENCIES,
        "closes_at": collection(event).closes_at,
        "sponsor_kinds": SPONSOR_KINDS,
        "min_answers": min_answers(event),
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


# Alerts on this phone (Web Push): the page's script asks for the key, then subscribes


@bp.get("/<token>/push")
def push_settings(token: str) -> ResponseReturnValue:
    """The server's VAPID public key, this attendee's device count and a CSRF token (JSON).

    Asked by the page's script, not written into the agenda, so a cached agenda carries no
    session's CSRF token.
    """
    attendee = attendee_by_token(token)
    return jsonify(
        publicKey=push.public_key(),
        devices=push.device_count(attendee),
        maxDevices=push.MAX_DEVICES,
        csrf=generate_csrf(),
    )


@bp.post("/<token>/push")
def push_subscribe(token: str) -> ResponseReturnValue:
    """Store the browser's push subscription (PushSubscription.toJSON(), CSRF in a header)."""
    attendee = attendee_by_token(token)
    try:
        push.subscribe(attendee, request.get_json(silent=True))
    except push.PushRefused as refused:
        return jsonify(ok=False, error=str(refused)), 400
    return jsonify(ok=True, devices=push.device_count(attendee)), 201


@bp.delete("/<token>/push")
def push_unsubscribe(token: str) -> ResponseReturnValue:
    """Forget one of the attendee's push subscriptions: JSON ``{"endpoint": ...}``."""
    attendee = attendee_by_token(token)
    data = request.get_json(silent=True)
    endpoint = data.get("endpoint") if isinstance(data, dict) else None
    removed = push.unsubscribe(attendee, endpoint)
    return jsonify(ok=removed, devices=push.device_count(attendee)), 200 if removed else 404
