"""The event settings' table owners box at 375 and 1280 px: a typo is named, then it saves."""

from __future__ import annotations

from datetime import datetime

import pytest
from flask import url_for
from playwright.sync_api import Page, expect

from app.extensions import db
from app.models import Event, Organiser
from app.services.attendees.importing import apply_import, preview_import
from app.services.events.editing import create_event
from tests.browser.conftest import PHONE, LiveServer, log_in, screenshot

pytestmark = pytest.mark.browser


def test_an_organiser_gives_booth_a2_to_northwind_on_a_phone(
    live_server: LiveServer, phone: Page
) -> None:
    account = live_server.organiser()
    app = live_server.app
    with app.app_context():
        organiser = db.session.get(Organiser, account.id)
        event = create_event(
            organiser,
            {
                "name": "Partner Forum",
                "rounds": 3,
                "tables": 4,
                "table_names": ["Booth A1", "Booth A2", "Window", "Stage"],
                "starts_at": datetime(2030, 5, 6, 9),
            },
        )
        people = "email,name,company,kind,region,offers,seeks\n" + "".join(
            f"p{k}@example.org,Person {k},{'Northwind Cloud' if k < 3 else f'Co {k}'},"
            f"{'vendor' if k < 3 else 'partner'},EMEA,cloud,cloud\n"
            for k in range(1, 7)
        )
        apply_import(event, preview_import(event, people.encode(), "people.csv"))
        event_id = event.id
        with app.test_request_context():
            url = url_for("organiser.event.settings", slug=event.slug)
    log_in(phone, account)
    phone.goto(url)
    owners = phone.get_by_label("Table owners")
    owners.fill("Booth A2 = Northwnd Cloud")
    phone.get_by_role("button", name="Save").click()
    expect(phone.locator(".field-error")).to_contain_text("no attendee works for “Northwnd Cloud”")
    expect(phone.locator(".flash-error")).to_have_text("Not saved: Table owners: see below.")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(phone, "booth-settings-typo")
    phone.get_by_label("Table owners").fill("Booth A2 = Northwind Cloud\n4 = p3@example.org")
    phone.get_by_role("button", name="Save").click()
    expect(phone.get_by_text("Settings saved.")).to_be_visible()
    with app.app_context():
        assert db.session.get(Event, event_id).table_owners == {
            "2": "Northwind Cloud",
            "4": "p3@example.org",
        }
    phone.goto(url)
    expect(phone.get_by_label("Table owners")).to_have_value(
        "Booth A2 = Northwind Cloud\nStage = p3@example.org"
    )
    phone.get_by_label("Table owners").scroll_into_view_if_needed()
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(phone, "booth-settings")
