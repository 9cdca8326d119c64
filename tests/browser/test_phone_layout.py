"""Every organiser page fits a 375 px phone: nothing scrolls sideways."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pytest
from flask import url_for
from playwright.sync_api import Page, expect

from app.extensions import db
from app.models import Event, FollowUp, Organiser
from app.services.attendees.importing import apply_import, preview_import
from app.services.events.editing import create_event
from app.services.events.series import put_in_series
from app.services.messages.mailing import compose_agenda_link
from app.services.messages.sponsors import add_sponsor_contact
from app.services.scheduling.builds import run_build
from app.services.scheduling.jobs import create_build_job
from app.services.scheduling.versions import publish
from tests.browser.conftest import PHONE, SCREENSHOTS, LiveServer, attendees_csv, log_in

pytestmark = pytest.mark.browser

# Pages that are not pages: JSON for the progress bar, file downloads.
NOT_PAGES = {
    "organiser.event.job_json",
    "organiser.event.schedule_export",
    "organiser.event.links_download",
    "organiser.event.badges_pdf",
    "organiser.event.agendas_pdf",
    "organiser.event.table_signs_pdf",
    "organiser.event.event_report_download",
    "organiser.event.sponsor_report_download",
    "organiser.event.sponsor_leads_download",
    "organiser.series_pdf",
}
SPONSOR = "Northwind Cloud"  # a vendor company of the sample attendees

# The page's width, and the elements that reach past the phone's right edge (to say what to
# fix); those inside a box that scrolls or clips sideways do not widen the page.
MEASURE = """(edge) => {
  const clipped = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      if (getComputedStyle(p).overflowX !== "visible") return true;
    }
    return false;
  };
  const wide = [];
  for (const el of document.body.querySelectorAll("*")) {
    const box = el.getBoundingClientRect();
    // Either the box itself, or content spilling out of it (a long word, a wide table).
    const right = Math.max(box.right, box.left + el.scrollWidth);
    if (box.width > 0 && right > edge + 1 && !clipped(el)) {
      const cls = typeof el.className === "string" && el.className.trim()
        ? "." + el.className.trim().split(/\\s+/).join(".") : "";
      const id = el.id ? "#" + el.id : "";
      wide.push(`${el.tagName.toLowerCase()}${id}${cls}: ${Math.round(right)}px`);
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, wide: wide.slice(0, 5)};
}"""


@dataclass
class Sample:
    """An event with the sample attendees and a built schedule, and its organiser's login."""

    account: object
    urls: dict[str, str]  # endpoint (or a name for a variant) -> path


@pytest.fixture(scope="module")
def sample(live_server: LiveServer) -> Sample:
    """Made through the services, as the CLI would, so only the pages are driven by the browser."""
    account = live_server.organiser()
    app = live_server.app
    with app.app_context():
        organiser = db.session.get(Organiser, account.id)
        event = create_event(
            organiser,
            {
                "name": "Partner Forum Lisbon — Spring Edition",
                "venue": "Centro de Congressos de Lisboa",
                "rounds": 6,
                "tables": 10,
                "min_meetings": 3,
                "starts_at": datetime(2030, 5, 6, 9, 0),
            },
        )
        apply_import(event, preview_import(event, attendees_csv(), "attendees.csv"))
        job = run_build(create_build_job(event, time_limit=5).id)  # inline, in this thread
        assert job.status == "done", f"the build did not finish: {job.status} {job.error}"
        event = db.session.get(Event, event.id)
        version = job.version
        # Published, with an e-mail in the outbox and a meeting reported not held.
        publish(version)
        first = version.meetings[0]
        message = compose_agenda_link(event, first.attendee_a)
        db.session.add(message)
        db.session.add(
            FollowUp(
                event_id=event.id,
                attendee_id=first.attendee_a_id,
                other_id=first.attendee_b_id,
                round=first.round,
                held="they_no_show",
            )
        )
        db.session.commit()
        add_sponsor_contact(event, "maya.thompson@northwind.example", "Maya Thompson", SPONSOR)
        series = put_in_series(event, "Partner Forum")
        assert series is not None
        db.session.commit()
        values = {
            "slug": event.slug,
            "attendee_id": event.attendees[0].id,
            "job_id": job.id,
            "number": version.number,
            "meeting_id": version.meetings[0].id,
            "message_id": message.id,
            "group": "sponsors",
            "figure": "unanswered",  # most meetings: the longest list
            "series_id": series.id,
        }
        with app.test_request_context():
            urls = _page_urls(app, values)
            urls["organiser.schedule (one attendee)"] = url_for(
                "organiser.event.schedule", slug=event.slug, attendee=values["attendee_id"]
            )
            urls["organiser.paper (one attendee)"] = url_for(
                "organiser.event.paper", slug=event.slug, attendee=first.attendee_a_id
            )
            for endpoint in (
                "organiser.event.sponsor_report_preview",
                "organiser.event.sponsor_report_answers",
            ):
                rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
                args = {k: values[k] for k in rule.arguments}
                urls[endpoint] = url_for(endpoint, company=SPONSOR, **args)
    return Sample(account, urls)


