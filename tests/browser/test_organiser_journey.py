"""An organiser's whole journey in a real browser, from login to an exported schedule."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from app.extensions import db
from app.models import Attendee, Event, ScheduleVersion
from tests.browser.conftest import PEOPLE, LiveServer, attendees_csv, log_in, screenshot

pytestmark = pytest.mark.browser

BAD_ROW = 4  # the spreadsheet row (the header is row 1) that says "reseller"
BUILD_TIMEOUT_MS = 60_000  # the event's solver time limit is 5 s; this is for a slow machine
SCHEDULE_HEADER = ["round", "table", "email_a", "email_b", "score", "reasons"]


def attendee_count(live_server: LiveServer, slug: str) -> int:
    """How many attendees the event has in the database, read beside the browser."""
    with live_server.app.app_context():
        query = select(func.count(Attendee.id)).join(Event).where(Event.slug == slug)
        return db.session.scalar(query)


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    email: str
    company: str

    @property
    def option(self) -> str:
        """How the schedule page's attendee menu names this person."""
        return f"{self.name} ({self.company})"


@dataclass(frozen=True)
class Swap:
    """In ``round``, ``x`` (meeting ``p``) and ``y`` (meeting ``q``) trade places."""

    round: int
    x: Person
    y: Person
    p: Person
    q: Person


def schedule_of(live_server: LiveServer, slug: str, number: int) -> tuple[dict, dict]:
    """Version ``number``'s meetings as {(round, person id): (partner id, pinned)}, and people."""
    with live_server.app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == slug))
        version = db.session.scalar(
            select(ScheduleVersion).where(
                ScheduleVersion.event_id == event.id, ScheduleVersion.number == number
            )
        )
        people = {
            a.id: Person(a.id, a.name, a.email, a.company)
            for a in db.session.scalars(select(Attendee).where(Attendee.event_id == event.id))
        }
        seats = {}
        for m in version.meetings:
            seats[(m.round, m.attendee_a_id)] = (m.attendee_b_id, m.pinned)
            seats[(m.round, m.attendee_b_id)] = (m.attendee_a_id, m.pinned)
    return seats, people


def find_swaps(seats: dict, people: dict) -> tuple[Swap, Swap]:
    """A swap that keeps every rule, and one that seats two colleagues together.

    Both are between people of unpinned meetings, so the pin made before stays put.
    """
    met = {frozenset((x, p)) for (_r, x), (p, _pinned) in seats.items()}
    legal = colleagues = None
    for (r, x), (p, x_pinned) in sorted(seats.items()):
        for (r2, y), (q, y_pinned) in sorted(seats.items()):
            if r2 != r or x_pinned or y_pinned or len({x, y, p, q}) < 4:
                continue
            swap = Swap(r, people[x], people[y], people[p], people[q])
            if people[x].company == people[q].company and colleagues is None:
                colleagues = swap
            companies_ok = people[y].company != people[p].company and (
                people[x].company != people[q].company
            )
            new_pairs = {frozenset((y, p)), frozenset((x, q))}
            if legal is None and companies_ok and not new_pairs & met:
                legal = swap
    assert legal and colleagues, "the schedule leaves no swap to try"
    return legal, colleagues


def swap_in_page(page: Page, swap: Swap, offered: bool = True) -> None:
    """Open ``swap.x``'s rounds on the schedule page and swap places with ``swap.y``.

    ``offered=False``: the page does not offer this swap (it breaks a rule); submit it anyway,
    as a stale page or a hand-made request would, to see the server refuse it.
    """
    page.get_by_label("One attendee's rounds").select_option(label=swap.x.option)
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#me-title")).to_contain_text(swap.x.name)
    select = page.locator(f"#swap-{swap.round}")
    option = select.locator(f'option[value="{swap.y.id}"]')
    if offered:
        expect(option).to_have_count(1)
    else:
        expect(option).to_have_count(0)
        select.evaluate(
            "(s, v) => { const o = document.createElement('option'); o.value = v;"
            " o.textContent = v; s.appendChild(o); }",
            str(swap.y.id),
        )
    select.select_option(str(swap.y.id))
    form = page.locator("form.swap-form").filter(has=page.locator(f"#swap-{swap.round}"))
    form.get_by_role("button", name="Swap places").click()


