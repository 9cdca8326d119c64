"""A demo event with realistic attendees and a published schedule."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from app.cli.schedule import build_now, build_summary, echo_outcome, failure_code
from app.extensions import db
from app.models import Event, Organiser, SolveJob
from app.services.attendees.importing import ImportRefused
from app.services.events.demo import (
    DEMO_EVENT,
    create_demo_event,
    demo_organiser,
    finish_past_demo,
)
from app.services.events.demo_series import demo_series, make_last_year
from app.services.scheduling.versions import publish


@click.command("demo")
@click.option("--attendees", type=click.IntRange(2, 20_000), default=120, show_default=True)
@click.option("--rounds", type=click.IntRange(1, 30), default=8, show_default=True)
@click.option(
    "--tables", type=click.IntRange(min=1), help="Tables per round (default: attendees / 3)."
)
@click.option("--seed", type=int, default=0, show_default=True, help="Synthetic event seed.")
@click.option("--time-limit", type=click.FloatRange(min=1), default=10.0, show_default=True)
@click.option("--if-empty", is_flag=True, help="Do nothing when the database has any event.")
@click.option(
    "--past",
    is_flag=True,
    help="An event that took place yesterday, with made-up follow-up answers, sponsor "
    "contacts and follow-ups closed, so the reports show figures; with last year's edition "
    "in a series, so the loyalty figures have something to compare.",
)
@click.option(
    "--new-password",
    is_flag=True,
    help="Give the existing demo organiser a new password, and print it.",
)
@with_appcontext
def demo_command(
    attendees: int,
    rounds: int,
    tables: int | None,
    seed: int,
    time_limit: float,
    if_empty: bool,
    past: bool,
    new_password: bool,
) -> None:
    """Create a demo event with realistic attendees and a published schedule; print the login.

    Each run adds a new demo event. The demo organiser keeps the password it was given when it
    was made, unless --new-password asks for a new one. With --past the event started
    yesterday and its follow-ups are filled in (demo data, seeded by --seed), and a series
    holds it and last year's edition, most of whose people come again.
    """
    if if_empty and db.session.scalar(select(Event.id).limit(1)) is not None:
        click.echo("The database has events already: no demo event created.")
        return
    organiser, password = demo_organiser(new_password)
    last_year = None
    if past:  # last year's edition first, so this year's is the latest of the series
        last_year = _demo_event(organiser, attendees, rounds, tables, seed, time_limit, past)
        make_last_year(last_year, seed)
        _build_and_publish(last_year, time_limit)
        earlier = finish_past_demo(last_year, seed + 1)
        click.echo(
            f"Last year: {last_year.name} ({last_year.slug}), {last_year.attendee_count()} "
            f"attendees, {earlier.answers} follow-up answers."
        )
    event = _demo_event(organiser, attendees, rounds, tables, seed, time_limit, past)
    job = _build_and_publish(event, time_limit)
    base = current_app.config["PUBLIC_URL"]
    summary = build_summary(job)
    click.echo(
        f"{DEMO_EVENT}: {event.attendee_count()} attendees, {event.rounds} rounds, "
        f"{event.tables} tables; schedule version {summary['version']} published "
        f"({summary['meetings']} meetings, gap {summary['gap']:.2%})."
    )
    if past:
        done = finish_past_demo(event, seed)
        assert last_year is not None
        series = demo_series(organiser, last_year, event)
        contacts = len(done.contacts)
        click.echo(
            f"Took place on {event.starts_at:%Y-%m-%d} from {event.starts_at:%H:%M} "
            f"({event.timezone}): {done.answers} follow-up answers, {contacts} sponsor "
            f"contact{'' if contacts == 1 else 's'}, follow-ups closed."
        )
    click.echo(f"  Log in at: {base}/organiser/login")
    click.echo(f"  E-mail:    {organiser.email}")
    if password is None:
        click.echo("  Password:  unchanged (the one printed when the demo organiser was made;")
        click.echo("             `demo --new-password` sets and prints a new one)")
    else:
        click.echo(f"  Password:  {password}")
    click.echo(f"  Event:     {event.slug}  ({base}/organiser/events/{event.slug})")
    if past:
        click.echo(f"  Report:    {base}/organiser/events/{event.slug}/report")
        click.echo(f"  Series:    {base}/organiser/series/{series.id}")


def _demo_event(
    organiser: Organiser,
    attendees: int,
    rounds: int,
    tables: int | None,
    seed: int,
    time_limit: float,
    past: bool,
) -> Event:
    """A demo event with its attendees imported; what the import did goes to stderr."""
    try:
        event, imported = create_demo_event(
            organiser, attendees, rounds, tables, seed, time_limit, past=past
        )
    except ImportRefused as exc:  # the generator wrote a file the importer refuses: a bug
        for problem in exc.preview.problems:
            click.echo(str(problem), err=True)
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Imported the attendees file into {event.slug}: {imported.summary()}.", err=True)
    return event


def _build_and_publish(event: Event, time_limit: float) -> SolveJob:
    """Build the event's schedule and publish it; exit with the solver's code when it fails."""
    job = build_now(event, time_limit, keep_pinned=False)
    if job.status != "done":
        echo_outcome(job)
        sys.exit(failure_code(job))
    assert job.version is not None  # a done job holds the version it built
    publish(job.version)
    return job
