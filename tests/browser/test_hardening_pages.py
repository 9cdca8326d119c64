"""Hostile files and two editors at once, as an organiser meets them (issue 11, items 2, 3,
5 and 15): the import preview lists the problem and offers no import; the second of two
people editing the same schedule is told plainly and shown the current version."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect
from sqlalchemy import func, select

from app.extensions import db
from app.models import Attendee, Event, Meeting, ScheduleVersion
from bench.hostile import duplicate_headers, whitespace_bomb
from tests.browser.conftest import (
    DESKTOP,
    TIMEOUT_MS,
    LiveServer,
    log_in,
    record_problems,
    screenshot,
)
from tests.browser.test_security import schedule_event


def _upload(page: Page, name: str, data: bytes) -> None:
    page.get_by_label("Attendees file (CSV or XLSX)").set_input_files(
        {"name": name, "mimeType": "application/octet-stream", "buffer": data}
    )
    page.get_by_role("button", name="Check the file").click()


def _attendees(live_server: LiveServer, slug: str) -> int:
    with live_server.app.app_context():
        event = db.session.scalars(select(Event).where(Event.slug == slug)).one()
        query = select(func.count(Attendee.id)).where(Attendee.event_id == event.id)
        return db.session.scalar(query) or 0


def test_hostile_files_are_listed_problems_on_the_preview(
    desktop: Page, live_server: LiveServer
) -> None:
    """A zip bomb and a file with repeated column names: a problem each, nothing imported."""
    account = live_server.organiser()
    event = schedule_event(live_server, account.id)
    log_in(desktop, account)
    desktop.goto(f"/organiser/events/{event.slug}/import")
    before = _attendees(live_server, event.slug)

    _upload(desktop, "bomb.xlsx", whitespace_bomb())
    alert = desktop.get_by_role("alert")
    expect(alert).to_contain_text("nothing was imported")
    expect(alert.locator("tbody tr")).to_have_count(1)
    expect(alert).to_contain_text(re.compile(r"unpack|inflate|compress", re.I))
    expect(desktop.get_by_role("button", name=re.compile(r"^Import \d+"))).to_have_count(0)
    screenshot(desktop, "import-hostile-xlsx")

    _upload(desktop, "people.csv", duplicate_headers())
    alert = desktop.get_by_role("alert")
    expect(alert).to_contain_text("appears 2 times")
    expect(desktop.get_by_role("button", name=re.compile(r"^Import \d+"))).to_have_count(0)
    screenshot(desktop, "import-duplicate-headers")
    assert _attendees(live_server, event.slug) == before


def test_the_second_of_two_editors_is_told_and_sees_the_current_version(
    browser: Browser, desktop: Page, live_server: LiveServer
) -> None:
    """Two windows on one draft: the first pins a meeting; the second, not reloaded, pins too."""
    account = live_server.organiser()
    event = schedule_event(live_server, account.id)
    url = f"/organiser/events/{event.slug}/schedule"
    log_in(desktop, account)
    desktop.goto(url)
    context = browser.new_context(base_url=live_server.url, viewport=DESKTOP)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        other = context.new_page()
        problems = record_problems(other)
        log_in(other, account)
        other.goto(url)
        desktop.get_by_role("button", name="Pin", exact=True).first.click()
        expect(desktop.get_by_role("status")).to_contain_text(re.compile(r"in round \d+ pinned\."))

        other.get_by_role("button", name="Pin", exact=True).first.click()
        expect(other.get_by_role("status")).to_contain_text(
            "Someone else changed this schedule a moment ago"
        )
        expect(other.locator(".schedule-grid .meeting.pinned")).to_have_count(1)
        screenshot(other, "schedule-edit-conflict")
        assert not problems, problems
    finally:
        context.close()
    with live_server.app.app_context():
        pinned = db.session.scalar(
            select(func.count(Meeting.id))
            .join(ScheduleVersion)
            .where(ScheduleVersion.event_id == event.id, Meeting.pinned.is_(True))
        )
        assert pinned == 1  # the first editor's pin, once; nothing lost, nothing doubled
