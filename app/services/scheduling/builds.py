"""The one adapter between the app and the solver: instances, background builds, versions.

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
from dataclasses import dataclass, replace
from datetime import timedelta

import numpy as np
from flask import Flask, current_app
from sqlalchemy import Engine, func, or_, select, text, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from app.extensions import db, rowcount
from app.models import Attendee, Event, Meeting, MeetingRequest, ScheduleVersion, SolveJob
from app.models.common import utcnow
from solver.baselines import round_robin
from solver.model import solve
from solver.replan import adjusted_instance
from solver.schema import Instance, Progress, Rules, ScoreWeights
from solver.schema import Meeting as SolverMeeting
from solver.score import Scorer
from solver.validate import Report, validate

ACTIVE = ("queued", "running")
QUEUE = "mingle"
# Named, not imported: the entry point makes an app, and services never import the app.
RQ_ENTRY_POINT = "app.worker.run_build_job"


@dataclass
class EventInstance:
    """A solver instance of an event and the attendee rows behind its indices."""

    instance: Instance
    attendees: list[Attendee]
    position: dict[int, int]  # attendee id -> index in the instance

    def solver_meeting(self, meeting: Meeting) -> SolverMeeting:
        """A database meeting in the solver's terms."""
        a, b = self.position[meeting.attendee_a_id], self.position[meeting.attendee_b_id]
        return SolverMeeting(meeting.round, meeting.table, min(a, b), max(a, b))


def event_instance(event: Event, with_requests: bool = True) -> EventInstance:
    """The solver instance of an event: its attendees, hard rules and matching weights.

    ``with_requests``: apply the attendees' own requests (see ``apply_requests``); the
    recommendations shown to attendees leave them out, so scores stay plain complementarity.
    """
    attendees = list(
        db.session.scalars(
            select(Attendee).where(Attendee.event_id == event.id).order_by(Attendee.id)
        )
    )
    rules = Rules(
        rounds=event.rounds,
        tables=event.tables,
        min_meetings=event.min_meetings,
        tier_minimums={k: int(v) for k, v in (event.tier_minimums or {}).items() if v},
    )
    weights = ScoreWeights(p2p_weight=event.p2p_weight, p2v_weight=event.p2v_weight)
    instance = Instance([a.to_solver() for a in attendees], rules, weights)
    ei = EventInstance(instance, attendees, {a.id: i for i, a in enumerate(attendees)})
    if with_requests:
        apply_requests(event, ei)
    return ei


# Attendees' requests from their phones. "Would rather not meet" is a hard rule, like the
# organiser's avoid column. "Must meet" is soft (a pair_bonus), so requests can never make a
# schedule infeasible: the requested pair is worth MUST_BONUS_SHARE times the best score either
# of the two has with anyone they may meet (at least MUST_BONUS_MIN more than its own score).
# A meeting displaces at most two others, so 1.5x the best makes honouring it almost always pay.
MUST_BONUS_SHARE = 1.5
MUST_BONUS_MIN = 1.0
BONUS_ROWS = 256  # scorer rows per block when finding each requester's best score


def apply_requests(event: Event, ei: EventInstance) -> None:
    """Turn the event's MeetingRequest rows into avoid rules and must-meet bonuses."""
    rows = db.session.execute(
        select(MeetingRequest.attendee_id, MeetingRequest.other_id, MeetingRequest.kind).where(
            MeetingRequest.event_id == event.id
        )
    ).all()
    if not rows:
        return
    people = list(ei.instance.attendees)
    avoid: dict[int, set[str]] = {}
    must: set[tuple[int, int]] = set()
    for attendee_id, other_id, kind in rows:
        i, j = ei.position.get(attendee_id), ei.position.get(other_id)
        if i is None or j is None or i == j:
            continue
        if kind == "avoid":
            avoid.setdefault(i, set()).add(people[j].email)
        elif kind == "must":
            must.add((min(i, j), max(i, j)))
    for i, emails in avoid.items():  # e-mails are unchanged, so the instance's index holds
        people[i] = replace(people[i], avoid=people[i].avoid | emails)
    ei.instance = replace(ei.instance, attendees=people)  # the solver's Instance is frozen
    if must:
        ei.instance = replace(ei.instance, pair_bonus=must_bonuses(ei.instance, must))


def must_bonuses(instance: Instance, pairs: set[tuple[int, int]]) -> dict[tuple[int, int], float]:
    """The pair_bonus of each requested pair that may meet (see MUST_BONUS_SHARE)."""
    scorer = Scorer(instance)
    people = sorted({k for pair in pairs for k in pair})
    best: dict[int, float] = {}
    for start in range(0, len(people), BONUS_ROWS):
        rows = np.array(people[start : start + BONUS_ROWS])
        scores = np.where(scorer.allowed(rows), scorer.block(rows), 0.0)
        best.update(zip(rows.tolist(), scores.max(axis=1).tolist(), strict=True))
    bonus = {}
    for i, j in sorted(pairs):
        if not scorer.may_meet(i, j):
            continue  # an avoid or the company rule wins over a request
        own = scorer.pair(i, j)
        target = MUST_BONUS_SHARE * max(best[i], best[j])
        bonus[(i, j)] = round(max(MUST_BONUS_MIN, target - own), 2)
    return bonus


