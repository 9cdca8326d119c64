"""Booths end to end: "Booth A2 = Northwind Cloud" in the settings, the build, the re-plan
after an absence, and change lists that name tables by their names."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient

from app.extensions import db
from app.models import Attendee, Event, ScheduleVersion
from app.models.common import utcnow
from app.services.messages.mailing import compose_agenda_link
from app.services.scheduling import versions
from app.services.scheduling.replanning import replan_event
from tests.conftest import post_form
from tests.scheduling.test_scheduling import build

# ruff: noqa: E501  (the messages read best unbroken)

NAMES = "Booth A1\nBooth A2\nWindow\nStage\nBar\nHall"


def settings_form(event: Event, **changes: str) -> dict[str, str]:
    """The event form as the organiser sends it back, with ``changes``."""
    form = {
        "name": event.name,
        "venue": event.venue,
        "timezone": event.timezone,
        "starts_at": event.starts_at.strftime("%Y-%m-%dT%H:%M"),
        "rounds": str(event.rounds),
        "round_minutes": str(event.round_minutes),
        "break_minutes": str(event.break_minutes),
        "tables": str(event.tables),
        "table_names": NAMES,
        "table_owners": "",
        "min_meetings": str(event.min_meetings),
        "p2p_weight": "1",
        "p2v_weight": "1",
        "solve_time_limit": "5",
        "reminder_minutes": "5",
    }
    return form | changes


@pytest.fixture
def northwind(event: Event) -> tuple[Event, list[Attendee]]:
    """The 14-attendee event with Company 0 (two colleagues) renamed Northwind Cloud."""
    reps = [a for a in event.attendees if a.company == "Company 0"]
    for a in reps:
        a.company = "Northwind Cloud"
        a.kind = "vendor"
    db.session.commit()
    return event, reps


def tables_of(version: ScheduleVersion, people: list[Attendee]) -> set[int]:
    ids = {a.id for a in people}
    return {m.table for m in version.meetings if {m.attendee_a_id, m.attendee_b_id} & ids}


def test_a_booth_set_in_the_settings_holds_every_meeting_of_its_company(
    northwind, login_as
) -> None:
    event, reps = northwind
    client: FlaskClient = login_as(event.organiser)
    url = f"/organiser/events/{event.slug}/edit"
    form = settings_form(event, table_owners="booth a2 = northwind cloud", min_meetings="1")
    response = post_form(client, url, form)
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    assert event.table_owners == {"2": "Northwind Cloud"}
    # shown back as typed, with the table's name and the company as its people spell it
    assert "Booth A2 = Northwind Cloud" in client.get(url).get_data(as_text=True)
    version = build(event).version
    assert versions.check_version(version).ok
    assert tables_of(version, reps) == {2}
    assert len([m for m in version.meetings if m.table == 2]) >= 2

    # an absence: the re-plan keeps Northwind at Booth A2, and the change list says so
    versions.publish(version)
    later = [m for m in version.meetings if m.round >= 2 and m.table == 2]
    lost = next(
        m.attendee_a if m.attendee_b in reps else m.attendee_b for m in later
    )  # a partner of Northwind
    for a in event.attendees:
        a.checked_in_at = None if a.id == lost.id else utcnow()
    db.session.commit()
    report = replan_event(event, 2)
    assert versions.check_version(report.version).ok
    assert tables_of(report.version, reps) == {2}
    changes = client.get(
        f"/organiser/events/{event.slug}/schedule/changes?new={report.version.number}"
    ).get_data(as_text=True)
    assert f"<strong>{lost.name}</strong>, round" in changes
    assert "Booth A2" in changes
    assert not re.search(r"table \d", changes)
    # the re-planned agenda e-mail of a Northwind rep names the booth, never a number
    db.session.expire_all()
    body = compose_agenda_link(event, reps[0]).body
    assert ", Booth A2\n" in body and not re.search(r"[Tt]able \d", body)


def test_change_lists_name_tables_by_their_names(event, login_as) -> None:
    """Regression: the change list said "table 2" although the organiser named it Booth A2."""
    event.table_names = NAMES.splitlines()
    db.session.commit()
    first = build(event).version
    versions.publish(first)
    moved = sorted(first.meetings, key=lambda m: (m.round, m.table))[0]
    for a in event.attendees:  # a re-plan around one no-show makes the second version
        a.checked_in_at = None if a.id == moved.attendee_a_id else utcnow()
    db.session.commit()
    second = replan_event(event, 1).version
    html = (
        login_as(event.organiser)
        .get(f"/organiser/events/{event.slug}/schedule/changes?new={second.number}")
        .get_data(as_text=True)
    )
    assert "Was:</span>" in html
    label = event.table_label(moved.table)
    assert f", {label}<br>" in html
    assert not re.search(r"table \d", html)


@pytest.mark.parametrize(
    ("owners", "said"),
    [
        ("Booth A2 = Northwnd", "Table owners, line 1 “Booth A2 = Northwnd”: no attendee works for “Northwnd”"),
        ("Booth Z9 = Northwind Cloud", "“Booth Z9” is not one of the event's tables (a table name, or a number from 1 to 6)"),
        ("Booth A2 Northwind Cloud", "write the table, “=”, then its owner"),
        ("7 = Northwind Cloud", "“7” is not one of the event's tables"),
        ("Booth A2 = Northwind Cloud\n2 = p4@c4.io", "line 2 “2 = p4@c4.io”: Booth A2 already belongs to Northwind Cloud (line 1)"),
    ],
)  # fmt: skip
def test_bad_table_owners_are_refused_naming_the_line_and_value(
    northwind, login_as, owners: str, said: str
) -> None:
    event, _ = northwind
    client = login_as(event.organiser)
    response = post_form(
        client, f"/organiser/events/{event.slug}/edit", settings_form(event, table_owners=owners)
    )
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert said.replace("'", "&#39;") in text
    db.session.expire_all()
    assert event.table_owners == {} and event.table_names == []  # nothing half-written


def test_a_company_may_own_two_booths_and_a_person_one(northwind, login_as) -> None:
    event, reps = northwind
    client = login_as(event.organiser)
    owners = "Booth A1 = Northwind Cloud\n3 = Northwind Cloud\ntable 5 = P4@C4.io"
    response = post_form(
        client, f"/organiser/events/{event.slug}/edit", settings_form(event, table_owners=owners)
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert event.table_owners == {"1": "Northwind Cloud", "3": "Northwind Cloud", "5": "p4@c4.io"}
    version = build(event).version
    assert versions.check_version(version).ok
    assert tables_of(version, reps) <= {1, 3}
    p4 = next(a for a in event.attendees if a.email == "p4@c4.io")
    assert tables_of(version, [p4]) - tables_of(version, reps) <= {5}


def test_naming_a_booth_after_the_build_warns_that_the_schedule_must_follow(
    northwind, login_as
) -> None:
    event, reps = northwind
    version = build(event).version
    table = next(t for t in range(1, 7) if t not in tables_of(version, reps))
    client = login_as(event.organiser)
    response = post_form(
        client,
        f"/organiser/events/{event.slug}/edit",
        settings_form(event, table_owners=f"{table} = Northwind Cloud"),
        follow_redirects=True,
    )
    assert "away from their owner&#39;s table: build the schedule again, or re-plan it" in (
        response.get_data(as_text=True)
    )


def test_a_new_event_cannot_have_owners_before_its_attendees(login_as, make_organiser) -> None:
    client = login_as(make_organiser())
    form = {
        "name": "Forum",
        "timezone": "UTC",
        "starts_at": "2030-09-12T13:30",
        "rounds": "3",
        "round_minutes": "10",
        "break_minutes": "5",
        "tables": "3",
        "table_owners": "1 = Northwind Cloud",
        "min_meetings": "0",
        "p2p_weight": "1",
        "p2v_weight": "1",
        "solve_time_limit": "30",
        "reminder_minutes": "5",
    }
    response = post_form(client, "/organiser/events/new", form)
    assert response.status_code == 200
    assert "(import the attendees first)" in response.get_data(as_text=True)
    assert db.session.query(Event).count() == 0


def test_a_meeting_added_by_hand_for_an_owner_goes_to_its_booth(northwind) -> None:
    from app.services.scheduling import edits

    event, reps = northwind
    event.min_meetings = 0
    event.table_owners = {"4": "Northwind Cloud"}
    db.session.commit()
    version = build(event).version
    for m in list(version.meetings):  # free tables 1 and 4 and the reps in round 3
        if m.round == 3 and (m.table in (1, 4) or {m.attendee_a, m.attendee_b} & set(reps)):
            edits.remove_meeting(event, m)
    version = event.latest_version()
    busy = {x for m in version.meetings if m.round == 3 for x in (m.attendee_a_id, m.attendee_b_id)}
    met = {
        m.attendee_a_id if m.attendee_b_id == reps[0].id else m.attendee_b_id
        for m in version.meetings
        if reps[0].id in (m.attendee_a_id, m.attendee_b_id)
    }
    partner = next(
        a
        for a in sorted(event.attendees, key=lambda a: a.id)
        if a not in reps and a.id not in busy and a.id not in met
    )
    added = edits.add_meeting(event, reps[0], partner, 3)
    assert added.table == 4
    assert versions.check_version(event.latest_version()).ok


def test_a_meeting_off_its_booth_is_refused_in_the_tables_names(northwind) -> None:
    event, reps = northwind
    event.table_names = NAMES.splitlines()
    event.table_owners = {"2": "Northwind Cloud"}
    event.min_meetings = 1
    db.session.commit()
    version = build(event).version
    theirs = next(m for m in version.meetings if {m.attendee_a, m.attendee_b} & set(reps))
    theirs.table = 3  # the Window
    messages = [v.message for v in versions.check_version(version).violations]
    db.session.rollback()
    assert any(f"at Window in round {theirs.round}; their own: Booth A2" in m for m in messages)
