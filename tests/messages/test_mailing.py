"""Agenda links by e-mail, against a real SMTP server on 127.0.0.1 (aiosmtpd), not a mock."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from app.config import smtp_settings
from app.extensions import db
from app.models import Attendee, Event, Meeting, OutboxMessage
from app.services.attendees.agenda import explain_match
from app.services.messages.mailing import agenda_url, compose_agenda_link, reissue_link, send_links
from tests.smtp_server import (
    MAIL_FROM,
    Mailbox,
    app_smtp_server,
    free_port,
    password_checker,
    smtp_server,
)


@pytest.fixture
def people(event: Event) -> list[Attendee]:
    """The event's 14 attendees, by id."""
    return sorted(event.attendees, key=lambda a: a.id)


@pytest.fixture
def published(event: Event, people: list[Attendee], make_version) -> list[Meeting]:
    """A published version: some people meet in two rounds, some once, p10-p13 never."""
    p = people
    event.timezone = "Europe/Lisbon"
    event.table_names = ["Atlantic", "Tagus"]
    db.session.commit()
    version = make_version(
        event,
        [
            (1, 1, p[0], p[4]), (1, 2, p[2], p[5]), (1, 3, p[6], p[7]),
            (2, 1, p[0], p[6]), (2, 2, p[4], p[8]),
            (3, 3, p[1], p[9]), (3, 1, p[2], p[7]),
        ],
        published=True,
    )  # fmt: skip
    return version.meetings


@pytest.fixture
def smtp(app: Flask) -> Iterator[Mailbox]:
    """A running SMTP server that the app is configured to use, plain and without login."""
    with app_smtp_server(app) as mailbox:
        yield mailbox


def outbox(event: Event) -> list[OutboxMessage]:
    """Every stored message of the event, oldest first."""
    return db.session.scalars(
        db.select(OutboxMessage).where(OutboxMessage.event_id == event.id).order_by("id")
    ).all()


def test_send_to_all_gives_everyone_exactly_their_own_link_and_agenda(
    app, event, people, published, smtp
) -> None:
    report = send_links(event)

    assert (report.stored, report.sent, report.failed) == (14, 14, 0)
    assert smtp.connections == 1  # one SMTP connection for the whole batch
    got = smtp.by_recipient()
    assert set(got) == {a.email for a in people}
    times = event.round_times()
    by_id = {a.id: a for a in people}
    for a in people:
        mail = got[a.email]
        assert mail.message["Subject"] == "Your meetings at Partner Forum"
        assert mail.message["From"] == MAIL_FROM
        assert mail.message["To"].addresses[0].addr_spec == a.email
        assert mail.message["To"].addresses[0].display_name == a.name
        body = mail.body
        assert f"Hello {a.name}," in body
        assert agenda_url(a) in body and app.config["PUBLIC_URL"] + "/a/" in body
        assert [b for b in people if b.token in body] == [a]  # nobody else's link
        assert "times in Europe/Lisbon" in body
        mine = {m.round: m for m in published if a.id in (m.attendee_a_id, m.attendee_b_id)}
        for number, (start, end) in enumerate(times, start=1):
            slot = f"Round {number}, {start:%H:%M}-{end:%H:%M}"
            if number not in mine:
                assert f"{slot}: no meeting" in body
                continue
            m = mine[number]
            other = by_id[m.attendee_b_id if m.attendee_a_id == a.id else m.attendee_a_id]
            assert f"{slot}, {event.table_label(m.table)}\n  {other.name}, {other.company}" in body
            assert f"  Why: {'; '.join(explain_match(a, other))}\n" in body
        others = {b.name for b in people if b is not a}
        met = {by_id[i].name for m in mine.values() for i in (m.attendee_a_id, m.attendee_b_id)}
        assert not [n for n in others - met if f"  {n}, " in body]  # nobody they do not meet
    stored = outbox(event)
    assert len(stored) == 14 and all(m.sent_at and m.error is None for m in stored)


def test_the_email_names_tables_and_times_in_the_event_zone(event, people, published) -> None:
    body = compose_agenda_link(event, people[0]).body
    assert "Round 1, 09:00-09:10, Atlantic\n  Person4 Example" in body
    assert "  Why: you offer erp, which they seek" in body
    assert "Round 2, 09:15-09:25, Atlantic\n  Person6 Example" in body
    assert "Round 3, 09:30-09:40: no meeting" in body
    assert "Monday 04 March 2030" in body


def test_changed_only_sends_nothing_twice_then_only_the_changed(
    event, people, published, smtp, make_version
) -> None:
    assert send_links(event, changed_only=True).sent == 14  # nobody had one yet
    again = send_links(event, changed_only=True)
    assert (again.stored, again.sent, again.unchanged) == (0, 0, 14)
    assert len(smtp.received) == 14

    reissue_link(people[11])  # a new link: only their e-mail changes
    third = send_links(event, changed_only=True)
    assert (third.sent, third.unchanged) == (1, 13)
    assert smtp.received[-1].to == people[11].email
    assert agenda_url(people[11]) in smtp.received[-1].body

    # A new published version moves one meeting: exactly its two people are written to.
    p = people
    moved = [(m.round, m.table, m.attendee_a, m.attendee_b) for m in published]
    k = next(k for k, m in enumerate(moved) if m[:3] == (3, 1, p[2]))
    moved[k] = (3, 2, p[2], p[7])  # the round 3 meeting of p2 and p7 moves to table 2
    make_version(event, moved, published=True)
    fourth = send_links(event, changed_only=True)
    assert fourth.sent == 2
    assert {m.to for m in smtp.received[-2:]} == {p[2].email, p[7].email}
    assert "Round 3, 09:30-09:40, Tagus" in smtp.received[-1].body


