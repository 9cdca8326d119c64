"""Check-in at the door: mark attendees present (by badge QR code or by name) and count them.

A badge's QR code holds the attendee's agenda link, ``PUBLIC_URL/a/<token>``; the token alone
identifies them, and it only counts for the event at whose door it is scanned.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy import func, select

from app.extensions import db
from app.models import Attendee, Event
from app.models.common import utcnow
from app.services.scheduling.vocabulary import clean_text


@dataclass(frozen=True)
class Counts:
    """How many attendees the event expects, how many are in, how many not yet."""

    expected: int
    present: int
    absent: int

    def as_dict(self) -> dict[str, int]:
        """The counts as JSON-friendly values."""
        return asdict(self)


def counts(event: Event) -> Counts:
    """Expected (every attendee), present (checked in) and absent (not yet) at ``event``."""
    expected, present = db.session.execute(
        select(func.count(Attendee.id), func.count(Attendee.checked_in_at)).where(
            Attendee.event_id == event.id
        )
    ).one()
    return Counts(expected, present, expected - present)


def check_in(event: Event, attendee: Attendee) -> bool:
    """Mark ``attendee`` present now; False (and the first time kept) when already in."""
    if attendee.event_id != event.id:
        raise ValueError(f"{attendee!r} is not an attendee of {event.slug}")
    if attendee.checked_in_at is not None:
        return False
    attendee.checked_in_at = utcnow()
    db.session.commit()
    return True


def undo_check_in(event: Event, attendee: Attendee) -> None:
    """Mark ``attendee`` as not arrived (a mistaken scan or tap)."""
    if attendee.event_id != event.id:
        raise ValueError(f"{attendee!r} is not an attendee of {event.slug}")
    attendee.checked_in_at = None
    db.session.commit()


def token_from_scan(text: str) -> str:
    """The agenda token in a scanned QR code (``.../a/<token>``), or the text itself."""
    text = clean_text(text)
    if "/a/" in text:
        text = text.rsplit("/a/", 1)[1]
    for stop in "/?#":
        text = text.split(stop, 1)[0]
    return text


def attendee_by_scan(event: Event, text: str) -> Attendee | None:
    """The attendee of ``event`` whose badge code was scanned; None for another event's badge."""
    token = token_from_scan(text)
    if not token:
        return None
    return db.session.scalar(
        select(Attendee).where(Attendee.event_id == event.id, Attendee.token == token)
    )
