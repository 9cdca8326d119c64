"""Access to every organiser route, enumerated from the URL map so new routes are covered too.

(a) a logged-out visitor is sent to the login page, and so is a phone that opened a door link
(it has no organiser rights at all); (b) another organiser gets 404 for an event that is not
theirs (not 403, so existence does not leak), and so does the event's own door staff; a
co-organiser gets what the owner gets; (c) a POST without a valid CSRF token is refused with
400, before any view runs. The door's own routes: tests/web/test_team_access.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from werkzeug.routing import IntegerConverter, Rule

from app import create_app
from app.extensions import db
from app.models import Event, EventMember, SolveJob
from app.models.team import CO_ORGANISER, DOOR
from app.services.events.team import add_member, create_door_link
from tests.conftest import csrf_token
from tests.web.test_team_access import FreshContextClient

# Who may open which route is the app's logic, the same on every database engine: the
# PostgreSQL pass of .ci/run leaves these 400 requests out (they take minutes there).
pytestmark = pytest.mark.any_database

# The only organiser pages a visitor may open: the log-in, and accepting an invitation (its
# token is the credential; tests/web/test_team_access.py tries to break it).
PUBLIC = {"organiser.login", "organiser.invite"}
UNSAFE = ("POST", "PUT", "PATCH", "DELETE")


def _organiser_routes() -> tuple[list[tuple[str, str]], set[str]]:
    """(endpoint, method) of every organiser route, and the endpoints under an event's slug.

    Read from a throwaway app's URL map, so a route added tomorrow is checked tomorrow.
    """
    app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    routes, per_event = [], set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("organiser."):
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                routes.append((rule.endpoint, method))
            if "slug" in rule.arguments:
                per_event.add(rule.endpoint)
    return sorted(routes), per_event


ROUTES, EVENT_ENDPOINTS = _organiser_routes()
PROTECTED = [r for r in ROUTES if r[0] not in PUBLIC]
EVENT_ROUTES = [r for r in ROUTES if r[0] in EVENT_ENDPOINTS]
UNSAFE_ROUTES = [r for r in ROUTES if r[1] in UNSAFE]


def _id(route: tuple[str, str]) -> str:
    return f"{route[1]} {route[0]}"


@dataclass
class World:
    """Two organisers; the owner's event has an attendee, a published version and a job, a
    co-organiser, door staff with a log-in and a door link (``door_url``)."""

    owner: Any
    other: Any
    event: Event
    ids: dict[str, int]
    co_organiser: Any
    door_staff: Any
    door_url: str


@pytest.fixture
def world(app: Flask, make_organiser, make_event, make_attendee, make_version) -> World:
    app.config["WTF_CSRF_ENABLED"] = True
    app.test_client_class = FreshContextClient  # clients in one test see no one else's login
    owner, other = make_organiser(), make_organiser()
    event = make_event(owner)
    make_event(other)  # the other organiser has an event of their own
    a, b = make_attendee(event), make_attendee(event)
    version = make_version(event, [(1, 1, a, b)], published=True)
    job = SolveJob(event_id=event.id, version_id=version.id)
    db.session.add(job)
    db.session.commit()
    co_organiser, door_staff = make_organiser(), make_organiser()
    with app.test_request_context():
        add_member(event, co_organiser.email, CO_ORGANISER, owner)
        member = add_member(event, door_staff.email, DOOR, owner).member
        link, door_url = create_door_link(event, "Entrance phone")
    ids = {
        "attendee_id": a.id,
        "version_id": version.id,
        "meeting_id": version.meetings[0].id,
        "job_id": job.id,
        "number": version.number,
        "round": 1,
        "table": 1,
        "member_id": member.id,
        "link_id": link.id,
    }
    return World(owner, other, event, ids, co_organiser, door_staff, door_url)


def url_for_rule(app: Flask, endpoint: str, world: World) -> str:
    """A URL of the rule with real values: the owner's event slug and ids under it."""
    rule: Rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    values: dict[str, Any] = {}
    for name in rule.arguments:
        if name == "slug":
            values[name] = world.event.slug
        elif name in world.ids:
            values[name] = world.ids[name]
        else:
            converter = rule._converters.get(name)
            values[name] = 1 if isinstance(converter, IntegerConverter) else "x"
    with app.test_request_context():
        from flask import url_for

        return url_for(endpoint, **values)


