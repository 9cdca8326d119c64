"""A paper form keyed in after a re-plan: the reference printed before it still works.

The agendas are printed from version 1; two people do not come and the organiser re-plans
from round 2 (version 2). Back come the paper forms: on a 375 px phone the organiser types the
reference printed under a round-1 form's QR code, keys the answer in and saves it; a form of a
meeting the re-plan dropped says when it was cancelled; a mistyped code is refused. The
attendee's QR link opens the current form, or the cancellation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from app.extensions import db
from app.models import Attendee, Event, FollowUp, Meeting, Organiser, ScheduleVersion
from app.models.common import utcnow
from app.services.attendees.importing import apply_import, preview_import
from app.services.events.editing import create_event
from app.services.printing.data import agenda_data
from app.services.scheduling.builds import run_build
from app.services.scheduling.jobs import create_build_job
from app.services.scheduling.replanning import replan_event
from app.services.scheduling.versions import publish
from tests.browser.conftest import LiveServer, attendees_csv, log_in, screenshot

pytestmark = pytest.mark.browser
ZONE = "Europe/Warsaw"


@dataclass
class Form:
    """One printed paper form: whose agenda, whom it is about, what is printed on it."""

    attendee_id: int
    name: str
    other_id: int
    other: str
    reference: str  # "meeting KA7MX", printed under the QR code
    link: str  # the QR code's link


@dataclass
class Held:
    """The event, held yesterday in Warsaw, printed from version 1 and re-planned at 11:05."""

    account: object
    slug: str
    event_id: int
    kept: Form  # round 1: untouched by the re-plan
    dropped: Form  # round 2, with a no-show: cancelled by the re-plan


@pytest.fixture(scope="module")
def held(live_server: LiveServer) -> Held:
    """Made through the services, so only the paper key-in and the QR link are driven."""
    account = live_server.organiser()
    with live_server.app.app_context():
        organiser = db.session.get(Organiser, account.id)
        start = (datetime.now(ZoneInfo(ZONE)) - timedelta(days=1)).replace(
            tzinfo=None, hour=9, minute=0, second=0, microsecond=0
        )
        event = create_event(
            organiser,
            {
                "name": "Partner Forum Kraków",
                "rounds": 4,
                "tables": 8,
                "min_meetings": 2,
                "starts_at": start,
                "timezone": ZONE,
            },
        )
        apply_import(event, preview_import(event, attendees_csv(), "attendees.csv"))
        job = run_build(create_build_job(event, time_limit=5).id)
        assert job.status == "done", f"the build did not finish: {job.status} {job.error}"
        v1 = job.version
        publish(v1)
        kept = min((m for m in v1.meetings if m.round == 1), key=lambda m: m.table)
        kept_people = {kept.attendee_a_id, kept.attendee_b_id}
        dropped = min(
            (
                m
                for m in v1.meetings
                if m.round == 2 and not kept_people & {m.attendee_a_id, m.attendee_b_id}
            ),
            key=lambda m: m.table,
        )
        forms = []
        for meeting in (kept, dropped):  # printed on the agenda of the meeting's first person
            person = meeting.attendee_a
            (agenda,) = agenda_data(event, person)
            slot = next(s for s in agenda.slots if s.round == meeting.round)
            forms.append(
                Form(
                    person.id,
                    person.name,
                    meeting.attendee_b.id,
                    meeting.attendee_b.name,
                    slot.reference,
                    slot.followup_url,
                )
            )
        no_show = dropped.attendee_b_id
        for person in db.session.query(Attendee).filter_by(event_id=event.id):
            person.checked_in_at = None if person.id == no_show else utcnow()
        db.session.commit()
        version = replan_event(event, 2).version
        version.created_at = start.replace(hour=10, minute=5)  # 10:05 UTC: 11:05 in Kraków
        db.session.commit()
        return Held(account, event.slug, event.id, forms[0], forms[1])


def fits(page: Page) -> None:
    """Nothing scrolls sideways on the phone."""
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_a_paper_form_keyed_in_after_a_replan(held: Held, phone: Page, live_server) -> None:
    """On a 375 px phone: the printed reference finds the pair's meeting in version 2."""
    page = phone
    log_in(page, held.account)
    page.goto(f"/organiser/events/{held.slug}/paper")
    page.get_by_label("Name or meeting reference").fill(held.kept.reference)
    page.get_by_role("button", name="Find").click()
    expect(page.get_by_role("status").first).to_contain_text("is in round 1 at")
    expect(page.get_by_text("Nobody found")).to_have_count(0)
    fits(page)
    screenshot(page, "paper-find-after-replan")
    person = page.get_by_role("listitem").filter(has_text=held.kept.name)
    person.get_by_role("link", name="Key in").click()
    code = held.kept.reference.removeprefix("meeting ")
    row = page.locator(f"#row-{code}")
    expect(row).to_contain_text(held.kept.other)
    row.get_by_label("Held?").select_option("yes")
    row.get_by_label("Rating 1–5").fill("4")
    row.get_by_label("Recommend 0–10").fill("9")
    row.get_by_label("Why (the rating)").fill("Keyed in from paper")
    fits(page)
    screenshot(page, "paper-keyin-after-replan")
    page.get_by_role("button", name=f"Save {held.kept.name}'s answers").click()
    expect(page.get_by_role("status").first).to_contain_text(
        f"Saved 1 answer for {held.kept.name}."
    )
    with live_server.app.app_context():
        event = db.session.get(Event, held.event_id)
        answer = db.session.query(FollowUp).filter_by(attendee_id=held.kept.attendee_id).one()
        assert (answer.other_id, answer.rating, answer.why) == (
            held.kept.other_id,
            4,
            "Keyed in from paper",
        )
        assert answer.meeting is not None
        assert answer.meeting.version_id == event.published_version_id  # version 2's row

    # A form of a meeting the re-plan dropped says so, with the time in Kraków.
    page.goto(f"/organiser/events/{held.slug}/paper")
    page.get_by_label("Name or meeting reference").fill(held.dropped.reference)
    page.get_by_role("button", name="Find").click()
    expect(page.get_by_role("status").first).to_contain_text(
        "This meeting was cancelled in the re-plan at 11:05."
    )
    fits(page)
    screenshot(page, "paper-cancelled-after-replan")

    # A typo is refused, naming what to check, rather than finding another meeting.
    wrong = code[0] + ("7" if code[1] != "7" else "8") + code[2:]
    page.get_by_label("Name or meeting reference").fill(wrong)
    page.get_by_role("button", name="Find").click()
    expect(page.locator("#paper-q-error")).to_contain_text("one character is mistyped")
    fits(page)
    screenshot(page, "paper-typo")


