"""The schedule page of an eight-round event: every round in view, edits keep the place.

At 1280 px all eight rounds show without a scrollbar of their own (nothing in the page scrolls
sideways inside itself); after pinning a meeting of the last round the browser is back at that
meeting; at 375 px the page does not scroll sideways.
"""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.extensions import db
from app.models import Attendee, Event, Organiser
from app.services.attendees.importing import apply_import, preview_import
from app.services.events.editing import create_event
from app.services.scheduling.builds import run_build
from app.services.scheduling.edits import swap_attendees
from app.services.scheduling.jobs import create_build_job
from app.services.scheduling.legal import legality
from tests.browser.conftest import Account, LiveServer, attendees_csv, log_in, screenshot

pytestmark = pytest.mark.browser

ROUNDS = 8

# Elements of the page's main part that scroll sideways inside themselves (an inner scrollbar).
INNER_SCROLLERS = """() => [...document.querySelectorAll('main, main *')].filter(e => {
  const x = getComputedStyle(e).overflowX;
  const hidden = e.clientWidth <= 1;  // a visually hidden element (table heads on phones)
  return !hidden && ['auto', 'scroll', 'hidden'].includes(x) && e.scrollWidth > e.clientWidth + 1;
}).map(e => e.tagName + '.' + e.className)"""


@pytest.fixture(scope="module")
def eight_rounds(live_server: LiveServer) -> tuple[Account, str]:
    """An event of eight rounds with a built (draft) schedule, made through the services."""
    account = live_server.organiser()
    with live_server.app.app_context():
        organiser = db.session.get(Organiser, account.id)
        event = create_event(
            organiser,
            {
                "name": "Eight Rounds Forum",
                "rounds": ROUNDS,
                "tables": 8,
                "min_meetings": 2,
                "starts_at": datetime(2030, 6, 3, 9, 0),
            },
        )
        apply_import(event, preview_import(event, attendees_csv(), "attendees.csv"))
        job = run_build(create_build_job(event, time_limit=5).id)
        assert job.status == "done", f"the build did not finish: {job.status} {job.error}"
        return account, event.slug


def test_all_rounds_fit_at_1280_and_an_edit_returns_to_its_meeting(
    desktop: Page, eight_rounds: tuple[Account, str]
) -> None:
    account, slug = eight_rounds
    page = desktop
    log_in(page, account)
    page.goto(f"/organiser/events/{slug}/schedule?region=&kind=")
    for r in range(1, ROUNDS + 1):
        card = page.locator(f"#round-{r}")
        expect(card).to_be_visible()
        box = card.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 1280, (r, box)
    assert page.evaluate(INNER_SCROLLERS) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    expect(page.locator("#round-8 .meeting").first).to_contain_text(re.compile(r"match score \d"))
    expect(page.locator("#score-legend")).to_contain_text("offers that the other seeks")
    screenshot(page, "schedule-eight-rounds")

    # Pin the last meeting of round 8, far down the page: the browser comes back to it.
    last = page.locator("#round-8 .meeting").last
    anchor = last.get_attribute("id")
    assert anchor and anchor.startswith("meeting-8-")
    last.get_by_role("button", name="Pin", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text(re.compile(r"in round 8 pinned\."))
    assert page.evaluate("location.hash") == f"#{anchor}"
    assert "region=" in page.url and "kind=" in page.url  # the filters are kept
    assert page.evaluate("window.scrollY") > 0
    top = page.evaluate(f"document.getElementById('{anchor}').getBoundingClientRect().top")
    assert 0 <= top < 800, top  # the pinned meeting is on the screen
    expect(page.locator(f"#{anchor}")).to_have_class(re.compile(r"\bpinned\b"))
    screenshot(page, "schedule-after-pin")


# The elements reaching past a 375-pixel screen, named for the failure message.
WIDER_THAN_PHONE = """() => [...document.querySelectorAll('body *')]
    .filter((e) => e.getBoundingClientRect().right > 376)
    .slice(0, 8)
    .map((e) => `${e.tagName}.${e.className}: ${(e.innerText || '').slice(0, 80)}`)"""


def test_the_schedule_page_does_not_scroll_sideways_at_375(
    phone: Page, eight_rounds: tuple[Account, str]
) -> None:
    account, slug = eight_rounds
    log_in(phone, account)
    phone.goto(f"/organiser/events/{slug}/schedule")
    expect(phone.locator("#round-8")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375, phone.evaluate(
        WIDER_THAN_PHONE
    )
    assert phone.evaluate(INNER_SCROLLERS) == []
    name = phone.locator("#round-1 .meeting a").first.inner_text()
    phone.locator("#round-1 .meeting a").first.click()
    expect(phone.locator("#me-title")).to_contain_text(name)
    wide = phone.evaluate(WIDER_THAN_PHONE)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375, wide
    screenshot(phone, "schedule-attendee-phone")


def test_publishing_asks_first_with_what_changes_and_for_whom(
    live_server: LiveServer, desktop: Page, eight_rounds: tuple[Account, str]
) -> None:
    """Publish opens a confirmation (nothing published yet); after a swap, it names the people."""
    account, slug = eight_rounds
    page = desktop
    log_in(page, account)
    page.goto(f"/organiser/events/{slug}/schedule")
    page.get_by_role("link", name="Publish this version…").click()
    heading = page.get_by_role("heading", name=re.compile(r"Publish version \d+\?"))
    expect(heading).to_be_visible()
    number = int(re.search(r"\d+", heading.inner_text()).group(0))
    with live_server.app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == slug))
        assert event.published_version_id is None  # the first click published nothing
    expect(page.locator("#count-added")).not_to_have_text("0")
    screenshot(page, "publish-confirm-first")
    page.get_by_role("button", name=f"Publish version {number}").click()
    expect(page.get_by_role("status")).to_contain_text(f"Version {number} is published")

    # A swap makes a draft; its confirmation names the four people and their tables.
    with live_server.app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == slug))
        legal = legality(event.published_version)
        x, y = next(
            (m.attendee_a_id, other.id)
            for m in event.published_version.meetings
            for other in legal.swaps(m.round, m.attendee_a_id)
        )
        round_ = next(
            m.round for m in event.published_version.meetings if m.attendee_a_id == x
            and any(o.id == y for o in legal.swaps(m.round, x))
        )  # fmt: skip
        swap_attendees(event, round_, db.session.get(Attendee, x), db.session.get(Attendee, y))
        names = [db.session.get(Attendee, i).name for i in (x, y)]
    page.goto(f"/organiser/events/{slug}/schedule")
    page.get_by_role("link", name="Publish this version…").click()
    expect(page.locator("#count-moved")).to_have_text("0")
    expect(page.locator("#count-added")).to_have_text("2")
    expect(page.locator("#count-removed")).to_have_text("2")
    expect(page.locator("#count-affected")).to_have_text("4")
    for name in names:
        expect(page.locator("#affected")).to_contain_text(name)
    expect(page.locator("#meeting-changes")).to_contain_text(f"round {round_}, Table ")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    screenshot(page, "publish-confirm-swap")
    page.set_viewport_size({"width": 375, "height": 740})
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.get_by_role("link", name="Cancel").click()
    expect(page.get_by_role("heading", name=re.compile(r"Schedule, version"))).to_contain_text(
        "draft"
    )
