"""At a Krakow event a phone at the door reads local check-in times and the zone once."""

from __future__ import annotations

from datetime import datetime

import pytest
from playwright.sync_api import Page, expect

from app.extensions import db
from app.models import Attendee, Organiser
from app.services.events.editing import create_event
from tests.browser.conftest import LiveServer, log_in, screenshot

pytestmark = pytest.mark.browser


def test_door_page_of_a_krakow_event_shows_local_times(
    live_server: LiveServer, phone: Page
) -> None:
    """Checked in at 06:16 UTC in winter: the door says "In since 07:16" and names the zone."""
    account = live_server.organiser()
    with live_server.app.app_context():
        event = create_event(
            db.session.get(Organiser, account.id),
            {
                "name": "Krakow Partner Forum",
                "rounds": 4,
                "tables": 4,
                "timezone": "Europe/Warsaw",
                "starts_at": datetime(2030, 1, 14, 9, 0),
            },
        )
        db.session.add(
            Attendee(
                event_id=event.id,
                email="lucja@krakow.example",
                name="Łucja Brzęczyszczykiewicz",
                company="Kraków Cloud",
                kind="partner",
                region="EMEA",
                checked_in_at=datetime(2030, 1, 14, 6, 16),  # stored UTC
            )
        )
        db.session.commit()
        slug = event.slug
    log_in(phone, account)
    phone.goto(f"/checkin/{slug}?q=Brz")
    expect(phone.locator(".door-in")).to_have_text("In since 07:16")
    expect(phone.locator(".zone-note")).to_have_text("Times in Europe/Warsaw.")
    assert "UTC" not in phone.locator("body").inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(phone, "times-door")
