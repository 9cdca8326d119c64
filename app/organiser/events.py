"""The organiser's events: the list, a new event, an event's dashboard and its settings."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from app.access import current_event
from app.models import Organiser
from app.organiser.blueprint import bp, event_bp
from app.organiser.forms import EventForm
from app.services.events.board import board_url
from app.services.events.editing import (
    EventRefused,
    create_event,
    default_start,
    event_overview,
    organiser_events,
    update_event,
)
from app.services.events.phases import event_moment
from app.services.events.series import put_in_series, series_of
from app.services.events.team import member_events
from app.services.followups.closing import collection, followup_days
from app.services.followups.progress import followup_progress


@bp.get("/")
def index() -> ResponseReturnValue:
    """Send /organiser/ to the list of events."""
    return redirect(url_for("organiser.events"))


@bp.get("/events")
def events() -> ResponseReturnValue:
    """List the organiser's events."""
    return render_template(
        "organiser/events.html",
        events=organiser_events(current_user),
        member_events=member_events(current_user),
    )


@bp.route("/events/new", methods=["GET", "POST"])
def event_new() -> ResponseReturnValue:
    """Create an event (not with an account made by an invitation to someone's event)."""
    if not current_user.can_create_events:
        abort(403)
    form = EventForm()
    if request.method == "GET":
        form.starts_at.data = default_start()
    if form.validate_on_submit():
        try:
            event = create_event(current_user, form.settings())
        except EventRefused as refused:
            flash(_refusal(form, refused), "error")
        else:
            put_in_series(event, form.series.data)
            flash(f"Created {event.name}. Next: import the attendees.", "success")
            return redirect(url_for("organiser.event.dashboard", slug=event.slug))
    return render_template(
        "organiser/event_form.html", form=form, event=None, series_names=_series_names(current_user)
    )


@event_bp.get("")
def dashboard() -> ResponseReturnValue:
    """The event dashboard: what is done and what is next, before, on and after the day."""
    event = current_event()
    moment = event_moment(event)
    return render_template(
        "organiser/event.html",
        event=event,
        overview=event_overview(event),
        moment=moment,
        board_url=board_url(event),
        progress=followup_progress(event, moment.now) if moment.stage == "after" else None,
        collection=collection(event),
        followup_days=followup_days(),
    )


@event_bp.route("/edit", methods=["GET", "POST"])
def settings() -> ResponseReturnValue:
    """Change an event's settings."""
    event = current_event()
    form = EventForm(stored_start=event.starts_at)
    if request.method == "GET":
        form.fill_from(event)
        form.series.data = event.series.name if event.series else ""
    if form.validate_on_submit():
        try:
            warnings = update_event(event, form.settings())
        except EventRefused as refused:
            flash(f"Not saved: {_refusal(form, refused)}", "error")
        else:
            put_in_series(event, form.series.data)
            for warning in warnings:
                flash(warning, "warning")
            flash("Settings saved.", "success")
            return redirect(url_for("organiser.event.dashboard", slug=event.slug))
    names = _series_names(event.organiser)
    return render_template("organiser/event_form.html", form=form, event=event, series_names=names)


def _series_names(owner: Organiser | None) -> list[str]:
    """The series an event of ``owner`` may join, for the form's suggestions."""
    return [s.name for s in series_of(owner)] if owner is not None else []


def _refusal(form: EventForm, refused: EventRefused) -> str:
    """Put a refusal next to the box it is about (where a phone user is looking); the words
    for the top of the page."""
    box = getattr(form, refused.field, None) if refused.field else None
    if box is None:
        return str(refused)
    box.errors = [str(refused)]
    return f"{box.label.text.split(' (')[0]}: see below."
