"""Leads in the browser at 375 px: a partner says "yes, contact me" (another says no) and the
sponsor sees and downloads exactly that lead; a sponsor scans a badge at the booth with the
camera and the partner sees it on their agenda and withdraws it.

The event is ``tests/lead_helpers.build_booths``'s, put in the live server's database; the
camera is test_door_scanner.py's canvas stream showing the partner's real badge QR code.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from app.extensions import db
from app.models import Organiser
from app.services.events.editing import create_event
from app.services.leads import CRM_HEADER
from app.services.messages.mailing import agenda_url
from tests.browser.conftest import DESKTOP, PHONE, README_SHOTS, LiveServer, screenshot
from tests.browser.test_door_scanner import NO_DETECTOR, fake_camera, qr_png
from tests.conftest import add_version, attendee_factory
from tests.lead_helpers import Booths, build_booths, meeting_ref

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class Links:
    """The links of ``Booths``'s people, as plain strings (the rows stay in the server)."""

    zoe_followup: str  # Zoë's follow-up about Anna (Northwind)
    mallory_followup: str
    pia_agenda: str
    pia_badge: str  # what Pia's badge QR code holds
    northwind: str  # Nina's report link
    contoso: str


@pytest.fixture
def links(live_server: LiveServer) -> Links:
    """A fresh Warsaw summit under way in the live server's database (see ``Booths``)."""
    account = live_server.organiser()

    def make_event(organiser: Organiser, **settings: Any):
        return create_event(organiser, {"tables": 6, **settings})

    with live_server.app.test_request_context():
        b: Booths = build_booths(
            lambda: db.session.get(Organiser, account.id),
            make_event,
            attendee_factory(),
            add_version,
        )
        return Links(
            f"/a/{b.zoe.token}/followup/{meeting_ref(b.zoe, b.anna)}",
            f"/a/{b.mallory.token}/followup/{meeting_ref(b.mallory, b.anna)}",
            f"/a/{b.pia.token}",
            agenda_url(b.pia),
            f"/s/{b.northwind.token}",
            f"/s/{b.contoso.token}",
        )


def _screenshot_at(page: Page, name: str, element_id: str) -> None:
    """``screenshot``, with the README's first-screen shots starting at ``element_id``.

    A section down the page: each width's shot is scrolled to it after the resize.
    """
    screenshot(page, name)
    if not README_SHOTS:
        return
    original = page.viewport_size
    for size in (DESKTOP, PHONE):
        page.set_viewport_size(size)
        page.evaluate(f"document.getElementById('{element_id}').scrollIntoView()")
        path = Path(README_SHOTS) / f"{name}-{size['width']}.png"
        page.screenshot(path=path, animations="disabled")
    if original:
        page.set_viewport_size(original)


def _answer(page: Page, url: str, consent: str | None) -> None:
    """Answer the follow-up at ``url`` as a partner on a phone; ``consent`` the choice, if any."""
    page.goto(url)
    page.get_by_text("Yes, we met").click()
    page.locator("fieldset", has_text="How was it?").get_by_text("4", exact=True).click()
    recommend = page.locator("fieldset", has_text="How likely are you to recommend")
    recommend.get_by_text("9", exact=True).click()
    page.get_by_text("Proposal", exact=True).click()
    page.get_by_label("Estimated pipeline value").fill("25000")
    consent_box = page.locator("#contact-consent")
    expect(consent_box).to_contain_text("Would you like Northwind to contact you?")
    if consent:
        consent_box.get_by_text(consent, exact=True).click()
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("is saved")).to_be_visible()


def test_a_partner_consents_and_the_sponsor_downloads_the_lead(links: Links, phone: Page) -> None:
    _answer(phone, links.zoe_followup, "Yes, contact me")
    _answer(phone, links.mallory_followup, None)  # no choice is no

    phone.goto(links.northwind)
    leads = phone.locator("#leads-table tbody tr")
    expect(leads).to_have_count(1)
    expect(leads.first).to_contain_text("Zoë van der Berg")
    expect(leads.first).to_contain_text("zoe@fabrikam.example")
    expect(phone.locator("#leads")).not_to_contain_text("mallory@evil.example")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    _screenshot_at(phone, "sponsor-leads", "leads")
    with phone.expect_download() as download:
        phone.locator("#leads-csv").click()
    assert download.value.suggested_filename.endswith("-leads.csv")
    body = Path(download.value.path()).read_bytes()
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    assert body.startswith(b"\xef\xbb\xbf")
    assert tuple(rows[0]) == CRM_HEADER
    assert [(r["First Name"], r["Last Name"], r["Email"]) for r in rows] == [
        ("Zoë van der", "Berg", "zoe@fabrikam.example")
    ]
    # Contoso's link shows none of it.
    phone.goto(links.contoso)
    expect(phone.locator("#no-leads")).to_be_visible()


def test_a_booth_scan_is_told_on_the_agenda_and_withdrawn(links: Links, phone: Page) -> None:
    phone.add_init_script(NO_DETECTOR + fake_camera(qr_png(links.pia_badge)))
    phone.goto(links.northwind)
    phone.get_by_role("link", name="Scan a badge at your booth").click()
    expect(phone.get_by_role("heading", name="Scan a badge at your booth")).to_be_visible()
    phone.get_by_role("button", name="Start the camera").click()
    expect(phone.locator("#scan-result")).to_have_text(
        "Pia Partner (Pia Co) is a lead. Their agenda tells them you scanned their badge."
    )
    expect(phone.locator("#scan-video")).to_be_visible()
    expect(phone.locator("#scans")).to_contain_text("Pia Partner")
    expect(phone.locator("#no-scans")).to_be_hidden()
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(phone, "booth-scan")
    phone.get_by_role("button", name="Stop the camera").click()
    phone.reload()
    expect(phone.locator("#scans")).to_contain_text("Pia Partner")

    phone.goto(links.pia_agenda)
    notice = phone.locator(".scan-notice")
    expect(notice).to_have_count(1)
    expect(notice).to_contain_text("Northwind scanned your badge at")
    expect(notice).to_contain_text("(Nina Boss): they may contact you.")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(phone, "agenda-scanned")
    notice.get_by_role("button", name="Withdraw").click()
    expect(phone.get_by_text("Withdrawn: Northwind no longer has your badge scan")).to_be_visible()
    expect(phone.locator(".scan-notice")).to_have_count(0)

    phone.goto(links.northwind)
    expect(phone.locator("#leads")).not_to_contain_text("Pia Partner")
