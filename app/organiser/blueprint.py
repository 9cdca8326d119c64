"""The organiser's two blueprints and the one place their access is checked.

``bp`` (/organiser) asks for a logged-in organiser on every page but the log-in page.
``event_bp`` (/organiser/events/<slug>, nested in ``bp``) then loads the event named by the
slug ONCE, before any of its views, into ``g.event`` through ``organiser_event`` (app/access.py,
shared with check-in): another organiser's event answers 404, so its existence does not leak.
CSRFProtect, an app-wide hook, refuses a forged POST before either hook runs.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, g, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from app.access import organiser_event
from app.extensions import login_manager
from app.models import Event
from app.services.events.clock import from_utc

bp = Blueprint("organiser", __name__, url_prefix="/organiser")
event_bp = Blueprint("event", __name__, url_prefix="/events/<slug>")

PUBLIC = frozenset({"organiser.login"})  # the only organiser page a visitor may open


@bp.before_request
def require_login() -> ResponseReturnValue | None:
    """Send a visitor to the log-in page (with ``next``) from every page but the log-in page."""
    if request.endpoint in PUBLIC or current_user.is_authenticated:
        return None
    return login_manager.unauthorized()


@event_bp.url_value_preprocessor
def take_slug(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """Take the slug out of the view's arguments: views read the event from ``g.event``."""
    g.event_slug = values.pop("slug") if values else None


@event_bp.before_request
def load_event() -> None:
    """Load and access-check the URL's event once, for every view of the blueprint."""
    g.event = organiser_event(g.event_slug)


@event_bp.url_defaults
def add_slug(endpoint: str, values: dict[str, Any]) -> None:
    """Let ``url_for`` of an event page leave out the slug while on that event's pages."""
    event = g.get("event")
    if event is not None:
        values.setdefault("slug", event.slug)


def current_event() -> Event:
    """The event of this request, loaded and access-checked by ``load_event``."""
    event: Event = g.event
    return event


@bp.app_template_filter("in_zone")
def in_zone(moment: datetime | None, event: Event) -> datetime | None:
    """A stored naive-UTC time (printed, e-mailed, checked in) as the event's local time."""
    return from_utc(event, moment) if moment else None


def safe_next(target: str | None) -> str | None:
    """``target`` when it is a path on this site, else None (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None
