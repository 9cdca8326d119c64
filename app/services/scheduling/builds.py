"""Background schedule builds: start one, run it, report its progress, store its version.

A build runs as a background job: in a thread of the web process by default, or on RQ
workers when ``REDIS_URL`` is set. The job row carries the progress (elapsed, objective, bound,
gap) that the build page polls. The new schedule version and its meetings are written in one
transaction at the very end, so a crashed or killed build leaves every earlier version exactly
as it was.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from flask import Flask, current_app
from sqlalchemy import Engine, or_, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from app.extensions import db, rowcount
from app.models import Event, ScheduleVersion, SolveJob
from app.models.common import utcnow
from app.services.scheduling.instance import event_instance
from app.services.scheduling.versions import BuildError, add_meetings, next_version_number
from solver.baselines import round_robin
from solver.model import solve
from solver.schema import Progress
from solver.validate import validate

ACTIVE = ("queued", "running")
QUEUE = "mingle"
# Named, not imported: the entry point makes an app, and services never import the app.
RQ_ENTRY_POINT = "app.worker.run_build_job"


# -- starting and running builds -------------------------------------------------------------
#
# Races are settled by the database, not by checks in Python: a unique partial index allows one
# queued or running job per event (app/models/job.py), a worker runs a job only after claiming
# it with a conditional UPDATE, and version numbers are allocated under a lock on the event row.
# A running job writes a heartbeat; one that stops beating is dead and frees its event.

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
QUEUE_DOWN = "The build queue cannot be reached right now; try again in a moment."


class BuildRunning(BuildError):
    """The event already has a queued or running build: ``job`` (None if it just ended)."""

    def __init__(self, job: SolveJob | None) -> None:
        super().__init__(ALREADY_RUNNING)
        self.job = job


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
    query = update(SolveJob).where(SolveJob.id == job.id, SolveJob.status == job.status)
    if job.status == "running":  # unless it beat since it was judged
        stale = utcnow() - DEAD_AFTER
        query = query.where(or_(SolveJob.heartbeat_at.is_(None), SolveJob.heartbeat_at < stale))
    query = query.values(status="failed", error=why, finished_at=utcnow())
    ended = db.session.execute(query.execution_options(synchronize_session=False))
    db.session.commit()
    db.session.refresh(job)
    if rowcount(ended):
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


def start_build(
    event: Event, time_limit: float | None = None, keep_pinned: bool = False
) -> SolveJob:
    """Queue a schedule build for ``event`` and start it in the background (thread or RQ)."""
    job = create_build_job(event, time_limit, keep_pinned)
    redis_url = current_app.config.get("REDIS_URL")
    if redis_url:
        from redis import Redis
        from redis.exceptions import RedisError
        from rq import Queue

        queue = Queue(QUEUE, connection=Redis.from_url(redis_url))
        rq_id = f"mingle-build-{uuid.uuid4().hex}"
        try:
            queue.enqueue(
                RQ_ENTRY_POINT,
                job.id,
                job_id=rq_id,
                job_timeout=int(job.time_limit * 3 + 300),
                result_ttl=3600,
            )
        except RedisError:
            current_app.logger.exception("cannot queue schedule build %s", job.id)
            _finish(job.id, "queued", status="failed", error=QUEUE_DOWN)
            raise BuildError(QUEUE_DOWN) from None
        # Recorded only once RQ holds the job: a job RQ does not know yet must not look "gone"
        # to a request judging it meanwhile (until then the unclaimed timeout applies).
        db.session.execute(
            update(SolveJob).where(SolveJob.id == job.id).values(rq_id=rq_id),
            execution_options={"synchronize_session": False},
        )
        db.session.commit()
        db.session.refresh(job)
    else:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        threading.Thread(target=_run_in_thread, args=(app, job.id), daemon=True).start()
    return job


def _run_in_thread(app: Flask, job_id: int) -> None:
    with app.app_context():
        run_build(job_id)


def claim_job(job_id: int) -> bool:
    """Move a queued job to running; False when it is not queued (failed, taken, done)."""
    now = utcnow()
    claimed = db.session.execute(
        update(SolveJob)
        .where(SolveJob.id == job_id, SolveJob.status == "queued")
        .values(status="running", phase="preparing", started_at=now, heartbeat_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return rowcount(claimed) == 1


def run_build(job_id: int) -> SolveJob:
    """Run one build if it can be claimed: solve, then store the version in one transaction."""
    job = db.session.get(SolveJob, job_id)
    if job is None:
        raise LookupError(f"no solve job {job_id}")
    if not claim_job(job_id):
        db.session.refresh(job)
        current_app.logger.warning("schedule build %s not run: it is %s", job_id, job.status)
        return job
    db.session.refresh(job)
    with _heartbeat(db.engine, job_id):
        try:
            _build(job)
        except Exception:  # the job must end failed, whatever happened
            db.session.rollback()
            current_app.logger.exception("schedule build %s failed", job_id)
            _finish(job_id, "running", status="failed", error=CRASHED)
    job = db.session.get_one(SolveJob, job_id)
    db.session.refresh(job)
    return job


@contextmanager
def _heartbeat(engine: Engine, job_id: int) -> Iterator[None]:
    """Stamp the running job's ``heartbeat_at`` every ``HEARTBEAT`` seconds until the block ends.

    Its own thread and connection: the solver may hold the session for long stretches.
    """
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(HEARTBEAT):
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
        thread.join(timeout=HEARTBEAT + 5)


def _finish(job_id: int, was: str, **values: object) -> bool:
    """End a job that is still in state ``was``; False (and nothing written) if it is not."""
    ended = db.session.execute(
        update(SolveJob)
        .where(SolveJob.id == job_id, SolveJob.status == was)
        .values(finished_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return rowcount(ended) == 1


def _build(job: SolveJob) -> None:
    event = job.event
    try:
        built = event_instance(event)
    except ValueError as exc:  # an attendee value the solver cannot read; the message names it
        _finish(job.id, "running", status="failed", error=f"Attendee data cannot be used: {exc}")
        return
    latest = event.latest_version()
    instance = built.instance
    if job.keep_pinned and latest is not None:
        instance = built.with_pinned([m for m in latest.meetings if m.pinned])
    last_write = [0.0]

    def progress(p: Progress) -> None:
        # Throttled: one small commit of the job row at most every half second.
        now = time.monotonic()
        if now - last_write[0] < 0.5 and p.phase != "done":
            return
        last_write[0] = now
        job.elapsed = round(p.seconds, 2)
        job.phase = "saving" if p.phase == "done" else p.phase  # done once the version is stored
        job.objective = round(p.objective, 2)
        job.bound = round(p.bound, 2)
        job.gap = p.gap
        db.session.commit()

    result = solve(instance, time_limit=job.time_limit, progress=progress)
    if result.status not in ("optimal", "feasible"):
        # infeasible (proved, with the solver's plain reasons) or unknown (none found in time)
        reasons = "; ".join(result.reasons) or "no schedule was found"
        _finish(job.id, "running", status="failed", phase=result.status, error=reasons)
        return
    scorer = built.scorer  # pinning changes no score
    baseline = validate(instance, round_robin(instance, seed=0), scorer).objective
    pinned = {(m.round, m.pair) for m in instance.pinned}
    version = ScheduleVersion(
        event_id=event.id,
        number=next_version_number(event),
        source="solver",
        status="ready",
        objective=result.objective,
        bound=result.bound,
        gap=result.gap,
        seconds=result.seconds,
        baseline_objective=baseline,
        note="re-optimised around pinned meetings" if job.keep_pinned else "",
    )
    add_meetings(version, built, result.meetings, pinned)
    db.session.add(version)
    db.session.flush()
    done = _finish(
        job.id,
        "running",
        status="done",
        phase="done",
        error=None,
        version_id=version.id,
        elapsed=round(result.seconds, 2),
        objective=result.objective,
        bound=result.bound,
        gap=result.gap,
    )
    if not done:  # _finish committed nothing it did not match, so drop the version too
        db.session.rollback()
        current_app.logger.warning(
            "schedule build %s finished after it was marked failed; its result was dropped",
            job.id,
        )


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
