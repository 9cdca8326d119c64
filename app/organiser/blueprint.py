"""The organiser's two blueprints: ``bp`` (/organiser) and ``event_bp`` (/events/<slug> in it).

Every page but the log-in page asks for a logged-in organiser; every page of ``event_bp`` gets
its event loaded and access-checked once (app/access.py): another organiser's event is 404,
so its existence does not leak. Views read the event with ``current_event()``.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from flask import Blueprint

from app.access import load_event_once, require_login
from app.models import Event
from app.services.events.clock import from_utc

bp = Blueprint("organiser", __name__, url_prefix="/organiser")
event_bp = Blueprint("event", __name__, url_prefix="/events/<slug>")

require_login(bp, public={"organiser.login", "organiser.invite"})
load_event_once(event_bp)


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
