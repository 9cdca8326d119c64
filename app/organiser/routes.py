"""Every page an organiser uses, under /organiser: login, events, attendees, import.

Access is checked in one place: ``organiser_event(slug)`` loads an event for the logged-in
organiser or answers 404 (also for other organisers' events, so their existence does not leak).
Every view but login is ``login_required``; CSRFProtect guards every POST.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import Attendee, Event
from app.organiser.forms import (
    AttendeeForm,
    ConfirmForm,
    ConfirmImportForm,
    EventForm,
    LoginForm,
    UploadForm,
)
from app.services.accounts import authenticate
from app.services.attendees import (
    removal_plan,
    remove_attendee,
    save_attendee,
    search_attendees,
)
from app.services.events import (
    create_event,
    default_start,
    event_overview,
    organiser_events,
    update_event,
)
from app.services.importing import ImportRefused, UploadExpired, commit_import, stage_import

bp = Blueprint("organiser", __name__, url_prefix="/organiser")


# Access


def organiser_event(slug: str) -> Event:
    """The current organiser's event with this slug, else 404 (not 403: existence stays secret)."""
    event = db.session.scalar(select(Event).where(Event.slug == slug))
    if event is None or not event.can_manage(current_user):
        abort(404)
    return event


def event_attendee(event: Event, attendee_id: int) -> Attendee:
    """An attendee of ``event`` (already access-checked), else 404."""
    attendee = db.session.get(Attendee, attendee_id)
    if attendee is None or attendee.event_id != event.id:
        abort(404)
    return attendee


def _safe_next(target: str | None) -> str | None:
    """``target`` when it is a path on this site, else None (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


# Login


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    """Log an organiser in with e-mail and password."""
    if current_user.is_authenticated:
        return redirect(url_for("organiser.events"))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        organiser = authenticate(form.email.data, form.password.data)
        if organiser is not None:
            login_user(organiser)
            return redirect(_safe_next(form.next.data) or url_for("organiser.events"))
        flash("Wrong e-mail or password.", "error")
    return render_template("organiser/login.html", form=form)


@bp.post("/logout")
@login_required
def logout() -> ResponseReturnValue:
    """Log out and go back to the login page."""
    logout_user()
    flash("You are logged out.", "success")
    return redirect(url_for("organiser.login"))


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
        event = create_event(current_user, form.settings())
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
        for warning in update_event(event, form.settings()):
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
        page=args.get("page", 1, type=int),
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
        if result.ok:
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


# Schedule: building, reviewing, adjusting, publishing and exporting go below this line.
