"""Races on builds and edits, dead jobs: the rules hold with several sessions at once.

Each parallel test runs its calls in threads, each with its own app context and so its own
database session and connection, released together by a barrier: the same race as several
gunicorn workers (tests/scheduling/test_parallel_requests.py runs it over HTTP on PostgreSQL).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import Attendee, Event, Meeting, ScheduleVersion, SolveJob
from app.models.common import utcnow
from app.services.attendees.editing import remove_attendee
from app.services.scheduling import builds as scheduling
from app.services.scheduling import edits as adjusting
from app.services.scheduling import jobs, versions
from app.services.scheduling.publishing import STALE
from tests.conftest import post_form


def build_now(event: Event, publish: bool = False) -> ScheduleVersion:
    """A real build, run in this thread; published when asked."""
    job = scheduling.run_build(jobs.create_build_job(event, time_limit=2).id)
    assert job.status == "done", job.error
    if publish:
        versions.publish(job.version)
    return job.version


def in_parallel(app: Flask, *prepares: Callable[[], Callable[[], Any]]) -> list[Any]:
    """Run each ``prepare()`` in its own thread and session, then all their actions at once.

    Returns each action's result, or the exception it raised.
    """
    barrier = threading.Barrier(len(prepares), timeout=30)
    results: list[Any] = [None] * len(prepares)

    def run(i: int, prepare: Callable[[], Callable[[], Any]]) -> None:
        with app.app_context():
            try:
                try:
                    action = prepare()  # each side reads the schedule before either writes
                except Exception:
                    barrier.abort()  # the others need not wait for this one
                    raise
                barrier.wait()
                results[i] = action()
            except Exception as exc:  # reported to the test, which says what is allowed
                db.session.rollback()
                results[i] = exc
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i, p)) for i, p in enumerate(prepares)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def fresh(model: type, row_id: int) -> Any:
    """A row loaded by this thread's session."""
    return db.session.get(model, row_id)


# -- item 4: one active build per event, version numbers without races --------------------------


