"""After a re-plan, on a 375 px phone: the attendee sees "Changed at ..." on each changed
meeting, and the service worker shows a pushed "Your agenda changed" as a notification."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import pytest
from playwright.sync_api import Browser, Page, expect

from app.extensions import db
from app.models import Attendee, Event, Organiser
from app.models.common import utcnow
from app.services.attendees.importing import apply_import, preview_import
from app.services.events.clock import from_utc
from app.services.events.editing import create_event
from app.services.scheduling.builds import run_build
from app.services.scheduling.jobs import create_build_job
from app.services.scheduling.publications import meeting_marks
from app.services.scheduling.replanning import replan_event
from app.services.scheduling.versions import publish
from tests.browser.conftest import (
    PHONE,
    TIMEOUT_MS,
    LiveServer,
    attendees_csv,
    log_in,
    record_problems,
    screenshot,
)

pytestmark = pytest.mark.browser


@dataclass
class Replanned:
    """A re-planned event and one present attendee with a moved or new meeting and a cancelled
    one (or at least one change), with the marks their agenda must show."""

    account: object
    slug: str
    token: str
    name: str
    changed: list[str]  # "Changed at 13:05" / "Cancelled at 13:05"
    partners: list[str]  # the names those marks are next to


@pytest.fixture(scope="module")
def replanned(live_server: LiveServer) -> Replanned:
    account = live_server.organiser()
    with live_server.app.app_context():
        organiser = db.session.get(Organiser, account.id)
        event = create_event(
            organiser,
            {
                "name": "Partner Forum Lisbon",
                "rounds": 4,
                "tables": 8,
                "min_meetings": 2,
                "timezone": "Europe/Lisbon",
                "starts_at": datetime(2030, 5, 6, 9, 0),
            },
        )
        apply_import(event, preview_import(event, attendees_csv(), "attendees.csv"))
        job = run_build(create_build_job(event, time_limit=5).id)
        assert job.status == "done", job.error
        publish(job.version)
        version = job.version
        busy: dict[int, int] = {}
        for m in version.meetings:
            if m.round >= 2:
                for a in (m.attendee_a_id, m.attendee_b_id):
                    busy[a] = busy.get(a, 0) + 1
        no_shows = sorted(busy, key=lambda a: (-busy[a], a))[:2]
        for person in db.session.query(Attendee).filter_by(event_id=event.id):
            if person.id not in no_shows:
                person.checked_in_at = utcnow()
        db.session.commit()
        report = replan_event(event, 2)
        assert report.publication is not None
        event = db.session.get(Event, event.id)
        when = from_utc(event, report.publication.published_at)
        present = [a for a in report.affected if a.id not in no_shows]
        person = max(present, key=lambda a: (len(meeting_marks(a)), -a.id))
        marks = meeting_marks(person)
        assert marks, "the re-plan changed nobody's meetings"
        label = f"{when:%H:%M, %d %b}"  # published before the event's day: the date is said
        people = {a.id: a.name for a in event.attendees}
        return Replanned(
            account,
            event.slug,
            person.token,
            person.name,
            [
                f"{'Cancelled' if c.kind == 'cancelled' else 'Changed'} at {label}"
                for c in marks.values()
            ],
            [people[other] for other in marks],
        )


def test_an_attendee_sees_which_meetings_the_replan_changed(
    replanned: Replanned, phone: Page
) -> None:
    page = phone
    page.goto(f"/a/{replanned.token}")
    expect(page.get_by_role("heading", name="Partner Forum Lisbon")).to_be_visible()
    for mark, partner in zip(replanned.changed, replanned.partners, strict=True):
        kind = ".slot-cancelled" if mark.startswith("Cancelled") else ".slot-changed"
        line = page.locator(".slot").filter(has_text=partner).locator(kind)
        expect(line.filter(has_text=partner if kind == ".slot-cancelled" else mark)).to_have_count(
            1
        )
        expect(line.locator(".change-mark").first).to_have_text(mark)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "agenda-changed")


def test_the_service_worker_shows_a_pushed_change(
    browser: Browser, live_server: LiveServer, replanned: Replanned
) -> None:
    """A push message delivered to the page's service worker (as the push service would, here
    through Chromium's DevTools protocol) becomes a notification with the changes."""
    context = browser.new_context(
        base_url=live_server.url,
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        permissions=["notifications"],
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    problems = record_problems(page)
    cdp = context.new_cdp_session(page)
    registrations: list[dict] = []
    versions: list[dict] = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda event: registrations.extend(event["registrations"]),
    )
    cdp.on(
        "ServiceWorker.workerVersionUpdated",
        lambda event: versions.extend(event["versions"]),
    )
    cdp.send("ServiceWorker.enable")
    try:
        page.goto(f"/a/{replanned.token}")
        page.evaluate("navigator.serviceWorker.ready.then(() => true)")
        # The card offers alerts where the browser can push, and says nothing is on yet.
        expect(page.get_by_role("button", name="Turn on alerts")).to_be_visible()
        expect(
            page.get_by_text(
                "Get a notification on this device when your meetings change and 5 minutes "
                "before each one."
            )
        ).to_be_visible()
        page.wait_for_function("navigator.serviceWorker.controller !== null || true")
        scope = f"{live_server.url}/a/"
        found = [r for r in registrations if r.get("scopeURL") == scope and not r["isDeleted"]]
        assert found, f"no service worker registered for {scope}: {registrations}"
        body = f"Your meeting with {replanned.partners[0]} moved to round 3, Table 2 at 09:40"
        payload = {
            "title": "Your agenda changed: Partner Forum Lisbon",
            "body": body,
            "url": f"{live_server.url}/a/{replanned.token}",
            "tag": "mingle-agenda-test",
        }
        # A push reaches only an activated worker (one still activating drops it): wait for
        # Chromium to report the registration's worker activated, then deliver; a real push
        # service redelivers what was not acknowledged, so the test does too, every 2 s.
        registration = found[0]["registrationId"]
        for _ in range(TIMEOUT_MS // 100):
            if any(
                v["registrationId"] == registration and v["status"] == "activated" for v in versions
            ):
                break
            page.wait_for_timeout(100)
        shown = None
        for attempt in range(TIMEOUT_MS // 100):
            if attempt % 20 == 0:
                cdp.send(
                    "ServiceWorker.deliverPushMessage",
                    {
                        "origin": live_server.url,
                        "registrationId": registration,
                        "data": json.dumps(payload),
                    },
                )
            # The worker shows it asynchronously: ask until it is there.
            shown = page.evaluate(
                """() => navigator.serviceWorker.ready
                    .then((r) => r.getNotifications())
                    .then((list) => list.map((n) => [n.title, n.body, n.tag]))"""
            )
            if shown:
                break
            page.wait_for_timeout(100)
        assert shown == [[payload["title"], body, "mingle-agenda-test"]]
    finally:
        context.close()
    assert not problems, problems


def test_the_organiser_sees_who_could_not_be_told(replanned: Replanned, phone: Page) -> None:
    """No SMTP and no phone allowed alerts: the outbox page names everyone not told."""
    page = phone
    log_in(page, replanned.account)
    page.goto(f"/organiser/events/{replanned.slug}/outbox")
    card = page.locator("#told")
    expect(card).to_contain_text("Could not be told:")
    expect(card).to_contain_text(replanned.name)
    expect(card).to_contain_text("E-mail is not configured (SMTP_HOST)")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "outbox-told")
