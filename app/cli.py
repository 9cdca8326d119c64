"""Flask CLI commands of FORMATS.md section 5: organisers, events, attendees, schedules, demo,
and printing (badges, agendas, table signs).

Exit codes follow the solver's command line: 0 on success, 1 for a wrong argument (an unknown
slug, a bad file) or a build that crashed, 2 when the hard rules cannot all hold.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from app.extensions import db
from app.models import Attendee, Event, Organiser, SolveJob
from app.models.common import utcnow
from app.models.event import valid_timezone
from app.services.accounts import AccountError, create_organiser, find_organiser, set_password
from app.services.attendees.importing import (
    ImportPreview,
    ImportRefused,
    apply_import,
    preview_import,
)
from app.services.events.demo import (
    DEMO_EVENT,
    create_demo_event,
    demo_organiser,
    finish_past_demo,
)
from app.services.events.editing import EventRefused, create_event, default_start
from app.services.printing.agendas import render_agendas
from app.services.printing.badges import DEFAULT_LAYOUT, LAYOUTS, render_badges
from app.services.printing.data import (
    NothingPublished,
    agenda_data,
    attendees_to_print,
    badge_data,
    record_badges_printed,
    table_sign_data,
)
from app.services.printing.signs import render_table_signs
from app.services.scheduling import builds as scheduling
from app.services.scheduling.versions import publish

events_cli = AppGroup("events", help="Create events.")
attendees_cli = AppGroup("attendees", help="Import attendees.")
schedule_cli = AppGroup("schedule", help="Build schedules.")
organisers_cli = AppGroup("organisers", help="Manage organiser accounts.")

EXIT_INFEASIBLE = 2
# run_build stores a crash as "ExceptionName: message"; the solver's reasons never start so.


def register_cli(app: Flask) -> None:
    """Add Mingle's commands to ``flask``."""
    app.cli.add_command(create_organiser_command)
    app.cli.add_command(organisers_cli)
    app.cli.add_command(events_cli)
    app.cli.add_command(attendees_cli)
    app.cli.add_command(schedule_cli)
    app.cli.add_command(worker_command)
    app.cli.add_command(demo_command)
    app.cli.add_command(badges_command)
    app.cli.add_command(agendas_command)
    app.cli.add_command(table_signs_command)


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


@organisers_cli.command("set-password")
@click.argument("email")
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from the first line of stdin."
)
def organisers_set_password(email: str, password_stdin: bool) -> None:
    """Give an organiser a new password; every session they have is logged out."""
    organiser = find_organiser(email)
    if organiser is None:
        raise click.ClickException(f"no organiser has the e-mail {email.strip().lower()}")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("New password", hide_input=True, confirmation_prompt=True)
    try:
        set_password(organiser, password)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Password changed for {organiser.email}; their sessions are logged out.")


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


# Attendees


@attendees_cli.command("import")
@click.argument("slug")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check and show what would change; write nothing.")
def attendees_import(slug: str, file: Path, dry_run: bool) -> None:
    """Import or update attendees from a CSV or XLSX file (upsert by e-mail)."""
    event = _event(slug)
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


# Schedules


@schedule_cli.command("build")
@click.argument("slug")
@click.option(
    "--time-limit",
    type=click.FloatRange(min=1),
    help="Seconds the solver may take (default: the event's setting).",
)
@click.option("--keep-pinned", is_flag=True, help="Keep the latest version's pinned meetings.")
def schedule_build(slug: str, time_limit: float | None, keep_pinned: bool) -> None:
    """Build the schedule now, in this process; the last line is JSON like the solver's."""
    job = _build_now(_event(slug), time_limit, keep_pinned)
    _echo_outcome(job)
    if job.status != "done":
        sys.exit(_failure_code(job))


def _event(slug: str) -> Event:
    """The event with this slug, or exit 1 saying there is none."""
    event = db.session.scalar(select(Event).where(Event.slug == slug))
    if event is None:
        raise click.ClickException(f"no event has the slug {slug!r}")
    return event


def _build_now(event: Event, time_limit: float | None, keep_pinned: bool) -> SolveJob:
    """Run a build in this process, recorded as a job like the web's, progress on stderr.

    Exits 1 when the build cannot start (too few attendees, another build under way).
    """
    try:
        job = scheduling.create_build_job(event, time_limit, keep_pinned)
    except scheduling.BuildError as refused:
        raise click.ClickException(str(refused)) from refused
    click.echo(
        f"Building {event.slug}: {event.attendee_count()} attendees, {event.rounds} rounds, "
        f"{event.tables} tables, time limit {job.time_limit:g} s (job {job.id})",
        err=True,
    )
    with _echo_progress(job.id):
        try:
            return scheduling.run_build(job.id)
        except KeyboardInterrupt:
            db.session.rollback()
            job = db.session.get_one(SolveJob, job.id)
            job.status, job.error, job.finished_at = "failed", "interrupted (Ctrl-C)", utcnow()
            db.session.commit()
            raise


