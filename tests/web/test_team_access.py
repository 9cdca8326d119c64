"""Door staff and co-organisers: every rule of who reaches which page, each tried to break.

tests/web/test_access.py enumerates the organiser routes for every role (door staff and door
links get nothing there; co-organisers get what the owner gets). Here: the door's own routes
for each way in, links and log-ins that expire or are revoked (the clock is driven, never
slept), the tokens, and what only the owner may do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text

from app.extensions import db
from app.models import Attendee, DoorLink, Event, EventMember, Organiser, OutboxMessage
from app.models.team import CO_ORGANISER, DOOR, token_digest
from app.services.events import clock
from app.services.events.team import (
    TeamRefused,
    add_member,
    create_door_link,
    door_closes_at,
    remove_member,
    revoke_door_link,
)
from app.services.messages.mailing import agenda_url
from tests.conftest import csrf_token, post_form

NEW_LINK = "Ask the organiser for a new link."


class FreshContextClient(FlaskClient):
    """A test client whose every request runs in an app context of its own, as on a server.

    The tests hold an app context open, which requests would otherwise share, and with it
    ``g``: the logged-in user of one client's request would leak into the next client's.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        with self.application.app_context():
            return super().open(*args, **kwargs)


@dataclass
class Door:
    """An event with three attendees, its owner, door staff, a co-organiser and a door link."""

    app: Flask
    event: Event
    people: list[Attendee]
    owner: Organiser
    door_staff: Organiser
    co_organiser: Organiser
    link: DoorLink
    link_path: str  # /door/<token>


@pytest.fixture
def door(app: Flask, make_organiser, make_event, make_attendee) -> Door:
    app.test_client_class = FreshContextClient
    owner, staff, co = make_organiser(), make_organiser(), make_organiser()
    event = make_event(owner, name="Spring Forum")
    people = [
        make_attendee(event, name="Łukasz Wiśniewski", company="Gdańsk Data"),
        make_attendee(event, name="Ana Silva", company="Lisboa Tech", email="ana@lisboa.example"),
        make_attendee(event, name="Bruno Costa", company="Porto Data"),
    ]
    with app.test_request_context():
        add_member(event, staff.email, DOOR, owner)
        add_member(event, co.email, CO_ORGANISER, owner)
        link, url = create_door_link(event, "Shared phone at entrance B")
    path = url.removeprefix(app.config["PUBLIC_URL"])
    return Door(app, event, people, owner, staff, co, link, path)


def phone(door: Door, path: str | None = None) -> FlaskClient:
    """A fresh browser that opened the door link (or ``path``)."""
    client = door.app.test_client()
    response = client.get(path or door.link_path)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/checkin/{door.event.slug}"
    return client


def door_routes(event: Event, attendee: Attendee) -> list[tuple[str, str]]:
    """Every route of the door blueprint for ``event``, with its method."""
    base = f"/checkin/{event.slug}"
    return [
        ("GET", base),
        ("GET", f"{base}/counts.json"),
        ("GET", f"{base}/csrf.json"),
        ("POST", f"{base}/scan"),
        ("POST", f"{base}/attendees/{attendee.id}"),
        ("POST", f"{base}/attendees/{attendee.id}/undo"),
    ]


def send(client: FlaskClient, method: str, url: str) -> Any:
    """One request of a door route; a POST with this session's CSRF token."""
    data = None
    if method == "POST":
        with client.session_transaction() as session:
            page = "/organiser/events" if "_user_id" in session else "/organiser/login"
        data = {"csrf_token": csrf_token(client, page), "code": "x"}
    return client.open(url, method=method, data=data)


def drive_clock(monkeypatch: pytest.MonkeyPatch, moment: datetime) -> None:
    """Make the project's clock read ``moment`` (naive UTC)."""
    monkeypatch.setattr(clock, "utc_now", lambda: moment.replace(tzinfo=UTC))


