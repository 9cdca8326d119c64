"""Names as long as Mingle allows, without a space, never make a phone's page scroll sideways."""

from __future__ import annotations

from datetime import datetime

import pytest
from flask import url_for
from playwright.sync_api import Page, expect

from app.extensions import db
from app.models import Organiser
from app.services.attendees.importing import apply_import, preview_import
from app.services.events.editing import create_event
from app.services.scheduling.builds import run_build
from app.services.scheduling.jobs import create_build_job
from app.services.scheduling.versions import publish
from tests.browser.conftest import PHONE, LiveServer, log_in, screenshot

pytestmark = pytest.mark.browser

EVENT_NAME = "Partner" * 28 + "Forum"[:4]  # 200 characters, no space to break at
COMPANY = "Northwind" * 22 + "Cl"  # 200 characters


def test_200_character_names_fit_a_375_px_phone(live_server: LiveServer, phone: Page) -> None:
    """Dashboard, attendees, settings, schedule and the attendee's agenda: width <= 375."""
    assert len(EVENT_NAME) == 200 and len(COMPANY) == 200
    account = live_server.organiser()
    app = live_server.app
    with app.app_context():
        organiser = db.session.get(Organiser, account.id)
        event = create_event(
            organiser,
            {"name": EVENT_NAME, "rounds": 2, "tables": 2, "starts_at": datetime(2030, 5, 6, 9)},
        )
        people = "email,name,company,kind,region,offers,seeks\n" + "".join(
            f"p{k}@example.org,Person {k},{COMPANY if k == 1 else f'Co {k}'},"
            f"{'vendor' if k == 1 else 'partner'},EMEA,cloud,cloud\n"
            for k in range(1, 5)
        )
        apply_import(event, preview_import(event, people.encode(), "people.csv"))
        job = run_build(create_build_job(event, time_limit=5).id)
        assert job.status == "done", job.error
        publish(job.version)
        partner = next(a for a in event.attendees if a.company != COMPANY)
        with app.test_request_context():
            pages = {
                "dashboard": url_for("organiser.event.dashboard", slug=event.slug),
                "attendees": url_for("organiser.event.attendees", slug=event.slug),
                "settings": url_for("organiser.event.settings", slug=event.slug),
                "schedule": url_for("organiser.event.schedule", slug=event.slug),
                "agenda": url_for("attendee.agenda", token=partner.token),
            }
    log_in(phone, account)
    wide = {}
    for name, url in pages.items():
        response = phone.goto(url)
        assert response is not None and response.ok, f"{name}: {url}"
        assert EVENT_NAME in phone.content() or name == "agenda"
        width = phone.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            wide[name] = width
        screenshot(phone, f"long-names-{name}")
        phone.set_viewport_size(PHONE)
    assert not wide, f"pages wider than {PHONE['width']} px: {wide}"


def test_a_start_in_the_past_is_asked_about(live_server: LiveServer, phone: Page) -> None:
    """The new-event form says the start is past and saves only once "Save anyway" is ticked."""
    log_in(phone, live_server.organiser())
    phone.goto("/organiser/events/new")
    phone.get_by_label("Event name").fill("Yesterday's Forum")
    phone.get_by_label("Round 1 starts (local time)").fill("2025-03-01T09:00")
    phone.get_by_label("Time zone").select_option("Europe/Berlin")
    phone.get_by_role("button", name="Create event").click()
    expect(
        phone.get_by_text(
            "This start is in the past (2025-03-01 09:00 Europe/Berlin). Save anyway?"
        )
    ).to_be_visible()
    screenshot(phone, "past-start-asked")
    phone.set_viewport_size(PHONE)
    phone.get_by_label("Save anyway: I mean a start in the past").check()
    phone.get_by_role("button", name="Create event").click()
    expect(phone.get_by_role("heading", name="Yesterday's Forum")).to_be_visible()
