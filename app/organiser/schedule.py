"""An event's schedule: build it, review a version, edit it by hand, publish, export, compare."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from app.access import current_event, event_attendee, event_meeting, event_row, event_version
from app.models import Meeting, SolveJob
from app.organiser.blueprint import event_bp, safe_next
from app.organiser.forms import ConfirmForm
from app.params import whole
from app.report_views import download
from app.services.messages.notices import told
from app.services.scheduling.builds import start_build
from app.services.scheduling.edits import (
    EditConflict,
    EditRefused,
    Seen,
    add_meeting,
    remove_meeting,
    set_pinned,
    swap_attendees,
)
from app.services.scheduling.exports import schedule_export as export_schedule
from app.services.scheduling.jobs import BuildRunning, active_job, job_status
from app.services.scheduling.legal import label
from app.services.scheduling.publishing import publish_confirmed, publish_preview
from app.services.scheduling.replanning import version_changes
from app.services.scheduling.review import ReviewFilters, schedule_review
from app.services.scheduling.versions import BuildError, StalePublish

# The id of the round or meeting an edit form sits in: the page scrolls back to it.
ANCHOR = re.compile(r"[a-z][a-z0-9-]{0,39}")


def _place(url: str) -> str:
    """``url`` with the fragment of the element the edit was made from (``at``), if any."""
    at = request.form.get("at", "")
    return f"{url.split('#', 1)[0]}#{at}" if ANCHOR.fullmatch(at) else url


def _back_to_schedule() -> ResponseReturnValue:
    """Redirect to the review page, keeping the view (filters, place) the edit was made from."""
    target = safe_next(request.form.get("next"))
    return redirect(_place(target or url_for("organiser.event.schedule")))


def _seen() -> Seen | None:
    """The version number and revision the edit form was drawn with (None from older forms)."""
    base = request.form.get("base", type=whole)
    revision = request.form.get("revision", type=whole)
    return None if base is None or revision is None else (base, revision)


def _edit(action: Callable[[], object], done: str) -> ResponseReturnValue:
    """Run one schedule edit; flash what happened or why it was refused."""
    try:
        action()
    except EditConflict as conflict:
        flash(str(conflict), "warning")
        return _current_schedule()
    except EditRefused as refused:
        flash(f"Not changed: {refused}", "error")
    else:
        flash(done, "success")
    return _back_to_schedule()


def _current_schedule() -> ResponseReturnValue:
    """Redirect to the latest version, in the view (attendee, filters) the edit came from."""
    target = urlsplit(safe_next(request.form.get("next")) or "")
    args: dict[str, Any] = {k: v for k, v in parse_qsl(target.query) if k != "version"}
    latest = current_event().latest_version()
    if latest is not None:
        args["version"] = str(latest.number)
    return redirect(_place(url_for("organiser.event.schedule", **args)))


def _meeting_words(meeting: Meeting) -> str:
    """ "Meeting of Maya Thompson (Northwind Cloud) and … in round 2", for a flash message."""
    a, b = meeting.attendee_a, meeting.attendee_b
    return f"Meeting of {label(a)} and {label(b)} in round {meeting.round}"


def _form_round() -> int:
    """The ``round`` number a schedule edit form posted, else 400 (only a forged form omits it)."""
    round_ = request.form.get("round", type=whole)
    if round_ is None:
        abort(400)
    return round_


@event_bp.route("/schedule/build", methods=["POST"])
def schedule_build() -> ResponseReturnValue:
    """Start building a schedule in the background, then show its progress."""
    event = current_event()
    try:
        job = start_build(event, keep_pinned=request.form.get("keep_pinned") == "1")
    except BuildRunning as running:
        flash(str(running), "warning")
        if running.job is not None:
            return redirect(url_for("organiser.event.job", job_id=running.job.id))
        return redirect(url_for("organiser.event.dashboard"))
    except BuildError as refused:
        flash(str(refused), "error")
        return redirect(url_for("organiser.event.dashboard"))
    return redirect(url_for("organiser.event.job", job_id=job.id))


@event_bp.route("/jobs/<int:job_id>")
def job(job_id: int) -> ResponseReturnValue:
    """The progress of a build: a bar that fills as the solver works (polls the JSON)."""
    event = current_event()
    build = event_row(SolveJob, event, job_id)
    return render_template("organiser/job.html", event=event, job=build, status=job_status(build))


@event_bp.route("/jobs/<int:job_id>.json")
def job_json(job_id: int) -> ResponseReturnValue:
    """A build's progress as JSON, for the progress bar."""
    status = job_status(event_row(SolveJob, current_event(), job_id))
    if status["status"] == "done":
        status["schedule_url"] = url_for("organiser.event.schedule")
    return jsonify(status)


