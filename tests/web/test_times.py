"""Times on every page are in the event's zone, and each event page names the zone once.

The event is in Europe/Warsaw in winter (UTC+1); every stored instant is seeded at a known
UTC minute, so a page that showed the stored UTC time would show its UTC "hh:mm".
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader

from app.extensions import db
from app.models import Attendee, Event, Organiser, ScheduleVersion
from app.services.messages.sponsors import add_sponsor_contact, compose_sponsor_link
from app.services.printing.data import table_sign_data
from app.services.printing.signs import render_table_signs

ZONE = "Europe/Warsaw"
NOTE = f"Times in {ZONE}."

# Stored (naive UTC) instants and what the event's clock read then, an hour later in winter.
CHECKED_IN = datetime(2030, 1, 14, 6, 16)  # 07:16 in Krakow
BUILT = datetime(2030, 1, 10, 13, 41)  # 14:41
COMPOSED = datetime(2030, 1, 12, 15, 23)  # 16:23
SENT = datetime(2030, 1, 12, 15, 29)  # 16:29
PRINTED = datetime(2030, 1, 13, 17, 47)  # 18:47
SEEDED = (CHECKED_IN, BUILT, COMPOSED, SENT, PRINTED)


@dataclass
class Krakow:
    """The seeded event, its people and published version, and its logged-in organiser."""

    event: Event
    people: list[Attendee]
    version: ScheduleVersion
    staff: FlaskClient
    message_id: int
    sponsor_token: str


@pytest.fixture
def krakow(
    make_organiser: Callable[..., Organiser],
    make_event: Callable[..., Event],
    make_attendee: Callable[..., Attendee],
    make_version: Callable[..., ScheduleVersion],
    login_as: Callable[[Organiser], FlaskClient],
) -> Krakow:
    """A Krakow event in winter with one of each stored time, at known UTC minutes."""
    owner = make_organiser()
    event = make_event(
        owner, name="Krakow Forum", timezone=ZONE, starts_at=datetime(2030, 1, 14, 9, 0)
    )
    vendor = make_attendee(event, name="Łucja Nowak", company="Kraków Cloud", kind="vendor")
    partner = make_attendee(event, name="Ana Silva", company="Lisboa Tech")
    version = make_version(event, [(1, 1, vendor, partner)], published=True)
    version.created_at = BUILT
    vendor.checked_in_at = CHECKED_IN
    event.badges_printed_at = PRINTED
    contact = add_sponsor_contact(event, "boss@krakow.example", "Boss", "Kraków Cloud")
    message = compose_sponsor_link(contact)
    message.created_at, message.sent_at = COMPOSED, SENT
    db.session.add(message)
    db.session.commit()
    return Krakow(event, [vendor, partner], version, login_as(owner), message.id, contact.token)


def visible(html: str) -> str:
    """The text a reader sees: no scripts, styles, tags or attributes."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def hm(moment: datetime) -> str:
    """``moment`` as the "hh:mm" a page would print."""
    return f"{moment:%H:%M}"


def assert_local_times_only(page: str, html: str) -> None:
    """No seeded instant shown in UTC, no "UTC" at all, and the zone named exactly once."""
    text = visible(html)
    for moment in SEEDED:
        assert hm(moment) not in text, f"{page} shows {hm(moment)}, a UTC time"
    assert "UTC" not in text, f"{page} mentions UTC"
    assert text.count(ZONE) == 1, f"{page} names {ZONE} {text.count(ZONE)} times"
    assert NOTE in " ".join(text.split()), f"{page} does not say {NOTE!r}"


def test_door_page_shows_check_in_time_in_the_event_zone(krakow: Krakow) -> None:
    """The door page at a Krakow event says "In since 07:16", never 06:16 or UTC."""
    html = krakow.staff.get(f"/checkin/{krakow.event.slug}?q=Nowak").get_data(as_text=True)
    text = " ".join(visible(html).split())
    assert "In since 07:16" in text
    assert_local_times_only("the door page", html)


def test_every_page_of_the_event_shows_its_times_in_the_event_zone(
    app: Flask, krakow: Krakow
) -> None:
    """Organiser, door, attendee and sponsor pages: local times, the zone named once each."""
    slug, staff = krakow.event.slug, krakow.staff
    base = f"/organiser/events/{slug}"
    organiser_pages = {
        "dashboard": ("", ["09:00"]),
        "schedule": ("/schedule", ["14:41"]),
        "print": ("/print", ["18:47"]),
        "outbox": ("/outbox", ["16:23", "16:29"]),
        "outbox message": (f"/outbox/{krakow.message_id}", ["16:23", "16:29"]),
        "sponsors": ("/sponsors", ["16:29"]),
        "attendees": ("/attendees", []),
        "follow-ups": ("/followups", ["09:"]),
        "report": ("/report", []),
        "no-shows": ("/replan", []),
        "links": ("/links/send", []),
    }
    for name, (path, shown) in organiser_pages.items():
        response = staff.get(base + path)
        assert response.status_code == 200, name
        html = response.get_data(as_text=True)
        for local in shown:
            assert local in visible(html), f"the {name} page lacks {local}"
        assert_local_times_only(f"the {name} page", html)

    door = staff.get(f"/checkin/{slug}?q=Nowak").get_data(as_text=True)
    assert "07:16" in visible(door)
    assert_local_times_only("the door page", door)

    visitor = app.test_client()
    vendor = krakow.people[0]
    meeting = krakow.version.meetings[0]
    agenda = visitor.get(f"/a/{vendor.token}").get_data(as_text=True)
    assert "09:00" in visible(agenda)
    assert_local_times_only("the agenda", agenda)
    followup = visitor.get(f"/a/{vendor.token}/followup/{meeting.id}").get_data(as_text=True)
    assert_local_times_only("the follow-up form", followup)

    report = visitor.get(f"/s/{krakow.sponsor_token}").get_data(as_text=True)
    assert_local_times_only("the sponsor report", report)


def test_table_signs_name_the_zone_of_their_round_times(krakow: Krakow) -> None:
    """Each table sign gives its rounds in local time and says once which zone that is."""
    pdf = render_table_signs(table_sign_data(krakow.event))
    (page,) = [" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages]
    assert page.count(ZONE) == 1 and f"times in {ZONE}" in page
    assert "09:00" in page


def test_dashboard_gives_the_local_day_badges_were_printed(krakow: Krakow) -> None:
    """Printed at 23:30 UTC on 13 January is just after midnight, on the 14th, in Krakow."""
    krakow.event.badges_printed_at = datetime(2030, 1, 13, 23, 30)
    db.session.commit()
    html = krakow.staff.get(f"/organiser/events/{krakow.event.slug}").get_data(as_text=True)
    assert "On 14 Jan 2030." in html and "13 Jan" not in html
