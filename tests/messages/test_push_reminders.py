"""Push reminders before each meeting: on time, once, for both people, with the event's lead
time; the clock is the test's, never a sleep."""

from __future__ import annotations

import threading
from datetime import datetime

import pytest
from flask import Flask

from app.extensions import db
from app.models import PushReminder
from app.services.events.clock import to_utc
from app.services.messages import push_reminders as reminders
from app.services.messages.push_reminders import run_reminder_clock, send_due_reminders
from app.services.scheduling.versions import publish
from tests.attendee_helpers import Forum, make_forum
from tests.conftest import add_version, csrf_token
from tests.push_service import PushService, push_service


@pytest.fixture
def forum(app: Flask, make_event, make_attendee, make_version) -> Forum:
    """Ann-Bo in round 1 (09:00, Tulip), Cy-Ann in round 3 (09:30, table 2), Amsterdam."""
    app.config["PUSH_ALLOW_HTTP_LOOPBACK"] = True
    return make_forum(make_event, make_attendee, make_version)


@pytest.fixture
def service(client, forum: Forum):
    """A local push service with Ann's and Bo's phones subscribed (Cy has none)."""
    with push_service() as service:
        for person in (forum.ann, forum.bo):
            headers = {"X-CSRFToken": csrf_token(client, f"/a/{person.token}/requests")}
            data = service.subscription(person.email.split("@")[0])
            response = client.post(f"/a/{person.token}/push", json=data, headers=headers)
            assert response.status_code == 201
        yield service


def at(forum: Forum, hour: int, minute: int) -> datetime:
    """An aware instant at this local time on the forum's day."""
    return to_utc(forum.event, forum.event.starts_at.replace(hour=hour, minute=minute))


def got(service: PushService) -> list[tuple[str, str, str]]:
    return [(d.path, d.payload["title"], d.payload["body"]) for d in service.delivered]


def test_both_people_are_reminded_five_minutes_before_and_only_once(forum, service) -> None:
    assert send_due_reminders(at(forum, 8, 54)) == 0  # six minutes before: not yet
    assert send_due_reminders(at(forum, 8, 55)) == 2
    assert sorted(got(service)) == [
        ("/push/ann", "In 5 minutes: Bo Beta", "Round 1 at 09:00, Tulip. Beta Security"),
        ("/push/bo", "In 5 minutes: Ann Alpha", "Round 1 at 09:00, Tulip. Alpha Cloud"),
    ]
    assert send_due_reminders(at(forum, 8, 57)) == 0  # the same meeting: never twice
    assert len(service.delivered) == 2
    # Round 3: Ann is reminded of Cy; Cy allowed no alerts.
    assert send_due_reminders(at(forum, 9, 26)) == 1
    assert got(service)[-1] == (
        "/push/ann",
        "In 4 minutes: Cy Gamma",
        "Round 3 at 09:30, Table 2. Gamma Software",
    )
    rows = db.session.scalars(db.select(PushReminder).order_by(PushReminder.id)).all()
    assert [(r.attendee_id, r.round, r.delivered) for r in rows] == [
        (forum.ann.id, 1, True),
        (forum.bo.id, 1, True),
        (forum.ann.id, 3, True),
    ]


def test_the_lead_time_is_the_events_and_zero_turns_reminders_off(forum, service) -> None:
    forum.event.reminder_minutes = 15
    db.session.commit()
    assert send_due_reminders(at(forum, 8, 44)) == 0
    assert send_due_reminders(at(forum, 8, 45)) == 2
    assert got(service)[0][1].startswith("In 15 minutes: ")
    forum.event.reminder_minutes = 0
    db.session.commit()
    assert send_due_reminders(at(forum, 9, 29)) == 0


def test_a_meeting_moved_by_a_replan_gets_a_reminder_at_its_new_time(forum, service) -> None:
    f = forum
    assert send_due_reminders(at(f, 8, 56)) == 2  # round 1, as first published
    publish(add_version(f.event, [(1, 1, f.ann, f.bo), (2, 1, f.cy, f.ann)]))
    assert send_due_reminders(at(f, 9, 11)) == 1  # Cy moved to round 2: Ann hears of it
    assert got(service)[-1][1] == "In 4 minutes: Cy Gamma"
    assert send_due_reminders(at(f, 9, 26)) == 0  # round 3 is empty now


def test_no_reminders_once_the_round_is_well_under_way_or_the_event_closed(forum, service) -> None:
    assert send_due_reminders(at(forum, 9, 2)) == 0  # round 1 began two minutes ago
    forum.event.closed_at = datetime(2030, 3, 4, 8, 0)
    db.session.commit()
    assert send_due_reminders(at(forum, 9, 27)) == 0


def test_two_clocks_at_once_remind_once(forum, service, monkeypatch) -> None:
    """Another process claimed the reminder between our look and our write: no second push."""
    real = reminders._claim

    def raced(attendee_id, other_id, round_):
        db.session.add(PushReminder(attendee_id=attendee_id, other_id=other_id, round=round_))
        db.session.commit()  # the other clock's row
        return real(attendee_id, other_id, round_)

    monkeypatch.setattr(reminders, "_claim", raced)
    assert send_due_reminders(at(forum, 8, 55)) == 0
    assert service.delivered == []


def test_the_clock_ticks_until_stopped_and_survives_errors(app, monkeypatch) -> None:
    """Driven without sleeping: each tick records itself; the third stops the clock."""
    ticks: list[int] = []
    stop = threading.Event()

    def tick(now=None) -> int:
        ticks.append(len(ticks))
        if len(ticks) == 1:
            raise RuntimeError("database hiccup")
        if len(ticks) == 3:
            stop.set()
        return 0

    monkeypatch.setattr(reminders, "send_due_reminders", tick)
    run_reminder_clock(app, stop, tick=0)
    assert ticks == [0, 1, 2]


def test_the_web_app_starts_one_clock_at_its_first_request_unless_redis_runs_it(
    app, client
) -> None:
    app.testing = False
    app.config["REMINDER_CLOCK"] = True  # the tests' environment turns it off
    before = {t for t in threading.enumerate() if t.name == "push-reminders"}
    app.config["REDIS_URL"] = "redis://127.0.0.1:6379/15"  # then the RQ worker sends them
    client.get("/healthz")
    assert reminders.CLOCK_KEY not in app.extensions
    app.config["REDIS_URL"] = None
    client.get("/healthz")
    client.get("/healthz")
    stop = app.extensions[reminders.CLOCK_KEY]
    clocks = [t for t in threading.enumerate() if t.name == "push-reminders" and t not in before]
    assert len(clocks) == 1
    stop.set()
    clocks[0].join(timeout=10)
    assert not clocks[0].is_alive()


def test_the_organiser_sets_the_lead_time_on_the_event_form(login_as, make_organiser) -> None:
    from app.models import Event
    from tests.conftest import post_form
    from tests.web.test_events import EVENT_FORM

    client = login_as(make_organiser())
    page = client.get("/organiser/events/new").get_data(as_text=True)
    assert "Remind attendees before each meeting (minutes)" in page and 'value="5"' in page
    refused = post_form(client, "/organiser/events/new", {**EVENT_FORM, "reminder_minutes": "121"})
    assert refused.status_code == 200
    assert "Number must be between 0 and 120" in refused.get_data(as_text=True)
    assert db.session.scalars(db.select(Event)).all() == []
    saved = post_form(client, "/organiser/events/new", {**EVENT_FORM, "reminder_minutes": "10"})
    assert saved.status_code == 302
    assert db.session.scalars(db.select(Event)).one().reminder_minutes == 10