def test_the_door_routes_are_all_listed(app: Flask) -> None:
    """The checks below cover every route of the door and of door links in the URL map."""
    endpoints = {
        r.endpoint for r in app.url_map.iter_rules() if r.endpoint.startswith(("checkin.", "door."))
    }
    assert endpoints == {
        "checkin.door",
        "checkin.counts_json",
        "checkin.csrf_json",
        "checkin.scan",
        "checkin.attendee_check_in",
        "checkin.attendee_undo",
        "door.open_link",
    }


# Door links


def test_a_door_link_checks_in_by_accent_free_search(door: Door) -> None:
    """The phone finds "Łukasz" by typing "lukasz", checks him in, and sees whose link it is."""
    client = phone(door)
    page = client.get(f"/checkin/{door.event.slug}?q=lukasz").get_data(as_text=True)
    assert "Łukasz Wiśniewski" in page and "Ana Silva" not in page
    assert "Shared phone at entrance B" in page
    assert "Attendees</a>" not in page  # no organiser menu offered
    assert (
        "ana silva"
        in client.get(f"/checkin/{door.event.slug}?q=LISBOA").get_data().decode("utf-8").lower()
    )
    found = client.get(f"/checkin/{door.event.slug}?q=ana@lisboa").get_data(as_text=True)
    assert "Ana Silva" in found
    lukasz = door.people[0]
    response = post_form(client, f"/checkin/{door.event.slug}/attendees/{lukasz.id}", {"q": "x"})
    assert response.status_code == 302
    db.session.refresh(lukasz)
    assert lukasz.checked_in_at is not None


def test_a_door_link_scans_badges(door: Door) -> None:
    """The scanner's JSON routes work from the link's session."""
    client = phone(door)
    with door.app.test_request_context():
        code = agenda_url(door.people[1])
    body = post_form(client, f"/checkin/{door.event.slug}/scan", {"code": code}).get_json()
    assert body["ok"] and body["name"] == "Ana Silva"
    assert client.get(f"/checkin/{door.event.slug}/counts.json").get_json()["present"] == 1


def test_a_door_link_opens_no_other_event(door: Door, make_event, make_attendee) -> None:
    """Another event's door (even the same owner's) is 404, on every route; nobody is checked in."""
    other = make_event(door.owner, name="Autumn Forum")
    stranger = make_attendee(other, name="Not Here")
    client = phone(door)
    for method, url in door_routes(other, stranger):
        assert send(client, method, url).status_code == 404, url
    # nor another event's attendee through this event's door
    response = post_form(client, f"/checkin/{door.event.slug}/attendees/{stranger.id}")
    assert response.status_code == 404
    db.session.refresh(stranger)
    assert stranger.checked_in_at is None


def test_a_revoked_link_stops_at_once_on_an_open_phone(door: Door) -> None:
    """Revoked while the phone is open: every door route answers 410 saying what to do."""
    client = phone(door)
    assert client.get(f"/checkin/{door.event.slug}").status_code == 200
    revoke_door_link(door.event, door.link.id)
    for method, url in door_routes(door.event, door.people[0]):
        response = send(client, method, url)
        assert response.status_code == 410, url
    page = client.get(f"/checkin/{door.event.slug}").get_data(as_text=True)
    assert NEW_LINK in page
    scan = client.post(
        f"/checkin/{door.event.slug}/scan",
        data={"code": "x", "csrf_token": csrf_token(client)},
        headers={"Accept": "application/json"},
    ).get_json()
    assert scan["ok"] is False and scan["advice"] == NEW_LINK
    opened = door.app.test_client().get(door.link_path)
    assert opened.status_code == 410 and NEW_LINK in opened.get_data(as_text=True)
    db.session.refresh(door.people[0])
    assert door.people[0].checked_in_at is None


