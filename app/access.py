"""Access checks shared by the staff blueprints (organiser, check-in): one loader per rule."""

from __future__ import annotations

from typing import Protocol, TypeVar

from flask import abort
from flask_login import current_user
from sqlalchemy import select

from app.extensions import db
from app.models import Attendee, Event, Meeting, ScheduleVersion


class EventOwned(Protocol):
    """A model with an ``event_id`` column: Attendee, SolveJob, SponsorContact..."""

    @property
    def event_id(self) -> int: ...


Row = TypeVar("Row", bound=EventOwned)


def organiser_event(slug: str) -> Event:
    """The current organiser's event with this slug, else 404 (not 403: existence stays secret)."""
    event = db.session.scalar(select(Event).where(Event.slug == slug))
    if event is None or not event.can_manage(current_user):
        abort(404)
    return event


def event_row(model: type[Row], event: Event, row_id: int) -> Row:
    """The ``model`` row ``row_id`` if it belongs to ``event`` (already access-checked), else 404.

    404, not 403, for another event's row too: an id in a URL or form tells nothing about
    other events.
    """
    row = db.session.get(model, row_id)
    if row is None or row.event_id != event.id:
        abort(404)
    return row


def event_attendee(event: Event, attendee_id: int) -> Attendee:
    """An attendee of ``event`` (already access-checked), else 404."""
    return event_row(Attendee, event, attendee_id)


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
