"""Error pages on a 375 px phone (issue 13, "Bare 404s"): a re-issued or wrong sponsor link, a
wrong attendee link and a missing organiser page are Mingle's own pages, with no sideways
scroll, saying what to do next."""

from __future__ import annotations

from datetime import datetime

import pytest
from playwright.sync_api import Page, expect

from app.extensions import db
from app.models import Organiser, SponsorContact
from app.services.events.editing import create_event
from tests.browser.conftest import LiveServer, log_in, screenshot
from tests.conftest import attendee_factory

pytestmark = pytest.mark.browser

PHONE_WIDTH = 375
BAD_TOKEN = "Zz9" * 14 + "Q"  # 43 characters: the shape of a real link, in nobody's


def _old_links(live_server: LiveServer, organiser_id: int) -> tuple[str, str]:
    """An attendee's and a sponsor contact's links, both re-issued since: (attendee, sponsor)."""
    with live_server.app.app_context():
        organiser = db.session.get(Organiser, organiser_id)
        event = create_event(
            organiser,
            {"name": "Partner Forum Kraków", "rounds": 4, "tables": 6,
             "starts_at": datetime(2030, 5, 6, 9, 0)},
        )  # fmt: skip
        attendee = attendee_factory()(event, name="Łukasz Brzęczyszczykiewicz")
        contact = SponsorContact(
            event_id=event.id, email="maya@northwind.example", name="Maya", company="Northwind"
        )
        db.session.add(contact)
        db.session.commit()
        old = (attendee.token, contact.token)
        attendee.reissue_token()
        contact.reissue_token()
        db.session.commit()
        return old


def _fits_the_phone(page: Page, url: str, heading: str, advice: str) -> None:
    """``url`` answers 404 with ``heading`` and ``advice``, and does not scroll sideways."""
    response = page.goto(url)
    assert response is not None and response.status == 404
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page.locator("main")).to_contain_text(advice)
    expect(page.locator("body")).not_to_contain_text("The requested URL was not found")


def test_dead_links_and_missing_pages_fit_a_phone(phone: Page, live_server: LiveServer) -> None:
    """Sponsor (re-issued, wrong), attendee (re-issued, wrong), organiser: 404, phone-sized."""
    account = live_server.organiser()
    old_attendee, old_sponsor = _old_links(live_server, account.id)
    ask = "Ask the organiser for your current link"

    _fits_the_phone(phone, f"/s/{BAD_TOKEN}", "This link does not work", ask)
    _fits_the_phone(phone, f"/s/{old_sponsor}", "This link does not work", ask)
    expect(phone.locator("body")).not_to_contain_text("Northwind")
    screenshot(phone, "error-sponsor-link")

    _fits_the_phone(phone, f"/a/{old_attendee}", "This link does not work", ask)
    _fits_the_phone(phone, f"/a/{BAD_TOKEN}", "This link does not work", ask)
    expect(phone.locator("body")).not_to_contain_text("Łukasz")
    screenshot(phone, "error-attendee-link")

    log_in(phone, account)
    url = "/organiser/events/no-such-event/schedule"
    _fits_the_phone(phone, url, "Page not found", "Go back to your events")
    screenshot(phone, "error-organiser-404")
    phone.get_by_role("link", name="Back to your events").click()
    phone.wait_for_url("**/organiser/events")
