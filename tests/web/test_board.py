"""The live board (/board/<token>): what it shows as the clock moves through the event, and who
may open it (issue 13: "A live board for the room")."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from flask import Flask

from app.extensions import db
from app.models.common import utcnow
from app.services.events.board import board, countdown_text, issue_board_link, revoke_board_link
from app.services.events.clock import TEST_CLOCK, utc_now
from tests.conftest import post_form

ZONE = ZoneInfo("Europe/Warsaw")


def at(hour: int, minute: int, second: int = 0, day: int = 4) -> datetime:
    """A moment of the event's day (4 March 2030) on the Warsaw clock."""
    return datetime(2030, 3, day, hour, minute, second, tzinfo=ZONE)


@pytest.fixture
def forum(make_organiser, make_event, make_attendee, make_version):
    """Three 10-minute rounds from 09:00 Warsaw time with 5-minute breaks, at four tables,
    three of them named; a published schedule; one of four attendees checked in."""
    owner = make_organiser()
    event = make_event(
        owner,
        name="Krakow Partner Forum",
        timezone="Europe/Warsaw",
        starts_at=datetime(2030, 3, 4, 9, 0),
        rounds=3,
        round_minutes=10,
        break_minutes=5,
        tables=4,
        table_names=["Booth A1", "Booth A2", "", "Lounge"],
    )
    a, b, c, d = (make_attendee(event) for _ in range(4))
    make_version(
        event,
        [(1, 1, a, b), (1, 2, c, d), (2, 4, a, c), (3, 2, b, d)],
        published=True,
    )
    a.checked_in_at = utcnow()
    db.session.commit()
    event.owner = owner
    event.people = [a, b, c, d]
    return event


def drive(app: Flask, moment: datetime) -> None:
    """Set the app's clock (a test's stand-in, read by clock.utc_now) to ``moment``."""
    app.config[TEST_CLOCK] = lambda: moment


def test_the_board_follows_the_clock_through_rounds_breaks_and_the_end(app, forum) -> None:
    """Driven by the app's clock: before, round 1, the break, round 2, and after the last."""
    drive(app, at(8, 30))
    before = board(forum)
    assert (before.moment.phase, before.headline) == ("today", "Welcome")
    assert before.countdown_label == "Round 1 starts at 09:00"
    assert before.countdown == "30:00"
    assert before.tables_round == 1
    assert before.tables_in_use == ["Booth A1", "Booth A2"]

    drive(app, at(9, 2, 30))
    one = board(forum)
    assert (one.moment.phase, one.headline) == ("round", "Round 1 of 3")
    assert one.countdown_label == "Round 1 ends in"
    assert one.countdown == "7:30"
    assert one.target_utc == at(9, 10).astimezone(UTC)
    assert one.tables_in_use == ["Booth A1", "Booth A2"]
    assert one.tables_empty == ["Table 3", "Lounge"]

    drive(app, at(9, 10))  # the very second round 1 ends, the break begins
    pause = board(forum)
    assert (pause.moment.phase, pause.headline) == ("break", "Break after round 1")
    assert pause.countdown_label == "Next round starts at 09:15"
    assert pause.countdown == "5:00"
    assert (pause.tables_round, pause.tables_in_use) == (2, ["Lounge"])  # where to go next
    assert pause.tables_empty == ["Booth A1", "Booth A2", "Table 3"]

    drive(app, at(9, 15))
    two = board(forum)
    assert (two.moment.phase, two.countdown_label) == ("round", "Round 2 ends in")
    assert two.countdown == "10:00"

    drive(app, at(9, 40))  # the last round's end
    after = board(forum)
    assert (after.moment.phase, after.headline) == ("after", "That was the last round")
    assert after.target_utc is None and after.countdown == ""
    assert after.thanks.startswith("Thank you")
    assert after.tables_in_use == [] and after.tables_empty == []
    assert after.counts is not None and (after.counts.present, after.counts.expected) == (1, 4)


def test_an_earlier_day_names_the_day_and_an_unpublished_schedule_shows_no_tables(
    app, forum
) -> None:
    """The day before: "Round 1 starts at Monday 04 March, 09:00"; unpublished: times, no tables."""
    drive(app, at(18, 0, day=3))
    state = board(forum)
    assert state.moment.phase == "before"
    assert state.countdown_label == "Round 1 starts at Monday 04 March, 09:00"
    assert state.countdown == "15:00:00"
    forum.published_version_id = None
    db.session.commit()
    drive(app, at(9, 5))
    state = board(forum)
    assert state.headline == "Round 1 of 3" and not state.published
    assert state.tables_in_use == [] and state.tables_empty == []


