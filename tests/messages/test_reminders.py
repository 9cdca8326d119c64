"""Remind the non-responders: one e-mail to each attendee with unanswered follow-ups, at most
once a day, never after the follow-ups close."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.extensions import db
from app.models import Attendee, Event, FollowUp, OutboxMessage
from app.services.followups.closing import close_followups
from app.services.messages.reminders import (
    FOLLOWUP_REMINDER,
    non_responders,
    remind_non_responders,
    reminder_plan,
)
from tests.conftest import post_form
from tests.smtp_server import Mailbox, app_smtp_server, free_port

# The event fixture: 3 rounds of 10 minutes from 09:00 UTC with 5-minute breaks.
AFTER_ROUND_1 = datetime(2030, 3, 4, 9, 12, tzinfo=UTC)
AFTER_ROUND_2 = datetime(2030, 3, 4, 9, 27, tzinfo=UTC)


@pytest.fixture
def people(event: Event) -> list[Attendee]:
    return sorted(event.attendees, key=lambda a: a.id)


@pytest.fixture
def published(event: Event, people, make_version) -> None:
    """Round 1: p0-p4 and p2-p5; round 2: p0-p6; round 3: p1-p9."""
    p = people
    make_version(
        event,
        [(1, 1, p[0], p[4]), (1, 2, p[2], p[5]), (2, 1, p[0], p[6]), (3, 1, p[1], p[9])],
        published=True,
    )


def answer(event: Event, who: Attendee, other: Attendee, round_: int) -> None:
    db.session.add(
        FollowUp(event_id=event.id, attendee_id=who.id, other_id=other.id, round=round_, held="yes")
    )
    db.session.commit()


def reminders(event: Event) -> list[OutboxMessage]:
    return db.session.scalars(
        db.select(OutboxMessage)
        .where(OutboxMessage.event_id == event.id, OutboxMessage.kind == FOLLOWUP_REMINDER)
        .order_by(OutboxMessage.id)
    ).all()


def test_only_ended_rounds_and_unanswered_meetings_count(event, people, published) -> None:
    p = people
    answer(event, p[4], p[0], 1)
    answer(event, p[2], p[5], 1)
    owed = {
        person.attendee.name: len(person.meetings)
        for person in non_responders(event, AFTER_ROUND_1)
    }
    assert owed == {"Person0 Example": 1, "Person5 Example": 1}
    owed = {
        person.attendee.name: len(person.meetings)
        for person in non_responders(event, AFTER_ROUND_2)
    }
    assert owed == {"Person0 Example": 2, "Person5 Example": 1, "Person6 Example": 1}
    assert non_responders(event, datetime(2030, 3, 4, 9, 5, tzinfo=UTC)) == []  # nothing ended


def test_each_non_responder_gets_one_email_listing_their_meetings(
    app, event, people, published
) -> None:
    p = people
    answer(event, p[4], p[0], 1)
    with app_smtp_server(app) as mailbox:
        report = remind_non_responders(event, AFTER_ROUND_2)
    assert (report.stored, report.sent, report.failed) == (4, 4, 0)
    mail = mailbox.by_recipient()
    assert set(mail) == {p[0].email, p[2].email, p[5].email, p[6].email}
    body = mail[p[0].email].body
    assert "these 2 meetings" in body
    assert "- Round 1, 09:00 (UTC time): Person4 Example, Company 4" in body
    assert "- Round 2, 09:15 (UTC time): Person6 Example, Company 6" in body
    assert f"/a/{p[0].token}" in body
    assert p[4].token not in "".join(m.body for m in mail.values())  # nobody else's link
    assert "this meeting" in mail[p[6].email].body


def test_a_second_press_the_same_day_writes_only_to_the_newly_owing(
    app, event, people, published
) -> None:
    p = people
    first = remind_non_responders(event, AFTER_ROUND_1)
    assert first.stored == 4  # p0, p4, p2 and p5 owe round 1
    plan = reminder_plan(event, AFTER_ROUND_2)
    assert [person.attendee.name for person in plan.due] == ["Person6 Example"]  # new in round 2
    assert len(plan.recent) == 4
    assert plan.again_at == datetime(2030, 3, 5, 9, 12)  # local time of the first, plus a day

    second = remind_non_responders(event, AFTER_ROUND_2)
    assert (second.stored, second.unchanged) == (1, 4)
    third = remind_non_responders(event, AFTER_ROUND_2 + timedelta(hours=23))
    assert (third.stored, third.unchanged) == (2, 5)  # p1 and p9 owe round 3 by now
    answer(event, p[0], p[4], 1)
    answer(event, p[0], p[6], 2)
    fourth = remind_non_responders(event, AFTER_ROUND_1 + timedelta(days=1, minutes=1))
    assert fourth.stored == 3  # p4, p2, p5 again; p0 has answered everything since
    assert p[0].email not in {m.to_address for m in reminders(event)[-3:]}
    assert len(reminders(event)) == 10


def test_a_reminder_that_failed_to_send_can_be_sent_again(app, event, published) -> None:
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port(), SMTP_TIMEOUT=2.0)
    failed = remind_non_responders(event, AFTER_ROUND_1)
    assert (failed.stored, failed.failed) == (4, 4)
    assert len(reminder_plan(event, AFTER_ROUND_1 + timedelta(minutes=5)).due) == 4


def test_closed_followups_remind_nobody(event, published) -> None:
    close_followups(event, AFTER_ROUND_2)
    plan = reminder_plan(event, AFTER_ROUND_2 + timedelta(minutes=1))
    assert plan.closed and plan.due == []


@pytest.fixture
def past_event(event: Event, published) -> Event:
    """The event moved to yesterday, so every round has ended by the real clock."""
    event.starts_at = (datetime.now(UTC) - timedelta(days=1)).replace(tzinfo=None)
    db.session.commit()
    return event


def test_the_progress_page_offers_and_sends_the_reminders(
    app, login_as, past_event, people
) -> None:
    event = past_event
    owner = login_as(event.organiser)
    url = f"/organiser/events/{event.slug}/followups"
    page = owner.get(url).get_data(as_text=True)
    assert "7 attendees have 8 unanswered follow-ups" in page
    assert "Put 7 reminders in the outbox" in page  # no SMTP configured yet

    mailbox: Mailbox
    with app_smtp_server(app) as mailbox:
        assert "E-mail 7 reminders" in owner.get(url).get_data(as_text=True)
        response = post_form(owner, f"{url}/remind", {}, follow_redirects=True)
        page = response.get_data(as_text=True)
        assert "Reminded 7 attendees by e-mail." in page
        assert len(mailbox.received) == 7
        assert "All of them were reminded less than a day ago" in page
        assert f"{url}/remind" not in page  # no button while nobody is due
        again = post_form(owner, f"{url}/remind", {}, follow_redirects=True)
        assert "Nobody to remind" in again.get_data(as_text=True)
        assert len(mailbox.received) == 7


def test_reminding_needs_the_csrf_token(login_as, past_event) -> None:
    url = f"/organiser/events/{past_event.slug}/followups/remind"
    assert login_as(past_event.organiser).post(url).status_code == 400
    assert reminders(past_event) == []


def test_another_organiser_cannot_remind(login_as, make_organiser, past_event) -> None:
    event = past_event
    url = f"/organiser/events/{event.slug}/followups/remind"
    stranger = login_as(make_organiser("stranger@example.org"))
    assert post_form(stranger, url, {}).status_code == 404
    assert reminders(event) == []