def check_version(version: ScheduleVersion, meetings: list[Meeting] | None = None) -> Report:
    """Check a version's meetings (or a proposed list) against every hard rule.

    A re-planned version is checked against the rules it was made under (solver/replan.py's
    adjusted instance): its absent attendees attend no round from ``replan_from_round`` on.
    """
    ei = event_instance(version.event)
    rows = version.meetings if meetings is None else meetings
    solver_rows = [ei.solver_meeting(m) for m in rows]
    instance = ei.instance
    if version.replan_from_round is not None:
        absent = {ei.position[i] for i in version.replan_absent or () if i in ei.position}
        instance = adjusted_instance(instance, solver_rows, absent, version.replan_from_round)
    return validate(instance, solver_rows)


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
CONFLICT = (
    "Someone else changed this schedule a moment ago; here is the current version, "
    "please try again."
)
QUEUE_DOWN = "The build queue cannot be reached right now; try again in a moment."


class BuildError(Exception):
    """A build cannot start (no attendees, one already running)."""


class BuildRunning(BuildError):
    """The event already has a queued or running build: ``job`` (None if it just ended)."""

    def __init__(self, job: SolveJob | None) -> None:
        super().__init__(ALREADY_RUNNING)
        self.job = job


def lock_event(event_id: int) -> None:
    """Hold the event's row until commit: its version numbers and schedule edits queue up here."""
    if db.session.get_bind().dialect.name == "postgresql":
        # NO KEY UPDATE: it queues other lockers of the event but not inserts that refer to it.
        db.session.execute(
            select(Event.id).where(Event.id == event_id).with_for_update(key_share=True)
        )
    else:
        # SQLite has no row locks: a write takes the database's write lock until commit.
        db.session.execute(text("UPDATE events SET id = id WHERE id = :id"), {"id": event_id})


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
        ei = event_instance(event)
    except ValueError as exc:  # an attendee value the solver cannot read; the message names it
        _finish(job.id, "running", status="failed", error=f"Attendee data cannot be used: {exc}")
        return
    latest = event.latest_version()
    if job.keep_pinned and latest is not None:
        kept = [ei.solver_meeting(m) for m in latest.meetings if m.pinned]
        ei.instance = replace(ei.instance, pinned=kept)
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

    result = solve(ei.instance, time_limit=job.time_limit, progress=progress)
    if result.status not in ("optimal", "feasible"):
        # infeasible (proved, with the solver's plain reasons) or unknown (none found in time)
        reasons = "; ".join(result.reasons) or "no schedule was found"
        _finish(job.id, "running", status="failed", phase=result.status, error=reasons)
        return
    scorer = Scorer(ei.instance)
    baseline = validate(ei.instance, round_robin(ei.instance, seed=0), scorer).objective
    pinned = {(m.round, m.pair) for m in ei.instance.pinned}
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
    add_meetings(version, ei, scorer, result.meetings, pinned)
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


def add_meetings(
    version: ScheduleVersion,
    ei: EventInstance,
    scorer: Scorer,
    meetings: list[SolverMeeting],
    pinned: set[tuple[int, tuple[int, int]]],
) -> None:
    """Append the solver's meetings to ``version`` as rows, with their scores and reasons."""
    for m in meetings:
        version.meetings.append(
            Meeting(
                round=m.round,
                table=m.table,
                attendee_a_id=ei.attendees[m.a].id,
                attendee_b_id=ei.attendees[m.b].id,
                score=scorer.pair(m.a, m.b),
                reasons=scorer.reasons(m.a, m.b),
                pinned=(m.round, m.pair) in pinned,
            )
        )


def next_version_number(event: Event) -> int:
    """The number the event's next schedule version gets; holds the event's lock until commit."""
    lock_event(event.id)
    query = select(func.max(ScheduleVersion.number)).where(ScheduleVersion.event_id == event.id)
    return (db.session.scalar(query) or 0) + 1


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


def publish(version: ScheduleVersion, seen_revision: int | None = None) -> None:
    """Make ``version`` the schedule attendees see; it must hold every hard rule.

    ``seen_revision``: the revision the organiser's page showed; publishing refuses (with
    ``CONFLICT``) when someone edited the version since, so nobody publishes unseen edits.
    """
    lock_event(version.event_id)  # after any edit of the version in flight
    db.session.refresh(version)
    if seen_revision is not None and version.revision != seen_revision:
        db.session.rollback()
        raise BuildError(CONFLICT)
    report = check_version(version)
    if not report.ok:
        raise BuildError(f"version {version.number} breaks a rule: {report.violations[0].message}")
    version.event.published_version_id = version.id
    db.session.commit()
