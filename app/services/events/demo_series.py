"""The demo's series: last year's edition of the past demo event, so the loyalty section and
the series page have something to compare. Demo data only."""

from __future__ import annotations

import random
from datetime import timedelta

from app.extensions import db
from app.models import Event, Organiser, Series
from app.services.events.demo import DEMO_EVENT
from app.services.reports.figures import SPONSOR_KINDS

DEMO_SERIES = "Partner Summit (demo)"
STAYED_AWAY = 0.2  # share of this year's partners who were not there last year
A_YEAR = timedelta(weeks=52)  # the same weekday, a year earlier


def make_last_year(event: Event, seed: int = 0) -> Event:
    """Turn a freshly imported demo event into last year's edition (before its schedule is built).

    It moves 52 weeks back and is named after its year; a quarter of its partners are removed,
    so this year's event has new partners besides the returning ones. Commits.
    """
    rng = random.Random(f"mingle-demo-series:{seed}")
    event.starts_at -= A_YEAR
    event.name = f"{DEMO_EVENT} {event.starts_at:%Y}"
    partners = sorted(
        (a for a in event.attendees if a.kind not in SPONSOR_KINDS), key=lambda a: a.id
    )
    for attendee in rng.sample(partners, round(STAYED_AWAY * len(partners))):
        db.session.delete(attendee)
    db.session.commit()
    return event


def demo_series(organiser: Organiser, *events: Event) -> Series:
    """A new series of the demo organiser holding ``events``. Commits."""
    series = Series(organiser=organiser, name=DEMO_SERIES)
    db.session.add(series)
    for event in events:
        event.series = series
    db.session.commit()
    return series
