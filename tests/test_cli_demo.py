"""``flask demo``: an organiser login and a realistic event with a published schedule."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask.testing import FlaskCliRunner
from sqlalchemy import func, select

from app.extensions import db
from app.models import Event, Organiser
from app.services import scheduling
from app.services.accounts import authenticate, find_organiser
from app.services.demo import DEMO_EMAIL, DEMO_EVENT

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
    assert scheduling.check_version(published).ok
    assert [job.status for job in event.jobs] == ["done"]


def test_running_the_demo_again_adds_an_event_and_resets_the_password(
    runner: FlaskCliRunner, app_ctx
) -> None:
    first = runner.invoke(args=["demo", *FAST])
    second = runner.invoke(args=["demo", *FAST])
    assert second.exit_code == 0, second.output
    assert printed(first.stdout, "Event") != printed(second.stdout, "Event")
    assert event_count() == 2
    assert db.session.scalar(select(func.count()).select_from(Organiser)) == 1
    organiser = find_organiser(DEMO_EMAIL)
    db.session.refresh(organiser)
    assert organiser.check_password(printed(second.stdout, "Password"))
    assert not organiser.check_password(printed(first.stdout, "Password"))


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
