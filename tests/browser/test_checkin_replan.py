"""At the door and after: check-in by name on a phone, then re-planning around two no-shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pytest
from playwright.sync_api import Page, expect

from app.extensions import db
from app.models import Attendee, Event, Organiser, ScheduleVersion
from app.models.common import utcnow
from app.services.attendees.importing import apply_import, preview_import
from app.services.events.editing import create_event
from app.services.scheduling.builds import run_build
from app.services.scheduling.jobs import create_build_job
from app.services.scheduling.versions import check_version, publish
from tests.browser.conftest import LiveServer, attendees_csv, log_in, screenshot

pytestmark = pytest.mark.browser


@dataclass
class Door:
    """An event with a published schedule; everyone checked in but the walk-in and no-shows."""

    account: object
    slug: str
    event_id: int
    version_id: int
    walk_in: str  # the name checked in through the page
    no_shows: list[int]


def _lines(version: ScheduleVersion) -> set[tuple[int, int, int, int]]:
    """Meetings as (round, table, smaller id, larger id)."""
    return {
        (m.round, m.table, *sorted((m.attendee_a_id, m.attendee_b_id))) for m in version.meetings
    }


@pytest.fixture(scope="module")
def door(live_server: LiveServer) -> Door:
    """Made through the services, so only the door and the re-plan page are driven."""
    account = live_server.organiser()
    with live_server.app.app_context():
        organiser = db.session.get(Organiser, account.id)
        event = create_event(
            organiser,
            {
                "name": "Partner Forum Porto",
                "rounds": 4,
                "tables": 8,
                "min_meetings": 2,
                "starts_at": datetime(2030, 5, 6, 9, 0),
            },
        )
        apply_import(event, preview_import(event, attendees_csv(), "attendees.csv"))
        job = run_build(create_build_job(event, time_limit=5).id)  # inline, in this thread
        assert job.status == "done", f"the build did not finish: {job.status} {job.error}"
        version = job.version
        publish(version)
        # Two no-shows who meet present people in rounds 2..4 (not each other).
        later: dict[int, set[int]] = {}
        for m in version.meetings:
            if m.round >= 2:
                later.setdefault(m.attendee_a_id, set()).add(m.attendee_b_id)
                later.setdefault(m.attendee_b_id, set()).add(m.attendee_a_id)
        busy = sorted(later, key=lambda a: (-len(later[a]), a))
        first = busy[0]
        second = next(a for a in busy[1:] if a not in later[first])
        people = db.session.query(Attendee).filter_by(event_id=event.id).order_by(Attendee.id)
        walk_in = next(a for a in people if a.id not in (first, second))
        for person in people:
            if person.id not in (first, second, walk_in.id):
                person.checked_in_at = utcnow()
        db.session.commit()
        return Door(account, event.slug, event.id, version.id, walk_in.name, [first, second])


def test_check_in_by_name_then_replan_two_no_shows(
    live_server: LiveServer, door: Door, phone: Page
) -> None:
    """On a 375 px phone: find the walk-in, check them in (counts go up), then re-plan."""
    page = phone
    log_in(page, door.account)
    page.goto(f"/checkin/{door.slug}")
    expect(page.locator("#count-expected")).to_have_text("20")
    expect(page.locator("#count-present")).to_have_text("17")
    expect(page.locator("#count-absent")).to_have_text("3")
    surname = door.walk_in.split()[-1]
    page.get_by_label("Name, company or e-mail").fill(surname)
    page.get_by_role("button", name="Search").click()
    page.get_by_role("button", name=f"Check in {door.walk_in}").click()
    expect(page.get_by_role("status").first).to_contain_text(f"{door.walk_in} is checked in.")
    expect(page.locator("#count-present")).to_have_text("18")
    expect(page.locator("#count-absent")).to_have_text("2")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "checkin-door")

    # The counts are live: a check-in elsewhere (undone here) shows within a few seconds.
    with live_server.app.app_context():
        person = db.session.get(Attendee, door.no_shows[0])
        person.checked_in_at = utcnow()
        db.session.commit()
    expect(page.locator("#count-present")).to_have_text("19", timeout=8000)
    with live_server.app.app_context():
        person = db.session.get(Attendee, door.no_shows[0])
        person.checked_in_at = None
        db.session.commit()
    expect(page.locator("#count-present")).to_have_text("18", timeout=8000)

    page.goto(f"/organiser/events/{door.slug}/replan")
    page.get_by_label("Re-plan from round").select_option("2")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#replan-absent")).to_have_text("2")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "replan-no-shows")
    page.get_by_role("button", name="Re-plan rounds 2..4").click()
    expect(page.get_by_role("status").first).to_contain_text("changed for present attendees")
    # Nothing is published yet: the confirmation lists what changes and for whom.
    expect(page.get_by_role("heading", name="Publish version 2?")).to_be_visible()
    with live_server.app.app_context():
        assert db.session.get(Event, door.event_id).published_version_id == door.version_id
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "replan-confirm")
    page.get_by_role("button", name="Publish version 2").click()
    expect(page.get_by_role("status").first).to_contain_text("Version 2 is published")
    screenshot(page, "replan-done")

    with live_server.app.app_context():
        event = db.session.get(Event, door.event_id)
        old = db.session.get(ScheduleVersion, door.version_id)
        new = event.published_version
        assert new.id != old.id and new.source == "replan"
        before, after = _lines(old), _lines(new)
        assert {x for x in after if x[0] == 1} == {x for x in before if x[0] == 1}
        gone = set(door.no_shows)
        assert not [x for x in after if x[0] >= 2 and gone & set(x[2:])]
        freed = {(x[0], p) for x in before if x[0] >= 2 and gone & set(x[2:]) for p in x[2:]} - {
            (r, g) for r in range(2, 5) for g in gone
        }
        assert freed
        # Freed partners meet someone else where anyone suitable is free (not all can be).
        refilled = [f for f in freed if [x for x in after if x[0] == f[0] and f[1] in x[2:]]]
        assert refilled, f"none of the freed partners {sorted(freed)} got a new meeting"
        assert check_version(new).ok
