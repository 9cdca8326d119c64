"""Organiser accounts on the web: logging in (safely) and out."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.conftest import DEFAULT_PASSWORD, csrf_token, post_form


def test_login_with_the_right_password(client: FlaskClient, make_organiser) -> None:
    """The login form logs in and lands on the event list."""
    make_organiser(email="ada@example.org")
    response = post_form(
        client, "/organiser/login", {"email": "ADA@example.org", "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/organiser/events"
    assert client.get("/organiser/events").status_code == 200


@pytest.mark.parametrize("email", ["ada@example.org", "nobody@example.org"])
def test_login_failure_does_not_say_which_part_was_wrong(
    client: FlaskClient, make_organiser, email: str
) -> None:
    """A wrong password and an unknown e-mail get the same message, and no session."""
    make_organiser(email="ada@example.org")
    response = post_form(client, "/organiser/login", {"email": email, "password": "wrong pw 1"})
    assert response.status_code == 200
    assert "Wrong e-mail or password." in response.get_data(as_text=True)
    assert client.get("/organiser/events").status_code == 302


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/organiser/events/new", "/organiser/events/new"),
        ("https://evil.example/phish", "/organiser/events"),
        ("//evil.example/phish", "/organiser/events"),
        ("/\\evil.example", "/organiser/events"),
        ("javascript:alert(1)", "/organiser/events"),
    ],
)
def test_login_redirects_only_to_local_paths(
    client: FlaskClient, make_organiser, next_url: str, expected: str
) -> None:
    """``next`` is followed only when it is a path on this site."""
    make_organiser(email="ada@example.org")
    data = {"email": "ada@example.org", "password": DEFAULT_PASSWORD, "next": next_url}
    response = post_form(client, "/organiser/login", data)
    assert response.headers["Location"] == expected


def test_protected_page_sends_visitor_to_login_and_back(
    client: FlaskClient, make_organiser
) -> None:
    """A logged-out visitor goes to the login page, which returns them where they were."""
    make_organiser(email="ada@example.org")
    response = client.get("/organiser/events/new")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/organiser/login?next=")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'value="/organiser/events/new"' in page
    data = {
        "email": "ada@example.org",
        "password": DEFAULT_PASSWORD,
        "next": "/organiser/events/new",
    }
    assert post_form(client, "/organiser/login", data).headers["Location"] == (
        "/organiser/events/new"
    )


def test_logout_is_a_post_with_csrf(login_as, make_organiser) -> None:
    """GET does not log out; the POST (with its token) does."""
    client = login_as(make_organiser())
    assert client.get("/organiser/logout").status_code == 405
    token = csrf_token(client, "/organiser/events")
    response = client.post("/organiser/logout", data={"csrf_token": token})
    assert response.headers["Location"] == "/organiser/login"
    assert client.get("/organiser/events").status_code == 302


def test_login_page_when_logged_in_goes_to_events(login_as, make_organiser) -> None:
    """An organiser who is already logged in skips the form."""
    client = login_as(make_organiser())
    assert client.get("/organiser/login").headers["Location"] == "/organiser/events"