@contextmanager
def _echo_progress(job_id: int) -> Iterator[None]:
    """Print each progress report of the build of ``job_id`` to stderr while it runs."""

    # The build writes its reports onto the job row, gap last: echo them as they are set
    # instead of polling the database from a second thread.
    def echo(job: SolveJob, gap: float | None, *_: object) -> None:
        if job.id != job_id or gap is None or job.phase == "done":
            return
        click.echo(
            f"  {job.elapsed:6.1f} s  {job.phase:<12}  objective {job.objective:,.2f}  "
            f"bound {job.bound:,.2f}  gap {gap:.2%}",
            err=True,
        )

    sa.event.listen(SolveJob.gap, "set", echo)
    try:
        yield
    finally:
        sa.event.remove(SolveJob.gap, "set", echo)


def _outcome(job: SolveJob) -> str:
    """The build's result in the solver's words (optimal, feasible, infeasible), or error."""
    if job.status == "done":
        return "optimal" if job.gap == 0 else "feasible"  # the bound is proven: gap 0 is optimal
    return job.phase if job.phase in ("infeasible", "unknown") else "error"


def _failure_code(job: SolveJob) -> int:
    """Exit 2 when no schedule can hold the rules (or none was found in time), 1 on a crash."""
    return 1 if _outcome(job) == "error" else EXIT_INFEASIBLE


def _build_summary(job: SolveJob) -> dict[str, Any]:
    """A finished build as the solver's JSON line (FORMATS.md section 4), plus version and job."""
    version = job.version
    summary: dict[str, Any] = {
        "status": _outcome(job),
        "objective": round(version.objective or 0.0, 4) if version else 0.0,
        "bound": round((version.bound if version else job.bound) or 0.0, 4),
        "gap": round(version.gap or 0.0, 6) if version else 0.0,
        "meetings": len(version.meetings) if version else 0,
        "seconds": round((version.seconds if version else job.elapsed) or 0.0, 3),
        "version": version.number if version else None,
        "job": job.id,
    }
    if job.error:
        summary["error"] = job.error
    return summary


def _echo_outcome(job: SolveJob) -> None:
    """Say how the build ended, then print the JSON line last on stdout."""
    summary = _build_summary(job)
    if job.status == "done":
        click.echo(
            f"Version {summary['version']} of {job.event.slug}: {summary['meetings']} meetings, "
            f"objective {summary['objective']:g}, bound {summary['bound']:.2f}, "
            f"gap {summary['gap']:.2%} ({summary['status']}, {summary['seconds']:.1f} s)"
        )
    elif summary["status"] == "error":
        click.echo(f"The build crashed: {job.error}", err=True)
    else:
        click.echo("No schedule holding every hard rule:")
        click.echo(f"  - {job.error}")
    click.echo(json.dumps(summary))


# Background workers


@click.command("worker")
@click.option("--burst", is_flag=True, help="Run the queued builds, then stop.")
@with_appcontext
def worker_command(burst: bool) -> None:
    """Run schedule builds queued on Redis (REDIS_URL) until stopped."""
    # Imported here: only this command needs RQ, and it is slow to import for every command.
    from redis import Redis
    from redis.exceptions import RedisError
    from rq import Queue, SimpleWorker

    url = current_app.config.get("REDIS_URL")
    if not url:
        raise click.ClickException(
            "REDIS_URL is not set: without it builds run inside the web process and need no "
            "worker. Set REDIS_URL (e.g. redis://127.0.0.1:6379/0) for the web app and the worker."
        )
    connection = Redis.from_url(url)
    try:
        connection.ping()
    except RedisError as exc:
        raise click.ClickException(f"cannot reach Redis at REDIS_URL: {exc}") from exc
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    class AppWorker(SimpleWorker):
        """Runs each job in this process (a forked one would lose the app) in a fresh context."""

        def execute_job(self, job: Any, queue: Any) -> None:
            with app.app_context():  # each build gets its own database session
                super().execute_job(job, queue)

    queue = Queue(scheduling.QUEUE, connection=connection)
    click.echo(f"Worker on queue {scheduling.QUEUE!r}{' (burst)' if burst else ''}.", err=True)
    AppWorker([queue], connection=connection).work(burst=burst)


