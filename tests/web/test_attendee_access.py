"""Access to every attendee route, enumerated from the URL map so new routes are covered too.

The token in the link is an attendee's only credential. A wrong, revoked or other attendee's
token never shows or changes anyone's data (404); a meeting is only reachable by the two
people in it, in the event's published schedule; an organiser's login grants nothing here, and
an attendee's link grants nothing on organiser pages.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.routing import IntegerConverter

from app import create_app
from app.extensions import db
from app.models import Attendee, FollowUp, Lead, Meeting, MeetingRequest, PushSubscription
from app.models.lead import BADGE_SCAN
from tests.attendee_helpers import Forum, local_start, make_forum
from tests.conftest import csrf_token
from tests.push_service import browser_keys

PUBLIC = {"attendee.service_worker"}  # no token: the same script for everyone
UNSAFE = ("POST", "PUT", "PATCH", "DELETE")


def _routes(prefix: str) -> list[tuple[str, str, tuple[str, ...]]]:
    """(endpoint, method, arguments) of every route of a blueprint, read from the URL map."""
    app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    out = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith(prefix):
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                out.append((rule.endpoint, method, tuple(sorted(rule.arguments))))
    return sorted(out)


ROUTES = _routes("attendee.")
TOKEN_ROUTES = [r for r in ROUTES if "token" in r[2]]
MEETING_ROUTES = [r for r in TOKEN_ROUTES if "ref" in r[2]]
ORGANISER_GETS = [r for r in _routes("organiser.") if r[1] == "GET"]


def _id(route: tuple[str, str, tuple[str, ...]]) -> str:
    return f"{route[1]} {route[0]}"


@dataclass
class World:
    """An event under way (follow-ups open) with Ann-Bo in round 1 and Cy-Ann in round 3.

    Eve (same event) meets nobody; ``stranger`` is at another event, with her own meeting.
    Every attendee has answered nothing; Ann has one request and one follow-up stored.
    """

    app: Flask
    forum: Forum
    stranger: Attendee
    stranger_meeting: Meeting
    draft_meeting: Meeting
    revoked: str

    def url(self, endpoint: str, token: str, meeting_id: int | None = None) -> str:
        """The route's URL with this token (and meeting)."""
        from flask import url_for

        values: dict[str, Any] = {"token": token}
        rule = next(r for r in self.app.url_map.iter_rules() if r.endpoint == endpoint)
        if "ref" in rule.arguments:  # an old printed meeting number is a reference too
            values["ref"] = str(meeting_id or self.forum.ann_bo.id)
        with self.app.test_request_context():
            return url_for(endpoint, **values)


@pytest.fixture
def world(app: Flask, make_organiser, make_event, make_attendee, make_version, login_as) -> World:
    app.config["WTF_CSRF_ENABLED"] = True
    organiser = make_organiser()
    forum = make_forum(
        make_event, make_attendee, make_version, organiser=organiser, starts_at=local_start(120)
    )
    elsewhere = make_event(make_organiser(), name="Elsewhere")
    stranger = make_attendee(elsewhere, "stranger@zeta.example", company="Zeta")
    friend = make_attendee(elsewhere, "friend@eta.example", company="Eta")
    other_version = make_version(elsewhere, [(1, 1, stranger, friend)], published=True)
    draft = make_version(forum.event, [(2, 1, forum.ann, forum.eve)])
    db.session.add_all(
        [
            MeetingRequest(
                event_id=forum.event.id, attendee_id=forum.ann.id, other_id=forum.cy.id, kind="must"
            ),
            FollowUp(
                event_id=forum.event.id,
                attendee_id=forum.ann.id,
                other_id=forum.bo.id,
                round=1,
                meeting_id=forum.ann_bo.id,
                held="yes",
                rating=5,
                recommend=10,
            ),
        ]
    )
    db.session.commit()
    ann_phone = browser_keys()
    db.session.add(
        PushSubscription(
            attendee_id=forum.ann.id,
            endpoint=ANN_PHONE,
            p256dh=ann_phone.p256dh,
            auth=ann_phone.auth,
        )
    )
    revoked = forum.dee.token
    forum.dee.reissue_token()
    db.session.commit()
    return World(app, forum, stranger, other_version.meetings[0], draft.meetings[0], revoked)


