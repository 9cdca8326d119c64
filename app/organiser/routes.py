"""Every page an organiser uses, under /organiser: login, events, attendees, import.

Access is checked in one place: ``organiser_event(slug)`` (app/access.py, shared with check-in)
loads an event for the logged-in organiser or answers 404 (also for other organisers' events, so
their existence does not leak).
Every view but login is ``login_required``; CSRFProtect guards every POST.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.access import event_attendee, event_row, organiser_event
from app.extensions import db, limiter
from app.models import Event, Meeting, OutboxMessage, ScheduleVersion, SolveJob, SponsorContact
from app.models.common import utcnow
from app.organiser.forms import (
    AttendeeForm,
    ChangePasswordForm,
    ConfirmForm,
    ConfirmImportForm,
    EventForm,
    LoginForm,
    UploadForm,
)
from app.params import whole
from app.security import retry_later
from app.services.accounts import (
    MIN_PASSWORD_LENGTH,
    AccountError,
    WrongPassword,
    attempt_login,
    change_password,
    end_sessions,
)
from app.services.attendees.editing import removal_plan, remove_attendee, save_attendee
from app.services.attendees.importing import (
    ImportRefused,
    UploadExpired,
    commit_import,
    stage_import,
)
from app.services.attendees.search import search_attendees
from app.services.events.clock import from_utc
from app.services.events.editing import (
    EventRefused,
    create_event,
    default_start,
    event_overview,
    organiser_events,
    update_event,
)
from app.services.followups.answers import CURRENCIES, HELD_LABELS, NEXT_STEP_LABELS
from app.services.followups.paper import paper_attendees, paper_rows, save_paper_answers
from app.services.followups.progress import followup_progress
from app.services.messages.mailing import (
    links_csv,
    links_plan,
    message_status,
    outbox_page,
    reissue_link,
    send_links,
)
from app.services.messages.sponsors import (
    SponsorRefused,
    add_sponsor_contact,
    links_sent_at,
    reissue_sponsor_link,
    remove_sponsor_contact,
    send_sponsor_links,
    sending_summary,
    sponsor_contacts,
    sponsor_url,
)
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
from app.services.reports.figures import sponsor_companies
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
from app.services.scheduling.exports import schedule_csv, schedule_xlsx
from app.services.scheduling.jobs import BuildRunning, active_job, job_status
from app.services.scheduling.replanning import (
    ReplanRefused,
    ReplanReport,
    next_round,
    replan_event,
    replan_plan,
    version_changes,
)
from app.services.scheduling.review import schedule_review
from app.services.scheduling.versions import BuildError, publish
from app.services.scheduling.vocabulary import clean_text

bp = Blueprint("organiser", __name__, url_prefix="/organiser")


@bp.app_template_filter("in_zone")
def in_zone(moment: datetime | None, event: Event) -> datetime | None:
    """A stored naive-UTC time (printed, e-mailed, checked in) as the event's local time."""
    return from_utc(event, moment) if moment else None


# Access


def _safe_next(target: str | None) -> str | None:
    """``target`` when it is a path on this site, else None (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


# Login


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _login_email() -> str:
    """The rate-limit key of a log-in: the e-mail typed, so many addresses cannot share out."""
    # Cleaned as the form cleans it, so "a\x01da@..." is the same key as "ada@...".
    return "email:" + clean_text(request.form.get("email", "")).lower()[:254]


def _login_failed(response: Response) -> bool:
    """Only refused log-ins count: a success redirects (302)."""
    return response.status_code != 302


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_login_failed)
@limiter.limit(_login_limit, key_func=_login_email, methods=["POST"], deduct_when=_login_failed)
def login() -> ResponseReturnValue:
    """Log an organiser in with e-mail and password (rate-limited, locked after failures)."""
    if current_user.is_authenticated:
        return redirect(url_for("organiser.events"))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        result = attempt_login(form.email.data, form.password.data)
        if result.organiser is not None:
            login_user(result.organiser)
            return redirect(_safe_next(form.next.data) or url_for("organiser.events"))
        if result.locked_until is not None:
            return retry_later(max(1, int((result.locked_until - utcnow()).total_seconds())))
        flash("Wrong e-mail or password.", "error")
    return render_template("organiser/login.html", form=form)


@bp.post("/logout")
@login_required
def logout() -> ResponseReturnValue:
    """Log out everywhere: every saved cookie of this account stops working."""
    organiser = current_user._get_current_object()
    logout_user()
    end_sessions(organiser)
    flash("You are logged out.", "success")
    return redirect(url_for("organiser.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password() -> ResponseReturnValue:
    """Change one's own password; every other session of the account ends."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        organiser = current_user._get_current_object()
        try:
            change_password(organiser, form.current.data, form.new.data)
        except WrongPassword as refused:
            form.current.errors = [_sentence(refused)]
        except AccountError as refused:
            form.new.errors = [_sentence(refused)]
        else:
            login_user(organiser)  # this session carries on with the new session version
            flash("Your password is changed; other sessions are logged out.", "success")
            return redirect(url_for("organiser.events"))
    return render_template("organiser/password.html", form=form, min_length=MIN_PASSWORD_LENGTH)


