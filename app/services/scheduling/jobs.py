"""A schedule build's job: one state machine, from queued to done or failed.

::

    create_build_job --> queued --claim_job--> running --finish_job--> done (with a version)
                           |                    |   ^
                           |                    +---+ record_progress
                           +------fail_job------+-----> failed (with the reason to show)

The job row is what the build page polls (status, progress, figures, error) and what the
command line reads back (the solver's status). Where a job runs is builds.py's business.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from flask import current_app
from sqlalchemy import ColumnElement, Engine, or_, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from app.extensions import db, rowcount
from app.models import Event, ScheduleVersion, SolveJob
from app.models.common import utcnow
from app.models.job import JOB_TRANSITIONS
from app.services.scheduling.versions import BuildError
from solver.schema import Progress, SolveResult

ACTIVE = ("queued", "running")

# The moves allowed are written once, in app/models/job.py's JOB_TRANSITIONS, and every change
# of a job's status goes through ``_move``: a conditional UPDATE that moves the job only if it
# is still in the state its caller saw. So races are settled by the database, not by checks in
# Python: a unique partial index allows one queued or running job per event (app/models/job.py)
# and a worker runs a job only after claiming it. A running job writes a heartbeat; one that
# stops beating is dead and frees its event.

HEARTBEAT = 5.0  # seconds between a running build's heartbeats
DEAD_AFTER = timedelta(seconds=3 * HEARTBEAT)  # a running job this long without one is dead
# A queued job that no worker claimed this long after it was made is dead, unless RQ says its
# job is still waiting on the queue (then it runs when a worker is back).
UNCLAIMED_AFTER = timedelta(seconds=3 * HEARTBEAT)
RQ_WAITING = {"queued", "started", "deferred", "scheduled"}

# What the organiser reads when a build ends badly; the technical detail goes to the log.
ALREADY_RUNNING = "A build for this event is already running."
DIED = "The build stopped without finishing (its worker crashed or was stopped). Start it again."
NEVER_RAN = "The build never started: no worker picked it up. Start it again."
CRASHED = (
    "The build stopped on an unexpected error and the previous schedule is unchanged. "
    "The details are in the server log."
)
INTERRUPTED = "interrupted (Ctrl-C)"
QUEUE_DOWN = "The build queue cannot be reached right now; try again in a moment."


class BuildRunning(BuildError):
    """The event already has a queued or running build: ``job`` (None if it just ended)."""

    def __init__(self, job: SolveJob | None) -> None:
        super().__init__(ALREADY_RUNNING)
        self.job = job


# The transitions: one function each, all through ``_move``.


def create_build_job(
    event: Event, time_limit: float | None = None, keep_pinned: bool = False
) -> SolveJob:
    """Record a queued build for ``event``, checking that one may start.

    Raises:
        BuildError: when the event has fewer than two attendees.
        BuildRunning: when a build is under way (the database index settles ties).
    """
    if event.attendee_count() < 2:
        raise BuildError("import at least two attendees before building a schedule")
    running = active_job(event)
    if running is not None:
        raise BuildRunning(running)
    job = SolveJob(
        event_id=event.id,
        status="queued",
        phase="queued",
        time_limit=float(time_limit or event.solve_time_limit),
        keep_pinned=keep_pinned,
    )
    db.session.add(job)
    try:
        db.session.commit()
    except IntegrityError:  # another request queued one a moment ago
        db.session.rollback()
        raise BuildRunning(active_job(event)) from None
    return job


def claim_job(job_id: int) -> bool:
    """Move a queued job to running; False when it is not queued (failed, taken, done)."""
    now = utcnow()
    return _move(job_id, "queued", "running", phase="preparing", started_at=now, heartbeat_at=now)


def job_phase(progress: Progress) -> str:
    """The step a running job shows for a solver report: "saving" once the solver is done."""
    return "saving" if progress.phase == "done" else progress.phase  # "done": version stored


def record_progress(job_id: int, progress: Progress) -> bool:
    """Write a solver report onto the running job; False when the job is no longer running."""
    return _move(
        job_id,
        "running",
        "running",
        elapsed=round(progress.seconds, 2),
        phase=job_phase(progress),
        objective=round(progress.objective, 2),
        bound=round(progress.bound, 2),
        gap=progress.gap,
    )


def finish_job(job_id: int, version: ScheduleVersion, result: SolveResult) -> bool:
    """Mark the running job done with its version and the solver's status and figures.

    False, and nothing committed, when the job was marked failed meanwhile: the caller's
    version (added to the session, not yet committed) must then be dropped.
    """
    return _move(
        job_id,
        "running",
        "done",
        finished_at=utcnow(),
        phase="done",
        error=None,
        version_id=version.id,
        elapsed=round(result.seconds, 2),
        objective=result.objective,
        bound=result.bound,
        gap=result.gap,
        solver_status=result.status,
    )


def fail_job(
    job_id: int, was: str, reason: str, *only_if: ColumnElement[bool], **figures: object
) -> bool:
    """Mark a job that is still ``was`` failed with ``reason``, the message the organiser reads.

    ``only_if``: conditions the job must also meet (a dead job's heartbeat still stale);
    ``figures``: more columns to store (the solver's status and phase of an infeasible search).
    """
    return _move(job_id, was, "failed", *only_if, error=reason, finished_at=utcnow(), **figures)


def _move(
    job_id: int, was: str, to: str, *conditions: ColumnElement[bool], **values: object
) -> bool:
    """Move a job from ``was`` to ``to`` if it is still ``was``, and commit; True if it moved.

    A move JOB_TRANSITIONS does not list is a bug in the caller, so it raises ValueError.
    """
    if to not in JOB_TRANSITIONS[was]:
        raise ValueError(f"a {was} build cannot become {to}")
    moved = db.session.execute(
        update(SolveJob)
        .where(SolveJob.id == job_id, SolveJob.status == was, *conditions)
        .values(status=to, **values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return rowcount(moved) == 1


# Dead jobs: a worker that crashed, or a queued job nobody will run.


def active_job(event: Event) -> SolveJob | None:
    """The event's queued or running build, if any (after marking a dead one failed)."""
    job = db.session.scalar(
        select(SolveJob)
        .where(SolveJob.event_id == event.id, SolveJob.status.in_(ACTIVE))
        .order_by(SolveJob.id.desc())
    )
    if job is not None and end_if_dead(job):
        return None
    return job


def end_if_dead(job: SolveJob) -> bool:
    """Mark ``job`` failed if its worker is gone (see ``job_death``); True when it was."""
    why = job_death(job)
    if why is None:
        return False
    only_if: tuple[ColumnElement[bool], ...] = ()
    if job.status == "running":  # unless it beat since it was judged
        stale = utcnow() - DEAD_AFTER
        only_if = (or_(SolveJob.heartbeat_at.is_(None), SolveJob.heartbeat_at < stale),)
    ended = fail_job(job.id, job.status, why, *only_if)
    db.session.refresh(job)
    if ended:
        current_app.logger.warning("schedule build %s marked failed: %s", job.id, why)
    return job.status not in ACTIVE


def job_death(job: SolveJob) -> str | None:
    """Why an active job is dead (the message to store), or None while it may be alive.

    Running: its heartbeat is older than ``DEAD_AFTER``. Queued: with RQ, RQ no longer holds
    its job waiting; without RQ (or without an RQ id), nobody claimed it in ``UNCLAIMED_AFTER``.
    """
    now = utcnow()
    if job.status == "running":
        last = job.heartbeat_at or job.started_at or job.created_at
        return DIED if now - last > DEAD_AFTER else None
    if job.status != "queued":
        return None
    redis_url = current_app.config.get("REDIS_URL")
    if redis_url and job.rq_id:
        state = rq_state(redis_url, job.rq_id)
        return None if state is None or state in RQ_WAITING else NEVER_RAN
    return NEVER_RAN if now - job.created_at > UNCLAIMED_AFTER else None


def rq_state(redis_url: str, rq_id: str) -> str | None:
    """RQ's status of a job ("queued", "failed", ...; "missing" when gone), None if unknown."""
    from redis import Redis
    from redis.exceptions import RedisError
    from rq.exceptions import NoSuchJobError
    from rq.job import Job

    try:
        connection = Redis.from_url(redis_url, socket_connect_timeout=2, socket_timeout=2)
        status = Job.fetch(rq_id, connection=connection).get_status(refresh=True)
    except NoSuchJobError:
        return "missing"
    except RedisError:
        current_app.logger.warning("cannot ask Redis about build %s", rq_id, exc_info=True)
        return None
    if status is None:
        return "missing"
    return str(getattr(status, "value", status))


@contextmanager
def heartbeat(engine: Engine, job_id: int, every: float = HEARTBEAT) -> Iterator[None]:
    """Stamp the running job's ``heartbeat_at`` every ``every`` seconds until the block ends.

    Its own thread and connection: the solver may hold the session for long stretches.
    """
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(every):
            try:
                with engine.begin() as connection:
                    connection.execute(
                        update(SolveJob)
                        .where(SolveJob.id == job_id, SolveJob.status == "running")
                        .values(heartbeat_at=utcnow())
                    )
            except SQLAlchemyError:  # a missed beat is retried; three in a row mean death
                logging.getLogger(__name__).warning("heartbeat of build %s failed", job_id)

    thread = threading.Thread(target=beat, name=f"build-{job_id}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=every + 5)


def job_status(job: SolveJob) -> dict[str, object]:
    """What the build page shows, as JSON: status, progress, figures, error, version."""
    if job.status in ACTIVE:
        end_if_dead(job)
    if job.status == "done":
        percent = 100.0
    elif job.phase == "saving":  # the solver has finished early (often: proved optimal)
        percent = 99.0
    else:
        percent = min(99.0, 100 * job.elapsed / job.time_limit)
    return {
        "id": job.id,
        "status": job.status,
        "phase": job.phase,
        "elapsed": job.elapsed,
        "time_limit": job.time_limit,
        "percent": round(percent, 1),
        "objective": job.objective,
        "bound": job.bound,
        "gap": job.gap,
        "error": None if job.status == "done" else job.error,
        "version": job.version.number if job.version else None,
    }