def test_the_route_list_is_complete() -> None:
    """The enumeration finds the routes we know about (so the checks below run on them)."""
    endpoints = {endpoint for endpoint, _ in ROUTES}
    for known in (
        "organiser.login",
        "organiser.logout",
        "organiser.events",
        "organiser.event.dashboard",
        "organiser.event.settings",
        "organiser.event.attendees",
        "organiser.event.attendee_edit",
        "organiser.event.attendee_remove",
        "organiser.event.import_upload",
        "organiser.event.import_confirm",
        "organiser.event.schedule_publish",
    ):
        assert known in endpoints
    # Publishing asks first: GET shows what changes, only the confirmation's POST publishes.
    assert ("organiser.event.schedule_publish", "GET") in ROUTES
    assert ("organiser.event.schedule_publish", "POST") in UNSAFE_ROUTES
    assert len(UNSAFE_ROUTES) >= 8
    assert "organiser.event.attendees" in EVENT_ENDPOINTS
    assert "organiser.events" not in EVENT_ENDPOINTS
    # Every page under an event's slug is on the event blueprint, whose one loader checks access.
    assert all(endpoint.startswith("organiser.event.") for endpoint in EVENT_ENDPOINTS)


@pytest.mark.parametrize("route", PROTECTED, ids=_id)
def test_logged_out_visitors_are_sent_to_login(app: Flask, world: World, route) -> None:
    """(a) Every organiser route but login redirects a visitor to the login page."""
    endpoint, method = route
    client = app.test_client()
    url = url_for_rule(app, endpoint, world)
    data = {"csrf_token": csrf_token(client)} if method in UNSAFE else None
    response = client.open(url, method=method, data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    assert response.headers["Location"].startswith("/organiser/login?next=")


@pytest.mark.parametrize("route", PROTECTED, ids=_id)
def test_a_door_link_opens_no_organiser_page(app: Flask, world: World, route) -> None:
    """(a) A phone that opened the event's door link is a visitor on every organiser page."""
    endpoint, method = route
    client = app.test_client()
    opened = client.get(world.door_url.removeprefix(app.config["PUBLIC_URL"]))
    assert opened.status_code == 302 and "/checkin/" in opened.headers["Location"]
    url = url_for_rule(app, endpoint, world)
    data = {"csrf_token": csrf_token(client)} if method in UNSAFE else None
    response = client.open(url, method=method, data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    assert response.headers["Location"].startswith("/organiser/login?next=")


@pytest.mark.parametrize("route", EVENT_ROUTES, ids=_id)
def test_other_organisers_get_404(app: Flask, login_as, world: World, route) -> None:
    """(b) Another organiser gets 404 on every route of an event they do not own.

    Routes outside an event (the event list, new event, logout) only ever show the
    organiser's own data; test_events checks the list.
    """
    endpoint, method = route
    client = login_as(world.other)
    url = url_for_rule(app, endpoint, world)
    data = {"csrf_token": csrf_token(client, "/organiser/events")} if method in UNSAFE else None
    response = client.open(url, method=method, data=data)
    assert response.status_code == 404


@pytest.mark.parametrize("route", EVENT_ROUTES, ids=_id)
def test_door_staff_get_404_on_every_organiser_page(
    app: Flask, login_as, world: World, route
) -> None:
    """(b) The event's own door staff (a log-in) get 404 on every organiser route of the event:
    they check attendees in at its door, nothing else."""
    endpoint, method = route
    client = login_as(world.door_staff)
    url = url_for_rule(app, endpoint, world)
    data = {"csrf_token": csrf_token(client, "/organiser/events")} if method in UNSAFE else None
    response = client.open(url, method=method, data=data)
    assert response.status_code == 404
    assert db.session.get(EventMember, world.ids["member_id"]) is not None  # nothing removed


GET_EVENT_ROUTES = [r for r in EVENT_ROUTES if r[1] == "GET"]


@pytest.mark.parametrize("route", GET_EVENT_ROUTES, ids=_id)
def test_co_organisers_see_what_the_owner_sees(app: Flask, login_as, world: World, route) -> None:
    """(b) A co-organiser gets every page of the event as the owner does (same status; a few
    URLs filled with placeholder values are 404 for the owner too)."""
    endpoint, _ = route
    url = url_for_rule(app, endpoint, world)
    owner = login_as(world.owner).get(url)
    co_organiser = login_as(world.co_organiser).get(url)
    assert co_organiser.status_code == owner.status_code


def test_most_event_pages_open_for_a_co_organiser(app: Flask, login_as, world: World) -> None:
    """The comparison above is not 404 against 404: nearly every page opens."""
    client = login_as(world.co_organiser)
    statuses = [client.get(url_for_rule(app, e, world)).status_code for e, _ in GET_EVENT_ROUTES]
    # The 404s: a sponsor's preview, its answers, downloads and leads (``?company=`` names no
    # sponsor here), and three URLs whose placeholder format or figure does not exist.
    assert statuses.count(404) <= 7 and statuses.count(200) >= len(statuses) - 10


@pytest.mark.parametrize("route", UNSAFE_ROUTES, ids=_id)
@pytest.mark.parametrize("token", [None, "forged"])
def test_posts_without_a_valid_csrf_token_are_refused(
    app: Flask, login_as, world: World, route, token: str | None
) -> None:
    """(c) Missing or forged CSRF tokens get 400 on every state-changing route, even the owner's."""
    endpoint, method = route
    client = app.test_client() if endpoint in PUBLIC else login_as(world.owner)
    url = url_for_rule(app, endpoint, world)
    data = {} if token is None else {"csrf_token": token}
    response = client.open(url, method=method, data=data)
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)


def test_a_token_from_another_session_is_refused(app: Flask, login_as, world: World) -> None:
    """(c) A real token lifted from another organiser's session does not work either."""
    stolen = csrf_token(login_as(world.other), "/organiser/events")
    client = login_as(world.owner)
    url = f"/organiser/events/{world.event.slug}/edit"
    response = client.post(url, data={"csrf_token": stolen, "name": "Hijacked"})
    assert response.status_code == 400
    db.session.refresh(world.event)
    assert world.event.name != "Hijacked"


# The live board (/board/<token>) has no log-in: its link is the credential. Every route of its
# blueprint, read from the URL map, refuses a wrong, a replaced and a removed link.
BOARD_ROUTES = sorted(
    rule.endpoint
    for rule in create_app(
        {"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    ).url_map.iter_rules()
    if rule.endpoint.startswith("board.")
)


def test_the_board_route_list_is_complete() -> None:
    assert BOARD_ROUTES == ["board.page", "board.state"]


@pytest.mark.parametrize("endpoint", BOARD_ROUTES)
def test_board_routes_open_only_with_the_current_link(app: Flask, world: World, endpoint) -> None:
    """A made-up token, the previous link after a new one, and a removed link all get 404."""
    from flask import url_for

    from app.services.events.board import issue_board_link, revoke_board_link

    client = app.test_client()
    old = issue_board_link(world.event)
    current = issue_board_link(world.event)
    with app.test_request_context():
        urls = {t: url_for(endpoint, token=t) for t in ("A" * 43, old, current)}
    assert client.get(urls[current]).status_code == 200
    assert client.get(urls["A" * 43]).status_code == 404
    assert client.get(urls[old]).status_code == 404
    revoke_board_link(world.event)
    assert client.get(urls[current]).status_code == 404