# Demo


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
    "contacts and follow-ups closed, so the reports show figures.",
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
    yesterday and its follow-ups are filled in (demo data, seeded by --seed).
    """
    if if_empty and db.session.scalar(select(Event.id).limit(1)) is not None:
        click.echo("The database has events already: no demo event created.")
        return
    organiser, password = demo_organiser(new_password)
    try:
        event, imported = create_demo_event(
            organiser, attendees, rounds, tables, seed, time_limit, past=past
        )
    except ImportRefused as exc:  # the generator wrote a file the importer refuses: a bug
        for problem in exc.preview.problems:
            click.echo(str(problem), err=True)
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Imported the attendees file into {event.slug}: {imported.summary()}.", err=True)
    job = _build_now(event, time_limit, keep_pinned=False)
    if job.status != "done":
        _echo_outcome(job)
        sys.exit(_failure_code(job))
    assert job.version is not None  # a done job holds the version it built
    publish(job.version)
    base = current_app.config["PUBLIC_URL"]
    summary = _build_summary(job)
    click.echo(
        f"{DEMO_EVENT}: {event.attendee_count()} attendees, {event.rounds} rounds, "
        f"{event.tables} tables; schedule version {summary['version']} published "
        f"({summary['meetings']} meetings, gap {summary['gap']:.2%})."
    )
    if past:
        done = finish_past_demo(event, seed)
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


# Printing: badges, agendas with follow-up forms, table signs (PDF)


def _write_pdf(out: Path, data: bytes, what: str) -> None:
    """Write ``data`` to ``out`` and say what it holds."""
    try:
        out.write_bytes(data)
    except OSError as exc:
        raise click.ClickException(f"cannot write {out}: {exc.strerror or exc}") from exc
    click.echo(f"Wrote {what} to {out} ({len(data) / 1024:,.0f} KiB).")


def _printable_attendees(event: Event, emails: tuple[str, ...]) -> list[Attendee]:
    """The attendees with these e-mails (all when none), or exit 1 naming the unknown ones."""
    try:
        return attendees_to_print(event, emails)
    except LookupError as exc:
        raise click.ClickException(str(exc)) from exc


PDF_OUT = click.Path(dir_okay=False, writable=True, path_type=Path)


@click.command("badges")
@click.argument("slug")
@click.option("--out", type=PDF_OUT, required=True, help="The PDF file to write.")
@click.option(
    "--layout",
    type=click.Choice(sorted(LAYOUTS)),
    default=DEFAULT_LAYOUT,
    show_default=True,
    help="Sheet: a6 (one badge per A6 card), a4-2x4 (8 labels of 99.1 x 67.7 mm), "
    "letter-2x3 (6 badges of 4 x 3 in).",
)
@click.option(
    "--attendee",
    "emails",
    multiple=True,
    metavar="EMAIL",
    help="Only this attendee's badge (repeatable), e.g. to reprint a lost one.",
)
@click.option("--duplex", is_flag=True, help="Print each badge's meetings on the sheet's back.")
@with_appcontext
def badges_command(
    slug: str, out: Path, layout: str, emails: tuple[str, ...], duplex: bool
) -> None:
    """Write print-ready badges, each with a QR code opening the attendee's agenda."""
    event = _event(slug)
    attendees = _printable_attendees(event, emails)
    if not attendees:
        raise click.ClickException(f"{event.slug} has no attendees to print badges for")
    try:
        data = render_badges(badge_data(event, attendees, duplex), layout, duplex)
    except NothingPublished as exc:
        raise click.ClickException(f"--duplex prints the agenda: {exc}") from exc
    sheets = LAYOUTS[layout].pages(len(attendees)) * (2 if duplex else 1)
    _write_pdf(out, data, f"{len(attendees)} badge(s) on {sheets} {layout} page(s)")
    if not emails:  # a reprint of a few badges is not the event's print run
        record_badges_printed(event)


@click.command("agendas")
@click.argument("slug")
@click.option("--out", type=PDF_OUT, required=True, help="The PDF file to write.")
@click.option("--attendee", "email", metavar="EMAIL", help="Only this attendee's agenda.")
@with_appcontext
def agendas_command(slug: str, out: Path, email: str | None) -> None:
    """Write printed agendas of the published schedule with paper follow-up forms."""
    event = _event(slug)
    attendees = _printable_attendees(event, (email,) if email else ())
    try:
        agendas = agenda_data(event, attendees[0]) if email else agenda_data(event)
    except NothingPublished as exc:
        raise click.ClickException(str(exc)) from exc
    _write_pdf(out, render_agendas(agendas), f"{len(agendas)} agenda(s)")


@click.command("table-signs")
@click.argument("slug")
@click.option("--out", type=PDF_OUT, required=True, help="The PDF file to write.")
@with_appcontext
def table_signs_command(slug: str, out: Path) -> None:
    """Write one sign per table in use: who sits there in each round of the published schedule."""
    event = _event(slug)
    try:
        signs = table_sign_data(event)
    except NothingPublished as exc:
        raise click.ClickException(str(exc)) from exc
    _write_pdf(out, render_table_signs(signs), f"{len(signs)} table sign(s)")
