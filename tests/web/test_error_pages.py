"""Mingle's own error pages (issue 13, "Bare 404s"): every error status answers a page of the
site in plain words, with what to do next for the audience the URL names, its status code and
the site's security headers; ``.json`` URLs answer JSON; the 500 page shows nothing of the
failure and works while the database is down."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask, abort
from flask.testing import FlaskClient
from sqlalchemy import text

from app import create_app
from app.extensions import db
from tests.attendees.import_helpers import upload
from tests.attendees.test_importing import ANN, HEADER, csv_bytes
from tests.conftest import csrf_token, post_form
from tests.report_helpers import add_bosses
from tests.web.test_security_headers import assert_site_headers

WERKZEUG = (
    "The requested URL was not found on the server",
    "The method is not allowed for the requested URL",
    "The server encountered an internal error",
    "You don't have the permission to access",
    "The browser (or proxy) sent a request that this server could not understand",
    "Data already sent exceeds the limit",
    "The data value transmitted exceeds the capacity limit",
)
VIEWPORT = '<meta name="viewport" content="width=device-width, initial-scale=1">'
STYLESHEET = "/static/css/mingle.css"
BAD_TOKEN = "B" * 43  # the shape of a real token, in nobody's link
ASK_FOR_LINK = "Ask the organiser for your current link"
SECRET = "password=hunter2 at /srv/mingle/app/secret.py line 42"


def assert_mingle_page(response, status: int, *texts: str, private: bool = False) -> str:
    """The response is Mingle's own page for ``status``, with ``texts``; its HTML."""
    assert response.status_code == status
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert VIEWPORT in html and STYLESHEET in html  # the site's layout, phone-sized
    assert 'class="site-header"' in html
    for expected in texts:
        assert expected in html, expected
    for default in WERKZEUG:
        assert default not in html, default
    assert_site_headers(response, private)
    return html


# 404: links, organiser pages, anything else


def test_a_wrong_or_reissued_sponsor_link(client: FlaskClient, event) -> None:
    """A sponsor whose link is mistyped or re-issued is told to ask for their current link."""
    contact = add_bosses(event)["Acme"]
    old = contact.token
    contact.reissue_token()
    db.session.commit()
    for url in (f"/s/{old}", f"/s/{BAD_TOKEN}", f"/s/{BAD_TOKEN}/report.pdf", "/s/short"):
        html = assert_mingle_page(
            client.get(url), 404, "This link does not work", ASK_FOR_LINK, private=True
        )
        assert "Acme" not in html
    assert client.get(f"/s/{contact.token}").status_code == 200


def test_a_wrong_or_reissued_attendee_link(client: FlaskClient, event) -> None:
    """An attendee's dead link says so, and what to do: ask, or use the latest e-mail or badge."""
    attendee = event.attendees[0]
    old = attendee.token
    attendee.reissue_token()
    db.session.commit()
    for url in (f"/a/{old}", f"/a/{BAD_TOKEN}", f"/a/{BAD_TOKEN}/agenda.ics", "/a/x/y/z"):
        html = assert_mingle_page(
            client.get(url), 404, "This link does not work", ASK_FOR_LINK, private=True
        )
        assert attendee.name not in html


def test_an_organiser_404_leads_back_to_the_events(login_as, make_organiser, event) -> None:
    """Someone else's event, or no such page: not found, and a way back to your events."""
    other = login_as(make_organiser())
    for url in (f"/organiser/events/{event.slug}", "/organiser/no-such-page"):
        html = assert_mingle_page(other.get(url), 404, "Page not found", "Back to your events")
        assert 'href="/organiser/events"' in html
        assert event.name not in html


def test_any_other_404_leads_home(client: FlaskClient) -> None:
    """An address nobody serves: not found, check the address, a link to the home page."""
    html = assert_mingle_page(client.get("/no/such/page"), 404, "Page not found", "home page")
    assert 'href="/"' in html
    assert "Error 404" in html


def test_json_urls_answer_json_errors(login_as, event) -> None:
    """A script's .json URL gets JSON with the status, not a page."""
    owner = login_as(event.organiser)
    for url in (f"/organiser/events/{event.slug}/jobs/999999.json", "/nothing-here.json"):
        response = owner.get(url)
        assert response.status_code == 404
        assert response.mimetype == "application/json"
        answer = response.json
        assert answer["ok"] is False and answer["status"] == 404
        assert answer["error"] == "Page not found" and answer["advice"]
        assert_site_headers(response, private=False)


# 405, 400, 413, 429


def test_a_wrong_method_keeps_its_allow_header(client: FlaskClient) -> None:
    """GET on a form's address (log out): 405 in plain words, Allow still says what works."""
    response = client.get("/organiser/logout")
    assert_mingle_page(response, 405, "This page cannot be used like that", "Back to your events")
    assert set(response.headers["Allow"].split(", ")) >= {"POST"}


