"""Sponsor report links by e-mail, against a real SMTP server on 127.0.0.1 (aiosmtpd)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.models import OutboxMessage, SponsorContact
from app.services.messages.sponsors import (
    SPONSOR_LINK,
    add_sponsor_contact,
    reissue_sponsor_link,
    sponsor_url,
)
from tests.conftest import post_form
from tests.report_helpers import build
from tests.smtp_server import MAIL_FROM, Mailbox, app_smtp_server, free_port, smtp_server


@pytest.fixture
def contacts(event, make_attendee, make_version) -> list[SponsorContact]:
    """Two Acme readers and one Globex reader of the hand-built event of ``report_helpers``."""
    build(event, make_attendee, make_version)
    return [
        add_sponsor_contact(event, "boss@acme.example", "Bea Boss", "Acme"),
        add_sponsor_contact(event, "cmo@acme.example", "", "Acme"),
        add_sponsor_contact(event, "ceo@globex.example", "Gus Globex", "Globex"),
    ]


@pytest.fixture
def smtp(app: Flask) -> Iterator[Mailbox]:
    """A running SMTP server that the app is configured to use, plain and without login."""
    with app_smtp_server(app) as mailbox:
        yield mailbox


@pytest.fixture
def staff(event, contacts, login_as) -> FlaskClient:
    """The event's organiser, logged in."""
    return login_as(event.organiser)


def sponsors_url(event, tail: str = "") -> str:
    return f"/organiser/events/{event.slug}/sponsors{tail}"


def flashes(client: FlaskClient) -> list[tuple[str, str]]:
    """The (category, message) pairs waiting to be shown, taken off the session."""
    with client.session_transaction() as session:
        return session.pop("_flashes", [])


def outbox() -> list[OutboxMessage]:
    """Every stored message, oldest first."""
    return db.session.scalars(db.select(OutboxMessage).order_by(OutboxMessage.id)).all()


def test_send_to_all_gives_each_contact_their_own_link(event, contacts, staff, smtp, app) -> None:
    response = post_form(staff, sponsors_url(event, "/send"), {"scope": "all"})
    assert response.status_code == 302
    assert flashes(staff) == [("success", "Report link sent to 3 contacts.")]

    got = smtp.by_recipient()
    assert set(got) == {c.email for c in contacts}
    for contact in contacts:
        mail = got[contact.email]
        assert mail.message["Subject"] == f"Your report for {contact.company} at {event.name}"
        assert mail.message["From"] == MAIL_FROM
        body = mail.body
        assert sponsor_url(contact) in body and app.config["PUBLIC_URL"] + "/s/" in body
        assert [c for c in contacts if c.token in body] == [contact]  # nobody else's link
        assert "Net Promoter Score" in body and "pipeline" in body
        assert "The link is personal" in body and "do not forward it" in body
    assert got["boss@acme.example"].body.startswith("Hello Bea Boss,\n")
    assert got["cmo@acme.example"].body.startswith("Hello,\n")  # no name given

    stored = outbox()
    assert [m.kind for m in stored] == [SPONSOR_LINK] * 3
    assert all(m.sent_at and m.error is None and m.attendee_id is None for m in stored)
    page = staff.get(sponsors_url(event)).get_data(as_text=True)
    assert "Not yet" not in page and "<strong>0</strong> of 3 contacts" in page


def test_only_unsent_after_a_reissue_sends_the_new_link_alone(event, contacts, staff, smtp) -> None:
    post_form(staff, sponsors_url(event, "/send"), {"scope": "unsent"})
    assert flashes(staff) == [("success", "Report link sent to 3 contacts.")]
    old = sponsor_url(contacts[2])
    reissue_sponsor_link(contacts[2])

    page = staff.get(sponsors_url(event)).get_data(as_text=True)
    assert "<strong>1</strong> of 3 contacts" in page and "Send to the 1 not yet sent" in page
    post_form(staff, sponsors_url(event, "/send"), {"scope": "unsent"})
    assert flashes(staff) == [
        ("success", "Report link sent to 1 contact, 2 contacts already had their current link.")
    ]
    assert len(smtp.received) == 4
    last = smtp.received[-1]
    assert last.to == "ceo@globex.example"
    assert sponsor_url(contacts[2]) in last.body and old not in last.body

    post_form(staff, sponsors_url(event, "/send"), {"scope": "unsent"})
    assert flashes(staff)[0][1].startswith("Every contact already has their current link")
    assert len(smtp.received) == 4 and len(outbox()) == 4


def test_send_link_writes_to_that_one_contact(event, contacts, staff, smtp) -> None:
    post_form(staff, sponsors_url(event, f"/{contacts[1].id}/send"))
    assert flashes(staff) == [("success", "Report link sent to 1 contact.")]
    assert [m.to for m in smtp.received] == ["cmo@acme.example"]
    assert sponsor_url(contacts[1]) in smtp.received[0].body

    # Sending again on purpose is allowed: the button always sends.
    post_form(staff, sponsors_url(event, f"/{contacts[1].id}/send"))
    assert len(smtp.received) == 2


