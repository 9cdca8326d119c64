"""Agreed meetings at 375 px: the organiser uploads a file with a typo, fixes it, switches to
"attendees agree", builds, and the review shows the placed meetings and everyone's breaks."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from flask import url_for
from playwright.sync_api import Page, expect

from app.extensions import db
from app.models import Organiser
from app.services.attendees.importing import apply_import, preview_import
from app.services.events.editing import create_event
from tests.browser.conftest import PHONE, LiveServer, log_in, screenshot

pytestmark = pytest.mark.browser


def test_an_organiser_uploads_agreed_meetings_and_builds_on_a_phone(
    live_server: LiveServer, phone: Page, tmp_path: Path
) -> None:
    account = live_server.organiser()
    app = live_server.app
    with app.app_context():
        organiser = db.session.get(Organiser, account.id)
        event = create_event(
            organiser,
            {
                "name": "B2B Forum Girona",
                "rounds": 6,
                "tables": 4,
                "starts_at": datetime(2030, 5, 6, 9),
            },
        )
        people = "email,name,company,kind,region\n" + "".join(
            f"p{k}@example.org,Person {k},Company {k},{'vendor' if k < 3 else 'partner'},EMEA\n"
            for k in range(1, 9)
        )
        apply_import(event, preview_import(event, people.encode(), "people.csv"))
        with app.test_request_context():
            url = url_for("organiser.event.agreed", slug=event.slug)
            review = url_for("organiser.event.schedule", slug=event.slug)
    bad = tmp_path / "agreed.csv"
    bad.write_text("email_a,email_b\np1@example.org,p3@example.org\np1@example.org,p4@exmple.org\n")
    log_in(phone, account)
    phone.goto(url)
    expect(phone.get_by_role("heading", name="Agreed meetings", exact=True)).to_be_visible()
    phone.get_by_label("Agreed meetings file (CSV or XLSX)").set_input_files(str(bad))
    phone.get_by_role("button", name="Upload").click()
    expect(phone.get_by_role("alert")).to_contain_text("The file was not saved")
    expect(phone.locator("table.problems")).to_contain_text("p4@exmple.org")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(phone, "agreed-typo")
    good = tmp_path / "agreed-fixed.csv"
    good.write_text(
        "email_a,email_b,rounds,round\n"
        + "".join(f"p1@example.org,p{k}@example.org,,\n" for k in (3, 4, 5, 6))
        + "p2@example.org,p7@example.org,,2\np2@example.org,p8@example.org,1-3,\n"
    )
    phone.get_by_label("Agreed meetings file (CSV or XLSX)").set_input_files(str(good))
    phone.get_by_role("button", name="Upload").click()
    expect(
        phone.get_by_text("6 agreed meetings saved; the next build places them.")
    ).to_be_visible()
    phone.get_by_label(
        "Attendees agree their meetings (only agreed meetings are scheduled)"
    ).check()
    phone.get_by_role("button", name="Save").click()
    expect(phone.get_by_text("The next build follows it.")).to_be_visible()
    expect(phone.locator("#agreed-list")).to_contain_text(
        "Person 2 (Company 2) and Person 7 (Company 7)"
    )
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(phone, "agreed-meetings")
    with app.app_context():
        from app.models import Event
        from app.services.scheduling.builds import start_build

        built = db.session.get(Event, event.id)
        app.config["BUILD_RUNNER"], runner = "inline", app.config.get("BUILD_RUNNER")
        try:
            job = start_build(built, time_limit=5)
        finally:
            app.config["BUILD_RUNNER"] = runner
        assert job.status == "done", job.error
    phone.goto(review)
    expect(phone.get_by_text("6 of 6")).to_be_visible()
    expect(phone.locator("#breaks-chart")).to_contain_text(
        "Attendees by breaks between their meetings"
    )
    phone.locator("#breaks-chart").scroll_into_view_if_needed()
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(phone, "agreed-review")