def _sentence(error: Exception) -> str:
    text = str(error)
    return text[:1].upper() + text[1:] + "."


# Events


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    """Send /organiser/ to the list of events."""
    return redirect(url_for("organiser.events"))


@bp.get("/events")
@login_required
def events() -> ResponseReturnValue:
    """List the organiser's events."""
    return render_template("organiser/events.html", events=organiser_events(current_user))


@bp.route("/events/new", methods=["GET", "POST"])
@login_required
def event_new() -> ResponseReturnValue:
    """Create an event."""
    form = EventForm()
    if request.method == "GET":
        form.starts_at.data = default_start()
    if form.validate_on_submit():
        try:
            event = create_event(current_user, form.settings())
        except EventRefused as refused:
            flash(str(refused), "error")
        else:
            flash(f"Created {event.name}. Next: import the attendees.", "success")
            return redirect(url_for("organiser.event", slug=event.slug))
    return render_template("organiser/event_form.html", form=form, event=None)


@bp.get("/events/<slug>")
@login_required
def event(slug: str) -> ResponseReturnValue:
    """The event dashboard: what is done, what is next."""
    event = organiser_event(slug)
    return render_template("organiser/event.html", event=event, overview=event_overview(event))


@bp.route("/events/<slug>/edit", methods=["GET", "POST"])
@login_required
def event_edit(slug: str) -> ResponseReturnValue:
    """Change an event's settings."""
    event = organiser_event(slug)
    form = EventForm()
    if request.method == "GET":
        form.fill_from(event)
    if form.validate_on_submit():
        try:
            warnings = update_event(event, form.settings())
        except EventRefused as refused:
            flash(f"Not saved: {refused}", "error")
        else:
            for warning in warnings:
                flash(warning, "warning")
            flash("Settings saved.", "success")
            return redirect(url_for("organiser.event", slug=event.slug))
    return render_template("organiser/event_form.html", form=form, event=event)


# Attendees


@bp.get("/events/<slug>/attendees")
@login_required
def attendees(slug: str) -> ResponseReturnValue:
    """Search and filter the event's attendees."""
    event = organiser_event(slug)
    args = request.args
    found = search_attendees(
        event,
        q=args.get("q", ""),
        region=args.get("region", ""),
        kind=args.get("kind", ""),
        company=args.get("company", ""),
        page=args.get("page", 1, type=whole),
    )
    return render_template("organiser/attendees.html", event=event, found=found, args=args)


@bp.route("/events/<slug>/attendees/new", methods=["GET", "POST"])
@login_required
def attendee_new(slug: str) -> ResponseReturnValue:
    """Add one attendee by hand."""
    event = organiser_event(slug)
    form = AttendeeForm()
    problems = []
    if form.validate_on_submit():
        result = save_attendee(event, form.record())
        if result.ok and result.attendee is not None:
            flash(f"Added {result.attendee.name}.", "success")
            return redirect(url_for("organiser.attendees", slug=event.slug))
        problems = result.problems
    return render_template(
        "organiser/attendee_form.html", event=event, form=form, attendee=None, problems=problems
    )