def test_a_link_expires_after_the_event(door: Door, monkeypatch: pytest.MonkeyPatch) -> None:
    """06:00 event time the day after the event the link stops, open phone or new browser."""
    closes = door_closes_at(door.event)
    assert door.link.expires_at == closes
    assert closes == datetime(2030, 3, 5, 6, 0)  # the event: 4 March 2030 from 09:00, UTC
    client = phone(door)
    drive_clock(monkeypatch, closes - timedelta(seconds=1))
    assert client.get(f"/checkin/{door.event.slug}").status_code == 200
    drive_clock(monkeypatch, closes)
    response = client.get(f"/checkin/{door.event.slug}")
    assert response.status_code == 410 and NEW_LINK in response.get_data(as_text=True)
    assert door.app.test_client().get(door.link_path).status_code == 410


def test_expiry_follows_the_event_time_zone(make_event, door: Door) -> None:
    """In Tokyo the link stops at 06:00 Tokyo time, 21:00 UTC the day of the event."""
    tokyo = make_event(door.owner, timezone="Asia/Tokyo", starts_at=datetime(2030, 3, 4, 9, 0))
    assert door_closes_at(tokyo) == datetime(2030, 3, 4, 21, 0)


def test_unknown_and_mangled_tokens_open_nothing(door: Door) -> None:
    """A made-up token, a truncated one, an over-long one: 404, and no door session."""
    token = door.link_path.removeprefix("/door/")
    for bad in ("x", token[:-1], token + "A", "A" * 500):
        client = door.app.test_client()
        response = client.get(f"/door/{bad}")
        assert response.status_code == 404, bad
        assert client.get(f"/checkin/{door.event.slug}").status_code == 302  # to log in


def test_the_token_is_256_bits_and_not_stored(door: Door) -> None:
    """43 URL-safe characters (32 random bytes); the database holds only its SHA-256."""
    token = door.link_path.removeprefix("/door/")
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", token)
    assert door.link.token_hash == token_digest(token) != token
    dump = " ".join(
        str(value)
        for row in db.session.execute(text("SELECT * FROM door_links")).all()
        for value in row
    )
    assert token not in dump
    tokens = {create_door_link(door.event, f"Phone {n}")[1] for n in range(20)}
    assert len(tokens) == 20


# Door staff with a log-in


def test_door_staff_check_in_by_accent_free_search(door: Door, login_as) -> None:
    """Logged in, door staff find "Łukasz" by "lukasz" and check him in."""
    client = login_as(door.door_staff)
    page = client.get(f"/checkin/{door.event.slug}?q=lukasz").get_data(as_text=True)
    assert "Łukasz Wiśniewski" in page and "Settings</a>" not in page
    post_form(client, f"/checkin/{door.event.slug}/attendees/{door.people[0].id}")
    db.session.refresh(door.people[0])
    assert door.people[0].checked_in_at is not None
    events = client.get("/organiser/events").get_data(as_text=True)
    assert "Spring Forum" in events and f"/checkin/{door.event.slug}" in events


def test_door_staff_reach_no_other_door(door: Door, login_as, make_event, make_attendee) -> None:
    """Door staff of one event get 404 at another event's door."""
    other = make_event(door.owner, name="Autumn Forum")
    stranger = make_attendee(other)
    client = login_as(door.door_staff)
    for method, url in door_routes(other, stranger):
        assert send(client, method, url).status_code == 404, url


def test_door_staff_get_no_exports(door: Door, login_as) -> None:
    """The attendee list, its exports and the schedule: 404 for door staff."""
    client = login_as(door.door_staff)
    base = f"/organiser/events/{door.event.slug}"
    for url in (base, f"{base}/attendees", f"{base}/links.csv", f"{base}/team"):
        assert client.get(url).status_code == 404, url


def test_removed_door_staff_lose_the_door_at_once(door: Door, login_as) -> None:
    client = login_as(door.door_staff)
    assert client.get(f"/checkin/{door.event.slug}").status_code == 200
    member = db.session.scalar(
        select(EventMember).where(EventMember.organiser_id == door.door_staff.id)
    )
    remove_member(door.event, member.id, door.owner)
    assert client.get(f"/checkin/{door.event.slug}").status_code == 404