def _page_urls(app, values: dict[str, object]) -> dict[str, str]:
    """Every organiser page a browser GETs, from the URL map, so new pages are covered too."""
    urls = {}
    for rule in app.url_map.iter_rules():
        endpoint = rule.endpoint
        if not endpoint.startswith("organiser.") or "GET" not in (rule.methods or ()):
            continue
        if endpoint in NOT_PAGES or endpoint == "organiser.index":
            continue
        if endpoint == "organiser.invite":  # needs a fresh invitation: test_door_team.py
            continue
        missing = rule.arguments - values.keys()
        assert not missing, (
            f"{endpoint} needs {sorted(missing)}: add sample values to `sample` in {__name__}"
        )
        urls[endpoint] = url_for(endpoint, **{k: values[k] for k in rule.arguments})
    return urls


def _overflow(page: Page, name: str) -> str | None:
    """Why the page is wider than the phone, or None when it fits."""
    measured = page.evaluate(MEASURE, PHONE["width"])
    if measured["scrollWidth"] <= PHONE["width"]:
        return None
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shot = SCREENSHOTS / f"overflow-{name.replace(' ', '-')}-375.png"
    page.screenshot(path=shot, full_page=True)
    return (
        f"{name} ({page.url}): {measured['scrollWidth']}px wide; "
        f"sticking out: {measured['wide']}; see {shot.name}"
    )


def test_no_organiser_page_scrolls_sideways_on_a_phone(sample: Sample, phone: Page) -> None:
    """scrollWidth <= 375 on every organiser page, logged out and in, empty and full."""
    problems = []
    page = phone
    page.goto("/organiser/login")
    problems.append(_overflow(page, "organiser.login"))
    log_in(page, sample.account)

    visited = 0
    for name, url in sorted(sample.urls.items()):
        if name == "organiser.login":
            continue  # a logged-in organiser is sent on to the events
        response = page.goto(url)
        assert response is not None and response.ok, f"{name}: {url} answered {response}"
        problems.append(_overflow(page, name))
        visited += 1

    # The import preview listing a problem, reached by uploading a file with a bad row.
    page.goto(sample.urls["organiser.event.import_upload"])
    page.get_by_label("Attendees file (CSV or XLSX)").set_input_files(
        {
            "name": "attendees.csv",
            "mimeType": "text/csv",
            "buffer": attendees_csv(bad_row=(4, "kind", "reseller")),
        }
    )
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_role("alert")).to_contain_text("nothing was imported")
    problems.append(_overflow(page, "organiser.import_upload (preview with a problem)"))

    assert visited >= 10, f"only {visited} organiser pages found: {sorted(sample.urls)}"
    problems = [p for p in problems if p]
    assert not problems, "pages wider than a 375 px phone:\n" + "\n".join(problems)
