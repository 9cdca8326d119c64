"""Creating events from the command line."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import click
from flask.cli import AppGroup
from sqlalchemy import select

from app.cli.common import event_by_slug
from app.extensions import db
from app.models import Organiser
from app.models.event import valid_timezone
from app.services.accounts import find_organiser
from app.services.events.editing import EventRefused, create_event, default_start
from app.services.followups.closing import close_followups, reopen_followups

events_cli = AppGroup("events", help="Create events, close and re-open their follow-ups.")


@events_cli.command("create")
@click.option("--name", required=True, help="Event name.")
@click.option("--rounds", type=click.IntRange(min=1), required=True, help="Meeting rounds.")
@click.option("--tables", type=click.IntRange(min=1), required=True, help="Tables per round.")
@click.option("--starts", help="Start of round 1, ISO 8601 (default: tomorrow 09:00).")
@click.option("--minutes", type=click.IntRange(1, 240), default=10, show_default=True)
@click.option("--break", "break_", type=click.IntRange(0, 240), default=5, show_default=True)
@click.option("--timezone", default="UTC", show_default=True, help="IANA name, e.g. Europe/Paris.")
@click.option("--venue", default="", help="Where it takes place.")
@click.option("--organiser", "organiser_email", help="Owner's e-mail (default: first organiser).")
def events_create(
    name: str,
    rounds: int,
    tables: int,
    starts: str | None,
    minutes: int,
    break_: int,
    timezone: str,
    venue: str,
    organiser_email: str | None,
) -> None:
    """Create an event and print its slug."""
    if not valid_timezone(timezone):
        raise click.BadParameter(f"unknown time zone {timezone!r}", param_hint="--timezone")
    starts_at = _parse_start(starts, timezone) if starts else default_start()
    if organiser_email:
        organiser = find_organiser(organiser_email)
        if organiser is None:
            raise click.ClickException(f"no organiser has the e-mail {organiser_email}")
    else:
        organiser = db.session.scalar(select(Organiser).order_by(Organiser.id).limit(1))
    settings = {
        "name": name,
        "rounds": rounds,
        "tables": tables,
        "starts_at": starts_at,
        "round_minutes": minutes,
        "break_minutes": break_,
        "timezone": timezone,
        "venue": venue,
    }
    try:
        event = create_event(organiser, settings)
    except EventRefused as refused:
        raise click.BadParameter(str(refused)) from refused
    click.echo(event.slug)


def _parse_start(value: str, timezone: str) -> datetime:
    """ISO 8601 text as a naive local time in ``timezone`` (an offset, if given, is converted)."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(
            f"{value!r} is not an ISO date and time", param_hint="--starts"
        ) from exc
    if moment.tzinfo is not None:
        moment = moment.astimezone(ZoneInfo(timezone)).replace(tzinfo=None)
    return moment


@events_cli.command("close")
@click.argument("slug")
def events_close(slug: str) -> None:
    """Close the event's follow-ups now: the reports become final, answers can no longer change."""
    event = event_by_slug(slug)
    close_followups(event)
    click.echo(f"Follow-ups of {slug} are closed: its reports are final.")


@events_cli.command("reopen")
@click.argument("slug")
def events_reopen(slug: str) -> None:
    """Re-open the event's follow-ups for another FOLLOWUP_DAYS days (default 14)."""
    event = event_by_slug(slug)
    closes = reopen_followups(event)
    click.echo(
        f"Follow-ups of {slug} are open again until {closes:%Y-%m-%d %H:%M} ({event.timezone})."
    )