def test_door_staff_access_expires(door: Door, login_as, monkeypatch) -> None:
    client = login_as(door.door_staff)
    drive_clock(monkeypatch, door_closes_at(door.event))
    assert client.get(f"/checkin/{door.event.slug}").status_code == 404
    # the owner and co-organisers keep the door after the event
    assert login_as(door.owner).get(f"/checkin/{door.event.slug}").status_code == 200
    assert login_as(door.co_organiser).get(f"/checkin/{door.event.slug}").status_code == 200


# Co-organisers


def test_a_co_organiser_manages_this_event_only(door: Door, login_as, make_event) -> None:
    """Settings of this event yes; another event of the same owner no."""
    client = login_as(door.co_organiser)
    base = f"/organiser/events/{door.event.slug}"
    response = post_form(
        client,
        f"{base}/edit",
        {
            "name": "Spring Forum 2030",
            "timezone": "UTC",
            "starts_at": "2030-03-04T09:00",
            "rounds": 6,
            "round_minutes": 10,
            "break_minutes": 5,
            "tables": 10,
            "min_meetings": 0,
            "p2p_weight": 1,
            "p2v_weight": 1,
            "solve_time_limit": 30,
            "reminder_minutes": 5,
            "max_must_requests": 3,
        },
    )
    db.session.refresh(door.event)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert door.event.name == "Spring Forum 2030"
    other = make_event(door.owner, name="Private Forum")
    assert client.get(f"/organiser/events/{other.slug}").status_code == 404
    assert client.get(f"/checkin/{other.slug}").status_code == 404


def test_a_removed_co_organiser_loses_access_at_once(door: Door, login_as) -> None:
    client = login_as(door.co_organiser)
    base = f"/organiser/events/{door.event.slug}"
    assert client.get(base).status_code == 200
    member = db.session.scalar(
        select(EventMember).where(EventMember.organiser_id == door.co_organiser.id)
    )
    response = post_form(login_as(door.owner), f"{base}/team/members/{member.id}/remove")
    assert response.status_code == 302
    assert client.get(base).status_code == 404
    assert client.get(f"/checkin/{door.event.slug}").status_code == 404


def test_only_the_owner_adds_or_removes_co_organisers(door: Door, login_as, make_organiser) -> None:
    """A co-organiser may run the door (staff, links) but not change who co-organises."""
    client = login_as(door.co_organiser)
    base = f"/organiser/events/{door.event.slug}/team"
    newcomer = make_organiser()
    post_form(client, f"{base}/members", {"email": newcomer.email, "role": CO_ORGANISER})
    page = client.get(base).get_data(as_text=True)
    assert "Only the event&#39;s owner can add co-organisers." in page
    members = db.session.scalars(select(EventMember).where(EventMember.event_id == door.event.id))
    assert newcomer.id not in {m.organiser_id for m in members}
    with pytest.raises(TeamRefused, match="only the event's owner"):
        me = db.session.scalar(
            select(EventMember).where(EventMember.organiser_id == door.co_organiser.id)
        )
        remove_member(door.event, me.id, door.co_organiser)
    # door staff and links: yes
    post_form(client, f"{base}/members", {"email": newcomer.email, "role": DOOR})
    assert door.event.role_of(newcomer) == DOOR
    response = post_form(client, f"{base}/links", {"label": "Tablet at the cloakroom"})
    assert response.status_code == 302
    page = client.get(base).get_data(as_text=True)
    assert "Tablet at the cloakroom" in page and "/door/" in page and "<svg" in page
    # shown once only
    assert "/door/" not in client.get(base).get_data(as_text=True)


def test_a_revoke_from_the_team_page(door: Door, login_as) -> None:
    client = login_as(door.owner)
    base = f"/organiser/events/{door.event.slug}/team"
    response = post_form(client, f"{base}/links/{door.link.id}/revoke")
    assert response.status_code == 302
    page = client.get(base).get_data(as_text=True)
    assert "no longer works" in page and "Revoked" in page
    assert door.app.test_client().get(door.link_path).status_code == 410


