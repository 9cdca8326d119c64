"""Access checks shared by the staff blueprints (organiser, check-in): one loader per rule.

A staff blueprint calls ``require_login`` and, when its URLs carry an event's ``<slug>``,
``load_event_once``: the event is then loaded and access-checked before any of its views, which
read it with ``current_event()`` and never look the slug up themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any, Protocol, TypeVar

from flask import Blueprint, abort, g, make_response, request, session
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_login.config import EXEMPT_METHODS
from sqlalchemy import select

from app.extensions import db, login_manager
from app.models import Attendee, DoorLink, Event, Meeting, ScheduleVersion, Series
from app.services.events import clock
from app.services.scheduling.versions import find_version

DOOR_LINK = "door_link"  # session key: the id of the door link this browser opened


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


def require_login(bp: Blueprint, public: Collection[str] = ()) -> None:
    """Send visitors to the log-in page (with ``next``) from every page of ``bp`` but ``public``.

    ``public`` holds endpoint names, such as the log-in page's own.
    """

    @bp.before_request
    def login_first() -> ResponseReturnValue | None:
        """Let organisers through; send anyone else to log in."""
        # OPTIONS passes, as with ``login_required``: Flask answers it without a view.
        if request.method in EXEMPT_METHODS or request.endpoint in public:
            return None
        if current_user.is_authenticated:
            return None
        return login_manager.unauthorized()


def load_event_once(bp: Blueprint, loader: Callable[[str], Event] | None = None) -> None:
    """Load the event of ``bp``'s ``<slug>`` once per request into ``g.event``, access-checked.

    ``loader`` finds the event and checks access: ``organiser_event`` (the default) for the
    organiser's pages, ``door_event`` for the door's.

    The slug leaves the views' arguments; ``url_for`` of ``bp``'s pages fills it in from the
    current event. Call after ``require_login`` (here or on a parent blueprint), so a visitor
    is sent to log in rather than told 404. CSRFProtect, an app-wide hook, runs before both.
    """

    @bp.url_value_preprocessor
    def take_slug(endpoint: str | None, values: dict[str, Any] | None) -> None:
        """Keep the slug for ``load_event``, out of the view's arguments."""
        g.event_slug = values.pop("slug", None) if values else None

    @bp.before_request
    def load_event() -> None:
        """The organiser's event of this URL, else 404, for every view of ``bp``."""
        if request.method not in EXEMPT_METHODS:  # OPTIONS runs no view
            g.event = (loader or organiser_event)(g.event_slug)

    @bp.url_defaults
    def add_slug(endpoint: str, values: dict[str, Any]) -> None:
        """While on an event's pages, ``url_for`` of ``bp``'s pages may leave the slug out."""
        event = g.get("event")
        if event is not None:
            values.setdefault("slug", event.slug)


def open_door_link(link: DoorLink) -> None:
    """Let this browser use the door of ``link``'s event, and nothing else, while it works."""
    session[DOOR_LINK] = link.id


def door_event(slug: str) -> Event:
    """The event of a door page, if this browser may use its door; else an error.

    A logged-in member of the event's team (owner, co-organiser, door staff until their access
    expires) may; so may a browser that opened one of the event's door links, until the link
    expires or is revoked: then 410, whose page says to ask for a new link. Anyone else with a
    log-in or a door link (of another event) gets 404; a visitor is sent to log in.
    """
    event = db.session.scalar(select(Event).where(Event.slug == slug))
    now = clock.utc_now().replace(tzinfo=None)
    if event is not None and event.can_check_in(current_user, now):
        return event
    link_id = session.get(DOOR_LINK)
    link = db.session.get(DoorLink, link_id) if isinstance(link_id, int) else None
    if link is not None and event is not None and link.event_id == event.id:
        if link.active(now):
            g.door_link = link
            return event
        abort(410)
    if current_user.is_authenticated or link is not None:
        abort(404)
    abort(make_response(login_manager.unauthorized()))


def current_event() -> Event:
    """The event of this request, loaded and access-checked by ``load_event_once``'s hook."""
    event: Event = g.event
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
    version = find_version(event, number)
    if version is None:
        abort(404)
    return version


def event_meeting(event: Event, meeting_id: int) -> Meeting:
    """A meeting in one of ``event``'s versions, else 404."""
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None or meeting.version.event_id != event.id:
        abort(404)
    return meeting


def organiser_series(series_id: int) -> Series:
    """The current organiser's series ``series_id``, else 404 (another's series stays secret)."""
    series = db.session.get(Series, series_id)
    if series is None or series.organiser_id is None or series.organiser_id != current_user.id:
        abort(404)
    return series