ANN_PHONE = "https://push.example.net/send/ann-phone"


def snapshot() -> tuple:
    """Everything an attendee route could change: requests, follow-ups, tokens, push devices."""
    db.session.expire_all()
    requests = db.session.execute(
        select(MeetingRequest.attendee_id, MeetingRequest.other_id, MeetingRequest.kind)
    ).all()
    followups = db.session.execute(
        select(
            FollowUp.attendee_id, FollowUp.other_id, FollowUp.held, FollowUp.rating, FollowUp.why
        )
    ).all()
    tokens = db.session.execute(select(Attendee.id, Attendee.token)).all()
    devices = db.session.execute(
        select(PushSubscription.attendee_id, PushSubscription.endpoint)
    ).all()
    return sorted(requests), sorted(followups), sorted(tokens), sorted(devices)


def attempt(
    client: FlaskClient, method: str, url: str, other_id: int, page: str = "/organiser/login"
) -> Any:
    """Call a route as an attacker would: a valid CSRF token (read from ``page``), a full form."""
    data = None
    if method in UNSAFE:
        data = {
            "csrf_token": csrf_token(client, page),
            "other": other_id,
            "kind": "avoid",
            "held": "i_no_show",
            "rating": "1",
            "recommend": "0",
            "why": "hijacked",
        }
    return client.open(url, method=method, data=data)


def test_the_route_list_is_complete() -> None:
    """The enumeration finds the routes we know about (so the checks below run on them)."""
    endpoints = {endpoint for endpoint, _, _ in ROUTES}
    assert {
        "attendee.agenda",
        "attendee.calendar",
        "attendee.requests",
        "attendee.followup",
        "attendee.service_worker",
        "attendee.push_settings",
        "attendee.push_subscribe",
        "attendee.push_unsubscribe",
    } <= endpoints
    assert {e for e, _, _ in ROUTES} - {e for e, _, _ in TOKEN_ROUTES} == PUBLIC
    assert ("attendee.requests", "POST", ("token",)) in TOKEN_ROUTES
    assert ("attendee.followup", "POST", ("ref", "token")) in MEETING_ROUTES
    assert len(ORGANISER_GETS) >= 10


@dataclass(frozen=True)
class Control:
    """What one route does with Ann's own token: the answer, what it shows, what it saves."""

    status: int
    shows: tuple[str, ...] = ()
    form: Callable[[Forum], dict[str, Any]] | None = None  # posted with a valid CSRF token
    json: Callable[[Forum], dict[str, Any]] | None = None  # sent as JSON, CSRF in a header
    saves: Callable[[Forum, tuple], tuple] | None = None  # the snapshot after, from the one before


def _ann_rates_bo_again(forum: Forum, before: tuple) -> tuple:
    """Ann's follow-up about Bo, changed to 4 stars and a comment; nothing else moves."""
    requests, followups, tokens, devices = before
    answer = (forum.ann.id, forum.bo.id, "yes", 4, "Good talk")
    others = [row for row in followups if row[:2] != answer[:2]]
    return requests, sorted([*others, answer]), tokens, devices


ANN_LAPTOP = "https://push.example.net/send/ann-laptop"


def _ann_laptop(forum: Forum) -> dict[str, Any]:
    keys = browser_keys()
    return {"endpoint": ANN_LAPTOP, "keys": {"p256dh": keys.p256dh, "auth": keys.auth}}


