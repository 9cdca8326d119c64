"""Door staff on a 375 px phone, by a door link and by their own log-in, made on the team page."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from app.extensions import db
from app.models import Attendee, Organiser
from app.services.events.editing import create_event
from app.services.messages.mailing import agenda_url
from tests.browser.conftest import PHONE, TIMEOUT_MS, LiveServer, log_in, screenshot
from tests.browser.test_door_scanner import NO_DETECTOR, qr_png

pytestmark = pytest.mark.browser

STAFF_PASSWORD = "lantern harbour quietly"


def no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


def check_in_lukasz(page: Page, name: str) -> None:
    """Type "lukasz" without the accent, and check ``name`` in from the matches."""
    page.get_by_label("Name, company or e-mail").fill("lukasz")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text("Łukasz Wiśniewski")).to_be_visible()
    expect(page.get_by_text("Łukasz Zieliński")).to_be_visible()
    page.get_by_role("button", name=f"Check in {name}").click()
    expect(page.get_by_role("status").first).to_contain_text(f"{name} is checked in.")


def scan_photo(page: Page, photo: Path, name: str) -> None:
    """Check ``name`` in from a photo of their badge, decoded by jsQR (no BarcodeDetector)."""
    assert page.evaluate("'BarcodeDetector' in window") is False
    page.get_by_label("Or take a photo of the badge").set_input_files(photo)
    expect(page.locator("#scan-result")).to_have_text(f"{name} is checked in.")


def test_door_staff_by_link_and_by_login(
    live_server: LiveServer, browser: Browser, desktop: Page, phone: Page, tmp_path: Path
) -> None:
    account = live_server.organiser()
    with live_server.app.app_context():
        owner = db.session.get(Organiser, account.id)
        event = create_event(
            owner,
            {"name": "Baltic Partner Day", "rounds": 4, "tables": 6,
             "starts_at": datetime(2030, 6, 3, 9, 0), "timezone": "Europe/Warsaw"},
        )  # fmt: skip
        for name, company in (
            ("Łukasz Wiśniewski", "Gdańsk Data"),
            ("Łukasz Zieliński", "Kraków Cloud"),
            ("Ana Silva", "Lisboa Tech"),
            ("Ola Nowak", "Poznań Systems"),
        ):
            email = name.split()[1].lower().encode("ascii", "ignore").decode() + "@example.org"
            db.session.add(
                Attendee(event_id=event.id, email=email, name=name, company=company,
                         kind="partner", region="EMEA")
            )  # fmt: skip
        db.session.commit()
        slug = event.slug
    with live_server.app.test_request_context():
        badges = {
            a.name: agenda_url(a) for a in db.session.query(Attendee).filter_by(event_id=event.id)
        }
    ana, ola = tmp_path / "ana.png", tmp_path / "ola.png"
    ana.write_bytes(qr_png(badges["Ana Silva"], canvas=(1200, 900)))
    ola.write_bytes(qr_png(badges["Ola Nowak"], canvas=(1200, 900)))

    # The owner, on a desktop, makes a door link and adds door staff without an account.
    log_in(desktop, account)
    desktop.goto(f"/organiser/events/{slug}")
    desktop.get_by_role("link", name="Team", exact=True).click()
    expect(desktop.get_by_role("heading", name="Team & door access")).to_be_visible()
    desktop.get_by_label("Label").fill("Shared phone at entrance B")
    desktop.get_by_role("button", name="Make a door link").click()
    expect(desktop.get_by_role("img", name="Shared phone at entrance B")).to_be_visible()
    door_url = desktop.locator("#once-url").inner_text()
    assert "/door/" in door_url
    screenshot(desktop, "team-door-link")
    desktop.get_by_label("E-mail").fill("marta@example.org")
    desktop.get_by_label("Role").select_option("door")
    desktop.get_by_role("button", name="Add to the team").click()
    expect(desktop.get_by_text("marta@example.org is on the team as door staff")).to_be_visible()
    invite_url = desktop.locator("#once-url").inner_text()
    assert "/organiser/invite/" in invite_url
    desktop.reload()  # links are shown once
    expect(desktop.locator("#once-url")).to_have_count(0)
    expect(desktop.get_by_text("Works until Tue 04 Jun, 06:00")).to_be_visible()  # Warsaw time
    screenshot(desktop, "team-page")

    # A shared phone (a browser without BarcodeDetector) opens the door link: the door page
    # only, no organiser menu.
    phone.add_init_script(NO_DETECTOR)
    phone.goto(door_url)
    expect(phone.get_by_role("heading", name="Check-in · Baltic Partner Day")).to_be_visible()
    expect(phone.get_by_text("Door link “Shared phone at entrance B”")).to_be_visible()
    expect(phone.get_by_role("link", name="Attendees")).to_have_count(0)
    check_in_lukasz(phone, "Łukasz Wiśniewski")
    expect(phone.locator("#count-present")).to_have_text("1")
    scan_photo(phone, ana, "Ana Silva")
    expect(phone.locator("#count-present")).to_have_text("2")
    no_sideways_scroll(phone)
    screenshot(phone, "door-via-link")
    phone.goto(f"/organiser/events/{slug}/attendees")
    expect(phone).to_have_url(
        f"{live_server.url}/organiser/login?next=%2Forganiser%2Fevents%2F{slug}%2Fattendees"
    )

    # The door staff member chooses a password from the invitation, on a phone of their own.
    context = browser.new_context(
        base_url=live_server.url, viewport=PHONE, is_mobile=True, has_touch=True
    )
    context.set_default_timeout(TIMEOUT_MS)
    staff = context.new_page()
    staff.add_init_script(NO_DETECTOR)
    staff.goto(invite_url)
    expect(staff.get_by_role("heading", name="Choose your password")).to_be_visible()
    no_sideways_scroll(staff)
    screenshot(staff, "team-invite")
    staff.get_by_label("Password", exact=True).fill(STAFF_PASSWORD)
    staff.get_by_label("Password again").fill(STAFF_PASSWORD)
    staff.get_by_role("button", name="Set my password").click()
    staff.wait_for_url("**/organiser/events")
    expect(staff.get_by_role("link", name="New event")).to_have_count(0)
    no_sideways_scroll(staff)
    screenshot(staff, "team-staff-events")
    staff.get_by_role("link", name="Baltic Partner Day").click()
    check_in_lukasz(staff, "Łukasz Zieliński")
    expect(staff.locator("#count-present")).to_have_text("3")
    scan_photo(staff, ola, "Ola Nowak")
    expect(staff.locator("#count-present")).to_have_text("4")
    no_sideways_scroll(staff)
    screenshot(staff, "door-via-login")
    response = staff.goto(f"/organiser/events/{slug}/attendees")
    assert response is not None and response.status == 404
    context.close()

    # The owner revokes the link: the shared phone is told to ask for a new one.
    desktop.get_by_role("button", name="Revoke the link Shared phone at entrance B").click()
    expect(desktop.get_by_text("no longer works")).to_be_visible()
    phone.goto(f"/checkin/{slug}")
    expect(phone.get_by_text("Ask the organiser for a new link.")).to_be_visible()
    screenshot(phone, "door-link-revoked")
