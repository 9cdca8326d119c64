"""An attendee's journey on a 375 px phone: agenda from the link, offline, follow-up, calendar."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.extensions import db
from app.models import Attendee, FollowUp, Meeting, MeetingRequest, ScheduleVersion
from app.services.events.editing import create_event
from tests.attendee_helpers import ics_time, parse_ics, unescape_ics
from tests.browser.conftest import LiveServer, screenshot

pytestmark = pytest.mark.browser

TIMEZONE = "Europe/Amsterdam"


@dataclass(frozen=True)
class Seeded:
    """What the test knows about the event it put in the live server's database."""

    event_id: int
    token: str
    ann_id: int
    bo_id: int
    cy_id: int
    starts_at: datetime  # naive local


def seed(live_server: LiveServer, minutes_ago: int, published: bool = True) -> Seeded:
    """An event in Amsterdam that started ``minutes_ago`` minutes ago (negative: not yet).

    Ann meets Bo in round 1, Eve in round 2 and Cy in round 3 (10-minute rounds, 5-minute
    breaks); the schedule is published unless ``published`` is False.
    """
    local_now = datetime.now(ZoneInfo(TIMEZONE)).replace(tzinfo=None, second=0, microsecond=0)
    starts_at = local_now - timedelta(minutes=minutes_ago)
    with live_server.app.app_context():
        event = create_event(
            None,
            {
                "name": "Amsterdam Partner Forum",
                "venue": "RAI Amsterdam, Hall 1",
                "timezone": TIMEZONE,
                "starts_at": starts_at,
                "rounds": 4,
                "round_minutes": 10,
                "break_minutes": 5,
                "tables": 4,
                "table_names": ["Tulip", "Rose"],
            },
        )

        def person(email: str, name: str, company: str, **fields: object) -> Attendee:
            attendee = Attendee(
                event_id=event.id, email=email, name=name, company=company, **fields
            )
            db.session.add(attendee)
            return attendee

        ann = person(
            "ann@alpha.example", "Ann Alpha", "Alpha Cloud", kind="partner", region="EMEA",
            offers=["cloud", "backup"], seeks=["security"], target_regions=["APAC"],
        )  # fmt: skip
        bo = person(
            "bo@beta.example", "Bo Beta", "Beta Security", kind="partner", region="APAC",
            offers=["security"], seeks=["cloud"], target_regions=["EMEA"],
        )  # fmt: skip
        cy = person(
            "cy@gamma.example", "Cy Gamma", "Gamma Software", kind="vendor", region="NA",
            offers=["crm"], seeks=["backup"], goals=["recruit_partners"],
        )  # fmt: skip
        eve = person(
            "eve@epsilon.example", "Eve Epsilon", "Epsilon Distribution", kind="distributor",
            region="LATAM", offers=["logistics"], seeks=["cloud"],
        )  # fmt: skip
        db.session.flush()
        version = ScheduleVersion(event_id=event.id, number=1)
        version.meetings = [
            Meeting(round=1, table=1, attendee_a_id=ann.id, attendee_b_id=bo.id),
            Meeting(round=2, table=2, attendee_a_id=eve.id, attendee_b_id=ann.id),
            Meeting(round=3, table=3, attendee_a_id=ann.id, attendee_b_id=cy.id),
        ]
        db.session.add(version)
        db.session.flush()
        if published:
            event.published_version_id = version.id
        db.session.commit()
        return Seeded(event.id, ann.token, ann.id, bo.id, cy.id, starts_at)


def rename(live_server: LiveServer, attendee_id: int, name: str) -> None:
    """Change an attendee's name in the live server's database."""
    with live_server.app.app_context():
        db.session.get(Attendee, attendee_id).name = name
        db.session.commit()


def utc(seeded: Seeded, minutes_after_start: int) -> datetime:
    """The UTC instant ``minutes_after_start`` after the event's local start."""
    local = seeded.starts_at + timedelta(minutes=minutes_after_start)
    return local.replace(tzinfo=ZoneInfo(TIMEZONE)).astimezone(UTC)


