"""The cached agenda in a real browser: reloads stay right, a change shows at once, 304 works."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer, screenshot
from tests.browser.test_attendee_journey import rename, seed

pytestmark = pytest.mark.browser


def test_the_cached_agenda_reloads_changes_and_revalidates(
    phone: Page, live_server: LiveServer
) -> None:
    seeded = seed(live_server, minutes_ago=22)
    page = phone
    first = page.goto(f"/a/{seeded.token}")
    assert first is not None and first.status == 200
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "private, no-cache"
    expect(page.get_by_role("heading", name="Bo Beta")).to_be_visible()
    page.wait_for_selector("body[data-offline-ready]", state="attached")
    for _ in range(2):  # reloads served from the cache show the same agenda
        page.reload()
        expect(page.get_by_role("heading", name="Bo Beta")).to_be_visible()
        expect(page.locator("#round-2 [data-badge]")).to_have_text("Now")
        expect(page.locator(".updated")).to_contain_text("Last updated")
    # The phone asks "is my copy current?": the server says 304 without sending the page (a
    # second try only when the minute turned between the two requests).
    statuses = []
    for _ in range(2):
        current = page.reload()
        assert current is not None
        statuses.append(revalidate(page, current.headers["etag"]))
        if statuses[-1] == 304:
            break
    assert statuses[-1] == 304, statuses
    # The organiser fixes a name: the very next load shows it.
    rename(live_server, seeded.bo_id, "Bo Corrected")
    page.reload()
    expect(page.get_by_role("heading", name="Bo Corrected")).to_be_visible()
    expect(page.get_by_role("heading", name="Bo Beta")).to_have_count(0)
    assert revalidate(page, etag) == 200  # the first copy is not current any more
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "attendee-agenda-cached")


def revalidate(page: Page, etag: str) -> int:
    """The status of the agenda fetched by the page with ``If-None-Match: etag``."""
    return page.evaluate(
        """async (etag) => (await fetch(location.href, {
            headers: {"If-None-Match": etag}, cache: "no-store", credentials: "same-origin"
        })).status""",
        etag,
    )