def test_the_qr_links_printed_before_the_replan(held: Held, phone: Page) -> None:
    """The attendee scans the paper form: the current form opens, or the cancellation."""
    page = phone
    page.goto(held.kept.link)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"How was your meeting with {held.kept.other}?"
    )
    fits(page)
    screenshot(page, "followup-after-replan")
    page.goto(held.dropped.link)
    expect(page.get_by_role("status").first).to_contain_text(
        "This meeting was cancelled in the re-plan at 11:05."
    )
    expect(page.get_by_role("button", name="Send")).to_have_count(0)
    fits(page)
    screenshot(page, "followup-cancelled")


def test_a_form_printed_before_its_meeting_moved(live_server: LiveServer, phone: Page) -> None:
    """Version 2 moves Ann and Bo from round 2 to round 3: the printed QR link says so."""
    account = live_server.organiser()
    with live_server.app.app_context():
        event = create_event(
            db.session.get(Organiser, account.id),
            {"name": "Moved Forum", "rounds": 3, "tables": 3, "starts_at": datetime(2030, 5, 6, 9)},
        )
        ann, bo = (
            Attendee(
                event_id=event.id,
                email=f"{name.lower()}@{company.lower()}.example",
                name=f"{name} {company}",
                company=company,
                kind="partner",
                region="EMEA",
            )
            for name, company in (("Ann", "Alpha"), ("Bo", "Beta"))
        )
        db.session.add_all([ann, bo])
        db.session.flush()
        for number, (round_, table) in enumerate([(2, 1), (3, 2)], start=1):
            version = ScheduleVersion(event_id=event.id, number=number)
            version.meetings = [
                Meeting(round=round_, table=table, attendee_a_id=ann.id, attendee_b_id=bo.id)
            ]
            db.session.add(version)
            db.session.flush()
            publish(version)
            if number == 1:
                (agenda,) = agenda_data(event, ann)
                link = next(s for s in agenda.slots if s.kind == "meeting").followup_url
    page = phone
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("How was your meeting with Bo Beta?")
    expect(page.get_by_role("status").first).to_contain_text(
        "This meeting moved: it is now in round 3 at Table 2 (printed: round 2 at Table 1)."
    )
    fits(page)
    screenshot(page, "followup-moved")
