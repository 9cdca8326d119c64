"""Check-in at the door: the service, the door page, scanning, undo, counts and access."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.models import Attendee, Event, Organiser
from app.services.attendees.checkin import check_in, counts, token_from_scan, undo_check_in
from app.services.messages.mailing import agenda_url
from tests.conftest import csrf_token, post_form

Door = tuple[Event, list[Attendee], FlaskClient]


@pytest.fixture
def door(
    make_organiser: Callable[..., Organiser],
    make_event: Callable[..., Event],
    make_attendee: Callable[..., Attendee],
    login_as: Callable[[Organiser], FlaskClient],
) -> Door:
    """An event of three attendees, its organiser logged in."""
    owner = make_organiser()
    event = make_event(owner)
    people = [
        make_attendee(event, name="Ana Silva", company="Lisboa Tech"),
        make_attendee(event, name="Bruno Costa", company="Porto Data"),
        make_attendee(event, name="Łucja Nowak", company="Kraków Cloud"),
    ]
    return event, people, login_as(owner)


def test_check_in_counts_and_undo(door: Door) -> None:
    """Checking in records the time once; counts follow; undo clears it."""
    event, people, _ = door
    assert counts(event).as_dict() == {"expected": 3, "present": 0, "absent": 3}
    assert check_in(event, people[0]) is True
    first = people[0].checked_in_at
    assert first is not None
    assert check_in(event, people[0]) is False
    assert people[0].checked_in_at == first
    assert counts(event).as_dict() == {"expected": 3, "present": 1, "absent": 2}
    undo_check_in(event, people[0])
    assert people[0].checked_in_at is None
    assert counts(event).present == 0


def test_token_from_scan_reads_agenda_links() -> None:
    """The scanned text may be the whole agenda link or the token alone."""
    assert token_from_scan("https://mingle.example/a/abc_DEF-1") == "abc_DEF-1"
    assert token_from_scan(" https://x.org/a/tok/followup/3?x=1 ") == "tok"
    assert token_from_scan("tok") == "tok"


def test_door_page_searches_and_checks_in_by_name(door: Door) -> None:
    """Search lists matches with a Check in button; the POST marks them present."""
    event, people, client = door
    html = client.get(f"/checkin/{event.slug}?q=lucja").get_data(as_text=True)
    assert "Łucja Nowak" in html and "Ana Silva" not in html  # typed without the accent
    html = client.get(f"/checkin/{event.slug}?q=Nowak").get_data(as_text=True)
    assert "Łucja Nowak" in html and "Check in" in html and "Ana Silva" not in html
    response = post_form(client, f"/checkin/{event.slug}/attendees/{people[2].id}", {"q": "Nowak"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/checkin/{event.slug}?q=Nowak")
    db.session.refresh(people[2])
    assert people[2].checked_in_at is not None
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Łucja Nowak is checked in." in html and "Undo" in html
    post_form(client, f"/checkin/{event.slug}/attendees/{people[2].id}/undo", {"q": "Nowak"})
    db.session.refresh(people[2])
    assert people[2].checked_in_at is None


def test_scan_checks_in_and_counts_json(app: Flask, door: Door) -> None:
    """A badge's QR text checks its attendee in; the counts JSON shows it."""
    event, people, client = door
    with app.test_request_context():
        code = agenda_url(people[1])
    response = post_form(client, f"/checkin/{event.slug}/scan", {"code": code})
    assert response.status_code == 200
    body = response.get_json()
    assert body["ok"] and body["name"] == "Bruno Costa" and body["already"] is False
    assert body["counts"] == {"expected": 3, "present": 1, "absent": 2}
    again = post_form(client, f"/checkin/{event.slug}/scan", {"code": code}).get_json()
    assert again["already"] is True
    assert client.get(f"/checkin/{event.slug}/counts.json").get_json()["present"] == 1


def test_a_badge_of_another_event_is_refused(
    app: Flask, door: Door, make_event: Callable[..., Event], make_attendee
) -> None:
    """Scanning a token of another event (even the same organiser's) checks nobody in."""
    event, _, client = door
    other_event = make_event(event.organiser)
    stranger = make_attendee(other_event, name="Not Here")
    with app.test_request_context():
        code = agenda_url(stranger)
    response = post_form(client, f"/checkin/{event.slug}/scan", {"code": code})
    assert response.status_code == 404
    assert response.get_json()["ok"] is False
    db.session.refresh(stranger)
    assert stranger.checked_in_at is None
    bad = post_form(client, f"/checkin/{event.slug}/attendees/{stranger.id}")
    assert bad.status_code == 404


def _urls(event: Event, attendee: Attendee) -> list[tuple[str, str]]:
    """Every check-in route of ``event`` with its method."""
    base = f"/checkin/{event.slug}"
    return [
        ("GET", base),
        ("GET", f"{base}/counts.json"),
        ("GET", f"{base}/csrf.json"),
        ("POST", f"{base}/scan"),
        ("POST", f"{base}/attendees/{attendee.id}"),
        ("POST", f"{base}/attendees/{attendee.id}/undo"),
    ]


def test_check_in_routes_are_all_listed(app: Flask) -> None:
    """The access tests below cover every check-in route in the URL map."""
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("checkin.")]
    assert len(rules) == 6


def test_logged_out_visitors_are_sent_to_login(app: Flask, door: Door) -> None:
    """Every check-in route redirects a visitor to the organiser login."""
    event, people, _ = door
    client = app.test_client()
    for method, url in _urls(event, people[0]):
        data = {"csrf_token": csrf_token(client)} if method == "POST" else None
        response = client.open(url, method=method, data=data)
        assert response.status_code == 302, url
        assert response.headers["Location"].startswith("/organiser/login?next=")


def test_other_organisers_get_404(door: Door, make_organiser, login_as) -> None:
    """Another organiser gets 404 on every check-in route of an event they do not own."""
    event, people, _ = door
    client = login_as(make_organiser())
    for method, url in _urls(event, people[0]):
        data = {"csrf_token": csrf_token(client, "/organiser/events")} if method == "POST" else None
        assert client.open(url, method=method, data=data).status_code == 404, url
    db.session.refresh(people[0])
    assert people[0].checked_in_at is None


def test_posts_without_csrf_are_refused(app: Flask, door: Door) -> None:
    """Missing or forged CSRF tokens get 400 and check nobody in."""
    app.config["WTF_CSRF_ENABLED"] = True
    event, people, client = door
    for method, url in _urls(event, people[0]):
        if method == "POST":
            for data in ({}, {"csrf_token": "forged"}):
                response = client.post(url, data={**data, "code": people[0].token})
                assert response.status_code == 400, url
    db.session.refresh(people[0])
    assert people[0].checked_in_at is None
