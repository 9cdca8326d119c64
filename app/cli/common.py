"""What several command groups share: finding the event a command names."""

from __future__ import annotations

import click
from sqlalchemy import select

from app.extensions import db
from app.models import Event


def event_by_slug(slug: str) -> Event:
    """The event with this slug, or exit 1 saying there is none."""
    event = db.session.scalar(select(Event).where(Event.slug == slug))
    if event is None:
        raise click.ClickException(f"no event has the slug {slug!r}")
    return event
