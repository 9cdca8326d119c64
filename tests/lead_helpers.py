"""Sponsor booths for the lead tests: two sponsors, their contacts and partners they met."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from app.extensions import db
from app.models import Attendee, Event, SponsorContact
from app.services.leads import CRM_HEADER
from tests.attendee_helpers import local_start, page_text
from tests.conftest import csrf_token

# As the form sends it: ``contact_asked`` says the consent question was on it.
ANSWER = {
    "held": "yes",
    "rating": "2",
    "recommend": "3",
    "why": "Slow demo",
    "contact_asked": "1",
}


@dataclass
class Booths:
    """Northwind (Anna, rep) and Contoso (Carl) at an event under way in Warsaw.

    Zoë meets Anna in round 1 and Carl in round 2; Mallory (a name and company a spreadsheet
    would run as formulas) meets Anna in round 2; Pia meets Piet (both partners) in round 3.
    """

    event: Event
    anna: Attendee
    carl: Attendee
    zoe: Attendee
    mallory: Attendee
    pia: Attendee
    piet: Attendee
    northwind: SponsorContact
    contoso: SponsorContact


def build_booths(make_organiser, make_event, make_attendee, make_version) -> Booths:
    """The event of ``Booths``, started two hours ago: every follow-up is open."""
    event = make_event(
        make_organiser(),
        name="Warsaw Partner Summit",
        timezone="Europe/Warsaw",
        starts_at=local_start(120, "Europe/Warsaw"),
        rounds=3,
        round_minutes=10,
        break_minutes=5,
    )
    anna = make_attendee(
        event, "anna@northwind.example", name="Anna Nowak", company="Northwind", kind="vendor"
    )
    carl = make_attendee(
        event, "carl@contoso.example", name="Carl Cole", company="Contoso", kind="distributor"
    )
    zoe = make_attendee(
        event,
        "zoe@fabrikam.example",
        name="Zoë van der Berg",
        company="Fabrikam Ölwerke",
        region="EMEA",
        title="Head of Alliances",
        phone="+31 20 555 0101",
        country="Netherlands",
        offers=["erp", "cloud"],
        seeks=["security"],
    )
    mallory = make_attendee(
        event, "mallory@evil.example", name="=cmd|' /C calc'!A0", company="@SUM(1+1)"
    )
    pia = make_attendee(event, "pia@p.example", name="Pia Partner", company="Pia Co")
    piet = make_attendee(event, "piet@p.example", name="Piet Partner", company="Piet Co")
    make_version(
        event,
        [(1, 1, anna, zoe), (2, 1, carl, zoe), (2, 2, anna, mallory), (3, 1, pia, piet)],
        published=True,
    )
    northwind = SponsorContact(
        event_id=event.id, email="boss@northwind.example", name="Nina Boss", company="Northwind"
    )
    contoso = SponsorContact(
        event_id=event.id, email="boss@contoso.example", name="Cleo Boss", company="Contoso"
    )
    db.session.add_all([northwind, contoso])
    db.session.commit()
    return Booths(event, anna, carl, zoe, mallory, pia, piet, northwind, contoso)


def answer(client, who: Attendee, other: Attendee, **fields: str):
    """``who`` answers the follow-up about ``other`` through their own agenda link."""
    url = f"/a/{who.token}/followup/{meeting_ref(who, other)}"
    data = {**ANSWER, **fields, "csrf_token": csrf_token(client, url)}
    response = client.post(url, data=data)
    assert response.status_code == 302, page_text(response)[:400]
    return response


def meeting_ref(who: Attendee, other: Attendee) -> int:
    """The meeting id of the pair (an old printed meeting number is a reference too)."""
    version = who.event.published_version
    assert version is not None
    meeting = next(m for m in version.meetings if {m.attendee_a_id, m.attendee_b_id} == {
        who.id, other.id
    })  # fmt: skip
    return meeting.id


def crm_import(body: bytes) -> list[dict[str, str]]:
    """Read a lead CSV as a CRM import does: UTF-8 with BOM, the header row names columns."""
    assert body.startswith(b"\xef\xbb\xbf"), "UTF-8 with a BOM, so accents survive"
    reader = csv.DictReader(io.StringIO(body.decode("utf-8-sig"), newline=""))
    assert tuple(reader.fieldnames or ()) == CRM_HEADER
    return list(reader)