def test_adding_a_contact_can_email_the_link_at_once(event, contacts, staff, smtp) -> None:
    form = {"email": "vp@globex.example", "name": "Vi", "company": "Globex", "send_link": "1"}
    post_form(staff, sponsors_url(event), form)
    assert [m for _, m in flashes(staff)] == [
        "vp@globex.example can now read Globex's report.",
        "Report link sent to 1 contact.",
    ]
    contact = db.session.scalars(
        db.select(SponsorContact).where(SponsorContact.email == "vp@globex.example")
    ).one()
    assert [m.to for m in smtp.received] == ["vp@globex.example"]
    assert sponsor_url(contact) in smtp.received[0].body

    post_form(staff, sponsors_url(event), {**form, "email": "x@globex.example", "send_link": ""})
    assert len(smtp.received) == 1  # unticked: added, not written to


def test_smtp_down_says_so_and_the_retry_sends_the_failed_ones(app, event, contacts, staff) -> None:
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port(), SMTP_TIMEOUT=2.0)
    post_form(staff, sponsors_url(event, "/send"), {"scope": "all"})
    [(category, message)] = flashes(staff)
    assert category == "error"
    assert message.startswith("Report link sent to 0 contacts, 3 failed and stay in the outbox (")
    assert "boss@acme.example: cannot reach the SMTP server: ConnectionRefusedError" in message
    stored = outbox()
    assert len(stored) == 3 and all(m.sent_at is None and m.error for m in stored)
    assert staff.get(sponsors_url(event)).get_data(as_text=True).count("Not yet") == 3

    with smtp_server() as (mailbox, port):
        app.config["SMTP_PORT"] = port
        post_form(staff, sponsors_url(event, "/send"), {"scope": "unsent"})
    assert flashes(staff) == [("success", "Report link sent to 3 contacts.")]
    assert set(mailbox.by_recipient()) == {c.email for c in contacts}


def test_a_refused_recipient_fails_only_their_email(event, contacts, staff, smtp) -> None:
    smtp.refuse.add("cmo@acme.example")
    post_form(staff, sponsors_url(event, "/send"), {"scope": "all"})
    [(category, message)] = flashes(staff)
    assert category == "error"
    assert message == (
        "Report link sent to 2 contacts, 1 failed and stay in the outbox "
        "(cmo@acme.example: recipient refused: 550 5.1.1 No such mailbox here)."
    )
    assert set(smtp.by_recipient()) == {"boss@acme.example", "ceo@globex.example"}


def test_without_smtp_nothing_is_sent_and_the_page_says_so(app, event, contacts, staff) -> None:
    with smtp_server() as (mailbox, port):
        app.config.update(SMTP_HOST=None, SMTP_PORT=port)
        post_form(staff, sponsors_url(event, "/send"), {"scope": "all"})
        [(category, message)] = flashes(staff)
        post_form(staff, sponsors_url(event, f"/{contacts[0].id}/send"))
        [(_, one)] = flashes(staff)
    assert category == "warning"
    assert message.startswith("E-mail is not configured (SMTP_HOST is not set)")
    assert "no report link was sent" in message and one == message
    assert not mailbox.received and mailbox.connections == 0
    assert outbox() == []  # nothing pretends to be on its way
    page = staff.get(sponsors_url(event)).get_data(as_text=True)
    assert "No mail server is set" in page
    assert "Send link" not in page and "E-mail the link now" not in page


def test_another_organisers_contact_is_404(
    event, contacts, staff, smtp, make_organiser, make_event, make_attendee
) -> None:
    theirs = make_event(make_organiser())
    make_attendee(theirs, "v@initech.example", company="Initech", kind="vendor")
    stranger = add_sponsor_contact(theirs, "boss@initech.example", "Ina", "Initech")
    response = post_form(staff, sponsors_url(event, f"/{stranger.id}/send"))
    assert response.status_code == 404
    response = post_form(staff, f"/organiser/events/{theirs.slug}/sponsors/send", {"scope": "all"})
    assert response.status_code == 404
    assert not smtp.received and outbox() == []


def test_logged_out_visitors_are_sent_to_login(event, contacts, client, smtp) -> None:
    for url in (sponsors_url(event, "/send"), sponsors_url(event, f"/{contacts[0].id}/send")):
        response = post_form(client, url, {"scope": "all"})
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/organiser/login?next=")
    assert not smtp.received


def test_a_post_without_csrf_token_is_refused(app, event, contacts, staff, smtp) -> None:
    app.config["WTF_CSRF_ENABLED"] = True
    for url in (sponsors_url(event, "/send"), sponsors_url(event, f"/{contacts[0].id}/send")):
        response = staff.post(url, data={"scope": "all"})
        assert response.status_code == 400
        assert "CSRF" in response.get_data(as_text=True)
    assert not smtp.received and outbox() == []


def test_an_unknown_scope_is_refused(event, contacts, staff, smtp) -> None:
    assert post_form(staff, sponsors_url(event, "/send"), {"scope": "everyone"}).status_code == 400
    assert not smtp.received