def test_the_database_refuses_a_second_active_build_of_an_event(event: Event) -> None:
    db.session.add(SolveJob(event_id=event.id, status="done"))
    db.session.add(SolveJob(event_id=event.id, status="running"))
    db.session.commit()
    db.session.add(SolveJob(event_id=event.id, status="queued"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_eight_parallel_build_requests_queue_one_build(app: Flask, event: Event) -> None:
    """Only one create_build_job wins; the others are told a build is running, and which."""
    event_id = event.id  # read here: the test's own session must not be used from the threads

    def prepare() -> Callable[[], Any]:
        mine = fresh(Event, event_id)
        mine.attendee_count()

        def click() -> tuple[str, int | None]:
            try:
                return "started", jobs.create_build_job(mine, time_limit=2).id
            except versions.BuildError as refused:
                running = getattr(refused, "job", None)
                return str(refused), running.id if running else None

        return click

    results = in_parallel(app, *[prepare] * 8)
    assert all(isinstance(r, tuple) for r in results), results
    started = [job_id for what, job_id in results if what == "started"]
    refused = [
        job_id for what, job_id in results if what == "A build for this event is already running."
    ]
    assert len(started) == 1 and refused == started * 7, results
    count = select(func.count()).select_from(SolveJob).where(SolveJob.event_id == event.id)
    assert db.session.scalar(count) == 1


def test_version_numbers_are_allocated_one_at_a_time(app: Flask, event: Event) -> None:
    """Two writers of a new version at once (a build ending, a first edit) get two numbers."""
    first_has_its_number = threading.Event()
    event_id = event.id  # read here: the test's own session must not be used from the threads

    def allocate(wait_first: bool) -> Callable[[], Any]:
        def action() -> int:
            if wait_first:
                first_has_its_number.wait(10)
            number = versions.next_version_number(fresh(Event, event_id))
            if not wait_first:
                first_has_its_number.set()
                time.sleep(0.5)  # the other writer asks for its number meanwhile
            db.session.add(ScheduleVersion(event_id=event_id, number=number))
            db.session.commit()
            return number

        return lambda: action

    results = in_parallel(app, allocate(False), allocate(True))
    assert sorted(results) == [1, 2], results


def test_a_database_error_in_a_build_shows_no_sql(
    owner_client, event: Event, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A failing write (here: a version number already taken) is logged, not shown."""
    build_now(event)
    monkeypatch.setattr(scheduling, "next_version_number", lambda event: 1)
    job = scheduling.run_build(jobs.create_build_job(event, time_limit=2).id)
    assert job.status == "failed" and job.error == jobs.CRASHED
    assert "IntegrityError" in caplog.text or "UniqueViolation" in caplog.text
    page = owner_client.get(f"/organiser/events/{event.slug}/jobs/{job.id}").get_data(as_text=True)
    status = owner_client.get(f"/organiser/events/{event.slug}/jobs/{job.id}.json").get_json()
    for shown in (page, status["error"]):
        assert not any(w in shown for w in ("INSERT", "IntegrityError", "UniqueViolation"))
    assert "The details are in the server log" in page


@pytest.fixture
def owner_client(login_as, event: Event):
    """A test client logged in as the event's organiser."""
    return login_as(event.organiser)


def test_a_second_build_click_says_plainly_where_the_running_build_is(
    owner_client, event: Event
) -> None:
    running = SolveJob(event_id=event.id, status="running", heartbeat_at=utcnow())
    db.session.add(running)
    db.session.commit()
    answer = post_form(owner_client, f"/organiser/events/{event.slug}/schedule/build")
    assert answer.headers["Location"].endswith(f"/jobs/{running.id}")
    page = owner_client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "A build for this event is already running." in page


# -- item 14: dead jobs, atomic claims, heartbeats ----------------------------------------------


def test_a_job_marked_failed_is_never_run_by_a_worker(event: Event) -> None:
    job = jobs.create_build_job(event, time_limit=2)
    job.status, job.error = "failed", jobs.NEVER_RAN
    db.session.commit()
    ran = scheduling.run_build(job.id)
    assert (ran.status, ran.error, ran.version_id) == ("failed", jobs.NEVER_RAN, None)
    assert event.latest_version() is None


def test_a_job_is_claimed_by_one_worker_only(app: Flask, event: Event) -> None:
    job_id = jobs.create_build_job(event, time_limit=2).id
    results = in_parallel(app, *[lambda: lambda: jobs.claim_job(job_id)] * 4)
    assert sorted(results) == [False, False, False, True]


def test_a_stale_heartbeat_frees_the_event_for_a_new_build(event: Event) -> None:
    """A worker killed mid-build stops beating: after 3 beats missed, a new build may start."""
    long_ago = utcnow() - jobs.DEAD_AFTER - timedelta(seconds=1)
    dead = SolveJob(
        event_id=event.id,
        status="running",
        time_limit=600,  # a long build: its time limit says nothing about its death
        started_at=long_ago,
        heartbeat_at=long_ago,
    )
    db.session.add(dead)
    db.session.commit()
    job = jobs.create_build_job(event, time_limit=2)
    db.session.refresh(dead)
    assert (dead.status, dead.error) == ("failed", jobs.DIED)
    assert scheduling.run_build(job.id).status == "done"


def test_a_beating_job_keeps_its_event(event: Event) -> None:
    alive = SolveJob(
        event_id=event.id,
        status="running",
        time_limit=2,
        started_at=utcnow() - timedelta(minutes=10),  # past its time limit, but still beating
        heartbeat_at=utcnow(),
    )
    db.session.add(alive)
    db.session.commit()
    with pytest.raises(jobs.BuildRunning):
        jobs.create_build_job(event, time_limit=2)
    assert jobs.job_status(alive)["status"] == "running"


def test_the_job_page_marks_a_dead_job_failed(owner_client, event: Event) -> None:
    long_ago = utcnow() - timedelta(minutes=1)
    dead = SolveJob(event_id=event.id, status="running", started_at=long_ago, heartbeat_at=long_ago)
    db.session.add(dead)
    db.session.commit()
    status = owner_client.get(f"/organiser/events/{event.slug}/jobs/{dead.id}.json").get_json()
    assert (status["status"], status["error"]) == ("failed", jobs.DIED)


def test_a_running_build_beats(event: Event, monkeypatch: pytest.MonkeyPatch) -> None:
    job = jobs.create_build_job(event, time_limit=3)
    beats: list[object] = []
    solve = scheduling.solve

    def solve_and_watch(*args: Any, **kwargs: Any) -> Any:
        result = solve(*args, **kwargs)
        time.sleep(0.5)  # at least two beats after the solver returned, before the version
        with db.engine.connect() as connection:
            query = select(SolveJob.heartbeat_at).where(SolveJob.id == job.id)
            beats.append(connection.scalar(query))
        return result

    monkeypatch.setattr(scheduling, "solve", solve_and_watch)
    done = scheduling.run_build(job.id, heartbeat_every=0.2)
    assert done.status == "done" and done.error is None
    assert beats[0] is not None and beats[0] > done.started_at


def test_done_never_carries_failure_text(owner_client, event: Event) -> None:
    job = SolveJob(event_id=event.id, status="done", error="an old failure", phase="done")
    db.session.add(job)
    db.session.commit()
    status = owner_client.get(f"/organiser/events/{event.slug}/jobs/{job.id}.json").get_json()
    assert status["status"] == "done" and status["error"] is None


@pytest.mark.redis
def test_a_queued_job_whose_rq_job_is_gone_is_failed_at_once(event: Event, redis_queue) -> None:
    job = scheduling.start_build(event, time_limit=2)
    redis_queue.connection.delete(f"rq:job:{job.rq_id}")  # Redis flushed, or the job expired
    redis_queue.empty()
    assert jobs.active_job(event) is None
    db.session.refresh(job)
    assert (job.status, job.error) == ("failed", jobs.NEVER_RAN)


@pytest.mark.redis
def test_a_build_not_yet_on_the_queue_is_not_judged_gone(event: Event, redis_queue) -> None:
    """A losing click that asks while the winner is between its commit and the enqueue must
    not mark the winner dead: with RQ, this left no build running at all."""
    job = jobs.create_build_job(event, time_limit=2)  # committed, not yet on the queue
    assert jobs.active_job(event) == job
    db.session.refresh(job)
    assert (job.status, job.error) == ("queued", None)


@pytest.mark.redis
def test_a_queued_job_whose_rq_job_failed_is_failed(event: Event, redis_queue) -> None:
    from rq.job import Job

    job = scheduling.start_build(event, time_limit=2)
    rq_job = Job.fetch(job.rq_id, connection=redis_queue.connection)
    rq_job.cancel()  # what an operator does with `rq cancel`, or RQ after the job's timeout
    assert jobs.active_job(event) is None
    db.session.refresh(job)
    assert job.status == "failed"


@pytest.mark.redis
def test_a_queued_job_still_waiting_on_rq_is_left_alone(event: Event, redis_queue) -> None:
    """The worker is down for a while: the build waits on the queue, and runs once, later."""
    from rq import SimpleWorker

    job = scheduling.start_build(event, time_limit=2)
    job.created_at = utcnow() - timedelta(minutes=10)  # long past any fixed timeout
    db.session.commit()
    assert jobs.active_job(event).id == job.id
    with pytest.raises(jobs.BuildRunning):
        scheduling.start_build(event, time_limit=2)
    SimpleWorker([redis_queue], connection=redis_queue.connection).work(burst=True)
    db.session.expire_all()
    done = db.session.get(SolveJob, job.id)
    assert (done.status, done.error) == ("done", None)
    assert db.session.scalar(select(func.count()).select_from(ScheduleVersion)) == 1


@pytest.mark.redis
def test_a_job_failed_while_queued_does_not_run_when_the_worker_returns(
    event: Event, redis_queue
) -> None:
    from rq import SimpleWorker

    job = scheduling.start_build(event, time_limit=2)
    job.status, job.error = "failed", jobs.NEVER_RAN
    db.session.commit()
    SimpleWorker([redis_queue], connection=redis_queue.connection).work(burst=True)
    db.session.expire_all()
    assert db.session.get(SolveJob, job.id).status == "failed"
    assert event.latest_version() is None


# -- item 5: edits of one schedule version, one at a time ---------------------------------------


def meeting_rows(version: ScheduleVersion) -> list[tuple[int, int, int, int]]:
    return sorted((m.round, m.table, m.attendee_a_id, m.attendee_b_id) for m in version.meetings)


def test_two_parallel_pins_on_the_published_version_both_land_on_one_draft(
    app: Flask, event: Event
) -> None:
    published = build_now(event, publish=True)
    first, second = published.meetings[0].id, published.meetings[1].id
    event_id = event.id  # read here: the test's own session must not be used from the threads

    def pin(meeting_id: int) -> Callable[[], Callable[[], Any]]:
        def prepare() -> Callable[[], Any]:
            mine, meeting = fresh(Event, event_id), fresh(Meeting, meeting_id)
            mine.latest_version().meetings  # noqa: B018 (read before the other side writes)
            return lambda: adjusting.set_pinned(mine, meeting, True).version_id

        return prepare

    results = in_parallel(app, pin(first), pin(second))
    assert all(isinstance(r, int) for r in results), results
    db.session.expire_all()
    versions = db.session.scalars(
        select(ScheduleVersion).where(ScheduleVersion.event_id == event.id)
    )
    assert [v.number for v in versions] == [1, 2]  # one draft, not two, not a crash
    draft = event.latest_version()
    assert set(results) == {draft.id} and sum(m.pinned for m in draft.meetings) == 2


def swap_triple(version: ScheduleVersion) -> tuple[int, int, int, int]:
    """A round and three people x, y, z in three meetings of it: x<->y and y<->z each legal."""

    def legal(round_: int, p: int, q: int) -> bool:
        moved = []
        for m in version.meetings:
            a, b = m.attendee_a_id, m.attendee_b_id
            if m.round == round_:
                a, b = ({p: q, q: p}.get(a, a), {p: q, q: p}.get(b, b))
            moved.append(Meeting(round=m.round, table=m.table, attendee_a_id=a, attendee_b_id=b))
        return versions.check_version(version, moved).ok

    for round_ in range(1, version.event.rounds + 1):
        seats = [m for m in version.meetings if m.round == round_]
        for mx in seats:
            for my in seats:
                for mz in seats:
                    if len({mx.id, my.id, mz.id}) < 3:
                        continue
                    x, y, z = mx.attendee_a_id, my.attendee_a_id, mz.attendee_a_id
                    if legal(round_, x, y) and legal(round_, y, z):
                        return round_, x, y, z
    raise AssertionError("no legal swap triple in this schedule")


def test_two_parallel_swaps_sharing_a_person_never_double_book(app: Flask, event: Event) -> None:
    draft = build_now(event)
    round_, x, y, z = swap_triple(draft)
    event_id = event.id  # read here: the test's own session must not be used from the threads

    def swap(p: int, q: int) -> Callable[[], Callable[[], Any]]:
        def prepare() -> Callable[[], Any]:
            mine = fresh(Event, event_id)
            mine.latest_version().meetings  # noqa: B018 (read before the other side writes)
            return lambda: adjusting.swap_attendees(
                mine, round_, fresh(Attendee, p), fresh(Attendee, q)
            )

        return prepare

    results = in_parallel(app, swap(x, y), swap(y, z))
    assert all(r is None or isinstance(r, adjusting.EditRefused) for r in results), results
    db.session.expire_all()
    report = versions.check_version(event.latest_version())
    assert report.ok, report.violations


def test_an_edit_from_a_stale_page_is_refused_plainly(event: Event) -> None:
    """The second editor saw the schedule before the first one's swap: refused, nothing lost."""
    draft = build_now(event)
    round_, x, y, z = swap_triple(draft)
    seen = adjusting.seen_of(draft)
    adjusting.swap_attendees(event, round_, *(db.session.get(Attendee, i) for i in (x, y)), seen)
    after_first = meeting_rows(event.latest_version())
    with pytest.raises(adjusting.EditConflict) as refused:
        adjusting.swap_attendees(
            event, round_, *(db.session.get(Attendee, i) for i in (y, z)), seen
        )
    assert str(refused.value) == adjusting.CONFLICT
    db.session.expire_all()
    assert meeting_rows(event.latest_version()) == after_first
    assert event.latest_version().revision == draft.revision


def test_the_page_tells_the_second_editor_and_shows_the_current_version(
    owner_client, event: Event
) -> None:
    published = build_now(event, publish=True)
    first, second = published.meetings[0], published.meetings[1]
    seen = {"base": published.number, "revision": published.revision}
    pin = f"/organiser/events/{event.slug}/schedule/meetings/{{}}/pin"
    post_form(owner_client, pin.format(first.id), {"pinned": "1", **seen})
    answer = post_form(owner_client, pin.format(second.id), {"pinned": "1", **seen})
    assert answer.status_code == 302 and answer.headers["Location"].endswith("version=2")
    page = owner_client.get(answer.headers["Location"]).get_data(as_text=True)
    assert adjusting.CONFLICT.replace("'", "&#39;") in page
    db.session.expire_all()
    draft = event.latest_version()
    assert [m.pinned for m in draft.meetings].count(True) == 1
    # The page now offers the draft's revision: the same pin goes through.
    assert f'name="base" value="{draft.number}"' in page
    assert f'name="revision" value="{draft.revision}"' in page
    again = {"pinned": "1", "base": draft.number, "revision": draft.revision}
    post_form(owner_client, pin.format(second.id), again)
    db.session.expire_all()
    assert [m.pinned for m in event.latest_version().meetings].count(True) == 2


@pytest.mark.slow
def test_a_worker_killed_mid_build_frees_the_event_once_its_heartbeat_stops(
    event: Event, database_url: str, tmp_path
) -> None:
    """kill -9 of a real `flask schedule build` process: the job is failed, a new build starts."""
    import os
    import signal
    import subprocess
    import sys
    from pathlib import Path

    from app.services.attendees.importing import apply_import, preview_import
    from app.services.events.editing import create_event
    from solver.synthetic import generate_event, write_attendees_csv

    # 200 synthetic attendees: the solver is still improving when the worker is killed.
    event = create_event(
        event.organiser, {"name": "Big Forum", "rounds": 6, "tables": 100, "min_meetings": 4}
    )
    event.solve_time_limit = 120
    write_attendees_csv(generate_event(200, 6, seed=0), tmp_path / "people.csv")
    preview = preview_import(event, (tmp_path / "people.csv").read_bytes(), "people.csv")
    assert preview.ok, preview.problems
    apply_import(event, preview)
    db.session.commit()
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "x", "REDIS_URL": ""}
    env["UPLOAD_FOLDER"] = str(tmp_path)
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "schedule", "build", event.slug]
    root = Path(__file__).resolve().parents[2]
    worker = subprocess.Popen(command, cwd=root, env=env, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        job = None
        while time.monotonic() < deadline:  # until it has beaten once while solving
            db.session.expire_all()
            job = db.session.scalar(select(SolveJob).where(SolveJob.event_id == event.id))
            if job and job.heartbeat_at and job.heartbeat_at > job.started_at:
                break
            time.sleep(0.2)
        assert job is not None and job.status == "running", job
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    with pytest.raises(jobs.BuildRunning):  # just killed: not yet known to be dead
        jobs.create_build_job(event, time_limit=2)
    time.sleep((jobs.DEAD_AFTER + timedelta(seconds=1)).total_seconds())
    fresh_job = jobs.create_build_job(event, time_limit=2)
    db.session.refresh(job)
    assert (job.status, job.error) == ("failed", jobs.DIED)
    assert scheduling.run_build(fresh_job.id).status == "done"


def test_pinning_a_meeting_someone_else_just_removed_is_refused_plainly(
    app: Flask, event: Event
) -> None:
    draft = build_now(event)
    meeting = draft.meetings[0]
    meeting_id = meeting.id
    with app.app_context():  # another organiser's request removes it first
        other = db.session.get(Meeting, meeting_id)
        db.session.delete(other)
        db.session.commit()
        db.session.remove()
    with pytest.raises(adjusting.EditConflict, match="Someone else changed this schedule"):
        adjusting.set_pinned(event, meeting, True)


def test_publishing_a_version_edited_since_the_page_was_drawn_is_refused(
    owner_client, event: Event
) -> None:
    draft = build_now(event)
    confirm = f"/organiser/events/{event.slug}/schedule/versions/{draft.number}/publish"
    page = owner_client.get(confirm).get_data(as_text=True)
    assert f'name="revision" value="{draft.revision}"' in page
    adjusting.set_pinned(event, draft.meetings[0], True)  # someone else's edit meanwhile
    publish = f"/organiser/events/{event.slug}/schedule/versions/{draft.number}/publish"
    answer = post_form(owner_client, publish, {"revision": "0", "published": "0"})
    assert STALE in owner_client.get(answer.headers["Location"]).get_data(as_text=True)
    db.session.expire_all()
    assert event.published_version_id is None
    post_form(owner_client, publish, {"revision": "1", "published": "0"})
    db.session.expire_all()
    assert event.published_version_id == draft.id


def test_an_edit_from_a_page_drawn_before_an_attendee_was_removed_is_refused(
    event: Event,
) -> None:
    """Removing an attendee deletes their meetings: a page that still shows them is stale."""
    draft = build_now(event)
    round_, x, y, z = swap_triple(draft)
    seen = adjusting.seen_of(draft)
    gone = next(
        a for a in event.attendees
        if a.id not in (x, y, z) and any(a.id in (m.attendee_a_id, m.attendee_b_id)
                                         for m in draft.meetings)
    )  # fmt: skip
    remove_attendee(gone)
    with pytest.raises(adjusting.EditConflict):
        adjusting.swap_attendees(
            event, round_, *(db.session.get(Attendee, i) for i in (x, y)), seen
        )
