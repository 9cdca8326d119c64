"""Background schedule builds: start one, run it, report its progress, store its version.

A build is a job, one state machine (queued, running, done or failed: jobs.py), run where
``BUILD_RUNNER`` says: in the caller (inline), in a thread of the web process (the default), or
on RQ workers (the default when ``REDIS_URL`` is set). The job row carries the progress
(elapsed, objective, bound, gap) that the build page polls, and the solver's status. The new
schedule version and its meetings are written in one transaction at the very end, so a crashed
or killed build leaves every earlier version exactly as it was.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import replace

from flask import Flask, current_app
from sqlalchemy import update

from app.extensions import db
from app.models import Event, ScheduleVersion, SolveJob
from app.services.scheduling.agreed import solver_agreed
from app.services.scheduling.instance import event_instance
from app.services.scheduling.jobs import (
    CRASHED,
    HEARTBEAT,
    INTERRUPTED,
    QUEUE_DOWN,
    claim_job,
    create_build_job,
    fail_job,
    finish_job,
    heartbeat,
    record_progress,
)
from app.services.scheduling.versions import BuildError, add_meetings, next_version_number
from solver.baselines import round_robin
from solver.model import solve
from solver.place import place
from solver.schema import Agreed, Instance, Progress, SolveResult
from solver.score import Scorer
from solver.validate import validate

QUEUE = "mingle"
# Named, not imported: the entry point makes an app, and services never import the app.
RQ_ENTRY_POINT = "app.worker.run_build_job"
PROGRESS_EVERY = 0.5  # seconds: at most one small commit of the job row per this while solving


# Runners: where a queued job runs (``BUILD_RUNNER``, see app/config.py).


def build_runner() -> str:
    """Where builds run: ``BUILD_RUNNER``, else on RQ when ``REDIS_URL`` is set, else a thread."""
    runner = current_app.config.get("BUILD_RUNNER")
    if runner:
        return str(runner)
    return "rq" if current_app.config.get("REDIS_URL") else "thread"


def start_build(
    event: Event, time_limit: float | None = None, keep_pinned: bool = False
) -> SolveJob:
    """Queue a schedule build for ``event`` and run it where ``build_runner`` says.

    inline: here, so the job returned has finished; thread: in a thread of this process;
    rq: on an RQ worker. The last two return the job still queued or running.
    """
    runner = build_runner()
    job = create_build_job(event, time_limit, keep_pinned)
    if runner == "inline":
        return run_build(job.id)
    if runner == "rq":
        _enqueue(job)
    else:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        threading.Thread(target=_run_in_thread, args=(app, job.id), daemon=True).start()
    return job


def _enqueue(job: SolveJob) -> None:
    """Put the queued job on the RQ queue, or fail it (and raise) when Redis cannot be reached."""
    from redis import Redis
    from redis.exceptions import RedisError
    from rq import Queue

    queue = Queue(QUEUE, connection=Redis.from_url(current_app.config["REDIS_URL"]))
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
        fail_job(job.id, "queued", QUEUE_DOWN)
        raise BuildError(QUEUE_DOWN) from None
    # Recorded only once RQ holds the job: a job RQ does not know yet must not look "gone"
    # to a request judging it meanwhile (until then the unclaimed timeout applies).
    db.session.execute(
        update(SolveJob).where(SolveJob.id == job.id).values(rq_id=rq_id),
        execution_options={"synchronize_session": False},
    )
    db.session.commit()
    db.session.refresh(job)


def _run_in_thread(app: Flask, job_id: int) -> None:
    """The thread runner's body: a thread has no app context, so it gets its own session."""
    with app.app_context():
        run_build(job_id)


def run_build(
    job_id: int,
    on_progress: Callable[[Progress], None] | None = None,
    heartbeat_every: float = HEARTBEAT,
) -> SolveJob:
    """Run one build if it can be claimed: solve, then store the version in one transaction.

    ``on_progress`` hears each solver report the job records (the command line prints them);
    the job's heartbeat is stamped every ``heartbeat_every`` seconds meanwhile.
    """
    job = db.session.get(SolveJob, job_id)
    if job is None:
        raise LookupError(f"no solve job {job_id}")
    if not claim_job(job_id):
        db.session.refresh(job)
        current_app.logger.warning("schedule build %s not run: it is %s", job_id, job.status)
        return job
    db.session.refresh(job)
    with heartbeat(db.engine, job_id, heartbeat_every):
        try:
            _build(job, on_progress)
        except KeyboardInterrupt:  # Ctrl-C in `flask schedule build`: the job must not linger
            db.session.rollback()
            fail_job(job_id, "running", INTERRUPTED)
            raise
        except Exception:  # the job must end failed, whatever happened
            db.session.rollback()
            current_app.logger.exception("schedule build %s failed", job_id)
            fail_job(job_id, "running", CRASHED)
    job = db.session.get_one(SolveJob, job_id)
    db.session.refresh(job)
    return job


