"""The door page open for hours (issue 11, item 10): an expired CSRF token is answered in JSON
the scanner understands, a fresh one is handed out, and the scan then goes through."""

from __future__ import annotations

import re
import time

from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from app.services.messages.mailing import agenda_url
from tests.attendees.test_checkin import Door, door  # noqa: F401  (the fixture)

DOOR_TOKEN = re.compile(r'data-csrf="([^"]+)"')
JSON = {"Accept": "application/json"}


def send(client: FlaskClient, method: str, url: str, **options):
    """One request in an app context of its own, as a server gives each request."""
    with client.application.app_context():
        return client.open(url, method=method, **options)


def door_token(client: FlaskClient, slug: str) -> str:
    """The CSRF token the door page hands its scanner script."""
    return DOOR_TOKEN.search(send(client, "GET", f"/checkin/{slug}").get_data(as_text=True))[1]


class SignedAnHourAgo(TimestampSigner):
    """Signs as if it were 61 minutes ago: Flask-WTF's tokens last an hour."""

    def get_timestamp(self) -> int:
        return int(time.time()) - 3660


def stale_door_token(client: FlaskClient, slug: str) -> str:
    """The token the door page would have handed its script had it been opened 61 minutes
    ago: this session's CSRF secret, signed as Flask-WTF signs it, with an older time."""
    door_token(client, slug)  # the page puts the CSRF secret in the session
    with client.session_transaction() as session:
        secret = session["csrf_token"]
    signer = URLSafeTimedSerializer(
        client.application.secret_key, salt="wtf-csrf-token", signer=SignedAnHourAgo
    )
    return signer.dumps(secret)


def test_an_expired_token_gets_a_json_answer_and_a_fresh_token_works(
    app: Flask,
    door: Door,  # noqa: F811
) -> None:
    """The scan with an hour-old token is refused as JSON saying so (not an HTML 400 page the
    scanner took for a network failure); csrf.json gives a new token, and the scan succeeds."""
    event, people, client = door
    stale = stale_door_token(client, event.slug)
    with app.test_request_context():
        code = agenda_url(people[0])
    refused = send(
        client,
        "POST",
        f"/checkin/{event.slug}/scan",
        data={"code": code, "csrf_token": stale},
        headers=JSON,
    )
    assert refused.status_code == 400
    body = refused.get_json()
    assert body["ok"] is False and body["csrf"] is True
    assert "expired" in body["reason"] and "reload" in body["error"]
    fresh = send(client, "GET", f"/checkin/{event.slug}/csrf.json", headers=JSON).get_json()
    again = send(
        client,
        "POST",
        f"/checkin/{event.slug}/scan",
        data={"code": code, "csrf_token": fresh["csrf"]},
        headers=JSON,
    )
    assert again.status_code == 200
    assert again.get_json()["name"] == people[0].name


def test_a_scan_after_the_session_ended_says_so(app: Flask, door: Door) -> None:  # noqa: F811
    """Logged out (elsewhere): the scanner gets a 401 with words to show, not a login page."""
    event, _, client = door
    token = door_token(client, event.slug)
    logout = send(client, "POST", "/organiser/logout", data={"csrf_token": token})
    assert logout.status_code == 302
    for method, url, data in (
        ("POST", f"/checkin/{event.slug}/scan", {"code": "x", "csrf_token": token}),
        ("GET", f"/checkin/{event.slug}/csrf.json", None),
    ):
        response = send(client, method, url, data=data, headers=JSON)
        assert response.status_code in (400, 401), url
        assert "reload the page" in response.get_json()["error"].lower(), url


def test_pages_still_send_people_to_the_login(app: Flask) -> None:
    """A person (HTML) who is not logged in still lands on the login page."""
    response = send(app.test_client(), "GET", "/organiser/events")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/organiser/login?next=")


def test_an_expired_form_is_explained_on_a_page(door: Door) -> None:  # noqa: F811
    """A person's form with an expired token gets a page that says to reload, not a bare 400."""
    event, people, client = door
    stale = stale_door_token(client, event.slug)
    response = send(
        client,
        "POST",
        f"/checkin/{event.slug}/attendees/{people[0].id}",
        data={"csrf_token": stale},
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "The page was open too long: reload it and try again." in page