def test_team_rows_of_another_event_are_404_or_refused(
    door: Door, login_as, make_event, make_organiser
) -> None:
    """Ids of another event's members and links change nothing through this event's URLs."""
    mine = make_event(door.co_organiser, name="Co's own event")
    with door.app.test_request_context():
        link, _ = create_door_link(mine, "Mine")
        member = add_member(mine, make_organiser().email, DOOR, door.co_organiser).member
    client = login_as(door.owner)
    base = f"/organiser/events/{door.event.slug}/team"
    post_form(client, f"{base}/links/{link.id}/revoke")
    post_form(client, f"{base}/members/{member.id}/remove")
    db.session.refresh(link)
    assert link.revoked_at is None
    assert db.session.get(EventMember, member.id) is not None


def test_bad_input_is_named(door: Door, login_as) -> None:
    client = login_as(door.owner)
    base = f"/organiser/events/{door.event.slug}/team"
    post_form(client, f"{base}/links", {"label": "x" * 101})
    page = client.get(base).get_data(as_text=True)
    assert "Label: at most 100 characters, this has 101." in page
    post_form(client, f"{base}/members", {"email": "not-an-address", "role": DOOR})
    assert "not-an-address" in client.get(base).get_data(as_text=True)
    post_form(client, f"{base}/members", {"email": door.door_staff.email, "role": CO_ORGANISER})
    assert "is on the team already, as door staff" in client.get(base).get_data(as_text=True)
    assert door.event.role_of(door.door_staff) == DOOR


# Invitations


def test_an_invitation_makes_an_account_that_works_on_that_event_only(door: Door) -> None:
    """A new address: an account without a password, a one-time link (also in the outbox), a
    password chosen, logged in; it cannot create events of its own."""
    with door.app.test_request_context():
        added = add_member(door.event, "Zofia@Example.org", DOOR, door.owner)
    assert added.invite_url and "/organiser/invite/" in added.invite_url
    account = added.member.organiser
    assert account.email == "zofia@example.org" and not account.password_hash
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.to_address == account.email))
    assert added.invite_url in mail.body and "check attendees in" in mail.body
    token = added.invite_url.rsplit("/", 1)[1]
    assert account.invite_token_hash == token_digest(token)
    client = door.app.test_client()
    path = f"/organiser/invite/{token}"
    assert "zofia@example.org" in client.get(path).get_data(as_text=True)
    weak = post_form(client, path, {"new": "password", "repeat": "password"})
    assert "at least 12 characters" in weak.get_data(as_text=True)
    good = "harbour lantern quietly"
    response = post_form(client, path, {"new": good, "repeat": good})
    assert response.status_code == 302
    assert "Spring Forum" in client.get("/organiser/events").get_data(as_text=True)
    assert "New event" not in client.get("/organiser/events").get_data(as_text=True)
    assert client.get("/organiser/events/new").status_code == 403
    assert client.get(f"/checkin/{door.event.slug}").status_code == 200
    # the link works once
    assert door.app.test_client().get(path).status_code == 410


def test_an_invitation_expires(door: Door) -> None:
    with door.app.test_request_context():
        added = add_member(door.event, "late@example.org", DOOR, door.owner)
    account = added.member.organiser
    account.invite_expires_at = datetime(2000, 1, 1)
    db.session.commit()
    path = added.invite_url.removeprefix(door.app.config["PUBLIC_URL"])
    response = door.app.test_client().get(path)
    assert response.status_code == 410
    assert "does not work any more" in response.get_data(as_text=True)


def test_an_existing_account_is_added_without_invitation(door: Door, make_organiser) -> None:
    """Someone with an account keeps their password; they are told to log in."""
    known = make_organiser()
    with door.app.test_request_context():
        added = add_member(door.event, known.email.upper(), CO_ORGANISER, door.owner)
    assert added.invite_url is None and known.invite_token_hash is None
    assert door.event.role_of(known) == CO_ORGANISER
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.to_address == known.email))
    assert "/organiser/login" in mail.body


def test_the_owner_cannot_be_added(door: Door) -> None:
    with door.app.test_request_context(), pytest.raises(TeamRefused, match="owns this event"):
        add_member(door.event, door.owner.email, DOOR, door.owner)
