"""``flask demo``: an organiser login and a realistic event with a published schedule."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask.testing import FlaskCliRunner
from sqlalchemy import func, select

from app.extensions import db
from app.models import Event, FollowUp, Organiser, SponsorContact
from app.models.common import utcnow
from app.models.followup import HELD, NEXT_STEPS
from app.services.accounts import authenticate, find_organiser
from app.services.events.demo import DEMO_EMAIL, DEMO_EVENT, simulate_followups
from app.services.reports.figures import SPONSOR_KINDS, event_report, sponsor_companies
from app.services.scheduling import versions

FAST = ["--attendees", "20", "--rounds", "5", "--time-limit", "2"]


def printed(output: str, label: str) -> str:
    """The value the demo printed after ``label:``."""
    match = re.search(rf"^\s*{label}:\s*(\S+)", output, re.MULTILINE)
    assert match, f"no {label!r} line in:\n{output}"
    return match.group(1)


def event_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Event)) or 0


def test_demo_creates_a_login_and_a_published_event(runner: FlaskCliRunner, app_ctx) -> None:
    """The printed e-mail and password log in; the event has N attendees and a valid schedule."""
    result = runner.invoke(args=["demo", *FAST, "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert printed(result.stdout, "Log in at") == "http://127.0.0.1:5000/organiser/login"
    assert printed(result.stdout, "E-mail") == DEMO_EMAIL
    password = printed(result.stdout, "Password")
    organiser = authenticate(DEMO_EMAIL, password)
    assert organiser is not None and organiser.check_password(password)

    event = db.session.scalar(select(Event).where(Event.slug == printed(result.stdout, "Event")))
    assert event.name == DEMO_EVENT and event.organiser_id == organiser.id
    assert event.attendee_count() == 20
    assert (event.rounds, event.tables, event.min_meetings) == (5, 7, 3)
    assert event.tier_minimums == {"platinum": 6, "gold": 4}
    assert (event.timezone, event.round_minutes, event.break_minutes) == ("Europe/Amsterdam", 10, 5)
    tomorrow = datetime.now(ZoneInfo("Europe/Amsterdam")).date() + timedelta(days=1)
    assert event.starts_at == datetime.combine(tomorrow, datetime.min.time()).replace(hour=9)
    assert "Imported the attendees file" in result.stderr and "20 created" in result.stderr

    published = event.published_version
    assert published is not None and published.meetings
    assert versions.check_version(published).ok
    assert [job.status for job in event.jobs] == ["done"]


def test_running_the_demo_again_adds_an_event_and_keeps_the_password(
    runner: FlaskCliRunner, app_ctx
) -> None:
    """`demo --past` after `make run` used to reset the password silently, logging people out."""
    first = runner.invoke(args=["demo", *FAST])
    second = runner.invoke(args=["demo", "--past", *FAST])
    assert second.exit_code == 0, second.output
    assert printed(first.stdout, "Event") != printed(second.stdout, "Event")
    assert event_count() == 3  # --past adds last year's edition too
    assert db.session.scalar(select(func.count()).select_from(Organiser)) == 1
    organiser = find_organiser(DEMO_EMAIL)
    db.session.refresh(organiser)
    assert organiser.check_password(printed(first.stdout, "Password"))
    assert printed(second.stdout, "Password").startswith("unchanged")


def test_new_password_resets_and_prints_it(runner: FlaskCliRunner, app_ctx) -> None:
    """`demo --new-password` is the one way the demo changes an existing password."""
    first = runner.invoke(args=["demo", *FAST])
    sessions_before = find_organiser(DEMO_EMAIL).session_version
    second = runner.invoke(args=["demo", "--new-password", *FAST])
    assert second.exit_code == 0, second.output
    organiser = find_organiser(DEMO_EMAIL)
    db.session.refresh(organiser)
    assert organiser.check_password(printed(second.stdout, "Password"))
    assert not organiser.check_password(printed(first.stdout, "Password"))
    assert organiser.session_version > sessions_before  # whoever was logged in is logged out


def test_if_empty_does_nothing_once_an_event_exists(runner: FlaskCliRunner, app_ctx) -> None:
    """``make run`` calls ``demo --if-empty`` every time: only a fresh database gets the demo."""
    first = runner.invoke(args=["demo", "--if-empty", *FAST])
    assert first.exit_code == 0, first.output
    assert event_count() == 1
    again = runner.invoke(args=["demo", "--if-empty", *FAST])
    assert again.exit_code == 0
    assert "no demo event created" in again.stdout and "Password" not in again.stdout
    assert event_count() == 1


def test_if_empty_leaves_a_database_with_someone_elses_event_alone(
    runner: FlaskCliRunner, make_event, app_ctx
) -> None:
    make_event()
    result = runner.invoke(args=["demo", "--if-empty"])
    assert result.exit_code == 0
    assert find_organiser(DEMO_EMAIL) is None and event_count() == 1


def test_a_demo_whose_rules_cannot_hold_exits_2(runner: FlaskCliRunner, app_ctx) -> None:
    """One table for twenty people needing three meetings: the reason, exit 2, nothing published."""
    result = runner.invoke(args=["demo", *FAST, "--tables", "1"])
    assert result.exit_code == 2
    assert "No schedule holding every hard rule:" in result.stdout
    event = db.session.scalar(select(Event))
    assert event.attendee_count() == 20 and event.published_version is None


PAST = ["--past", "--attendees", "30", "--rounds", "6", "--time-limit", "2", "--seed", "7"]


def answer_rows(event: Event) -> list[tuple]:
    """The event's answers, comparable between runs."""
    rows = db.session.scalars(select(FollowUp).where(FollowUp.event_id == event.id))
    return sorted(
        (a.attendee_id, a.other_id, a.round, a.held, a.rating, a.recommend, a.next_step)
        + (a.pipeline_value, a.currency, a.why, a.created_at)
        for a in rows
    )


