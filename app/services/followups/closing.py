"""When follow-ups close: the organiser's close and re-open, and the automatic close.

Attendees may answer and change their follow-ups until the event's follow-ups close. The
organiser closes them when they like (the dashboard's "Close follow-ups", ``flask events
close``); otherwise they close by themselves ``FOLLOWUP_DAYS`` days (default 14) after the
last round ends. ``Event.closed_at`` (UTC) holds the organiser's choice: empty means "the
automatic close", a time means "closed from then on", so re-opening sets a new close that many
days ahead. Reports say "final" once closed and how many days are left before.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app

from app.extensions import db
from app.models import Event
from app.services.events.clock import from_utc, to_utc, utc_now


@dataclass(frozen=True)
class Collection:
    """Whether an event's follow-ups are still collected, and until when (local time)."""

    closed: bool
    closes_at: datetime  # naive local time in the event's zone
    days_left: int  # whole days until the close, rounded up; 0 once closed

    @property
    def label(self) -> str:
        """What a report says of its figures: final, or still collecting."""
        if self.closed:
            return "final"
        days = f"{self.days_left} day{'s' if self.days_left != 1 else ''}"
        return f"still collecting, {days} left"

    def summary(self, timezone: str = "") -> str:
        """The sentence a report opens with: final, or still collecting and until when.

        ``timezone`` is named after the time where nothing else names it (a PDF); pages name
        the event's zone once in their footer.
        """
        closes = f"{self.closes_at:%d %b %Y, %H:%M}" + (f" {timezone} time" if timezone else "")
        if self.closed:
            return f"Figures: final (follow-ups closed on {closes})."
        return f"Figures: {self.label} (follow-ups close on {closes})."


def followup_days() -> int:
    """Days after the last round that follow-ups close by themselves (``FOLLOWUP_DAYS``)."""
    return int(current_app.config["FOLLOWUP_DAYS"])


def closes_at_utc(event: Event) -> datetime:
    """When the event's follow-ups close (aware UTC): the organiser's time or the automatic one."""
    if event.closed_at is not None:
        return event.closed_at.replace(tzinfo=UTC)
    last_end = event.round_times()[-1][1]
    return to_utc(event, last_end) + timedelta(days=followup_days())


def is_closed(event: Event, now: datetime | None = None) -> bool:
    """Whether follow-ups are closed at ``now`` (aware; default: the clock): answers frozen."""
    return (now or utc_now()) >= closes_at_utc(event)


def collection(event: Event, now: datetime | None = None) -> Collection:
    """The event's follow-up collection at ``now``: closed or not, the close, the days left."""
    now = now or utc_now()
    close = closes_at_utc(event)
    closed = now >= close
    days_left = 0 if closed else math.ceil((close - now) / timedelta(days=1))
    local_close = from_utc(event, close.replace(tzinfo=None))
    return Collection(closed=closed, closes_at=local_close, days_left=days_left)


def close_followups(event: Event, now: datetime | None = None) -> None:
    """Close the event's follow-ups now: nobody can answer or change an answer any more."""
    event.closed_at = (now or utc_now()).astimezone(UTC).replace(tzinfo=None)
    db.session.commit()


def reopen_followups(event: Event, now: datetime | None = None) -> datetime:
    """Re-open the follow-ups for another ``FOLLOWUP_DAYS`` days; returns the new close (local)."""
    close = (now or utc_now()).astimezone(UTC) + timedelta(days=followup_days())
    event.closed_at = close.replace(tzinfo=None)
    db.session.commit()
    return from_utc(event, event.closed_at)
