"""Building schedules in this process, and the RQ worker that builds them for the web app."""

from __future__ import annotations

import json
import sys
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from app.cli.common import event_by_slug
from app.models import Event, SolveJob
from app.services.messages.notices import told
from app.services.messages.push_reminders import start_reminder_clock
from app.services.scheduling import builds as scheduling
from app.services.scheduling import jobs
from app.services.scheduling.versions import BuildError, find_version, publish
from app.services.scheduling.vocabulary import Progress

schedule_cli = AppGroup("schedule", help="Build and publish schedules.")

EXIT_INFEASIBLE = 2


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
    job = build_now(event_by_slug(slug), time_limit, keep_pinned)
    echo_outcome(job)
    if job.status != "done":
        sys.exit(failure_code(job))


def build_now(event: Event, time_limit: float | None, keep_pinned: bool) -> SolveJob:
    """Run a build inline, in this process, recorded as a job like the web's; progress on stderr.

    Exits 1 when the build cannot start (too few attendees, another build under way).
    """
    try:
        job = jobs.create_build_job(event, time_limit, keep_pinned)
    except BuildError as refused:
        raise click.ClickException(str(refused)) from refused
    click.echo(
        f"Building {event.slug}: {event.attendee_count()} attendees, {event.rounds} rounds, "
        f"{event.tables} tables, time limit {job.time_limit:g} s (job {job.id})",
        err=True,
    )
    return scheduling.run_build(job.id, on_progress=echo_progress)


def echo_progress(report: Progress) -> None:
    """Print one of the solver's progress reports that the build recorded, to stderr."""
    click.echo(
        f"  {report.seconds:6.1f} s  {jobs.job_phase(report):<12}  "
        f"objective {report.objective:,.2f}  bound {report.bound:,.2f}  gap {report.gap:.2%}",
        err=True,
    )


def outcome(job: SolveJob) -> str:
    """The build's result in the solver's words (optimal, feasible, infeasible), or error.

    The solver's status is stored on the job; a job without one crashed before the solver
    answered (or on attendee data it cannot read).
    """
    return job.solver_status or "error"


def failure_code(job: SolveJob) -> int:
    """Exit 2 when no schedule can hold the rules (or none was found in time), 1 on a crash."""
    return 1 if outcome(job) == "error" else EXIT_INFEASIBLE


def build_summary(job: SolveJob) -> dict[str, Any]:
    """A finished build as the solver's JSON line (FORMATS.md section 4), plus version and job."""
    version = job.version
    summary: dict[str, Any] = {
        "status": outcome(job),
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


def echo_outcome(job: SolveJob) -> None:
    """Say how the build ended, then print the JSON line last on stdout."""
    summary = build_summary(job)
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


@schedule_cli.command("publish")
@click.argument("slug")
@click.option(
    "--version",
    "number",
    type=click.IntRange(min=1),
    help="The version's number (default: the latest).",
)
def schedule_publish(slug: str, number: int | None) -> None:
    """Publish a schedule version: attendees see it from now on (as the web's Publish button)."""
    event = event_by_slug(slug)
    version = find_version(event, number)
    if version is None:
        made = ", ".join(str(v.number) for v in event.versions) or "none yet"
        wanted = "a schedule version" if number is None else f"version {number}"
        raise click.ClickException(f"{slug} has no {wanted} (versions: {made})")
    if version.id == event.published_version_id:
        click.echo(f"Version {version.number} of {slug} is already published.")
        return
    try:
        publication = publish(version)
    except BuildError as refused:
        raise click.ClickException(str(refused)) from refused
    click.echo(
        f"Version {version.number} of {slug} is published: {len(version.meetings)} meetings; "
        "attendees see it on their agenda links from now on."
    )
    heard = told(publication)
    if heard is not None:
        click.echo(heard.summary()[0])


# Background workers


@click.command("worker")
@click.option("--burst", is_flag=True, help="Run the queued builds, then stop.")
@with_appcontext
def worker_command(burst: bool) -> None:
    """Run schedule builds queued on Redis (REDIS_URL) and send push reminders until stopped."""
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
    # With REDIS_URL the web app runs no reminder clock: this worker process sends them.
    clock = None if burst else start_reminder_clock(app)
    try:
        AppWorker([queue], connection=connection).work(burst=burst)
    finally:
        if clock is not None:
            clock.set()