def test_a_past_demo_has_answers_sponsor_contacts_and_reports(
    runner: FlaskCliRunner, app_ctx
) -> None:
    """``demo --past``: held yesterday, answered, closed; the reports have figures to show."""
    result = runner.invoke(args=["demo", *PAST])
    assert result.exit_code == 0, result.output
    event = db.session.scalar(select(Event).where(Event.slug == printed(result.stdout, "Event")))
    yesterday = datetime.now(ZoneInfo("Europe/Amsterdam")).date() - timedelta(days=1)
    assert event.starts_at == datetime.combine(yesterday, datetime.min.time()).replace(hour=9)
    assert event.closed_at is not None and event.closed_at <= utcnow()
    assert printed(result.stdout, "Report").endswith(f"/organiser/events/{event.slug}/report")

    answers = list(db.session.scalars(select(FollowUp).where(FollowUp.event_id == event.id)))
    contacts = list(
        db.session.scalars(select(SponsorContact).where(SponsorContact.event_id == event.id))
    )
    counts = re.search(r"(\d+) follow-up answers, (\d+) sponsor contacts?,", result.stdout)
    assert counts and counts.groups() == (str(len(answers)), str(len(contacts)))
    meetings = event.published_version.meetings
    assert len(meetings) < len(answers) < 2 * len(meetings)  # most, not all, answered
    assert sorted(c.company for c in contacts) == sponsor_companies(event)
    people = {a.id: a for a in event.attendees}
    for answer in answers:
        assert answer.held in HELD and answer.next_step in NEXT_STEPS
        assert answer.created_at <= event.closed_at
        if answer.held == "yes":
            assert 1 <= answer.rating <= 5 and 0 <= answer.recommend <= 10
        else:
            assert answer.rating is None and answer.recommend is None
        if answer.pipeline_value is not None:
            assert answer.currency in ("EUR", "USD", "GBP")
            assert people[answer.attendee_id].kind in SPONSOR_KINDS

    report = event_report(event)
    assert report.overall.held > 0 and report.overall.nps is not None
    assert report.overall.no_shows + report.overall.unanswered > 0
    bands = report.score_bands
    assert [band for band, _, _ in bands][::3] == ["Lowest quarter", "Highest quarter"]
    assert all(ratings >= 5 for _, _, ratings in bands)
    assert bands[-1][1] > bands[0][1] + 0.5  # a better planned score, a better meeting

    # The same seed gives the same answers.
    before = answer_rows(event)
    db.session.execute(FollowUp.__table__.delete().where(FollowUp.event_id == event.id))
    db.session.commit()
    assert simulate_followups(event, 7) == len(before)
    assert answer_rows(event) == before


def test_without_past_the_demo_has_no_answers(runner: FlaskCliRunner, app_ctx) -> None:
    """The default demo (``make run``) is still tomorrow's event, open and unanswered."""
    result = runner.invoke(args=["demo", *FAST])
    assert result.exit_code == 0, result.output
    assert "follow-up answers" not in result.stdout and "Report:" not in result.stdout
    event = db.session.scalar(select(Event))
    assert event.closed_at is None
    assert db.session.scalar(select(func.count()).select_from(FollowUp)) == 0
    assert db.session.scalar(select(func.count()).select_from(SponsorContact)) == 0
