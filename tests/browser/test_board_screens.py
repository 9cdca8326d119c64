"""The live board on a phone and on a 1920x1080 projector: the clock passes from round 2 into
the break and the page follows without a reload; and the dashboard on the event's day."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Browser, Page, expect

from app.extensions import db
from app.models import Event, Organiser
from app.services.events.board import issue_board_link
from app.services.events.clock import TEST_CLOCK, to_utc
from app.services.events.editing import create_event
from tests.browser.conftest import (
    SCREENSHOTS,
    TIMEOUT_MS,
    Account,
    LiveServer,
    log_in,
    record_problems,
    screenshot,
)
from tests.conftest import add_version, attendee_factory

pytestmark = pytest.mark.browser
PROJECTOR = {"width": 1920, "height": 1080}
# Three 20-minute rounds from 09:00 Warsaw time, 5-minute breaks: round 2 is 09:25-09:45.
START = datetime(2030, 3, 4, 9, 0)
ROUND_2_ENDS = datetime(2030, 3, 4, 9, 45)


@dataclass
class Room:
    account: Account
    slug: str
    token: str
    round_2_ends: datetime  # aware UTC


@pytest.fixture(scope="module")
def room(live_server: LiveServer) -> Room:
    """An event in Warsaw with named tables, a published schedule and a board link."""
    account = live_server.organiser()
    with live_server.app.app_context():
        organiser = db.session.get(Organiser, account.id)
        event = create_event(
            organiser,
            {
                "name": "Krakow Partner Forum",
                "timezone": "Europe/Warsaw",
                "starts_at": START,
                "rounds": 3,
                "round_minutes": 20,
                "break_minutes": 5,
                "tables": 6,
                "table_names": ["Booth A1", "Booth A2", "Booth B1", "", "Lounge", "Terrace"],
            },
        )
        make = attendee_factory()
        people = [make(event) for _ in range(6)]
        a, b, c, d, e, f = people
        add_version(
            event,
            [(2, 1, a, b), (2, 2, c, d), (2, 5, e, f), (3, 4, a, c), (3, 6, b, e)],
            published=True,
        )
        people[0].checked_in_at = datetime.now(UTC).replace(tzinfo=None)
        db.session.commit()
        token = issue_board_link(event)
        return Room(account, event.slug, token, to_utc(event, ROUND_2_ENDS))


@pytest.fixture
def clock(live_server: LiveServer) -> Iterator[Callable[[datetime], None]]:
    """Set the live server's clock: ``clock(moment)`` makes it ``moment`` now, ticking on."""

    def set_clock(moment: datetime) -> None:
        shift = moment - datetime.now(UTC)
        live_server.app.config[TEST_CLOCK] = lambda: datetime.now(UTC) + shift

    yield set_clock
    live_server.app.config.pop(TEST_CLOCK, None)


def no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"page is {width} px wide"


def projector_page(browser: Browser, live_server: LiveServer) -> tuple[Page, list[str]]:
    context = browser.new_context(base_url=live_server.url, viewport=PROJECTOR)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    return page, record_problems(page)


def test_the_board_goes_from_round_2_into_the_break_without_a_reload(
    phone: Page, room: Room, clock
) -> None:
    """Four seconds before round 2 ends (on a server whose clock is years from the phone's):
    the countdown runs out, and the same page says when round 3 starts."""
    clock(room.round_2_ends - timedelta(seconds=4))
    phone.goto(f"/board/{room.token}")
    label = phone.locator("#board-label")
    expect(label).to_have_text("Round 2 ends in")
    expect(phone.locator("#board-headline")).to_have_text("Round 2 of 3")
    expect(phone.locator("#tables-in-use")).to_contain_text("Lounge")
    expect(phone.locator("#board-clock")).to_contain_text("09:44:")  # event time, not the phone's
    phone.evaluate("window.sameDocument = 'yes'")
    no_sideways_scroll(phone)
    screenshot(phone, "board-round")

    expect(label).to_have_text("Next round starts at 09:50", timeout=15_000)
    assert phone.evaluate("window.sameDocument") == "yes"  # updated in place, not reloaded
    expect(phone.locator("#board-headline")).to_have_text("Break after round 2")
    expect(phone.locator("#tables-title")).to_have_text("Tables in round 3")
    expect(phone.locator("#tables-in-use")).to_have_text("Table 4Terrace")
    expect(phone.locator("#board-countdown")).to_contain_text("4:5")  # about 4:55 to go
    expect(phone.locator("#board-clock")).to_contain_text("09:45:")
    no_sideways_scroll(phone)
    screenshot(phone, "board-break")


