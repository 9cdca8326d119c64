"""The organiser's link pages: send agenda links, the outbox, the links CSV, re-issuing a link."""

from __future__ import annotations

import csv
import io

import pytest
from flask import Flask

from app.extensions import db
from app.models import Attendee, Event, OutboxMessage
from app.services.messages.mailing import agenda_url
from tests.conftest import post_form
from tests.smtp_server import smtp_server


@pytest.fixture
def owner(login_as, event: Event):
    """A client logged in as the event's organiser."""
    return login_as(event.organiser)


@pytest.fixture
def published(event: Event, make_version) -> None:
    """A published version where the first two attendees (of different companies) meet."""
    p = sorted(event.attendees, key=lambda a: a.id)
    make_version(event, [(1, 1, p[0], p[4]), (2, 3, p[2], p[5])], published=True)


def base(event: Event) -> str:
    return f"/organiser/events/{event.slug}"


def test_the_send_page_counts_everyone_and_the_changed(app, owner, event, published) -> None:
    app.config["SMTP_HOST"] = None
    html = owner.get(f"{base(event)}/links/send").get_data(as_text=True)
    assert "Send to the 14 changed" in html and "Send to all 14" in html
    assert "No mail server is set" in html

    sent = post_form(owner, f"{base(event)}/links/send", {"scope": "all"}, follow_redirects=True)
    page = sent.get_data(as_text=True)
    assert "14 e-mails put in the outbox" in page and "SMTP_HOST is not set" in page
    assert "Not sent (14)" in page
    assert page.count('<span class="tag tag-warn">not sent</span>') == 14

    html = owner.get(f"{base(event)}/links/send").get_data(as_text=True)
    assert "<strong>0</strong> of 14 attendees changed" in html
    assert 'value="changed" disabled' in html


def test_sending_through_smtp_then_the_outbox_filters(app, owner, event, published) -> None:
    with smtp_server() as (mailbox, port):
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_TLS=False, SMTP_USER=None)
        mailbox.refuse.add("p3@c1.io")
        html = owner.get(f"{base(event)}/links/send").get_data(as_text=True)
        assert "through <strong>127.0.0.1</strong>" in html
        done = post_form(
            owner, f"{base(event)}/links/send", {"scope": "changed"}, follow_redirects=True
        )
    page = done.get_data(as_text=True)
    assert "13 sent, 1 failed (they stay in the outbox)" in page
    assert "Not sent: p3@c1.io: recipient refused: 550" in page
    assert len(mailbox.received) == 13
    assert "Sent (13)" in page and "Failed (1)" in page

    failed = owner.get(f"{base(event)}/outbox?status=failed").get_data(as_text=True)
    assert "p3@c1.io" in failed and "p4@c4.io" not in failed
    assert "p4@c4.io" in owner.get(f"{base(event)}/outbox?status=sent").get_data(as_text=True)


def test_one_message_shows_its_body(app, owner, event, published) -> None:
    app.config["SMTP_HOST"] = None
    post_form(owner, f"{base(event)}/links/send", {"scope": "all"})
    first = sorted(event.attendees, key=lambda a: a.id)[0]
    message = db.session.scalar(db.select(OutboxMessage).filter_by(attendee_id=first.id))
    html = owner.get(f"{base(event)}/outbox/{message.id}").get_data(as_text=True)
    assert f"E-mail to {first.email}" in html and agenda_url(first) in html
    assert "Round 1, 09:00-09:10, Table 1" in html and "no mail server was set" in html


def test_a_message_of_another_event_is_404(
    app, owner, event, published, make_event, make_attendee
) -> None:
    app.config["SMTP_HOST"] = None
    own_other = make_event(event.organiser, name="Second forum")
    make_attendee(own_other, "x@y.io")
    post_form(owner, f"{base(own_other)}/links/send", {"scope": "all"})
    message = db.session.scalar(db.select(OutboxMessage).filter_by(event_id=own_other.id))
    assert owner.get(f"{base(own_other)}/outbox/{message.id}").status_code == 200
    assert owner.get(f"{base(event)}/outbox/{message.id}").status_code == 404


def test_an_unknown_scope_is_refused(owner, event) -> None:
    assert post_form(owner, f"{base(event)}/links/send", {"scope": "everybody"}).status_code == 400
    assert db.session.scalar(db.select(db.func.count()).select_from(OutboxMessage)) == 0


def test_links_csv_for_mail_merge_neutralises_formulas(
    owner, event, make_attendee, make_event
) -> None:
    make_attendee(
        event,
        "=cmd@evil.io",
        name='=HYPERLINK("http://evil.example","click")',
        company="+SUM(A1:A9)",
    )
    make_attendee(event, "at@x.io", name="@attack", company="-2+3")
    make_attendee(make_event(event.organiser), "elsewhere@x.io")  # another event: not listed
    response = owner.get(f"{base(event)}/links.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert f'filename="{event.slug}-links.csv"' in response.headers["Content-Disposition"]
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeff")  # Excel reads the names as UTF-8
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    assert list(rows[0]) == ["email", "name", "company", "link"]
    assert len(rows) == 16
    people = {a.email: a for a in db.session.scalars(db.select(Attendee))}
    for row in rows:
        assert row["link"] == agenda_url(people[row["email"].removeprefix("'")])
        assert not row["email"].startswith(("=", "+", "-", "@"))
        assert not row["name"].startswith(("=", "+", "-", "@"))
        assert not row["company"].startswith(("=", "+", "-", "@"))
    evil = next(r for r in rows if "evil" in r["email"])
    assert evil["email"] == "'=cmd@evil.io"
    assert evil["name"] == '\'=HYPERLINK("http://evil.example","click")'
    assert evil["company"] == "'+SUM(A1:A9)"
    attack = next(r for r in rows if r["email"] == "at@x.io")
    assert (attack["name"], attack["company"]) == ("'@attack", "'-2+3")


def test_reissue_link_revokes_the_old_token(app: Flask, owner, event, published) -> None:
    attendee = sorted(event.attendees, key=lambda a: a.id)[0]
    old = attendee.token
    edit = f"{base(event)}/attendees/{attendee.id}"
    page = owner.get(edit).get_data(as_text=True)
    assert f'action="{edit}/reissue-link"' in page and "Re-issue link" in page

    done = post_form(owner, f"{edit}/reissue-link", follow_redirects=True)
    assert done.status_code == 200
    assert "has a new agenda link; the old one no longer works" in done.get_data(as_text=True)
    db.session.refresh(attendee)
    assert attendee.token != old and len(attendee.token) >= 43
    assert db.session.scalar(db.select(Attendee).filter_by(token=old)) is None

    visitor = app.test_client()
    assert visitor.get(f"/a/{old}").status_code == 404
    if "attendee.agenda" in app.view_functions or any(
        r.rule.startswith("/a/") for r in app.url_map.iter_rules()
    ):
        assert visitor.get(f"/a/{attendee.token}").status_code == 200


def test_the_dashboard_and_nav_link_the_pages(owner, event, published) -> None:
    html = owner.get(base(event)).get_data(as_text=True)
    assert f'href="{base(event)}/links/send"' in html
    assert f'href="{base(event)}/outbox"' in html
    assert f'href="{base(event)}/followups"' in html
