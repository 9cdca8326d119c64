"""Series: putting an event in its organiser's recurring series, and recognising the same
people and companies across the series' events."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models import Event, Organiser, Series
from app.models.attendee import folded
from app.services.scheduling.vocabulary import clean_text

SERIES_NAME_LENGTH = 200


def company_key(name: str) -> str:
    """A company's name as the series compares it: "Société  Générale " is "societe generale"."""
    return " ".join(folded(name or "").split())


def person_key(email: str) -> str:
    """An attendee's e-mail as the series compares it (case-insensitive)."""
    return (email or "").strip().lower()


def series_of(organiser: Organiser) -> list[Series]:
    """The organiser's series, by name."""
    query = select(Series).where(Series.organiser_id == organiser.id).order_by(Series.name)
    return list(db.session.scalars(query))


def put_in_series(event: Event, name: str | None) -> Series | None:
    """Put ``event`` in its owner's series called ``name`` (made when new); "" takes it out.

    The name is matched case- and accent-insensitively, so "partner summit" joins "Partner
    Summit". An event without an owner stays outside any series. Commits.
    """
    name = clean_text(name or "").strip()[:SERIES_NAME_LENGTH]
    owner = event.organiser
    if not name or owner is None:
        event.series = None
        db.session.commit()
        return None
    key = company_key(name)
    series = next((s for s in series_of(owner) if company_key(s.name) == key), None)
    if series is None:
        series = Series(organiser=owner, name=name)
        db.session.add(series)
    event.series = series
    db.session.commit()
    return series


def earlier_events(event: Event) -> list[Event]:
    """The events of ``event``'s series that started before it, oldest first (none outside one)."""
    if event.series_id is None:
        return []
    query = (
        select(Event)
        .where(Event.series_id == event.series_id, Event.id != event.id)
        .where(Event.starts_at < event.starts_at)
        .order_by(Event.starts_at, Event.id)
    )
    return list(db.session.scalars(query))


def series_event_count(series: Series) -> int:
    """How many events the series holds."""
    query = select(func.count()).select_from(Event).where(Event.series_id == series.id)
    return db.session.scalar(query) or 0