def _ann_adds_her_laptop(forum: Forum, before: tuple) -> tuple:
    *rest, devices = before
    return (*rest, sorted([*devices, (forum.ann.id, ANN_LAPTOP)]))


def _ann_drops_her_phone(forum: Forum, before: tuple) -> tuple:
    *rest, devices = before
    return (*rest, [d for d in devices if d != (forum.ann.id, ANN_PHONE)])


def _a_scan_of_anns_badge(forum: Forum) -> dict[str, Any]:
    """A sponsor's badge scan of Ann (a lead), and the form withdrawing it."""
    lead = Lead(event_id=forum.event.id, company="Sponsor", attendee_id=forum.ann.id,
                source=BADGE_SCAN)  # fmt: skip
    db.session.add(lead)
    db.session.commit()
    return {"lead": lead.id}


CONTROLS = {
    ("attendee.agenda", "GET"): Control(200, ("Hello Ann Alpha", "Bo Beta", "Cy Gamma")),
    ("attendee.calendar", "GET"): Control(200, ("BEGIN:VCALENDAR", "SUMMARY:Meeting: Bo Beta")),
    ("attendee.followup", "GET"): Control(
        200, ("How was your meeting with Bo Beta?", "You answered already")
    ),
    ("attendee.followup", "POST"): Control(
        302,
        form=lambda forum: {"held": "yes", "rating": "4", "recommend": "8", "why": "Good talk"},
        saves=_ann_rates_bo_again,
    ),
    ("attendee.requests", "GET"): Control(200, ("Whom to meet", "Bo Beta")),
    ("attendee.withdraw_scan", "POST"): Control(302, form=_a_scan_of_anns_badge),
    ("attendee.push_settings", "GET"): Control(200, ('"devices":1', "publicKey")),
    ("attendee.push_subscribe", "POST"): Control(
        201, ('"devices":2',), json=_ann_laptop, saves=_ann_adds_her_laptop
    ),
    ("attendee.push_unsubscribe", "DELETE"): Control(
        200,
        ('"devices":0',),
        json=lambda forum: {"endpoint": ANN_PHONE},
        saves=_ann_drops_her_phone,
    ),
    ("attendee.requests", "POST"): Control(  # the forum is under way: requests are closed
        400,
        ("Requests closed when the event started; please speak to the organiser.",),
        form=lambda forum: {"other": forum.eve.id, "kind": "avoid"},
    ),
}


@pytest.mark.parametrize("route", TOKEN_ROUTES, ids=_id)
def test_the_right_token_works(client, world: World, route) -> None:
    """The control: Ann's own token shows her data or saves her answer (so 404 means refusal)."""
    endpoint, method, _ = route
    assert (endpoint, method) in CONTROLS, f"{method} {endpoint}: add its control to CONTROLS"
    control = CONTROLS[endpoint, method]
    forum = world.forum
    url = world.url(endpoint, forum.ann.token)
    data = None
    before = snapshot()
    if control.json:
        headers = {"X-CSRFToken": csrf_token(client)}
        response = client.open(url, method=method, json=control.json(forum), headers=headers)
    elif method in UNSAFE:
        data = {"csrf_token": csrf_token(client), **(control.form(forum) if control.form else {})}
        response = client.open(url, method=method, data=data)
    else:
        response = client.open(url, method=method)
    assert response.status_code == control.status
    body = response.get_data(as_text=True)
    for text in control.shows:
        assert text in body
    if control.status == 302:
        assert response.headers["Location"].startswith(f"/a/{forum.ann.token}")
    assert snapshot() == (control.saves(forum, before) if control.saves else before)


BAD_TOKENS = {
    "unknown": "A" * 43,
    "short": "abc",
    "padded": " {ann} ",
    "case": "{ANN}",
    "prefix": "{ann}x",
    "sql": "' OR '1'='1",
}


