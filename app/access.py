"""Access checks shared by the staff blueprints (organiser, check-in): one loader per rule."""

from __future__ import annotations

from flask import abort
from flask_login import current_user
from sqlalchemy import select

from app.extensions import db
from app.models import Attendee, Event


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