def test_smtp_down_keeps_every_message_in_the_outbox_with_the_error(
    app, event, people, published
) -> None:
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port(), SMTP_TIMEOUT=2.0)
    report = send_links(event)
    assert (report.stored, report.sent, report.failed) == (14, 0, 14)
    stored = outbox(event)
    assert len(stored) == 14
    assert all(m.sent_at is None and "cannot reach the SMTP server" in m.error for m in stored)
    assert {m.to_address for m in stored} == {a.email for a in people}
    assert all(agenda_url(db.session.get(Attendee, m.attendee_id)) in m.body for m in stored)

    # Once the server is back, "send to the changed ones" is the retry: the failed ones count.
    with smtp_server() as (mailbox, port):
        app.config["SMTP_PORT"] = port
        retry = send_links(event, changed_only=True)
    assert (retry.sent, retry.unchanged) == (14, 0)
    assert set(mailbox.by_recipient()) == {a.email for a in people}
    assert send_links(event, changed_only=True).stored == 0


def test_a_refused_recipient_or_a_dropped_connection_fails_only_that_message(
    event, people, published, smtp
) -> None:
    refused, dropped = people[3].email, people[8].email
    smtp.refuse.add(refused)
    smtp.hang_up.add(dropped)
    report = send_links(event)
    assert (report.sent, report.failed) == (12, 2)
    errors = {m.to_address: m.error for m in outbox(event) if m.error}
    assert errors[refused].startswith("recipient refused: 550")
    assert errors[dropped].startswith("421")
    assert set(smtp.by_recipient()) == {a.email for a in people} - {refused, dropped}
    assert smtp.connections == 2  # the 421 closed the first connection; one new one for the rest


def test_without_smtp_host_messages_stay_in_the_outbox(app, event, people, published) -> None:
    with smtp_server() as (mailbox, port):
        app.config.update(SMTP_HOST=None, SMTP_PORT=port)
        report = send_links(event)
    assert (report.stored, report.sent, report.failed, report.smtp) == (14, 0, 0, False)
    assert "SMTP_HOST is not set" in report.summary()
    assert not mailbox.received and mailbox.connections == 0
    stored = outbox(event)
    assert len(stored) == 14 and all(m.sent_at is None and m.error is None for m in stored)
    # Kept in the outbox counts as handed over: nothing changed, nothing to send.
    assert send_links(event, changed_only=True).unchanged == 14


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # loopback only
def test_login_over_smtp_and_tls_demanded_from_a_server_without_it(
    app, event, people, published
) -> None:
    checker = password_checker("mingle", "s3cret")
    with smtp_server(authenticator=checker, auth_require_tls=False, auth_required=True) as (
        mailbox,
        port,
    ):
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_TLS=False, SMTP_TIMEOUT=5.0)
        app.config.update(SMTP_USER="mingle", SMTP_PASSWORD="wrong")
        wrong = send_links(event, [people[0]])
        assert wrong.failed == 1 and "535" in outbox(event)[-1].error
        app.config["SMTP_PASSWORD"] = "s3cret"
        assert send_links(event, [people[0]]).sent == 1
        assert [m.to for m in mailbox.received] == [people[0].email]

        # STARTTLS demanded: a server that cannot encrypt gets nothing, not a clear-text login.
        app.config["SMTP_TLS"] = True
        refused = send_links(event, [people[1]])
        assert refused.failed == 1 and "STARTTLS" in outbox(event)[-1].error
        assert len(mailbox.received) == 1


def test_names_in_any_script_survive_the_trip(event, make_attendee, make_version, smtp) -> None:
    zoe = make_attendee(event, "zoe@example.org", name="Zoë Łukasiewicz-Nguyễn", company="Ça Va")
    ali = make_attendee(event, "ali@example.org", name="Ali Öztürk", company="İstanbul Bilişim")
    make_version(event, [(2, 1, zoe, ali)], published=True)
    send_links(event, [zoe, ali])
    got = smtp.by_recipient()
    assert got["zoe@example.org"].message["To"].addresses[0].display_name == zoe.name
    assert "Hello Zoë Łukasiewicz-Nguyễn," in got["zoe@example.org"].body
    assert "  Ali Öztürk, İstanbul Bilişim (partner, EMEA)" in got["zoe@example.org"].body


def test_before_publication_the_email_carries_the_link_only(event, people) -> None:
    body = compose_agenda_link(event, people[0]).body
    assert agenda_url(people[0]) in body
    assert "not scheduled yet" in body and "Round 1" not in body


def test_smtp_settings_from_the_environment() -> None:
    assert smtp_settings({}) == {
        "SMTP_HOST": None,
        "SMTP_PORT": 25,
        "SMTP_USER": None,
        "SMTP_PASSWORD": None,
        "SMTP_TLS": False,
        "SMTP_TIMEOUT": 10.0,
        "MAIL_FROM": "Mingle <no-reply@localhost>",
    }
    with_user = smtp_settings(
        {"SMTP_HOST": "smtp.example.org", "SMTP_USER": "u", "SMTP_PASSWORD": "p"}
    )
    assert (with_user["SMTP_PORT"], with_user["SMTP_TLS"]) == (587, True)  # no clear-text login
    explicit = smtp_settings({"SMTP_HOST": "mx", "SMTP_PORT": "2525", "SMTP_TLS": "off"})
    assert (explicit["SMTP_PORT"], explicit["SMTP_TLS"]) == (2525, False)
    assert smtp_settings({"SMTP_TLS": "Yes"})["SMTP_PORT"] == 587
