"""Loyalty across a series in the browser, at 375 px: a sponsor reads the loyalty section of
its report; the organiser reads the series page. The series is the hand-built one of
``tests/series_helpers.py`` (its figures are asserted in tests/reports/test_loyalty.py)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from app.extensions import db
from app.models import Organiser
from app.services.events.editing import create_event
from tests.browser.conftest import PHONE, Account, LiveServer, log_in, screenshot
from tests.browser.test_phone_layout import _overflow
from tests.conftest import add_version, attendee_factory
from tests.series_helpers import Series2, build_series

pytestmark = pytest.mark.browser


def _series(live_server: LiveServer, account: Account) -> tuple[str, int, str]:
    """The two editions in the live server's database: (Acme's link, series id, 2026 slug)."""
    with live_server.app.app_context():

        def make_event(organiser: Organiser, **settings: Any):
            values = {"rounds": 6, "tables": 10, **settings}
            return create_event(organiser, values)

        built: Series2 = build_series(
            lambda: db.session.get(Organiser, account.id), make_event, attendee_factory(),
            add_version,
        )  # fmt: skip
        return f"/s/{built.acme_contact.token}", built.second.series_id or 0, built.second.slug


def _fits(page: Page, name: str) -> None:
    assert page.viewport_size == PHONE
    problem = _overflow(page, name)
    assert problem is None, problem


def test_a_sponsor_reads_the_loyalty_section_on_a_phone(
    live_server: LiveServer, phone: Page
) -> None:
    link, _, _ = _series(live_server, live_server.organiser())
    phone.goto(link + "#loyalty")
    section = phone.locator("#loyalty")
    expect(section.get_by_role("heading", name="Loyalty")).to_be_visible()
    expect(phone.locator("#loyalty-retention")).to_have_text("83%")
    expect(phone.locator("#loyalty-again")).to_have_text("5")
    expect(phone.locator("#loyalty-nps-change")).to_have_text("+40 points")
    chart = section.locator("svg.loyalty-chart")
    expect(chart).to_be_visible()
    box = chart.bounding_box()
    assert box and 0 < box["width"] <= PHONE["width"] and box["height"] > 40
    widths = chart.locator("rect").evaluate_all(
        "(rects) => rects.map((r) => r.getBoundingClientRect().width)"
    )
    assert max(widths) > 100  # the bars are drawn, not empty
    assert "Partner Person" not in section.inner_text()  # nobody is named
    _fits(phone, "sponsor loyalty")
    phone.locator("#loyalty").scroll_into_view_if_needed()
    screenshot(phone, "sponsor-loyalty")


def test_the_organiser_reads_the_series_page_on_a_phone(
    live_server: LiveServer, phone: Page
) -> None:
    account = live_server.organiser()
    _, series_id, slug = _series(live_server, account)
    log_in(phone, account)
    phone.get_by_role("link", name="Partner Summit", exact=True).first.click()
    phone.wait_for_url(f"**/organiser/series/{series_id}")
    expect(phone.get_by_role("heading", name="Who came back")).to_be_visible()
    expect(phone.locator("#people-partner-1")).to_have_text("5 of 6 (83%)")
    expect(phone.locator("#teaming-2")).to_have_text("11%")
    expect(phone.locator("svg.bars").first).to_be_visible()
    _fits(phone, "series page")
    phone.emulate_media(media="print")
    _fits(phone, "series page, printed")
    phone.emulate_media(media="screen")
    screenshot(phone, "series-page")
    phone.goto(f"/organiser/events/{slug}")
    expect(phone.locator("#series-link")).to_contain_text("Partner Summit")