def test_agenda_offline_follow_up_and_calendar(phone: Page, live_server: LiveServer) -> None:
    """Open the link, reload offline (service worker), answer a follow-up, download the .ics."""
    # Round 1 is over, round 2 under way, round 3 next.
    seeded = seed(live_server, minutes_ago=22)
    page = phone
    page.goto(f"/a/{seeded.token}")
    expect(page.get_by_role("heading", name="Amsterdam Partner Forum")).to_be_visible()
    expect(page.get_by_role("heading", name="Bo Beta")).to_be_visible()
    expect(page.locator("#round-1")).to_contain_text("Tulip")
    expect(page.locator("#round-1")).to_contain_text("You offer cloud, which they seek")
    expect(page.locator("#round-2")).to_have_class("slot slot-meeting is-now")
    expect(page.locator("#round-2 [data-badge]")).to_have_text("Now")
    expect(page.locator("#round-3 [data-badge]")).to_have_text("Next")
    expect(page.locator("#break-1")).to_contain_text("Break")
    expect(page.locator(".updated")).to_contain_text("Last updated")
    # The page's script keeps a copy as soon as the service worker is registered.
    page.wait_for_selector("body[data-offline-ready]", state="attached")
    expect(page.get_by_text("saved for offline use")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375  # no sideways scroll
    screenshot(page, "attendee-agenda")

    # Venue Wi-Fi gone: a reload still shows the agenda, from the service worker's copy. (Cy's
    # name changes on the server meanwhile, so the page shown offline is provably the copy.)
    rename(live_server, seeded.cy_id, "Cy Renamed")
    page.context.set_offline(True)
    response = page.reload()
    assert response is not None and response.from_service_worker
    expect(page.get_by_role("heading", name="Bo Beta")).to_be_visible()
    expect(page.get_by_role("heading", name="Cy Gamma")).to_be_visible()
    expect(page.locator(".updated")).to_contain_text("Last updated")
    expect(page.get_by_text("You are offline.")).to_be_visible()
    assert (
        page.evaluate("getComputedStyle(document.querySelector('.site-header')).backgroundColor")
        == "rgb(29, 35, 48)"
    ), "the stylesheet came from the offline copy too"
    screenshot(page, "attendee-agenda-offline")

    # Back online, the agenda refreshes by itself.
    with page.expect_navigation():
        page.context.set_offline(False)
    expect(page.get_by_role("heading", name="Cy Renamed")).to_be_visible()
    expect(page.get_by_text("You are offline.")).to_be_hidden()

    # The follow-up of round 1, on the phone.
    page.locator("#round-1").get_by_role("link", name="Answer the follow-up").click()
    expect(page.get_by_role("heading", name="How was your meeting with Bo Beta?")).to_be_visible()
    page.get_by_text("No, they did not come").click()
    expect(page.get_by_text("How was it?")).to_be_hidden()  # no rating for a no-show
    page.get_by_text("Yes, we met").click()
    page.locator("fieldset", has_text="How was it?").get_by_text("4", exact=True).click()
    recommend = page.locator("fieldset", has_text="How likely are you to recommend Beta Security")
    recommend.get_by_text("9", exact=True).click()
    page.get_by_label("Why?").fill("Strong in APAC security.")
    page.get_by_text("Follow-up call").click()
    page.get_by_label("Estimated pipeline value").fill("25000")
    expect(page.get_by_label("Currency")).to_have_value("EUR")  # Ann sells in EMEA
    page.get_by_label("Anything else?").fill("Call booked for Tuesday.")
    screenshot(page, "attendee-followup")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("your follow-up on Bo Beta is saved")).to_be_visible()
    expect(page.locator("#round-1")).to_contain_text("Follow-up done")
    with live_server.app.app_context():
        answer = db.session.scalar(select(FollowUp).where(FollowUp.attendee_id == seeded.ann_id))
        assert answer is not None
        assert (answer.other_id, answer.held, answer.rating, answer.recommend) == (
            seeded.bo_id, "yes", 4, 9,
        )  # fmt: skip
        assert (answer.next_step, answer.pipeline_value, answer.currency) == ("call", 25000, "EUR")
    screenshot(page, "attendee-agenda-after-followup")

    # The calendar file: one event per meeting, UTC times, stable UIDs.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Add to calendar").click()
    download = download_info.value
    assert download.suggested_filename.endswith("-agenda.ics")
    events = parse_ics(Path(download.path()).read_bytes().decode("utf-8"))
    assert [unescape_ics(e["SUMMARY"]) for e in events] == [
        "Meeting: Bo Beta (Beta Security)",
        "Meeting: Eve Epsilon (Epsilon Distribution)",
        "Meeting: Cy Renamed (Gamma Software)",
    ]
    for event, start in zip(events, (0, 15, 30), strict=True):
        assert ics_time(event["DTSTART"]) == utc(seeded, start)
        assert ics_time(event["DTEND"]) == utc(seeded, start + 10)
    low, high = sorted((seeded.ann_id, seeded.bo_id))
    assert events[0]["UID"] == f"meeting-{seeded.event_id}-{low}-{high}@mingle"
    assert unescape_ics(events[0]["LOCATION"]) == "Tulip, RAI Amsterdam, Hall 1"
    again = page.request.get(f"/a/{seeded.token}/agenda.ics").text()
    assert [e["UID"] for e in parse_ics(again)] == [e["UID"] for e in events]


def test_before_the_event_whom_to_meet(phone: Page, live_server: LiveServer) -> None:
    """Before publication: the message, then the recommendations and a must-meet tap."""
    seeded = seed(live_server, minutes_ago=-24 * 60, published=False)
    page = phone
    page.goto(f"/a/{seeded.token}")
    expect(
        page.get_by_text("Your agenda will appear here once the organiser publishes the schedule")
    ).to_be_visible()
    screenshot(page, "attendee-agenda-unpublished")
    page.get_by_role("link", name="See your best matches").click()
    expect(page.get_by_role("heading", name="Whom to meet")).to_be_visible()
    first = page.locator(".match").first
    expect(first.get_by_role("heading")).to_have_text("Bo Beta")
    first.get_by_role("button", name="Must meet").click()
    expect(page.get_by_text("Noted: you must meet Bo Beta.")).to_be_visible()
    expect(page.get_by_text("1 of 3 must-meet choices used")).to_be_visible()
    expect(page.locator(".match").first.get_by_text("Must meet", exact=True)).to_be_visible()
    screenshot(page, "attendee-requests")
    with live_server.app.app_context():
        kinds = db.session.execute(
            select(MeetingRequest.other_id, MeetingRequest.kind).where(
                MeetingRequest.attendee_id == seeded.ann_id
            )
        ).all()
    assert kinds == [(seeded.bo_id, "must")]
