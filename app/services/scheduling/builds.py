"""The one adapter between the app and the solver: instances, background builds, versions.

A build is a job, one state machine (queued, running, done or failed), run where
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
from dataclasses import dataclass, replace

import numpy as np
from flask import Flask, current_app
from sqlalchemy import func, select, text, update

from app.extensions import db
from app.models import Attendee, Event, Meeting, MeetingRequest, ScheduleVersion, SolveJob
from app.services.scheduling.jobs import (
    CRASHED,
    INTERRUPTED,
    QUEUE_DOWN,
    BuildError,
    claim_job,
    create_build_job,
    fail_job,
    finish_job,
    heartbeat,
    record_progress,
)
from solver.baselines import round_robin
from solver.model import solve
from solver.replan import adjusted_instance
from solver.schema import Instance, Progress, Rules, ScoreWeights
from solver.schema import Meeting as SolverMeeting
from solver.score import Scorer
from solver.validate import Report, validate

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
# A build is a job whose states and moves are jobs.py's; here it is run. Version numbers are
# allocated under a lock on the event row, so builds and edits ending together queue up there.

PROGRESS_EVERY = 0.5  # seconds: at most one small commit of the job row per this while solving
# What an organiser reads when a version changed under them (publish, hand edits).
CONFLICT = (
    "Someone else changed this schedule a moment ago; here is the current version, "
    "please try again."
)


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


def run_build(job_id: int, on_progress: Callable[[Progress], None] | None = None) -> SolveJob:
    """Run one build if it can be claimed: solve, then store the version in one transaction.

    ``on_progress`` hears each solver report the job records (the command line prints them).
    """
    job = db.session.get(SolveJob, job_id)
    if job is None:
        raise LookupError(f"no solve job {job_id}")
    if not claim_job(job_id):
        db.session.refresh(job)
        current_app.logger.warning("schedule build %s not run: it is %s", job_id, job.status)
        return job
    db.session.refresh(job)
    with heartbeat(db.engine, job_id):
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
        ei = event_instance(event)
    except ValueError as exc:  # an attendee value the solver cannot read; the message names it
        fail_job(job.id, "running", f"Attendee data cannot be used: {exc}")
        return
    latest = event.latest_version()
    if job.keep_pinned and latest is not None:
        kept = [ei.solver_meeting(m) for m in latest.meetings if m.pinned]
        ei.instance = replace(ei.instance, pinned=kept)
    last_write = [0.0]

    def progress(p: Progress) -> None:
        now = time.monotonic()
        if now - last_write[0] < PROGRESS_EVERY and p.phase != "done":
            return
        last_write[0] = now
        record_progress(job.id, p)
        if on_progress is not None:
            on_progress(p)

    result = solve(ei.instance, time_limit=job.time_limit, progress=progress)
    if result.status not in ("optimal", "feasible"):
        # infeasible (proved, with the solver's plain reasons) or unknown (none found in time)
        reasons = "; ".join(result.reasons) or "no schedule was found"
        fail_job(job.id, "running", reasons, phase=result.status, solver_status=result.status)
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
    if not finish_job(job.id, version, result):  # nothing was committed: drop the version too
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
