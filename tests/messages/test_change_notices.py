"""Attendees whose meetings a publish changed are told: by e-mail when SMTP is set, by Web Push
on each phone that allowed it; the organiser reads who was told and who could not be."""

from __future__ import annotations

import os
import re
import stat

import pytest
from flask import Flask, g

from app.extensions import db
from app.models import OutboxMessage, Publication, PushSubscription
from app.models.common import utcnow
from app.services.messages import push
from app.services.messages.mailing import links_plan
from app.services.scheduling.versions import publish
from tests.attendee_helpers import Forum, make_forum, page_text
from tests.conftest import add_version, csrf_token, post_form
from tests.push_service import push_service, unb64url
from tests.smtp_server import app_smtp_server

# Version 2 of the forum: Ann-Bo moves from round 1 to round 2; Cy-Ann (round 3) is cancelled;
# Ann meets Eve in round 4. Dee's agenda (no meetings) does not change.
MOVE_BO = "Your meeting with Bo Beta moved to round 2, Tulip at 09:15"
MOVE_ANN = "Your meeting with Ann Alpha moved to round 2, Tulip at 09:15"
CANCEL_CY = "Your meeting with Cy Gamma (round 3, Table 2 at 09:30) is cancelled"
NEW_EVE = "New meeting with Eve Epsilon: round 4, Tulip at 09:45"


@pytest.fixture
def forum(app: Flask, make_organiser, make_event, make_attendee, make_version) -> Forum:
    app.config["SMTP_HOST"] = None
    return make_forum(make_event, make_attendee, make_version, organiser=make_organiser())


def republish(forum: Forum) -> Publication:
    f = forum
    version = add_version(f.event, [(2, 1, f.ann, f.bo), (4, 1, f.ann, f.eve)])
    publication = publish(version)
    assert publication is not None
    return publication


def subscribe(client, attendee, subscription) -> None:
    """What the agenda page's script does once the browser subscribed."""
    headers = {"X-CSRFToken": csrf_token(client, f"/a/{attendee.token}/requests")}
    response = client.post(f"/a/{attendee.token}/push", json=subscription, headers=headers)
    assert response.status_code == 201, response.get_json()


def test_only_attendees_whose_meetings_changed_get_an_email(app, forum, login_as) -> None:
    f = forum
    with app_smtp_server(app) as mailbox:
        republish(f)
    got = mailbox.by_recipient()
    assert set(got) == {f.ann.email, f.bo.email, f.cy.email, f.eve.email}  # not Dee
    ann = got[f.ann.email]
    assert ann.message["Subject"] == "Your meetings at Amsterdam Partner Forum changed"
    body = ann.body
    assert body.startswith("Your agenda changed:\n")
    changes = body.split("\n\n", 1)[0]
    for line in (MOVE_BO, CANCEL_CY, NEW_EVE):
        assert f"- {line}." in changes
    assert f"/a/{f.ann.token}" in body and "Round 2, 09:15-09:25, Tulip" in body
    assert f"- {MOVE_ANN}." in got[f.bo.email].body
    assert "Your meeting with Ann Alpha (round 3, Table 2 at 09:30) is cancelled" in (
        got[f.cy.email].body
    )
    # The organiser reads it after the publish and on the outbox page.
    client = login_as(f.event.organiser)
    text = page_text(client.get(f"/organiser/events/{f.event.slug}/outbox"))
    assert "4 attendees had meetings changed: 4 told by e-mail, 0 by push." in text
    # "Send to the changed" does not write again to those who just got their new agenda.
    assert links_plan(f.event).changed == 1  # Dee, who never had an agenda e-mail


def test_without_smtp_or_push_the_organiser_sees_who_could_not_be_told(forum, login_as) -> None:
    f = forum
    republish(f)
    assert db.session.scalar(db.select(db.func.count()).select_from(OutboxMessage)) == 0
    client = login_as(f.event.organiser)
    text = page_text(client.get(f"/organiser/events/{f.event.slug}/outbox"))
    assert (
        "4 attendees had meetings changed: 0 told by e-mail, 0 by push, 4 could not be told. "
        "Could not be told: Ann Alpha, Bo Beta, Cy Gamma, Eve Epsilon. "
        'E-mail is not configured (SMTP_HOST): on "Send agenda links"'
    ) in text
    assert "Dee Alpha" not in text


def test_a_publish_from_the_schedule_page_says_who_was_told(client, forum, login_as) -> None:
    f = forum
    client.application.config["PUSH_ALLOW_HTTP_LOOPBACK"] = True
    organiser = login_as(f.event.organiser)
    with push_service() as service:
        subscribe(client, f.bo, service.subscription("bo-phone"))
        version = add_version(f.event, [(2, 1, f.ann, f.bo), (4, 1, f.ann, f.eve)])
        url = f"/organiser/events/{f.event.slug}/schedule/versions/{version.number}/publish"
        # The test's one app context keeps the attendee request's user and CSRF token in g.
        g.pop("_login_user", None)
        g.pop("csrf_token", None)
        confirmation = organiser.get(url).get_data(as_text=True)  # publishing asks first
        shown = dict(re.findall(r'name="(revision|published)" value="(\d+)"', confirmation))
        response = post_form(organiser, url, shown, follow_redirects=True)
    text = page_text(response)
    assert f"Version {version.number} is published" in text
    assert (
        "4 attendees had meetings changed: 0 told by e-mail, 1 by push, 3 could not be told: "
        "Ann Alpha, Cy Gamma, Eve Epsilon"
    ) in text
    assert [d.payload["body"] for d in service.delivered] == [MOVE_ANN]