def test_a_bad_request_and_a_csrf_failure(login_as, event) -> None:
    """A form value no page offers, and a form without its token: 400, and what to do."""
    owner = login_as(event.organiser)
    url = f"/organiser/events/{event.slug}/sponsors/send"
    assert_mingle_page(
        post_form(owner, url, {"scope": "everyone-ever"}),
        400,
        "That request could not be understood",
        "reload the page and try again",
    )
    html = assert_mingle_page(
        owner.post(url, data={"scope": "all"}), 400, "That form could not be sent", "Reload"
    )
    assert "CSRF" in html  # the reason, for whoever runs Mingle


def test_an_upload_too_large_says_the_limit(
    app: Flask, login_as, make_organiser, make_event
) -> None:
    """413 through a real oversized import: the limit in MB, and how to make the file fit."""
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    organiser = make_organiser()
    event = make_event(organiser)
    client = login_as(organiser)
    rows = [ANN.replace("ann@", f"ann{i}@") for i in range(20_000)]
    response = upload(client, event.slug, csv_bytes(HEADER, *rows))
    assert_mingle_page(
        response, 413, "That file is too large", "at most 1 MB", "save the spreadsheet as CSV"
    )


def test_too_many_log_ins_is_mingles_page(app: Flask) -> None:
    """The log-in rate limit (app/security.py) answers 429 on the site's page, with Retry-After."""
    client = app.test_client()
    for guess in range(10):
        with app.app_context():
            token = csrf_token(client)
            data = {
                "email": "nobody@example.org",
                "password": f"guess {guess}",
                "csrf_token": token,
            }
            response = client.post("/organiser/login", data=data)
        if response.status_code == 429:
            break
    assert_mingle_page(response, 429, "Too many log-in attempts", "Try again in")
    assert int(response.headers["Retry-After"]) >= 1


# 500 and 403 from test-only routes, on an app whose database is down


@pytest.fixture
def broken(tmp_path: Path) -> Iterator[FlaskClient]:
    """An app as in production (crashes are not re-raised) whose database cannot be opened,
    with test-only routes that crash, reach for the database, or refuse."""
    app = create_app(
        {
            "TESTING": False,
            "PROPAGATE_EXCEPTIONS": False,
            "SECRET_KEY": "error-pages-test",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'no-such-folder' / 'db.sqlite3'}",
        }
    )

    def crash() -> str:
        """A bug whose message holds a secret."""
        raise RuntimeError(SECRET)

    def database() -> str:
        """A page that needs the database, which is down."""
        db.session.execute(text("SELECT 1"))
        return "unreachable"

    def forbidden() -> str:
        """A page that refuses."""
        abort(403)

    for url, view in {
        "/test-crash": crash,
        "/test-crash.json": crash,
        "/organiser/test-database": database,
        "/a/test-crash": crash,
        "/organiser/test-forbidden": forbidden,
        "/s/test-forbidden": forbidden,
    }.items():
        app.add_url_rule(url, endpoint=url, view_func=view)
    yield app.test_client()
    with app.app_context():
        db.engine.dispose()


def test_a_crash_is_a_plain_500_that_shows_nothing_of_it(broken: FlaskClient) -> None:
    """The 500 page: our fault, try again; no traceback, no message, no exception name."""
    for url, private in (("/test-crash", False), ("/a/test-crash", True)):
        html = assert_mingle_page(
            broken.get(url), 500, "Something went wrong on our side", "Try again", private=private
        )
        for leak in ("hunter2", "secret.py", "RuntimeError", "Traceback", "line 42"):
            assert leak not in html


def test_the_500_page_works_while_the_database_is_down(broken: FlaskClient) -> None:
    """The database cannot be opened: the organiser still gets the page, and a way back."""
    html = assert_mingle_page(
        broken.get("/organiser/test-database"),
        500,
        "Something went wrong on our side",
        "tell whoever runs Mingle",
        "Back to your events",
    )
    assert "sqlite" not in html.lower() and "SELECT" not in html


def test_a_crash_on_a_json_url_answers_json(broken: FlaskClient) -> None:
    """JSON for scripts, with nothing of the failure in it."""
    response = broken.get("/test-crash.json")
    assert response.status_code == 500
    assert response.mimetype == "application/json"
    assert response.json["ok"] is False and response.json["status"] == 500
    assert "hunter2" not in response.get_data(as_text=True)
    assert_site_headers(response, private=False)


def test_403_says_who_to_ask(broken: FlaskClient) -> None:
    """A refused organiser page leads back to the events; a refused link says ask for a new one."""
    assert_mingle_page(
        broken.get("/organiser/test-forbidden"), 403, "This page is not open to you", "Back to"
    )
    assert_mingle_page(
        broken.get("/s/test-forbidden"), 403, "This link does not work", ASK_FOR_LINK, private=True
    )