@bp.route("/events/<slug>/attendees/<int:attendee_id>", methods=["GET", "POST"])
@login_required
def attendee_edit(slug: str, attendee_id: int) -> ResponseReturnValue:
    """Change one attendee; meetings the change makes illegal are removed from the draft."""
    event = organiser_event(slug)
    attendee = event_attendee(event, attendee_id)
    form = AttendeeForm()
    if request.method == "GET":
        form.fill_from(attendee)
    problems = []
    if form.validate_on_submit():
        result = save_attendee(event, form.record(), attendee)
        if result.ok:
            flash(f"Saved {attendee.name}.", "success")
            for conflict in result.impact.removed:
                flash(f"Removed from the draft schedule: {conflict}", "warning")
            for conflict in result.impact.published:
                flash(
                    f"The published schedule still has: {conflict}. Rebuild and publish again.",
                    "error",
                )
            return redirect(url_for("organiser.attendees", slug=event.slug))
        problems = result.problems
    return render_template(
        "organiser/attendee_form.html",
        event=event,
        form=form,
        attendee=attendee,
        problems=problems,
    )


@bp.route("/events/<slug>/attendees/<int:attendee_id>/remove", methods=["GET", "POST"])
@login_required
def attendee_remove(slug: str, attendee_id: int) -> ResponseReturnValue:
    """Confirm, then remove one attendee and their meetings."""
    event = organiser_event(slug)
    attendee = event_attendee(event, attendee_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        name = attendee.name
        removed = remove_attendee(attendee)
        flash(f"Removed {name} and {removed} meeting(s).", "success")
        return redirect(url_for("organiser.attendees", slug=event.slug))
    return render_template(
        "organiser/attendee_remove.html",
        event=event,
        attendee=attendee,
        form=form,
        plan=removal_plan(attendee),
    )


# Import


@bp.route("/events/<slug>/import", methods=["GET", "POST"])
@login_required
def import_upload(slug: str) -> ResponseReturnValue:
    """Upload an attendees file and preview what importing it would change."""
    event = organiser_event(slug)
    form = UploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        staged = stage_import(event, upload.read(), upload.filename or "attendees.csv")
        confirm = ConfirmImportForm(token=staged.token)
        return render_template(
            "organiser/import_preview.html",
            event=event,
            preview=staged.preview,
            confirm=confirm,
            form=UploadForm(formdata=None),
        )
    return render_template("organiser/import_upload.html", event=event, form=form)


@bp.post("/events/<slug>/import/confirm")
@login_required
def import_confirm(slug: str) -> ResponseReturnValue:
    """Import the previewed file, all or nothing."""
    event = organiser_event(slug)
    form = ConfirmImportForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        result = commit_import(event, form.token.data)
    except UploadExpired:
        flash("That upload has expired or was already imported: upload the file again.", "error")
        return redirect(url_for("organiser.import_upload", slug=event.slug))
    except ImportRefused as refused:
        return render_template(
            "organiser/import_preview.html",
            event=event,
            preview=refused.preview,
            confirm=None,
            form=UploadForm(formdata=None),
        )
    except IntegrityError:
        flash("The attendees changed while importing: upload the file again.", "error")
        return redirect(url_for("organiser.import_upload", slug=event.slug))
    flash(f"Imported: {result.summary()}.", "success")
    if result.removed_meetings:
        flash(
            f"Removed {len(result.removed_meetings)} meeting(s) from the draft schedule that "
            "the changes made impossible.",
            "warning",
        )
    if result.published_conflicts:
        flash(
            f"The published schedule has {len(result.published_conflicts)} meeting(s) that now "
            "break a rule: build and publish a new version.",
            "error",
        )
    return redirect(url_for("organiser.attendees", slug=event.slug))


# Schedule: building, reviewing, adjusting, publishing and exporting.


def event_version(event: Event, number: int | None = None) -> ScheduleVersion:
    """Version ``number`` of ``event`` (the latest when None), else 404."""
    query = select(ScheduleVersion).where(ScheduleVersion.event_id == event.id)
    if number is None:
        query = query.order_by(ScheduleVersion.number.desc()).limit(1)
    else:
        query = query.where(ScheduleVersion.number == number)
    version = db.session.scalar(query)
    if version is None:
        abort(404)
    return version


def event_meeting(event: Event, meeting_id: int) -> Meeting:
    """A meeting in one of ``event``'s versions, else 404."""
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None or meeting.version.event_id != event.id:
        abort(404)
    return meeting


def _back_to_schedule(event: Event) -> ResponseReturnValue:
    """Redirect to the review page, keeping the view the edit was made from."""
    target = _safe_next(request.form.get("next"))
    return redirect(target or url_for("organiser.schedule", slug=event.slug))


def _seen() -> Seen | None:
    """The version number and revision the edit form was drawn with (None from older forms)."""
    base = request.form.get("base", type=whole)
    revision = request.form.get("revision", type=whole)
    return None if base is None or revision is None else (base, revision)


def _edit(event: Event, action: Callable[[], object], done: str) -> ResponseReturnValue:
    """Run one schedule edit; flash what happened or why it was refused."""
    try:
        action()
    except EditConflict as conflict:
        flash(str(conflict), "warning")
        return _current_schedule(event)
    except EditRefused as refused:
        flash(f"Not changed: {refused}", "error")
    else:
        flash(done, "success")
    return _back_to_schedule(event)


def _current_schedule(event: Event) -> ResponseReturnValue:
    """Redirect to the latest version, in the view (attendee, filters) the edit came from."""
    target = urlsplit(_safe_next(request.form.get("next")) or "")
    args: dict[str, Any] = {k: v for k, v in parse_qsl(target.query) if k != "version"}
    latest = event.latest_version()
    if latest is not None:
        args["version"] = str(latest.number)
    return redirect(url_for("organiser.schedule", slug=event.slug, **args))


@bp.route("/events/<slug>/schedule/build", methods=["POST"])
@login_required
def schedule_build(slug: str) -> ResponseReturnValue:
    """Start building a schedule in the background, then show its progress."""
    event = organiser_event(slug)
    try:
        job = start_build(event, keep_pinned=request.form.get("keep_pinned") == "1")
    except BuildRunning as running:
        flash(str(running), "warning")
        if running.job is not None:
            return redirect(url_for("organiser.job", slug=slug, job_id=running.job.id))
        return redirect(url_for("organiser.event", slug=slug))
    except BuildError as refused:
        flash(str(refused), "error")
        return redirect(url_for("organiser.event", slug=slug))
    return redirect(url_for("organiser.job", slug=slug, job_id=job.id))


@bp.route("/events/<slug>/jobs/<int:job_id>")
@login_required
def job(slug: str, job_id: int) -> ResponseReturnValue:
    """The progress of a build: a bar that fills as the solver works (polls the JSON)."""
    event = organiser_event(slug)
    build = event_row(SolveJob, event, job_id)
    return render_template("organiser/job.html", event=event, job=build, status=job_status(build))


@bp.route("/events/<slug>/jobs/<int:job_id>.json")
@login_required
def job_json(slug: str, job_id: int) -> ResponseReturnValue:
    """A build's progress as JSON, for the progress bar."""
    event = organiser_event(slug)
    status = job_status(event_row(SolveJob, event, job_id))
    if status["status"] == "done":
        status["schedule_url"] = url_for("organiser.schedule", slug=slug)
    return jsonify(status)


@bp.route("/events/<slug>/schedule")
@login_required
def schedule(slug: str) -> ResponseReturnValue:
    """Review a schedule version: figures, the round-by-table grid or one attendee's rounds."""
    event = organiser_event(slug)
    latest = event.latest_version()
    if latest is None:
        flash("No schedule yet: build one first.", "warning")
        return redirect(url_for("organiser.event", slug=slug))
    version = event_version(event, request.args.get("version", type=whole))
    review = schedule_review(event, version, request.args)
    return render_template(
        "organiser/schedule.html",
        event=event,
        version=version,
        review=review,
        args=request.args,
        versions=event.versions,
        running=active_job(event),
        form=ConfirmForm(),
        # Edits land on the latest version: the forms say which one, and its revision, they saw.
        seen={"base": latest.number, "revision": latest.revision},
    )


@bp.route("/events/<slug>/schedule/meetings/<int:meeting_id>/pin", methods=["POST"])
@login_required
def meeting_pin(slug: str, meeting_id: int) -> ResponseReturnValue:
    """Pin a meeting (re-optimising keeps it) or unpin it."""
    event = organiser_event(slug)
    meeting = event_meeting(event, meeting_id)
    pinned = request.form.get("pinned") == "1"
    return _edit(
        event,
        lambda: set_pinned(event, meeting, pinned, seen=_seen()),
        "Meeting pinned." if pinned else "Meeting unpinned.",
    )


@bp.route("/events/<slug>/schedule/meetings/<int:meeting_id>/remove", methods=["POST"])
@login_required
def meeting_remove(slug: str, meeting_id: int) -> ResponseReturnValue:
    """Remove a meeting, if every rule still holds without it."""
    event = organiser_event(slug)
    meeting = event_meeting(event, meeting_id)
    return _edit(event, lambda: remove_meeting(event, meeting, seen=_seen()), "Meeting removed.")


def _form_round() -> int:
    """The ``round`` number a schedule edit form posted, else 400 (only a forged form omits it)."""
    round_ = request.form.get("round", type=whole)
    if round_ is None:
        abort(400)
    return round_


@bp.route("/events/<slug>/schedule/meetings/add", methods=["POST"])
@login_required
def meeting_add(slug: str) -> ResponseReturnValue:
    """Add a meeting by hand between two attendees in a round."""
    event = organiser_event(slug)
    a = event_attendee(event, request.form.get("a", type=whole) or 0)
    b = event_attendee(event, request.form.get("b", type=whole) or 0)
    round_ = _form_round()
    return _edit(
        event,
        lambda: add_meeting(event, a, b, round_, seen=_seen()),
        f"Meeting of {a.name} and {b.name} added in round {round_} and pinned.",
    )


@bp.route("/events/<slug>/schedule/swap", methods=["POST"])
@login_required
def schedule_swap(slug: str) -> ResponseReturnValue:
    """Two attendees trade places (partner and table) in one round."""
    event = organiser_event(slug)
    x = event_attendee(event, request.form.get("x", type=whole) or 0)
    y = event_attendee(event, request.form.get("y", type=whole) or 0)
    round_ = _form_round()
    return _edit(
        event,
        lambda: swap_attendees(event, round_, x, y, seen=_seen()),
        f"{x.name} and {y.name} swapped places in round {round_}.",
    )


@bp.route("/events/<slug>/schedule/versions/<int:number>/publish", methods=["POST"])
@login_required
def schedule_publish(slug: str, number: int) -> ResponseReturnValue:
    """Publish a version: attendees see it from now on."""
    event = organiser_event(slug)
    version = event_version(event, number)
    try:
        publish(version, seen_revision=request.form.get("revision", type=whole))
    except BuildError as refused:
        flash(str(refused), "error")
    else:
        flash(f"Version {number} is published: attendees now see it.", "success")
    return redirect(url_for("organiser.schedule", slug=slug, version=number))


@bp.route("/events/<slug>/schedule/versions/<int:number>/schedule.<fmt>")
@login_required
def schedule_export(slug: str, number: int, fmt: str) -> ResponseReturnValue:
    """Download a version as CSV (FORMATS.md section 3) or XLSX."""
    event = organiser_event(slug)
    version = event_version(event, number)
    name = f"{event.slug}-schedule-v{number}.{fmt}"
    if fmt == "csv":
        body: str | bytes = schedule_csv(version)
        mimetype = "text/csv; charset=utf-8"
    elif fmt == "xlsx":
        body = schedule_xlsx(event, version)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        abort(404)
    return Response(
        body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


# Links and follow-ups


@bp.route("/events/<slug>/links/send", methods=["GET", "POST"])
@login_required
def links_send(slug: str) -> ResponseReturnValue:
    """Show how many agenda e-mails would go out (everyone or the changed ones), then send."""
    event = organiser_event(slug)
    form = ConfirmForm()
    if form.validate_on_submit():
        scope = request.form.get("scope")
        if scope not in ("all", "changed"):
            abort(400)
        report = send_links(event, changed_only=scope == "changed")
        flash(report.summary(), "error" if report.failed else "success")
        for error in report.errors:
            flash(f"Not sent: {error}", "error")
        return redirect(url_for("organiser.outbox", slug=slug))
    return render_template(
        "organiser/links_send.html", event=event, form=form, plan=links_plan(event)
    )


@bp.get("/events/<slug>/outbox")
@login_required
def outbox(slug: str) -> ResponseReturnValue:
    """Every e-mail composed for the event, newest first, filtered by sent, failed or unsent."""
    event = organiser_event(slug)
    found = outbox_page(
        event, request.args.get("status", ""), request.args.get("page", 1, type=whole)
    )
    return render_template(
        "organiser/outbox.html", event=event, found=found, status_of=message_status
    )


@bp.get("/events/<slug>/outbox/<int:message_id>")
@login_required
def outbox_message(slug: str, message_id: int) -> ResponseReturnValue:
    """One e-mail as composed, with its delivery status."""
    event = organiser_event(slug)
    message = event_row(OutboxMessage, event, message_id)
    return render_template(
        "organiser/outbox_message.html",
        event=event,
        message=message,
        status=message_status(message),
    )


@bp.get("/events/<slug>/links.csv")
@login_required
def links_download(slug: str) -> ResponseReturnValue:
    """Download everyone's e-mail, name, company and agenda link as CSV for mail-merge."""
    event = organiser_event(slug)
    return Response(
        links_csv(event),
        mimetype="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{event.slug}-links.csv"'},
    )


@bp.post("/events/<slug>/attendees/<int:attendee_id>/reissue-link")
@login_required
def attendee_reissue_link(slug: str, attendee_id: int) -> ResponseReturnValue:
    """Give one attendee a new agenda link; the old one stops working at once."""
    event = organiser_event(slug)
    attendee = event_attendee(event, attendee_id)
    reissue_link(attendee)
    flash(
        f"{attendee.name} has a new agenda link; the old one no longer works. Send it with "
        '"Send agenda links" to the changed ones, or copy it from the links CSV.',
        "success",
    )
    return redirect(url_for("organiser.attendee_edit", slug=slug, attendee_id=attendee.id))


@bp.get("/events/<slug>/followups")
@login_required
def followups(slug: str) -> ResponseReturnValue:
    """Follow-up progress: response rate per round and overall, meetings reported not held."""
    event = organiser_event(slug)
    return render_template(
        "organiser/followups.html", event=event, progress=followup_progress(event)
    )


@bp.route("/events/<slug>/paper", methods=["GET", "POST"])
@login_required
def paper(slug: str) -> ResponseReturnValue:
    """Key in paper follow-up forms: find an attendee (name or meeting id), save all rows."""
    event = organiser_event(slug)
    form = ConfirmForm()
    source = request.form if request.method == "POST" else request.args
    attendee_id = source.get("attendee", type=whole)
    attendee = event_attendee(event, attendee_id) if attendee_id else None
    query = request.args.get("q", "").strip()
    matches = paper_attendees(event, query) if query and attendee is None else []
    if len(matches) == 1:
        return redirect(url_for("organiser.paper", slug=slug, attendee=matches[0].id))
    rows = paper_rows(attendee) if attendee else []
    if attendee is not None and form.validate_on_submit():
        rows, saved = save_paper_answers(attendee, request.form)
        if saved:
            plural = "s" if saved != 1 else ""
            flash(f"Saved {saved} answer{plural} for {attendee.name}.", "success")
            return redirect(url_for("organiser.paper", slug=slug))
        if not any(row.errors for row in rows):
            flash("Nothing keyed in: nothing saved.", "warning")
        else:
            flash("Nothing saved: please check the rows marked below.", "error")
    return render_template(
        "organiser/paper.html",
        event=event,
        form=form,
        query=query,
        matches=matches,
        attendee=attendee,
        rows=rows,
        held_labels=HELD_LABELS,
        next_step_labels=NEXT_STEP_LABELS,
        currencies=CURRENCIES,
    )


# Printing: badges, agendas with follow-up forms, table signs (PDF downloads)


def _pdf(data: bytes, name: str) -> ResponseReturnValue:
    """Send PDF bytes as a download named ``name``."""
    return send_file(
        io.BytesIO(data), mimetype="application/pdf", as_attachment=True, download_name=name
    )


@bp.get("/events/<slug>/print")
@login_required
def badges(slug: str) -> ResponseReturnValue:
    """Choose a badge sheet layout; download badges, agendas and table signs."""
    event = organiser_event(slug)
    return render_template(
        "organiser/print.html",
        event=event,
        layouts=LAYOUTS,
        default_layout=DEFAULT_LAYOUT,
        attendees=attendees_to_print(event),
    )


@bp.route("/events/<slug>/print/badges.pdf", methods=["GET", "POST"])
@login_required
def badges_pdf(slug: str) -> ResponseReturnValue:
    """Everyone's badges on sheets of the chosen layout, optionally with agendas on the back.

    The print page's form POSTs (with its CSRF token) and records the print run on the
    dashboard; a GET of the same URL downloads the same PDF and changes nothing.
    """
    event = organiser_event(slug)
    source = request.form if request.method == "POST" else request.args
    layout = source.get("layout", DEFAULT_LAYOUT)
    if layout not in LAYOUTS:
        abort(400)
    duplex = source.get("duplex") == "1"
    try:
        data = render_badges(badge_data(event, with_agenda=duplex), layout, duplex)
    except NothingPublished as exc:
        flash(f"Badges with agendas on the back: {exc}.", "error")
        return redirect(url_for("organiser.badges", slug=slug))
    if request.method == "POST":
        record_badges_printed(event)
    return _pdf(data, f"{event.slug}-badges-{layout}{'-duplex' if duplex else ''}.pdf")


@bp.get("/events/<slug>/print/agendas.pdf")
@login_required
def agendas_pdf(slug: str) -> ResponseReturnValue:
    """Printed agendas with paper follow-up forms: everyone's, or one attendee's (?attendee=)."""
    event = organiser_event(slug)
    attendee_id = request.args.get("attendee", type=whole)
    attendee = event_attendee(event, attendee_id) if attendee_id else None
    try:
        agendas = agenda_data(event, attendee)
    except NothingPublished as exc:
        flash(f"{exc}.", "error")
        return redirect(url_for("organiser.badges", slug=slug))
    name = f"{event.slug}-agenda-{attendee.id}.pdf" if attendee else f"{event.slug}-agendas.pdf"
    return _pdf(render_agendas(agendas), name)


@bp.get("/events/<slug>/print/table-signs.pdf")
@login_required
def table_signs_pdf(slug: str) -> ResponseReturnValue:
    """One sign per table: who sits there in each round of the published schedule."""
    event = organiser_event(slug)
    try:
        signs = table_sign_data(event)
    except NothingPublished as exc:
        flash(f"{exc}.", "error")
        return redirect(url_for("organiser.badges", slug=slug))
    return _pdf(render_table_signs(signs), f"{event.slug}-table-signs.pdf")


# Re-planning around no-shows


@bp.route("/events/<slug>/replan", methods=["GET", "POST"])
@login_required
def replan(slug: str) -> ResponseReturnValue:
    """Who has not checked in and which meetings are at risk; POST re-plans rounds N..end."""
    event = organiser_event(slug)
    form = ConfirmForm()
    source = request.form if request.method == "POST" else request.args
    from_round = source.get("from_round", type=whole) or next_round(event)
    from_round = min(max(from_round, 1), event.rounds)
    if form.validate_on_submit():
        try:
            report = replan_event(event, from_round)
        except ReplanRefused as refused:
            flash(str(refused), "error")
            return redirect(url_for("organiser.replan", slug=slug, from_round=from_round))
        flash(report.summary(), "success")
        _mail_replanned(event, report)
        number = report.version.number
        return redirect(url_for("organiser.schedule_changes", slug=slug, new=number))
    try:
        plan = replan_plan(event, from_round)
    except ReplanRefused as refused:
        flash(f"{str(refused).capitalize()}.", "warning")
        return redirect(url_for("organiser.event", slug=slug))
    return render_template("organiser/replan.html", event=event, plan=plan, form=form)


def _mail_replanned(event: Event, report: ReplanReport) -> None:
    """E-mail the updated agenda to the attendees the re-plan affected, when SMTP is set."""
    affected = report.affected
    if not affected:
        return
    people = f"{len(affected)} affected attendee{'s' if len(affected) != 1 else ''}"
    if not current_app.config["SMTP_HOST"]:
        flash(
            f"{people.capitalize()} (agenda changed): e-mail is not configured (SMTP_HOST), "
            'so nothing was sent: on "Send agenda links", "Send to the changed" puts their '
            "updated agendas in the outbox to copy, or use the links CSV.",
            "warning",
        )
        return
    sent = send_links(event, affected)
    flash(
        f"Updated agendas e-mailed to {sent.sent} of {people}"
        + (f"; {sent.failed} failed and stay in the outbox." if sent.failed else "."),
        "error" if sent.failed else "success",
    )


@bp.get("/events/<slug>/schedule/changes")
@login_required
def schedule_changes(slug: str) -> ResponseReturnValue:
    """Per attendee, the meetings that differ between two versions (?old=&new=)."""
    event = organiser_event(slug)
    if event.latest_version() is None:
        flash("No schedule yet: build one first.", "warning")
        return redirect(url_for("organiser.event", slug=slug))
    new = event_version(event, request.args.get("new", type=whole))
    old_number = request.args.get("old", new.number - 1, type=whole)
    old = event_version(event, old_number) if old_number >= 1 else None
    changes = version_changes(old, new) if old is not None else []
    return render_template("organiser/changes.html", event=event, old=old, new=new, changes=changes)


# Sponsor contacts


@bp.route("/events/<slug>/sponsors", methods=["GET", "POST"])
@login_required
def sponsors(slug: str) -> ResponseReturnValue:
    """Sponsor contacts: list, add one (POST), each with the link to their company's report."""
    event = organiser_event(slug)
    if request.method == "POST":
        try:
            contact = add_sponsor_contact(
                event,
                request.form.get("email", ""),
                request.form.get("name", ""),
                request.form.get("company", ""),
            )
        except SponsorRefused as refused:
            flash(str(refused), "error")
        else:
            flash(f"{contact.email} can now read {contact.company}'s report.", "success")
            if request.form.get("send_link"):
                flash(*sending_summary(send_sponsor_links(event, [contact])))
        return redirect(url_for("organiser.sponsors", slug=slug))
    return render_template(
        "organiser/sponsors.html",
        event=event,
        contacts=sponsor_contacts(event),
        companies=sponsor_companies(event),
        sponsor_url=sponsor_url,
        sent_at=links_sent_at(event),
        smtp_host=current_app.config["SMTP_HOST"],
    )


@bp.post("/events/<slug>/sponsors/send")
@login_required
def sponsor_send_links(slug: str) -> ResponseReturnValue:
    """E-mail every contact their report link, or only those not sent their current one."""
    event = organiser_event(slug)
    scope = request.form.get("scope")
    if scope not in ("all", "unsent"):
        abort(400)
    report = send_sponsor_links(event, unsent_only=scope == "unsent")
    flash(*sending_summary(report))
    return redirect(url_for("organiser.sponsors", slug=slug))


@bp.post("/events/<slug>/sponsors/<int:contact_id>/send")
@login_required
def sponsor_send_link(slug: str, contact_id: int) -> ResponseReturnValue:
    """E-mail one contact their current report link."""
    event = organiser_event(slug)
    contact = event_row(SponsorContact, event, contact_id)
    flash(*sending_summary(send_sponsor_links(event, [contact])))
    return redirect(url_for("organiser.sponsors", slug=slug))


@bp.post("/events/<slug>/sponsors/<int:contact_id>/remove")
@login_required
def sponsor_remove(slug: str, contact_id: int) -> ResponseReturnValue:
    """Remove a sponsor contact; their link stops working."""
    contact = event_row(SponsorContact, organiser_event(slug), contact_id)
    remove_sponsor_contact(contact)
    flash(f"{contact.email} can no longer read the report.", "success")
    return redirect(url_for("organiser.sponsors", slug=slug))


@bp.post("/events/<slug>/sponsors/<int:contact_id>/reissue-link")
@login_required
def sponsor_reissue_link(slug: str, contact_id: int) -> ResponseReturnValue:
    """Give a sponsor contact a new link; the old one stops working."""
    contact = event_row(SponsorContact, organiser_event(slug), contact_id)
    reissue_sponsor_link(contact)
    flash(f"{contact.email} has a new link; the old one no longer works.", "success")
    return redirect(url_for("organiser.sponsors", slug=slug))
