"""The follow-up page of a past event offers to remind the non-responders, once a day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from app.extensions import db
from app.models import Attendee, Meeting, Organiser, ScheduleVersion
from app.services.events.editing import create_event
from tests.browser.conftest import LiveServer, log_in, screenshot

pytestmark = pytest.mark.browser


def test_an_organiser_reminds_the_non_responders_from_a_phone(
    live_server: LiveServer, phone: Page
) -> None:
    account = live_server.organiser()
    with live_server.app.app_context():
        event = create_event(
            db.session.get(Organiser, account.id),
            {
                "name": "Reminder Forum",
                "rounds": 2,
                "tables": 2,
                "starts_at": (datetime.now(UTC) - timedelta(days=1)).replace(tzinfo=None),
            },
        )
        people = [
            Attendee(
                event_id=event.id,
                email=f"p{i}@r{i}.example",
                name=name,
                company=f"Company {i}",
                kind="partner",
                region="EMEA",
            )
            for i, name in enumerate(["Łukasz Nowak", "Maya Thompson", "Ana Pereira"])
        ]
        db.session.add_all(people)
        db.session.flush()
        version = ScheduleVersion(event_id=event.id, number=1)
        version.meetings = [
            Meeting(round=1, table=1, attendee_a_id=people[0].id, attendee_b_id=people[1].id),
            Meeting(round=2, table=1, attendee_a_id=people[0].id, attendee_b_id=people[2].id),
        ]
        db.session.add(version)
        db.session.flush()
        event.published_version_id = version.id
        db.session.commit()
        slug = event.slug
    log_in(phone, account)
    phone.goto(f"/organiser/events/{slug}/followups")
    section = phone.locator("section", has_text="Remind the non-responders")
    expect(section).to_contain_text("3 attendees have 4 unanswered follow-ups")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(phone, "followups-remind")
    section.get_by_role("button", name="Put 3 reminders in the outbox").click()
    expect(phone.locator(".flash, .flashes, [role=status], [role=alert]").first).to_contain_text(
        "Reminders for 3 attendees are in the outbox"
    )
    expect(section).to_contain_text("All of them were reminded less than a day ago")
    expect(section.get_by_role("button")).to_have_count(0)
    screenshot(phone, "followups-reminded")