def upload(page: Page, filename: str, data: bytes) -> None:
    """Choose a file in the upload form of the page and send it."""
    page.get_by_label("Attendees file (CSV or XLSX)").set_input_files(
        {"name": filename, "mimeType": "text/csv", "buffer": data}
    )
    page.get_by_role("button", name="Check the file").click()


def test_organiser_goes_from_login_to_an_exported_schedule(
    live_server: LiveServer, desktop: Page
) -> None:
    """Login, event, a refused import, a good import, build, adjust, publish, export."""
    page = desktop
    organiser = live_server.organiser()

    # Log in through the login page.
    page.goto("/organiser/login")
    expect(page.get_by_role("heading", name="Organiser login")).to_be_visible()
    screenshot(page, "01-login")
    log_in(page, organiser)
    expect(page.get_by_role("heading", name="Your events")).to_be_visible()
    screenshot(page, "02-events-empty")

    # Create an event through the form.
    page.get_by_role("link", name="New event").click()
    page.get_by_label("Event name").fill("Channel Partner Summit")
    page.get_by_label("Venue").fill("Messe Berlin, Hall 7")
    page.get_by_label("Round 1 starts (local time)").fill("2030-03-04T09:00")
    page.get_by_label("Time zone").select_option("Europe/Berlin")
    page.get_by_label("Rounds", exact=True).fill("6")
    page.get_by_label("Tables", exact=True).fill("10")
    page.get_by_label("Minimum meetings per attendee").fill("3")
    page.get_by_label("Gold sponsors get at least").fill("4")
    page.get_by_label("Solver time limit (seconds)").fill("5")
    page.get_by_role("button", name="Create event").click()
    expect(page.get_by_role("heading", name="Channel Partner Summit")).to_be_visible()
    expect(
        page.get_by_text("Created Channel Partner Summit. Next: import the attendees.")
    ).to_be_visible()
    slug = page.url.rstrip("/").rsplit("/", 1)[-1]
    dashboard = page.url
    screenshot(page, "03-dashboard-new-event")

    # A file with a bad row: the problem is named by row, column and value; nothing is imported.
    page.get_by_role("link", name="Import attendees").click()
    expect(page.get_by_role("heading", name="Import attendees")).to_be_visible()
    upload(page, "attendees.csv", attendees_csv(bad_row=(BAD_ROW, "kind", "reseller")))
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("1 problem: nothing was imported")
    problem = alert.locator("tbody tr")
    expect(problem).to_have_count(1)
    expect(problem.locator('[data-label="Row"]')).to_have_text(str(BAD_ROW))
    expect(problem.locator('[data-label="Column"]')).to_have_text("kind")
    expect(problem.locator('[data-label="Value"]')).to_have_text("reseller")
    expect(problem.locator('[data-label="Problem"]')).to_contain_text("partner")
    expect(page.get_by_role("button", name=re.compile(r"^Import \d+ attendee"))).to_have_count(0)
    screenshot(page, "04-import-preview-bad-row")
    assert attendee_count(live_server, slug) == 0

    # The corrected file, uploaded from the same page: a preview, then the import.
    upload(page, "attendees-fixed.csv", attendees_csv())
    expect(page.get_by_role("list", name="What the import does")).to_contain_text(f"{PEOPLE} new")
    screenshot(page, "05-import-preview-ok")
    assert attendee_count(live_server, slug) == 0
    page.get_by_role("button", name=f"Import {PEOPLE} attendees").click()
    page.wait_for_url(f"**/organiser/events/{slug}/attendees")
    expect(page.get_by_text(f"Imported: {PEOPLE} created, 0 updated, 0 unchanged.")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="attendees")).to_have_text(
        f"{PEOPLE} attendees."
    )
    rows = page.locator("table.attendees tbody tr")
    expect(rows).to_have_count(PEOPLE)
    expect(rows.filter(has_text="Ieva Kalniņa")).to_contain_text("Baltic Bytes")
    expect(rows.filter(has_text="Maya Thompson")).to_contain_text("gold")
    screenshot(page, "06-attendees")
    assert attendee_count(live_server, slug) == PEOPLE

    page.goto(dashboard)
    expect(page.get_by_role("button", name="Build schedule")).to_be_visible()
    screenshot(page, "07-dashboard-ready-to-build")

    # Build: the progress bar fills and says done, then the schedule opens by itself.
    page.get_by_role("button", name="Build schedule").click()
    page.wait_for_url(re.compile(rf"/organiser/events/{slug}/jobs/\d+$"))
    expect(page.get_by_role("heading", name="Building the schedule")).to_be_visible()
    screenshot(page, "08-build-progress")
    expect(page.locator("#build")).to_have_attribute(
        "data-status", "done", timeout=BUILD_TIMEOUT_MS
    )
    expect(page.locator("#build-bar")).to_have_js_property("value", 100)
    expect(page.locator("#build-percent")).to_have_text("100%")
    expect(page.locator("#build-done")).to_contain_text("Done: version 1 is ready.")
    expect(page.locator("#build-done").get_by_role("link")).to_have_text("Review the schedule")
    page.wait_for_url(f"**/organiser/events/{slug}/schedule")
    expect(page.get_by_role("heading", name=re.compile(r"Schedule, version 1"))).to_contain_text(
        "draft"
    )
    grid = page.locator(".schedule-grid")
    expect(grid).to_be_visible()
    screenshot(page, "09-schedule-grid")

    # Pin a meeting in the grid.
    grid.get_by_role("button", name="Pin", exact=True).first.click()
    expect(page.get_by_role("status")).to_contain_text(re.compile(r"in round \d+ pinned\."))
    expect(page.locator(".schedule-grid .meeting.pinned")).to_have_count(1)
    seats, people = schedule_of(live_server, slug, 1)
    assert sum(pinned for _partner, pinned in seats.values()) == 2  # one meeting, two seats

    # Swap places: a swap seating two colleagues together is not offered, and refused with the
    # reason when sent anyway; a legal swap is offered, made and re-checked.
    legal, colleagues = find_swaps(seats, people)
    swap_in_page(page, colleagues, offered=False)
    expect(page.get_by_role("status")).to_contain_text(
        re.compile(r"Not changed: .* both work for ")
    )
    assert schedule_of(live_server, slug, 1)[0] == seats
    swap_in_page(page, legal)
    expect(page.get_by_role("status")).to_contain_text(
        f"{legal.x.option} and {legal.y.option} swapped places in round {legal.round}."
    )
    screenshot(page, "10-schedule-attendee-after-swap")
    seats, _people = schedule_of(live_server, slug, 1)
    assert seats[(legal.round, legal.x.id)][0] == legal.q.id
    assert seats[(legal.round, legal.y.id)][0] == legal.p.id

    # Publish, then export what attendees now see.
    # Publish, which asks first: the confirmation lists what changes, for whom.
    page.get_by_role("link", name="Publish this version…").click()
    expect(page.get_by_role("heading", name="Publish version 1?")).to_be_visible()
    expect(page.locator("#count-added")).to_have_text(str(len(seats) // 2))
    screenshot(page, "11a-publish-confirm")
    page.get_by_role("button", name="Publish version 1").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Version 1 is published: attendees now see it."
    )
    expect(page.get_by_role("heading", name=re.compile(r"Schedule, version 1"))).to_contain_text(
        "published"
    )
    screenshot(page, "11-schedule-published")
    meetings = len(seats) // 2

    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    assert download.value.suggested_filename == f"{slug}-schedule-v1.csv"
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text("utf-8-sig"))))
    assert rows[0] == SCHEDULE_HEADER
    assert len(rows) - 1 == meetings
    pairs = {(int(r[0]), frozenset(r[2:4])) for r in rows[1:]}
    assert (legal.round, frozenset((legal.x.email, legal.q.email))) in pairs

    with page.expect_download() as download:
        page.get_by_role("link", name="Export XLSX").click()
    assert download.value.suggested_filename == f"{slug}-schedule-v1.xlsx"
    sheet = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active
    table = list(sheet.iter_rows(values_only=True))
    assert table[0][:4] == ("round", "start", "end", "table")
    assert len(table) - 1 == meetings
    pairs = {(r[0], frozenset((r[5], r[8]))) for r in table[1:]}
    assert (legal.round, frozenset((legal.x.email, legal.q.email))) in pairs