def _build(job: SolveJob, on_progress: Callable[[Progress], None] | None) -> None:
    """Solve the claimed job's event and end the job: done with a new version, or failed."""
    event = job.event
    try:
        built = event_instance(event)
    except ValueError as exc:  # an attendee value the solver cannot read; the message names it
        fail_job(job.id, "running", f"Attendee data cannot be used: {exc}")
        return
    latest = event.latest_version()
    instance = built.instance
    if job.keep_pinned and latest is not None:
        instance = built.with_pinned([m for m in latest.meetings if m.pinned])
    last_write = [0.0]

    def progress(p: Progress) -> None:
        now = time.monotonic()
        if now - last_write[0] < PROGRESS_EVERY and p.phase != "done":
            return
        last_write[0] = now
        record_progress(job.id, p)
        if on_progress is not None:
            on_progress(p)

    agreed = solver_agreed(event, built) if event.meeting_mode != "proposes" else []
    if agreed:
        result = _place_agreed(job, event.meeting_mode, instance, agreed, built.scorer, progress)
    else:
        result = solve(instance, time_limit=job.time_limit, progress=progress)
    if result.status not in ("optimal", "feasible"):
        # infeasible (proved, with the solver's plain reasons) or unknown (none found in time)
        reasons = "; ".join(result.reasons) or "no schedule was found"
        fail_job(job.id, "running", reasons, phase=result.status, solver_status=result.status)
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
        note=_note(job.keep_pinned, len(agreed), event.meeting_mode),
    )
    add_meetings(version, built, result.meetings, pinned)
    db.session.add(version)
    db.session.flush()
    if not finish_job(job.id, version, result):  # nothing was committed: drop the version too
        db.session.rollback()
        current_app.logger.warning(
            "schedule build %s finished after it was marked failed; its result was dropped",
            job.id,
        )


def _note(keep_pinned: bool, agreed: int, mode: str) -> str:
    """What the version's row says about how it was made."""
    parts = []
    if agreed:
        parts.append(
            f"{agreed} agreed meetings placed"
            + (", proposals in the free rounds" if mode == "both" else "")
        )
    if keep_pinned:
        parts.append("re-optimised around pinned meetings")
    return "; ".join(parts)


def _place_agreed(
    job: SolveJob,
    mode: str,
    instance: Instance,
    agreed: list[Agreed],
    scorer: Scorer,
    progress: Callable[[Progress], None],
) -> SolveResult:
    """Place the agreed meetings with the fewest breaks (``solver.place``); in mode "both" the
    solver then fills the free rounds with proposals around them, pinned."""
    share = 0.5 if mode == "both" else 1.0
    limit = job.time_limit * share

    def placing(seconds: float, breaks: int, bound: int) -> None:
        phase = f"placing agreed meetings: {breaks} breaks (at least {bound})"
        progress(Progress(seconds, job.time_limit, 0.0, 0.0, phase))

    placed = place(instance, agreed, time_limit=limit, progress=placing)
    if placed.status not in ("optimal", "feasible"):
        return SolveResult(placed.status, seconds=placed.seconds, reasons=placed.reasons)
    figures: dict[str, float] = {"breaks": placed.breaks, "breaks_bound": placed.breaks_bound}
    if mode == "both":
        fixed = [*instance.pinned, *placed.meetings]
        result = solve(
            replace(instance, pinned=fixed),
            time_limit=max(1.0, job.time_limit - placed.seconds),
            progress=progress,
        )
        result.stats = {**result.stats, "agreed_breaks": placed.breaks}
        return result
    objective = sum(scorer.pair(m.a, m.b) for m in placed.meetings)
    return SolveResult(
        placed.status,
        meetings=placed.meetings,
        objective=objective,
        bound=objective,  # nothing is chosen: the meetings and so their score are given
        seconds=placed.seconds,
        stats=figures,
    )
