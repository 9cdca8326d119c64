"""Anonymity in the browser at 375 px: two partners answer about Northwind's rep, one letting
their reason be quoted with their name, the other not; the sponsor's report shows the first
reason under its author's name, never the second, and no score on so few answers.

The event is ``tests/lead_helpers.build_booths``'s (see test_sponsor_leads.py's ``links``).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PHONE, screenshot
from tests.browser.test_sponsor_leads import Links, links  # noqa: F401 (the fixture)

pytestmark = pytest.mark.browser


def _answer(page: Page, url: str, why: str, quote: bool, name: bool) -> None:
    """Answer a follow-up as a partner on a phone, ticking the quote boxes as asked."""
    page.goto(url)
    expect(page.locator("#who-sees-what")).to_contain_text(
        "Northwind sees only totals of at least 5 answers"
    )
    page.get_by_text("Yes, we met").click()
    page.locator("fieldset", has_text="How was it?").get_by_text("2", exact=True).click()
    recommend = page.locator("fieldset", has_text="How likely are you to recommend")
    recommend.get_by_text("3", exact=True).click()
    page.get_by_label("Why?").fill(why)
    if quote:
        page.get_by_label("You may quote me to Northwind").check()
    if name:
        page.get_by_label("with my name").check()
    if quote and name:
        screenshot(page, "followup-consent")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("is saved")).to_be_visible()


def test_the_sponsor_sees_only_what_partners_allowed(links: Links, phone: Page) -> None:  # noqa: F811
    _answer(phone, links.zoe_followup, "Their roadmap fits ours.", quote=True, name=True)
    _answer(phone, links.mallory_followup, "The rep read from slides.", quote=False, name=False)

    phone.goto(links.northwind)
    expect(phone.locator("#nps")).to_have_text("fewer than 5 answers")
    expect(phone.locator("#avg-rating")).to_have_text("fewer than 5 answers")
    expect(phone.locator("#anonymity")).to_contain_text("you see totals, never who gave which")
    words = phone.locator("section", has_text="in their words")
    expect(words.locator("blockquote")).to_have_count(1)
    expect(words.locator("blockquote")).to_contain_text(
        "“Their roadmap fits ours.” (Zoë van der Berg, Fabrikam Ölwerke)"
    )
    assert "read from slides" not in phone.content()
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    phone.locator("#anonymity").scroll_into_view_if_needed()
    screenshot(phone, "sponsor-anonymous")