@pytest.mark.parametrize("route", TOKEN_ROUTES, ids=_id)
@pytest.mark.parametrize("kind", [*BAD_TOKENS, "revoked"])
def test_wrong_or_revoked_tokens_get_404_and_change_nothing(
    client, world: World, route, kind: str
) -> None:
    endpoint, method, _ = route
    ann = world.forum.ann.token
    if kind == "revoked":
        token = world.revoked
    else:
        token = BAD_TOKENS[kind].format(ann=ann, ANN=ann.swapcase())
    before = snapshot()
    response = attempt(client, method, world.url(endpoint, token), world.forum.bo.id)
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert "This link does not work" in body
    for name in ("Ann Alpha", "Bo Beta", "Dee Alpha", "Cy Gamma"):
        assert name not in body
    assert snapshot() == before


def test_a_reissued_link_replaces_the_old_one(client, world: World) -> None:
    """The new token works and still sees the attendee's data; the old one is dead everywhere."""
    dee = world.forum.dee
    assert client.get(f"/a/{world.revoked}").status_code == 404
    assert client.get(f"/a/{dee.token}").status_code == 200
    ann = world.forum.ann
    old = ann.token
    ann.reissue_token()
    db.session.commit()
    assert client.get(f"/a/{old}").status_code == 404
    assert client.get(f"/a/{old}/agenda.ics").status_code == 404
    text = client.get(f"/a/{ann.token}").get_data(as_text=True)
    assert "Follow-up done" in text  # her answer is still hers


@pytest.mark.parametrize("route", MEETING_ROUTES, ids=_id)
@pytest.mark.parametrize("case", ["not_in_it", "other_event", "draft", "missing"])
def test_meetings_are_only_reachable_by_the_two_people_in_them(
    client, world: World, route, case: str
) -> None:
    """Cy was not in Ann-Bo; the stranger's meeting is another event's; the draft unpublished."""
    endpoint, method, _ = route
    f = world.forum
    token, meeting_id = {
        "not_in_it": (f.cy.token, f.ann_bo.id),
        "other_event": (f.ann.token, world.stranger_meeting.id),
        "draft": (f.ann.token, world.draft_meeting.id),
        "missing": (f.ann.token, 10**9),
    }[case]
    before = snapshot()
    response = attempt(client, method, world.url(endpoint, token, meeting_id), f.bo.id)
    assert response.status_code == 404
    assert snapshot() == before


def test_another_attendees_token_shows_only_their_own_data(client, world: World) -> None:
    """Bo's link shows Bo's meeting with Ann, never Ann's meeting with Cy or her answers."""
    f = world.forum
    text = client.get(f"/a/{f.bo.token}").get_data(as_text=True)
    assert "Ann Alpha" in text and "Cy Gamma" not in text
    assert "Follow-up done" not in text  # Ann's answer about Bo is Ann's
    ics = client.get(f"/a/{f.bo.token}/agenda.ics").get_data(as_text=True)
    assert "Cy Gamma" not in ics
    for page in (f"/a/{f.bo.token}", f"/a/{f.bo.token}/requests"):
        body = client.get(page).get_data(as_text=True)
        assert f.ann.token not in body and f.ann.email not in body
    form = client.get(f"/a/{f.bo.token}/followup/{f.ann_bo.id}").get_data(as_text=True)
    assert 'value="5" checked' not in form  # Ann's rating of the meeting is not shown to Bo


def test_a_post_cannot_act_for_someone_else(client, world: World) -> None:
    """Form fields naming another attendee are ignored: requests belong to the token's owner."""
    f = world.forum
    before = snapshot()
    data = {
        "csrf_token": csrf_token(client),
        "other": f.bo.id,
        "kind": "avoid",
        "attendee": f.ann.id,
        "attendee_id": f.ann.id,
    }
    client.post(f"/a/{f.eve.token}/requests", data=data)
    requests, followups, tokens, devices = snapshot()
    assert (f.ann.id, f.bo.id, "avoid") not in requests
    assert followups == before[1] and tokens == before[2] and devices == before[3]


