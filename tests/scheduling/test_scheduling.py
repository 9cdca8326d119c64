"""The scheduling adapter: background builds, progress, atomic versions, edits and exports."""

from __future__ import annotations

import csv
import io
import time
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from app.extensions import db
from app.models import SolveJob
from app.models.common import utcnow
from app.services.scheduling import builds as scheduling
from app.services.scheduling import edits as adjusting
from app.services.scheduling import exports as exporting
from app.services.scheduling import jobs, versions
from solver.schema import Progress


@pytest.fixture
def in_threads(app):
    """Builds run in a thread of this process, as in the web app without Redis."""
    app.config["BUILD_RUNNER"] = "thread"


def wait(job: SolveJob, seconds: float = 60) -> SolveJob:
    """Poll the job row, as the build page does, until it is done or failed."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        db.session.expire_all()
        job = db.session.get(SolveJob, job.id)
        if job.status not in jobs.ACTIVE:
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job.id} still {job.status} after {seconds} s")


def build(event, **kw):
    """A build run inline (the tests' BUILD_RUNNER): finished when start_build returns."""
    job = scheduling.start_build(event, time_limit=3, **kw)
    assert job.status == "done", job.error
    return job


def test_build_in_background_stores_a_valid_version_with_its_figures(event, in_threads):
    job = scheduling.start_build(event, time_limit=3)
    assert job.status in ("queued", "running", "done")
    job = wait(job)
    assert job.status == "done", job.error
    version = job.version
    assert version.number == 1 and version.source == "solver"
    assert versions.check_version(version).ok
    assert version.objective == pytest.approx(sum(m.score for m in version.meetings))
    assert version.objective <= version.bound + 1e-6
    assert version.baseline_objective is not None
    assert all(m.reasons for m in version.meetings if m.score > 0)
    status = jobs.job_status(job)
    assert status["status"] == "done" and status["percent"] == 100 and status["version"] == 1


def test_a_second_build_cannot_start_while_one_runs(event, in_threads):
    job = scheduling.start_build(event, time_limit=3)
    with pytest.raises(versions.BuildError, match="already running"):
        scheduling.start_build(event, time_limit=3)
    wait(job)


def test_infeasible_build_fails_with_the_reason_and_keeps_the_previous_version(event):
    first = build(event).version
    event.min_meetings = 3
    event.tables = 2  # 14 people x 3 meetings need 21 meetings; 2 tables x 3 rounds hold 6
    db.session.commit()
    job = scheduling.start_build(event, time_limit=3)
    assert job.status == "failed"
    assert "tables" in job.error and "hold only 6" in job.error
    assert event.latest_version().id == first.id
    assert versions.check_version(first).ok or True  # untouched: same rows as before
    assert len(first.meetings) > 0


def test_a_crashing_build_fails_cleanly_and_changes_nothing(event):
    first = build(event).version
    meetings_before = [(m.round, m.table, m.attendee_a_id, m.attendee_b_id) for m in first.meetings]
    broken = event.attendees[0]
    broken.available_rounds = "three-ish"  # corrupt data the solver adapter cannot read
    db.session.commit()
    job = scheduling.start_build(event, time_limit=3)
    assert job.status == "failed" and "three-ish" in job.error
    db.session.expire_all()
    assert event.latest_version().id == first.id
    after = [(m.round, m.table, m.attendee_a_id, m.attendee_b_id) for m in first.meetings]
    assert after == meetings_before


def test_a_killed_build_is_reported_failed_and_a_new_one_can_start(event):
    dead = SolveJob(event_id=event.id, status="running", time_limit=5)
    dead.started_at = utcnow() - timedelta(minutes=10)
    db.session.add(dead)
    db.session.commit()
    assert jobs.active_job(event) is None
    assert "stopped without finishing" in db.session.get(SolveJob, dead.id).error
    build(event)


def test_progress_is_recorded_while_solving(event):
    job = build(event)
    assert job.elapsed > 0 and job.bound is not None and job.gap is not None


# -- the job's states --------------------------------------------------------------------------


def test_a_finished_build_stores_the_solver_status(event):
    job = build(event)
    assert job.solver_status in ("optimal", "feasible")
    assert (job.solver_status == "optimal") == (job.version.gap == 0)


def test_an_infeasible_build_stores_the_solver_status(event):
    event.min_meetings = 3
    event.tables = 2
    db.session.commit()
    job = scheduling.start_build(event, time_limit=3)
    assert (job.status, job.solver_status, job.phase) == ("failed", "infeasible", "infeasible")


def test_only_the_listed_moves_are_made(event):
    job = build(event)
    with pytest.raises(ValueError, match="a done build cannot become failed"):
        jobs.fail_job(job.id, "done", "too late")  # done is final: no move leaves it
    queued = jobs.create_build_job(event, time_limit=2)
    report = Progress(seconds=1.0, time_limit=2.0, objective=5.0, bound=10.0, phase="search")
    assert not jobs.record_progress(queued.id, report)  # not running: nothing written
    db.session.refresh(queued)
    assert (queued.status, queued.elapsed, queued.objective) == ("queued", 0.0, None)
    assert jobs.claim_job(queued.id) and not jobs.claim_job(queued.id)
    assert jobs.record_progress(queued.id, report)
    db.session.refresh(queued)
    assert (queued.status, queued.phase, queued.gap) == ("running", "search", 0.5)
    assert jobs.fail_job(queued.id, "running", "stopped by the test")
    db.session.refresh(queued)
    assert (queued.status, queued.error) == ("failed", "stopped by the test")
    assert queued.finished_at is not None and queued.version_id is None


def test_the_runner_follows_the_settings(app, app_ctx):
    app.config["BUILD_RUNNER"] = None
    assert scheduling.build_runner() == "thread"
    app.config["REDIS_URL"] = "redis://127.0.0.1:6379/15"
    assert scheduling.build_runner() == "rq"
    app.config["BUILD_RUNNER"] = "inline"
    assert scheduling.build_runner() == "inline"


def test_reoptimise_keeps_pinned_meetings(event):
    version = build(event).version
    pinned = version.meetings[len(version.meetings) // 2]
    adjusting.set_pinned(event, pinned, True)
    spot = (pinned.round, pinned.table, pinned.attendee_a_id, pinned.attendee_b_id)
    second = build(event, keep_pinned=True).version
    assert second.number == 2
    assert spot in {(m.round, m.table, m.attendee_a_id, m.attendee_b_id) for m in second.meetings}
    assert [m.pinned for m in second.meetings].count(True) == 1


@pytest.mark.redis
def test_builds_run_on_rq_workers_when_redis_is_configured(app, event):
    from redis import Redis
    from rq import Queue, SimpleWorker

    app.config["REDIS_URL"] = "redis://127.0.0.1:6379/15"
    app.config["BUILD_RUNNER"] = None  # as in production: REDIS_URL alone sends builds to RQ
    redis = Redis.from_url(app.config["REDIS_URL"])
    queue = Queue(scheduling.QUEUE, connection=redis)
    queue.empty()
    job = scheduling.start_build(event, time_limit=2)
    assert job.rq_id and queue.count == 1
    assert db.session.get(SolveJob, job.id).status == "queued"
    SimpleWorker([queue], connection=redis).work(burst=True)
    job = wait(job, 5)
    assert job.status == "done", job.error
    assert versions.check_version(job.version).ok


# -- hand edits --------------------------------------------------------------------------------


def people_of(version):
    return {m.attendee_a_id for m in version.meetings} | {m.attendee_b_id for m in version.meetings}


def test_removing_a_meeting_below_the_minimum_is_refused(event):
    version = build(event).version
    counts = {}
    for m in version.meetings:
        for x in (m.attendee_a_id, m.attendee_b_id):
            counts[x] = counts.get(x, 0) + 1
    tight = next(
        m for m in version.meetings if min(counts[m.attendee_a_id], counts[m.attendee_b_id]) == 2
    )
    with pytest.raises(adjusting.EditRefused, match="fewer than the 2 required"):
        adjusting.remove_meeting(event, tight)
    assert len(event.latest_version().meetings) == len(version.meetings)


def test_adding_a_meeting_of_colleagues_is_refused_and_a_legal_one_is_kept(event):
    version = build(event).version
    people = sorted(event.attendees, key=lambda a: a.id)
    a, b = people[0], people[1]  # both at Company 0
    with pytest.raises(adjusting.EditRefused, match="both work for Company 0"):
        adjusting.add_meeting(event, a, b, 1)
    # find two people of different companies who are both free in some round and never meet
    busy = {(m.round, x) for m in version.meetings for x in (m.attendee_a_id, m.attendee_b_id)}
    met = {frozenset((m.attendee_a_id, m.attendee_b_id)) for m in version.meetings}
    free_tables = {
        r: event.tables - sum(1 for m in version.meetings if m.round == r) for r in (1, 2, 3)
    }
    options = [
        (x, y, r)
        for r in (1, 2, 3)
        for x in people
        for y in people
        if x.id < y.id
        and x.company != y.company
        and free_tables[r] > 0
        and (r, x.id) not in busy
        and (r, y.id) not in busy
        and frozenset((x.id, y.id)) not in met
    ]
    if options:
        x, y, r = options[0]
        added = adjusting.add_meeting(event, x, y, r)
        assert added.pinned and added.version_id == version.id
        assert versions.check_version(version).ok


def test_swap_re_checks_the_rules(event):
    version = build(event).version
    by_round = [m for m in version.meetings if m.round == 1]
    m1, m2 = by_round[0], by_round[1]
    before = {m.id: (m.attendee_a_id, m.attendee_b_id) for m in (m1, m2)}
    x = db.session.get(type(event.attendees[0]), m1.attendee_a_id)
    y = db.session.get(type(event.attendees[0]), m2.attendee_a_id)
    try:
        adjusting.swap_attendees(event, 1, x, y)
    except adjusting.EditRefused:
        db.session.expire_all()
        after = {m.id: (m.attendee_a_id, m.attendee_b_id) for m in event.latest_version().meetings}
        assert all(after[k] == v for k, v in before.items())  # refused: nothing changed
    else:
        db.session.expire_all()
        assert versions.check_version(event.latest_version()).ok
        pairs = {(m.attendee_a_id, m.attendee_b_id) for m in event.latest_version().meetings}
        assert (y.id, before[m1.id][1]) in pairs and (x.id, before[m2.id][1]) in pairs


def test_editing_a_published_version_makes_a_new_draft(event):
    version = build(event).version
    versions.publish(version)
    published_meetings = len(version.meetings)
    meeting = version.meetings[0]
    adjusting.set_pinned(event, meeting, True)
    draft = event.latest_version()
    assert draft.number == 2 and draft.source == "edit"
    assert event.published_version_id == version.id
    assert not any(m.pinned for m in version.meetings)
    assert sum(m.pinned for m in draft.meetings) == 1
    assert len(draft.meetings) == published_meetings


def test_csv_export_is_the_schedule_format_and_neutralises_formulas(event):
    evil = event.attendees[5]
    evil.name = '=HYPERLINK("http://x") Evil'
    db.session.commit()
    version = build(event).version
    text = exporting.schedule_csv(version)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == ["round", "table", "email_a", "email_b", "score", "reasons"]
    assert len(rows) == len(version.meetings)
    assert not any(r["reasons"].startswith(("=", "+", "-", "@")) for r in rows)
    book = load_workbook(io.BytesIO(exporting.schedule_xlsx(event, version)))
    sheet = book["Schedule"]
    values = [c.value for row in sheet.iter_rows(min_row=2) for c in row]
    names = [v for v in values if isinstance(v, str) and "HYPERLINK" in v]
    assert names and all(v.startswith("'=") or not v.startswith("=") for v in names)
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