def test_push_is_encrypted_for_the_browser_and_signed_with_the_servers_key(
    app, client, forum
) -> None:
    """The local push service decrypts what it got (RFC 8291) and checks the VAPID JWT."""
    f = forum
    app.config["PUSH_ALLOW_HTTP_LOOPBACK"] = True
    with push_service() as service:
        subscribe(client, f.ann, service.subscription("ann-phone"))
        subscribe(client, f.ann, service.subscription("ann-laptop"))
        subscribe(client, f.dee, service.subscription("dee-phone"))
        publication = republish(f)
    assert not service.refused
    by_path = {d.path: d for d in service.delivered}
    assert set(by_path) == {"/push/ann-phone", "/push/ann-laptop"}  # not Dee: nothing changed
    payload = by_path["/push/ann-phone"].payload
    assert payload["title"] == "Your agenda changed: Amsterdam Partner Forum"
    assert payload["body"].split("\n") == [MOVE_BO, CANCEL_CY, NEW_EVE]
    assert payload["url"].endswith(f"/a/{f.ann.token}")
    delivery = by_path["/push/ann-laptop"]
    assert delivery.vapid_key == push.public_key()  # the key the page subscribes with
    assert delivery.ttl == str(push.TTL)
    assert publication.told_push == [f.ann.id]
    assert set(publication.untold) == {f.bo.id, f.cy.id, f.eve.id}
    sent = db.session.scalars(db.select(PushSubscription).order_by(PushSubscription.id)).all()
    assert [s.last_sent_at is not None for s in sent] == [True, True, False]


def test_a_subscription_the_push_service_calls_gone_is_deleted(app, client, forum) -> None:
    f = forum
    app.config["PUSH_ALLOW_HTTP_LOOPBACK"] = True
    with push_service() as service:
        subscribe(client, f.ann, service.subscription("gone"))
        subscribe(client, f.bo, service.subscription("broken"))
        service.answer = {"/push/gone": 410, "/push/broken": 500}
        publication = republish(f)
    endpoints = db.session.scalars(db.select(PushSubscription.endpoint)).all()
    assert endpoints == [service.url + "/push/broken"]  # the 410 one is gone
    broken = db.session.scalars(db.select(PushSubscription)).one()
    assert broken.last_error == "push service answered 500"
    assert publication.told_push == [] and f.ann.id in publication.untold


def test_the_vapid_key_is_made_once_private_to_the_server(app, forum) -> None:
    path = push.vapid_key_path()
    assert not path.exists()
    first = push.public_key()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert push.public_key() == first
    assert len(unb64url(first)) == 65 and unb64url(first)[0] == 4  # an uncompressed P-256 point


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"endpoint": "http://push.example.net/x"}, "endpoint: 'http://push.example.net/x' must"),
        ({"endpoint": "https://10.0.0.5/x"}, "must name a push service, not an IP"),
        ({"endpoint": "https://push.example.net:8443/x"}, "must use the https port 443"),
        ({"endpoint": "https://push.example.net/" + "x" * 1000}, "endpoint: at most 1000"),
        ({"endpoint": 5}, "endpoint: a push service address is required"),
        ({"keys": {"p256dh": "AAAA", "auth": "AAAAAAAAAAAAAAAAAAAAAA"}}, "keys.p256dh: 'AAAA'"),
        ({"keys": "none"}, "keys: the subscription's p256dh and auth keys are required"),
    ],
)
def test_bad_subscriptions_are_refused_naming_the_field(client, forum, change, error) -> None:
    with push_service() as service:
        data = {**service.subscription("x"), "endpoint": "https://push.example.net/ok", **change}
    headers = {"X-CSRFToken": csrf_token(client, f"/a/{forum.ann.token}/requests")}
    response = client.post(f"/a/{forum.ann.token}/push", json=data, headers=headers)
    assert response.status_code == 400
    assert error in response.get_json()["error"]
    assert db.session.scalar(db.select(db.func.count()).select_from(PushSubscription)) == 0


def test_http_loopback_endpoints_need_the_test_flag(client, forum) -> None:
    with push_service() as service:
        data = service.subscription("x")
    headers = {"X-CSRFToken": csrf_token(client, f"/a/{forum.ann.token}/requests")}
    response = client.post(f"/a/{forum.ann.token}/push", json=data, headers=headers)
    assert (
        response.status_code == 400 and "must be an https address" in response.get_json()["error"]
    )


def test_a_sixth_device_replaces_the_oldest(client, forum) -> None:
    with push_service() as service:
        subs = [{**service.subscription(f"d{i}")} for i in range(push.MAX_DEVICES + 1)]
    for i, sub in enumerate(subs):
        sub["endpoint"] = f"https://push.example.net/device-{i}"
        subscribe(client, forum.ann, sub)
    subscribe(client, forum.ann, subs[-1])  # the same device again: refreshed, not added
    endpoints = db.session.scalars(
        db.select(PushSubscription.endpoint).order_by(PushSubscription.id)
    ).all()
    assert endpoints == [f"https://push.example.net/device-{i}" for i in range(1, 6)]


def test_a_failure_while_telling_keeps_the_publish_and_says_so(
    forum, login_as, monkeypatch
) -> None:
    """The schedule is published even when telling breaks; the organiser is told to act."""

    def broken(ids):
        raise RuntimeError("push database gone")

    monkeypatch.setattr(push, "subscriptions_of", broken)
    publication = republish(forum)
    db.session.expire_all()
    assert forum.event.published_version_id == publication.version_id
    assert publication.notified_at is None
    client = login_as(forum.event.organiser)
    text = page_text(client.get(f"/organiser/events/{forum.event.slug}/outbox"))
    assert "Attendees could not be told of the change (see the server log)" in text
    assert abs((publication.published_at - utcnow()).total_seconds()) < 60