def test_another_attendee_cannot_drop_or_take_over_a_push_device(client, world: World) -> None:
    """Eve's link knows Ann's phone's endpoint: deleting it through Eve's link removes nothing;
    subscribing it through Eve's link makes a device of Eve's, Ann's stays hers."""
    f = world.forum
    before = snapshot()
    headers = {"X-CSRFToken": csrf_token(client)}
    gone = client.delete(f"/a/{f.eve.token}/push", json={"endpoint": ANN_PHONE}, headers=headers)
    assert gone.status_code == 404 and snapshot() == before
    keys = browser_keys()
    data = {"endpoint": ANN_PHONE, "keys": {"p256dh": keys.p256dh, "auth": keys.auth}}
    assert client.post(f"/a/{f.eve.token}/push", json=data, headers=headers).status_code == 201
    devices = snapshot()[3]
    assert (f.ann.id, ANN_PHONE) in devices and (f.eve.id, ANN_PHONE) in devices


def test_posts_without_a_csrf_token_are_refused(client, world: World) -> None:
    f = world.forum
    before = snapshot()
    for url in (f"/a/{f.ann.token}/requests", f"/a/{f.ann.token}/followup/{f.ann_bo.id}"):
        response = client.post(url, data={"other": f.bo.id, "kind": "avoid", "held": "yes"})
        assert response.status_code == 400
    laptop = _ann_laptop(f)
    assert client.post(f"/a/{f.ann.token}/push", json=laptop).status_code == 400
    forged = {"X-CSRFToken": "forged"}
    assert client.post(f"/a/{f.ann.token}/push", json=laptop, headers=forged).status_code == 400
    response = client.delete(f"/a/{f.ann.token}/push", json={"endpoint": ANN_PHONE})
    assert response.status_code == 400
    assert snapshot() == before


@pytest.mark.parametrize("route", TOKEN_ROUTES, ids=_id)
def test_an_organiser_login_grants_no_attendee_access(login_as, world: World, route) -> None:
    """Even the event's own organiser gets 404 with a wrong or revoked token."""
    endpoint, method, _ = route
    client = login_as(world.forum.event.organiser)
    before = snapshot()
    for token in ("A" * 43, world.revoked):
        url = world.url(endpoint, token)
        response = attempt(client, method, url, world.forum.bo.id, "/organiser/events")
        assert response.status_code == 404
    assert snapshot() == before


def test_attendee_pages_show_no_organiser_controls(login_as, world: World) -> None:
    client = login_as(world.forum.event.organiser)
    body = client.get(f"/a/{world.forum.ann.token}").get_data(as_text=True)
    assert "Log out" not in body and "/organiser/" not in body


@pytest.mark.parametrize("route", ORGANISER_GETS, ids=_id)
def test_an_attendee_link_grants_no_organiser_route(app, client, world: World, route) -> None:
    """After using their link (and its session cookie), an attendee is sent to the login page."""
    f = world.forum
    client.get(f"/a/{f.ann.token}")
    client.get(f"/a/{f.ann.token}/requests")  # sets the session cookie (CSRF)
    endpoint, _, arguments = route
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    values: dict[str, Any] = {}
    for name in arguments:
        converter = rule._converters.get(name)
        values[name] = 1 if isinstance(converter, IntegerConverter) else f.event.slug
    with app.test_request_context():
        from flask import url_for

        url = url_for(endpoint, **values)
    response = client.get(url)
    if endpoint == "organiser.login":
        assert response.status_code == 200
        return
    if endpoint == "organiser.invite":  # public: its token is the credential, and this is none
        assert response.status_code == 410
        assert client.get(f"/organiser/invite/{f.ann.token}").status_code == 410
        return
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/organiser/login")
    # The token itself is no slug or password either.
    assert client.get(f"/organiser/events/{f.ann.token}").status_code == 302
