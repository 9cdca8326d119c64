"""Flask CLI commands of FORMATS.md section 5: ``create-organiser``, ``events``, ``attendees``."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from app.extensions import db
from app.models import Event, Organiser
from app.models.event import valid_timezone
from app.services.accounts import AccountError, create_organiser, find_organiser
from app.services.events import create_event, default_start
from app.services.importing import ImportPreview, apply_import, preview_import

events_cli = AppGroup("events", help="Create events.")
attendees_cli = AppGroup("attendees", help="Import attendees.")


def register_cli(app: Flask) -> None:
    """Add Mingle's commands to ``flask``."""
    app.cli.add_command(create_organiser_command)
    app.cli.add_command(events_cli)
    app.cli.add_command(attendees_cli)


# Organisers


@click.command("create-organiser")
@click.argument("email")
@click.option("--name", default="", help="Name shown in the app (default: from the e-mail).")
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from the first line of stdin."
)
def create_organiser_command(email: str, name: str, password_stdin: bool) -> None:
    """Create an organiser account that can log in to the web app."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        organiser = create_organiser(email, password, name)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Created organiser {organiser.email}.")


# Events


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
    event = create_event(organiser, settings)
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


# Attendees


@attendees_cli.command("import")
@click.argument("slug")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check and show what would change; write nothing.")
def attendees_import(slug: str, file: Path, dry_run: bool) -> None:
    """Import or update attendees from a CSV or XLSX file (upsert by e-mail)."""
    event = db.session.scalar(select(Event).where(Event.slug == slug))
    if event is None:
        raise click.ClickException(f"no event has the slug {slug!r}")
    preview = preview_import(event, file.read_bytes(), file.name)
    if not preview.ok:
        click.echo(
            f"{file.name}: {len(preview.problems)} problem(s); nothing was imported.", err=True
        )
        for problem in preview.problems:
            click.echo(str(problem), err=True)
        sys.exit(1)
    if dry_run:
        click.echo(f"Dry run, nothing written: {preview.counts()}.")
        _echo_meetings(preview, would=True)
        return
    result = apply_import(event, preview)
    click.echo(f"Imported {file.name} into {event.slug}: {result.summary()}.")
    _echo_meetings(preview, would=False)


def _echo_meetings(preview: ImportPreview, would: bool) -> None:
    """Tell which meetings the changes break: removed from the draft, or kept in the published."""
    removed = preview.impact.removed
    if removed:
        verb = "would remove" if would else "removed"
        click.echo(f"Changes {verb} {len(removed)} meeting(s) that now break a rule:")
        for conflict in removed:
            click.echo(f"  {conflict}")
    published = preview.impact.published
    if published:
        click.echo(
            f"Warning: the published schedule keeps {len(published)} meeting(s) that now break a "
            "rule; build and publish a new version:",
            err=True,
        )
        for conflict in published:
            click.echo(f"  {conflict}", err=True)