@event_bp.route("/schedule")
def schedule() -> ResponseReturnValue:
    """Review a schedule version: figures, the round-by-table grid or one attendee's rounds."""
    event = current_event()
    latest = event.latest_version()
    if latest is None:
        flash("No schedule yet: build one first.", "warning")
        return redirect(url_for("organiser.event.dashboard"))
    args = request.args
    version = event_version(event, args.get("version", type=whole))
    filters = ReviewFilters(
        region=args.get("region", ""),
        kind=args.get("kind", ""),
        company=args.get("company", ""),
        round=args.get("round", type=whole),
        attendee=args.get("attendee", type=whole),
    )
    return render_template(
        "organiser/schedule.html",
        event=event,
        version=version,
        review=schedule_review(event, version, filters),
        args=args,
        versions=event.versions,
        running=active_job(event),
        form=ConfirmForm(),
        # Edits land on the latest version: the forms say which one, and its revision, they saw.
        seen={"base": latest.number, "revision": latest.revision},
    )


@event_bp.route("/schedule/meetings/<int:meeting_id>/pin", methods=["POST"])
def meeting_pin(meeting_id: int) -> ResponseReturnValue:
    """Pin a meeting (re-optimising keeps it) or unpin it."""
    event = current_event()
    meeting = event_meeting(event, meeting_id)
    pinned = request.form.get("pinned") == "1"
    what = _meeting_words(meeting)
    return _edit(
        lambda: set_pinned(event, meeting, pinned, seen=_seen()),
        f"{what} pinned." if pinned else f"{what} unpinned.",
    )


@event_bp.route("/schedule/meetings/<int:meeting_id>/remove", methods=["POST"])
def meeting_remove(meeting_id: int) -> ResponseReturnValue:
    """Remove a meeting, if every rule still holds without it."""
    event = current_event()
    meeting = event_meeting(event, meeting_id)
    what = _meeting_words(meeting)
    return _edit(lambda: remove_meeting(event, meeting, seen=_seen()), f"{what} removed.")


@event_bp.route("/schedule/meetings/add", methods=["POST"])
def meeting_add() -> ResponseReturnValue:
    """Add a meeting by hand between two attendees in a round (the service picks the table)."""
    event = current_event()
    a = event_attendee(event, request.form.get("a", type=whole) or 0)
    b = event_attendee(event, request.form.get("b", type=whole) or 0)
    round_ = _form_round()
    return _edit(
        lambda: add_meeting(event, a, b, round_, seen=_seen()),
        f"Meeting of {label(a)} and {label(b)} added in round {round_} and pinned.",
    )


@event_bp.route("/schedule/swap", methods=["POST"])
def schedule_swap() -> ResponseReturnValue:
    """Two attendees trade places (partner and table) in one round."""
    event = current_event()
    x = event_attendee(event, request.form.get("x", type=whole) or 0)
    y = event_attendee(event, request.form.get("y", type=whole) or 0)
    round_ = _form_round()
    return _edit(
        lambda: swap_attendees(event, round_, x, y, seen=_seen()),
        f"{label(x)} and {label(y)} swapped places in round {round_}.",
    )


@event_bp.route("/schedule/versions/<int:number>/publish", methods=["GET", "POST"])
def schedule_publish(number: int) -> ResponseReturnValue:
    """Ask first: what publishing the version changes, for whom; the confirmation publishes.

    Only the confirmation's POST (it carries the revision and published version it showed)
    publishes; any other request shows the confirmation, drawn afresh.
    """
    event = current_event()
    version = event_version(event, number)
    revision = request.form.get("revision", type=whole)
    seen = request.form.get("published", type=whole)
    if request.method == "POST" and revision is not None and seen is not None:
        old = publish_preview(version).published
        try:
            publication = publish_confirmed(version, revision, seen)
        except StalePublish as stale:
            flash(str(stale), "warning")
            return redirect(url_for("organiser.event.schedule_publish", number=number))
        except BuildError as refused:
            flash(str(refused), "error")
            return redirect(url_for("organiser.event.schedule", version=number))
        flash(f"Version {number} is published: attendees now see it.", "success")
        heard = told(publication)
        if heard is not None:
            flash(*heard.summary())
        if version.source != "replan":
            return redirect(url_for("organiser.event.schedule", version=number))
        args: dict[str, Any] = {"new": number}
        if old is not None:
            args["old"] = old.number
        return redirect(url_for("organiser.event.schedule_changes", **args))
    return render_template(
        "organiser/publish.html",
        event=event,
        preview=publish_preview(version),
        form=ConfirmForm(),
    )


@event_bp.route("/schedule/versions/<int:number>/schedule.<fmt>")
def schedule_export(number: int, fmt: str) -> ResponseReturnValue:
    """Download a version as CSV (FORMATS.md section 3) or XLSX."""
    event = current_event()
    export = export_schedule(event, event_version(event, number), fmt)
    if export is None:
        abort(404)
    return download(export)


@event_bp.get("/schedule/changes")
def schedule_changes() -> ResponseReturnValue:
    """Per attendee, the meetings that differ between two versions (?old=&new=)."""
    event = current_event()
    if event.latest_version() is None:
        flash("No schedule yet: build one first.", "warning")
        return redirect(url_for("organiser.event.dashboard"))
    new = event_version(event, request.args.get("new", type=whole))
    old_number = request.args.get("old", new.number - 1, type=whole)
    old = event_version(event, old_number) if old_number >= 1 else None
    changes = version_changes(old, new) if old is not None else []
    return render_template("organiser/changes.html", event=event, old=old, new=new, changes=changes)
