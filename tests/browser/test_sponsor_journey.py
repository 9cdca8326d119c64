"""Sponsor reports in the browser: the organiser hands out a link, a sponsor reads it on a phone.

The event is the hand-built one of ``tests/report_helpers.build`` (its figures are asserted in
``tests/reports/test_reports.py``), put in the live server's database: Acme sends two vendor reps,
Globex one. Assertions use the pages' element ids and the known numbers, not their layout.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader
from sqlalchemy import delete

from app.extensions import db
from app.models import Event, FollowUp, Organiser
from app.services.events.editing import create_event
from app.services.messages.sponsors import add_sponsor_contact
from tests.browser.conftest import PHONE, Account, LiveServer, log_in, screenshot
from tests.browser.test_phone_layout import _overflow
from tests.conftest import add_version, attendee_factory
from tests.report_helpers import Cast, build

pytestmark = pytest.mark.browser

# Acme's figures (tests/reports/test_reports.py): 5 meetings, 4 held, 1 no-show; 4 partners asked,
# 3 answered (10, 6, 8: one promoter, one detractor); ratings 5, 3, 4.
ACME = {
    "scheduled": "5",
    "held": "4",
    "no-shows": "1",
    "nps": "+0",
    "asked": "4",
    "answered": "3",
    "response-rate": "75%",
    "avg-rating": "4.0",
}
ACME_PIPELINE = {"EUR": "EUR 3,000", "USD": "USD 500"}
GLOBEX_ONLY = ["Globex secret", "Gil Globex"]  # Globex's comment and rep


@dataclass(frozen=True)
class Seeded:
    """What the tests know about the event they put in the live server's database."""

    account: Account
    slug: str
    people: int


def _hand_built(account: Account, name: str) -> tuple[Event, Cast]:
    """The hand-built event with its published schedule and answers, run by ``account``.

    Call it inside the live server's app context.
    """
    event = create_event(
        db.session.get(Organiser, account.id),
        {"name": name, "rounds": 3, "tables": 6, "starts_at": datetime(2030, 9, 14, 9, 0)},
    )
    return event, build(event, attendee_factory(), add_version)


@pytest.fixture(scope="module")
def seeded(live_server: LiveServer) -> Seeded:
    """The hand-built event with its published schedule and answers; Globex has a contact."""
    account = live_server.organiser()
    with live_server.app.app_context():
        event, _ = _hand_built(account, "Partner Summit Wien")
        add_sponsor_contact(event, "boss@globex.example", "Greta Boss", "Globex")
        return Seeded(account, event.slug, len(event.attendees))


@pytest.fixture
def acme_link(live_server: LiveServer) -> str:
    """Acme's report link in a hand-built event of its own where one meeting has no answer.

    Walt Acme's round-2 meeting with Partner 4 loses its only answer: Acme then has 3 meetings
    held (5 answers say so) and 1 that nobody answered about. The ``seeded`` event is untouched.
    """
    with live_server.app.app_context():
        event, cast = _hand_built(live_server.organiser(), "Partner Summit Graz")
        db.session.execute(
            delete(FollowUp).where(
                FollowUp.attendee_id == cast.v2.id, FollowUp.other_id == cast.p[4].id
            )
        )
        db.session.commit()
        return f"/s/{add_sponsor_contact(event, 'cfo@acme.example', 'Carl Acme', 'Acme').token}"


def _figure(page: Page, element_id: str, value: str) -> None:
    """The element shows ``value`` first (trace links or notes may follow it)."""
    expect(page.locator(f"#{element_id}")).to_have_text(
        re.compile(rf"^\s*{re.escape(value)}(?![\d.,])")
    )


def _sideways(page: Page, name: str, problems: list[str]) -> None:
    """Note it when the page scrolls sideways at 375 px, with the elements that stick out.

    Noted rather than asserted at once, so the rest of the journey still runs and the test's
    failure lists every page that is too wide.
    """
    assert page.viewport_size == PHONE
    problem = _overflow(page, name)
    if problem:
        problems.append(problem)