def test_the_stand_in_clock_is_only_read_by_a_test_app(app) -> None:
    """Production never reads TEST_CLOCK: an app without TESTING keeps the real clock."""
    fake = datetime(2001, 1, 1, tzinfo=UTC)
    with app.app_context():
        app.config[TEST_CLOCK] = lambda: fake
        assert utc_now() == fake
        app.testing = False
        assert abs((utc_now() - datetime.now(UTC)).total_seconds()) < 5
        app.testing = True


def test_countdowns_are_rounded_up_and_never_negative() -> None:
    assert countdown_text(2 * 86400 - 1) == "47:59:59"
    assert countdown_text(3 * 86400 + 5) == "3 days"
    assert [countdown_text(s) for s in (0, -3, 0.2, 59.5, 61, 3600, 3725)] == [
        "0:00",
        "0:00",
        "0:01",
        "1:00",
        "1:01",
        "1:00:00",
        "1:02:05",
    ]


def test_the_page_and_its_json_show_the_round_and_no_personal_data(app, client, forum) -> None:
    """The projector shows counts and table names, never who meets."""
    token = issue_board_link(forum)
    drive(app, at(9, 16))
    page = client.get(f"/board/{token}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Round 2 of 3" in html and "Round 2 ends in" in html and "9:00" in html
    assert "Lounge" in html and "Times in Europe/Warsaw" in html
    assert page.headers["Cache-Control"] == "private, no-store"
    assert "noindex" in page.headers["X-Robots-Tag"]
    state = client.get(f"/board/{token}/state.json").get_json()
    assert state["phase"] == "round" and state["round"] == 2
    assert state["now"] == "2030-03-04T08:16:00.000Z"  # the server's clock, for the offset
    assert state["target"] == "2030-03-04T08:25:00.000Z"
    assert state["tables_in_use"] == ["Lounge"]
    assert state["counts"] == {"expected": 4, "present": 1, "absent": 3}
    for person in forum.people:
        for text in (person.name, person.email, person.company, person.token):
            assert text not in html and text not in str(state)


@pytest.mark.parametrize("suffix", ["", "/state.json"])
def test_wrong_revoked_and_reissued_links_are_refused(app, client, forum, suffix) -> None:
    """Unknown, revoked and replaced links answer 404 with Mingle's "ask the organiser" page."""
    old = issue_board_link(forum)
    new = issue_board_link(forum)
    assert old != new and len(new) >= 43
    for token in ("x" * 43, old, "short", new[:-1] + ("A" if new[-1] != "A" else "B")):
        response = client.get(f"/board/{token}{suffix}")
        assert response.status_code == 404
        body = response.get_data(as_text=True)
        if suffix:
            assert response.get_json()["ok"] is False
        else:
            assert "This board link does not work" in body
            assert "Ask the organiser for the current board link" in body
    assert client.get(f"/board/{new}{suffix}").status_code == 200
    revoke_board_link(forum)
    assert forum.board_token is None
    assert client.get(f"/board/{new}{suffix}").status_code == 404


def test_a_link_shows_its_own_event_only(app, client, forum, make_event) -> None:
    """Two events' boards: each link shows its own event, never the other's."""
    other = make_event(forum.owner, name="Lisbon Summit", tables=2)
    mine, theirs = issue_board_link(forum), issue_board_link(other)
    assert "Krakow Partner Forum" in client.get(f"/board/{mine}").get_data(as_text=True)
    html = client.get(f"/board/{theirs}").get_data(as_text=True)
    assert "Lisbon Summit" in html and "Krakow" not in html
    assert client.get(f"/board/{theirs}/state.json").get_json()["counts"]["expected"] == 0


def test_the_organiser_makes_replaces_and_removes_the_link(app, login_as, forum) -> None:
    """The dashboard's buttons: make a link, make a new one (the old stops), remove it."""
    client = login_as(forum.owner)
    dashboard = f"/organiser/events/{forum.slug}"
    assert "Make a board link" in client.get(dashboard).get_data(as_text=True)
    response = post_form(client, f"{dashboard}/board/link", follow_redirects=True)
    assert "Board link made" in response.get_data(as_text=True)
    first = forum.board_token
    assert first and f"/board/{first}" in response.get_data(as_text=True)
    response = post_form(client, f"{dashboard}/board/link", follow_redirects=True)
    assert "the old one no longer works" in response.get_data(as_text=True)
    assert forum.board_token != first
    assert client.get(f"/board/{first}").status_code == 404
    second = forum.board_token
    response = post_form(client, f"{dashboard}/board/revoke", follow_redirects=True)
    assert "Board link removed" in response.get_data(as_text=True)
    assert forum.board_token is None and client.get(f"/board/{second}").status_code == 404