def test_the_board_fills_a_projector_and_follows_into_the_break(
    browser: Browser, live_server: LiveServer, room: Room, clock
) -> None:
    clock(room.round_2_ends - timedelta(seconds=3))
    page, problems = projector_page(browser, live_server)
    page.goto(f"/board/{room.token}")
    expect(page.locator("#board-label")).to_have_text("Round 2 ends in")
    no_sideways_scroll(page)
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height <= PROJECTOR["height"], f"the board needs scrolling on a projector: {height}"
    size = page.evaluate(
        "parseFloat(getComputedStyle(document.getElementById('board-countdown')).fontSize)"
    )
    assert size >= 200, f"countdown only {size} px high on a 1920x1080 screen"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "board-round-1920.png")
    expect(page.locator("#board-label")).to_have_text("Next round starts at 09:50", timeout=15_000)
    page.screenshot(path=SCREENSHOTS / "board-break-1920.png")
    page.context.close()
    assert not problems, problems


def test_a_removed_link_stops_the_board_and_says_ask_the_organiser(
    phone: Page, live_server: LiveServer, room: Room, clock
) -> None:
    clock(room.round_2_ends - timedelta(minutes=10))
    with live_server.app.app_context():
        event = db.session.scalar(db.select(Event).where(Event.slug == room.slug))
        old = event.board_token
        new = issue_board_link(event)
    phone.goto(f"/board/{old}")
    expect(phone.get_by_role("heading", name="This board link does not work")).to_be_visible()
    expect(phone.get_by_text("Ask the organiser for the current board link.")).to_be_visible()
    no_sideways_scroll(phone)
    screenshot(phone, "board-link-gone")
    phone.goto(f"/board/{new}")
    expect(phone.locator("#board-label")).to_have_text("Round 2 ends in")
    with live_server.app.app_context():  # replaced while the page is open
        event = db.session.scalar(db.select(Event).where(Event.slug == room.slug))
        room.token = issue_board_link(event)
    status = phone.locator("#board-status")
    expect(status).to_have_text(
        "This board link no longer works: ask the organiser for the current one.", timeout=15_000
    )


def test_the_dashboard_on_the_day_shows_the_round_on_and_the_day_s_tools(
    desktop: Page, room: Room, clock
) -> None:
    clock(room.round_2_ends - timedelta(minutes=5))
    log_in(desktop, room.account)
    desktop.goto(f"/organiser/events/{room.slug}")
    card = desktop.locator(".next-step")
    expect(card.get_by_role("heading")).to_have_text("Now: round 2 of 3")
    expect(card).not_to_contain_text("Print badges")
    for name in ("Door: check-in", "Live board", "No-shows and re-plan"):
        expect(card.get_by_role("link", name=name)).to_be_visible()
    origin = desktop.evaluate("location.origin")
    expect(desktop.locator("#board code")).to_have_text(f"{origin}/board/{room.token}")
    screenshot(desktop, "dashboard-live")
    desktop.set_viewport_size({"width": 375, "height": 740})
    no_sideways_scroll(desktop)
    clock(room.round_2_ends + timedelta(hours=3))
    desktop.reload()
    expect(card.get_by_role("heading")).to_have_text("Next step: follow-ups and reports")
    screenshot(desktop, "dashboard-after")


def test_the_dashboard_before_the_day_keeps_the_checklist(desktop: Page, room: Room, clock) -> None:
    clock(room.round_2_ends - timedelta(days=2))
    log_in(desktop, room.account)
    desktop.goto(f"/organiser/events/{room.slug}")
    card = desktop.locator(".next-step")
    expect(card.get_by_role("heading")).to_have_text("Next step")
    expect(card.get_by_role("link", name="Print badges")).to_be_visible()
    expect(desktop.locator("#board").get_by_role("link", name="Open the board")).to_be_visible()
    screenshot(desktop, "dashboard-before")
    desktop.set_viewport_size({"width": 375, "height": 740})
    no_sideways_scroll(desktop)
