"""``flask schedule build`` and ``flask worker``: builds from the command line, jobs on RQ."""

from __future__ import annotations

import json

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select

from app.extensions import db
from app.models import Event, SolveJob
from app.services.scheduling import builds as scheduling
from app.services.scheduling import jobs, versions
from solver.schema import Progress

SOLVER_KEYS = {"objective", "bound", "gap", "meetings", "seconds", "version", "status"}


def last_json(output: str) -> dict[str, object]:
    """The JSON object on the last line of a command's stdout."""
    return json.loads(output.strip().splitlines()[-1])


def jobs_of(event: Event) -> list[SolveJob]:
    db.session.expire_all()
    return list(db.session.scalars(select(SolveJob).where(SolveJob.event_id == event.id)))


# flask schedule build


def test_build_prints_the_solver_json_last_and_records_the_job(
    runner: FlaskCliRunner, event: Event
) -> None:
    """Exit 0, a valid new version, its figures as JSON on the last line, the job in history."""
    result = runner.invoke(args=["schedule", "build", event.slug, "--time-limit", "2"])
    assert result.exit_code == 0, result.output
    summary = last_json(result.stdout)
    assert summary.keys() >= SOLVER_KEYS
    assert summary["status"] in ("optimal", "feasible") and summary["version"] == 1
    assert f"Building {event.slug}: 12 attendees" in result.stderr
    assert "candidates    objective" in result.stderr  # a progress line
    (job,) = jobs_of(event)
    assert (job.status, job.time_limit, job.version.number) == ("done", 2.0, 1)
    assert summary["status"] == job.solver_status  # the solver's word, stored, not guessed
    assert summary["meetings"] == len(job.version.meetings) >= 12
    assert summary["objective"] == pytest.approx(job.version.objective, abs=1e-3)
    assert versions.check_version(job.version).ok


def test_build_keeps_pinned_meetings(runner: FlaskCliRunner, event: Event) -> None:
    """--keep-pinned re-optimises around the latest version's pinned meetings."""
    runner.invoke(args=["schedule", "build", event.slug, "--time-limit", "2"])
    first = jobs_of(event)[0].version
    pinned = first.meetings[0]
    pinned.pinned = True
    db.session.commit()
    spot = (pinned.round, pinned.table, pinned.attendee_a_id, pinned.attendee_b_id)
    result = runner.invoke(
        args=["schedule", "build", event.slug, "--time-limit", "2", "--keep-pinned"]
    )
    assert result.exit_code == 0, result.output
    second = jobs_of(event)[-1].version
    assert last_json(result.stdout)["version"] == second.number == 2
    kept = [(m.round, m.table, m.attendee_a_id, m.attendee_b_id) for m in second.meetings]
    assert spot in kept


def test_build_exits_2_with_the_reason_when_the_rules_cannot_hold(
    runner: FlaskCliRunner, make_event, make_attendee
) -> None:
    """Four people needing two meetings each cannot fit one table over two rounds."""
    event = make_event(rounds=2, tables=1, min_meetings=2)
    for _ in range(4):
        make_attendee(event)
    result = runner.invoke(args=["schedule", "build", event.slug, "--time-limit", "2"])
    assert result.exit_code == 2, result.output
    assert "No schedule holding every hard rule:" in result.stdout
    assert "tables:" in result.stdout and "hold only 2" in result.stdout
    summary = last_json(result.stdout)
    assert summary.keys() >= SOLVER_KEYS
    assert (summary["status"], summary["version"], summary["meetings"]) == ("infeasible", None, 0)
    (job,) = jobs_of(event)
    assert job.status == "failed" and "hold only 2" in job.error
    assert job.solver_status == "infeasible"
    assert event.latest_version() is None


def test_a_crashed_build_exits_1_and_leaves_no_version(
    runner: FlaskCliRunner, event: Event, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(*args: object, **kwargs: object) -> None:
        raise RuntimeError("solver exploded")

    monkeypatch.setattr(scheduling, "solve", crash)
    result = runner.invoke(args=["schedule", "build", event.slug])
    assert result.exit_code == 1
    # The organiser-facing text is plain; the exception itself goes to the log.
    assert f"The build crashed: {jobs.CRASHED}" in result.stderr
    assert last_json(result.stdout)["status"] == "error"
    assert jobs_of(event)[0].status == "failed" and event.latest_version() is None
    assert jobs_of(event)[0].solver_status is None


def test_progress_lines_are_the_solver_reports_the_job_recorded(
    runner: FlaskCliRunner, event: Event, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each report written on the job row is printed once, from the solver's callback."""
    recorded: list[Progress] = []
    record = jobs.record_progress

    def spy(job_id: int, progress: Progress) -> bool:
        recorded.append(progress)
        return record(job_id, progress)

    monkeypatch.setattr(scheduling, "record_progress", spy)
    result = runner.invoke(args=["schedule", "build", event.slug, "--time-limit", "2"])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stderr.splitlines() if " objective " in line]
    assert recorded and len(lines) == len(recorded)
    assert lines[-1].split()[2] == "saving"  # the solver is done; the version is being stored
    for line, report in zip(lines, recorded, strict=True):
        assert f"bound {report.bound:,.2f}" in line and f"gap {report.gap:.2%}" in line


def test_build_of_an_unknown_event_exits_1(runner: FlaskCliRunner, app_ctx: None) -> None:
    result = runner.invoke(args=["schedule", "build", "no-such-event"])
    assert result.exit_code == 1
    assert "no event has the slug 'no-such-event'" in result.output


def test_build_needs_two_attendees_and_no_running_build(
    runner: FlaskCliRunner, event: Event, make_event
) -> None:
    """A build that cannot start exits 1 and records no job."""
    empty = make_event()
    result = runner.invoke(args=["schedule", "build", empty.slug])
    assert result.exit_code == 1 and "at least two attendees" in result.output
    db.session.add(SolveJob(event_id=event.id, status="running", time_limit=30))
    db.session.commit()
    result = runner.invoke(args=["schedule", "build", event.slug])
    assert result.exit_code == 1 and "already running" in result.output
    assert len(jobs_of(event)) == 1 and jobs_of(empty) == []


# flask worker


def test_worker_needs_redis_url(runner: FlaskCliRunner, app: Flask) -> None:
    app.config["REDIS_URL"] = None
    result = runner.invoke(args=["worker", "--burst"])
    assert result.exit_code == 1
    assert "REDIS_URL is not set" in result.output


@pytest.mark.redis
def test_worker_runs_a_queued_build_in_the_app(
    runner: FlaskCliRunner, event: Event, redis_queue
) -> None:
    """start_build queues the job on Redis; ``flask worker --burst`` runs it and stops."""
    job = scheduling.start_build(event, time_limit=2)
    assert job.rq_id and redis_queue.count == 1
    result = runner.invoke(args=["worker", "--burst"])
    assert result.exit_code == 0, result.output
    assert redis_queue.count == 0
    db.session.expire_all()
    job = db.session.get(SolveJob, job.id)
    assert job.status == "done", job.error
    assert versions.check_version(job.version).ok