def _no_sideways_scroll(problems: list[str]) -> None:
    """Fail with every page noted by ``_sideways``."""
    assert not problems, "pages wider than a 375 px phone:\n" + "\n".join(problems)


def _charts_render(page: Page, at_least: int) -> None:
    """Every SVG chart has drawn bars and fits the page's width."""
    charts = page.locator("svg[role='img']")
    assert charts.count() >= at_least
    for chart in charts.all():
        box = chart.bounding_box()
        assert box and box["height"] > 0 and 0 < box["width"] <= PHONE["width"], box
        widths = chart.locator("rect").evaluate_all(
            "(rects) => rects.map((r) => r.getBoundingClientRect().width)"
        )
        assert widths and max(widths) > 0, f"no bar drawn in {chart.get_attribute('aria-label')}"


def _contact_link(page: Page, email: str) -> str:
    """The report link shown in the row of the contact with this ``email``."""
    row = page.get_by_role("row").filter(has_text=email)
    expect(row).to_have_count(1)
    href = row.locator("a[href*='/s/']").get_attribute("href")
    assert href, f"no report link in the row of {email}"
    return href


def test_sponsor_contact_reads_their_company_report_on_a_phone(
    seeded: Seeded, live_server: LiveServer, desktop: Page, phone: Page
) -> None:
    """Organiser adds Acme's contact; its link shows Acme's figures only; re-issuing kills it."""
    too_wide: list[str] = []
    desktop.goto("/organiser/login")
    log_in(desktop, seeded.account)
    desktop.goto(f"/organiser/events/{seeded.slug}/sponsors")
    expect(desktop.get_by_role("heading", name="Sponsor contacts")).to_be_visible()
    desktop.get_by_label("Company").select_option("Acme")
    desktop.get_by_label("Name").fill("Ana Müller-Acme")
    desktop.get_by_label("Email").fill("ana.mueller@acme.example")
    desktop.get_by_role("button", name="Add contact").click()
    expect(
        desktop.get_by_text("ana.mueller@acme.example can now read Acme's report")
    ).to_be_visible()
    link = _contact_link(desktop, "ana.mueller@acme.example")
    assert link.startswith(live_server.url + "/s/")

    # The sponsor: a phone, no login, only the link.
    response = phone.goto(link)
    assert response is not None and response.status == 200
    expect(phone.get_by_role("heading", level=1)).to_contain_text("Acme")
    for element_id, value in ACME.items():
        _figure(phone, element_id, value)
    expect(phone.locator("#small-sample")).to_be_visible()
    expect(phone.locator("#small-sample")).to_contain_text("Small sample")
    for currency, text in ACME_PIPELINE.items():
        expect(phone.locator(f"#pipeline-{currency}")).to_contain_text(text)
    html = phone.content()
    for secret in GLOBEX_ONLY:
        assert secret not in html, f"{secret!r} is on Acme's report"
    _sideways(phone, "sponsor report", too_wide)
    _charts_render(phone, at_least=3)  # regions, kinds, NPS distribution
    screenshot(phone, "sponsor-report")

    with phone.expect_download() as download:
        phone.get_by_role("link", name="PDF", exact=True).click()
    pdf = Path(download.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    pages = PdfReader(io.BytesIO(pdf)).pages
    text = " ".join(" ".join(p.extract_text() for p in pages).split())
    assert "Acme" in text and "NPS +0" in text
    assert not any(secret in text for secret in GLOBEX_ONLY)

    # Re-issued: the old link is a plain 404, the new one works.
    row = desktop.get_by_role("row").filter(has_text="ana.mueller@acme.example")
    row.get_by_role("button", name="Re-issue link").click()
    expect(desktop.get_by_text("ana.mueller@acme.example has a new link")).to_be_visible()
    new_link = _contact_link(desktop, "ana.mueller@acme.example")
    assert new_link != link
    response = phone.goto(link)
    assert response is not None and response.status == 404
    expect(phone.locator("body")).not_to_contain_text("Acme")
    response = phone.goto(new_link)
    assert response is not None and response.status == 200
    _figure(phone, "scheduled", ACME["scheduled"])
    _no_sideways_scroll(too_wide)


def test_event_report_and_sponsors_page_fit_a_phone(seeded: Seeded, phone: Page) -> None:
    """The event report and sponsor contacts on a 375 px phone: known figures, no side scroll."""
    too_wide: list[str] = []
    phone.goto("/organiser/login")
    log_in(phone, seeded.account)

    phone.goto(f"/organiser/events/{seeded.slug}/report")
    expect(phone.get_by_role("heading", name="Event report")).to_be_visible()
    # Columns: sponsor meetings, sponsors rating partners (no meetings of its own: "—"),
    # partner-to-partner, all meetings (tests/reports/test_reports.py).
    rows = {
        "Scheduled": ("7", "—", "1", "8"),
        "Held": ("6", "—", "1", "7"),
        "No-shows": ("1", "—", "0", "1"),
        "NPS": ("-40", "—", "+50", "-14"),
    }
    for label, values in rows.items():
        row = phone.get_by_role("row").filter(has=phone.get_by_role("cell", name=label, exact=True))
        cells = row.get_by_role("cell").all_inner_texts()[1:]
        assert len(cells) >= len(values), (label, cells)
        for cell, value in zip(cells, values, strict=False):
            assert re.match(rf"\s*{re.escape(value)}(?![\d.,])", cell), (label, cells)
    expect(phone.locator("#groups-note")).to_contain_text("= All meetings, for every count")
    expect(phone.locator("#teaming")).to_contain_text(f"{100 * 2 / seeded.people:.0f}%")
    _sideways(phone, "event report", too_wide)
    _charts_render(phone, at_least=1)  # regional mix
    screenshot(phone, "event-report")

    phone.goto(f"/organiser/events/{seeded.slug}/sponsors")
    expect(phone.get_by_role("heading", name="Sponsor contacts")).to_be_visible()
    _contact_link(phone, "boss@globex.example")
    _sideways(phone, "sponsors", too_wide)
    screenshot(phone, "sponsors")
    _no_sideways_scroll(too_wide)


def test_sponsor_reads_the_answers_behind_a_figure_on_a_phone(acme_link: str, phone: Page) -> None:
    """From the report, the held and unanswered trace pages: Acme's rows only, no side scroll."""
    too_wide: list[str] = []
    phone.goto(acme_link)
    _figure(phone, "held", "3")
    _figure(phone, "unanswered", "1")

    figure = phone.get_by_role("listitem").filter(has=phone.locator("#held"))
    figure.get_by_role("link", name="5 answers").click()
    expect(phone).to_have_url(re.compile(rf"{re.escape(acme_link)}/answers/held$"))
    expect(phone.get_by_role("heading", level=1)).to_have_text(
        "Acme: Answers saying the meeting took place"
    )
    # Acme's own two answers, named; the partners' three without names, rounds or tables.
    expect(phone.locator("li[id^='answer-']")).to_have_count(2)
    expect(phone.locator("#partner-answers > li")).to_have_count(3)
    expect(phone.locator("#partner-answers")).not_to_contain_text("Partner")
    expect(phone.locator("blockquote").first).to_contain_text("=great demo")  # quotes allowed
    expect(phone.locator("blockquote").last).to_contain_text("Ünïcödé ça marche")
    assert "Globex secret" not in phone.content()
    _sideways(phone, "sponsor answers held", too_wide)
    screenshot(phone, "sponsor-answers")

    phone.get_by_role("link", name="Back to the report").click()
    figure = phone.get_by_role("listitem").filter(has=phone.locator("#unanswered"))
    figure.get_by_role("link", name="which meetings").click()
    expect(phone).to_have_url(re.compile(rf"{re.escape(acme_link)}/answers/unanswered$"))
    expect(phone.locator("p.lead")).to_contain_text("1 meeting.")
    expect(phone.locator("ol.answers > li")).to_have_text(
        re.compile(r"Round 2 · Table 2 · Walt Acme \(Acme\)\s+and Partner 4")
    )
    _sideways(phone, "sponsor answers unanswered", too_wide)
    _no_sideways_scroll(too_wide)
