"""Input limits: every text has a maximum, rounds fit the event, a past start is asked about."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from flask.testing import FlaskCliRunner
from sqlalchemy import select

from app.extensions import db
from app.models import Attendee, Event, FollowUp
from app.models.common import text_limit
from app.services.attendees.importing import preview_import
from app.services.events.editing import EventRefused, update_event
from solver.__main__ import main as solver_cli
from solver.io import FIELD_LIMITS, parse_attendees, parse_rounds
from tests.attendees.test_attendee_pages import FORM
from tests.conftest import post_form
from tests.web.test_events import EVENT_FORM

HEADER = "email,name,company,kind,region,offers,available_rounds"


def csv(*rows: str) -> bytes:
    """An attendees file with the header above."""
    return ("\n".join([HEADER, *rows]) + "\n").encode()


# The database and the parser agree on every limit


def test_the_parsers_limits_are_the_database_columns() -> None:
    """solver/io.py refuses exactly what the attendees table cannot hold."""
    assert {column: text_limit(Attendee, column) for column in FIELD_LIMITS} == FIELD_LIMITS


def test_follow_up_answers_are_bounded_in_the_database() -> None:
    """The reason and the comment were unbounded text; now 2,000 and 4,000 characters."""
    assert (text_limit(FollowUp, "why"), text_limit(FollowUp, "comment")) == (2000, 4000)


# Imports: the file's row, column and value


def test_an_import_refuses_rounds_beyond_the_event() -> None:
    """available_rounds 7-9 in a 6-round event: refused, naming the row (the solver alone)."""
    rows, problems = parse_attendees(
        csv("a@b.co,Ann,Acme,partner,EMEA,,1-2", "b@b.co,Bob,Beta,vendor,EMEA,,7-9"),
        "people.csv",
        rounds=6,
    )
    assert [str(p) for p in problems] == [
        "row 3, column 'available_rounds', value '7-9': this event has 6 rounds (beyond it: 7-9)"
    ]


def test_a_long_tag_or_extra_column_is_refused_with_its_row() -> None:
    """A 3,000-character tag or custom value names row, column and a shortened value."""
    data = (
        "email,name,company,kind,region,offers,notes\n"
        + "a@b.co,Ann,Acme,partner,EMEA,"
        + "x" * 3000
        + ",ok\n"
        + "b@b.co,Bob,Beta,vendor,EMEA,,"
        + "y" * 501
        + "\n"
    ).encode()
    _rows, problems = parse_attendees(data, "people.csv")
    assert [(p.row, p.column, len(p.value), p.message) for p in problems] == [
        (2, "offers", 60, "an item is 3,000 characters long; at most 100 are allowed"),
        (3, "notes", 60, "is 501 characters long; at most 500 are allowed"),
    ]


def test_huge_round_numbers_are_refused_not_expanded() -> None:
    """1-999999999 would fill memory with a billion rounds; it is a typo."""
    with pytest.raises(ValueError, match="no event has more than 1000 rounds"):
        parse_rounds("1-999999999")


def test_the_web_import_preview_checks_rounds_against_the_event(make_event) -> None:
    """The app passes the event's rounds to the parser."""
    event = make_event(rounds=6)
    preview = preview_import(event, csv("a@b.co,Ann,Acme,partner,EMEA,,5-8"), "people.csv")
    assert [(p.row, p.column, p.value) for p in preview.problems] == [
        (2, "available_rounds", "5-8")
    ]
    assert "this event has 6 rounds" in preview.problems[0].message


def test_the_cli_import_refuses_a_3000_character_name(
    runner: FlaskCliRunner, make_event, tmp_path: Path
) -> None:
    """flask attendees import: exit 1, one line naming row, column and the limit."""
    event = make_event(rounds=6)
    path = tmp_path / "long.csv"
    path.write_bytes(csv("a@b.co," + "N" * 3000 + ",Acme,partner,EMEA,,", "b@b.co,B,C,vendor,X,,9"))
    result = runner.invoke(args=["attendees", "import", event.slug, str(path)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0] == "long.csv: 2 problem(s); nothing was imported."
    assert lines[1].startswith("row 2, column 'name', value 'NNN")
    assert lines[1].endswith("is 3,000 characters long; at most 200 are allowed")
    assert lines[2] == (
        "row 3, column 'available_rounds', value '9': this event has 6 rounds (beyond it: 9)"
    )
    assert db.session.scalars(select(Attendee)).all() == []


def test_the_solver_cli_refuses_rounds_beyond_its_rounds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """python -m solver solve --rounds 6 with a 7-9 row: exit 1 and the row."""
    path = tmp_path / "people.csv"
    path.write_bytes(csv("a@b.co,Ann,Acme,partner,EMEA,,1-6", "b@b.co,Bob,Beta,vendor,EMEA,,7-9"))
    args = ["--attendees", str(path), "--rounds", "6", "--tables", "2"]
    with pytest.raises(SystemExit) as exit_:
        solver_cli(["solve", *args, "--out", str(tmp_path / "s.csv")])
    assert exit_.value.code == 1
    assert "row 3, column 'available_rounds', value '7-9': this event has 6 rounds" in (
        capsys.readouterr().err
    )


# The forms


def test_the_event_form_names_the_field_and_its_limit(login_as, make_organiser) -> None:
    """A 3,000-character name is refused with a message; the box carries maxlength."""
    client = login_as(make_organiser())
    page = client.get("/organiser/events/new").get_data(as_text=True)
    assert 'maxlength="200"' in page
    response = post_form(client, "/organiser/events/new", {**EVENT_FORM, "name": "E" * 3000})
    assert response.status_code == 200
    assert "Event name: at most 200 characters, this has 3000." in response.get_data(as_text=True)
    assert db.session.scalars(select(Event)).all() == []


def test_the_attendee_form_refuses_rounds_beyond_the_event(
    login_as, make_organiser, make_event
) -> None:
    """Available rounds 7-9 of a 6-round event: refused with the reason, nothing saved."""
    organiser = make_organiser()
    event = make_event(organiser, rounds=6)
    client = login_as(organiser)
    url = f"/organiser/events/{event.slug}/attendees/new"
    html = post_form(client, url, FORM | {"available_rounds": "7-9"}).get_data(as_text=True)
    assert "this event has 6 rounds (beyond it: 7-9)" in html
    assert db.session.scalars(select(Attendee)).all() == []
    assert 'maxlength="200"' in client.get(url).get_data(as_text=True)


def test_a_start_in_the_past_needs_the_confirm_tick(login_as, make_organiser) -> None:
    """A past start is asked about plainly; with the tick it is saved."""
    client = login_as(make_organiser())
    past = {**EVENT_FORM, "starts_at": "2025-03-01T09:00", "timezone": "Europe/Berlin"}
    response = post_form(client, "/organiser/events/new", past)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "This start is in the past (2025-03-01 09:00 Europe/Berlin). Save anyway?" in html
    assert 'name="confirm_past"' in html
    assert db.session.scalars(select(Event)).all() == []
    response = post_form(client, "/organiser/events/new", past | {"confirm_past": "y"})
    assert response.status_code == 302


def test_settings_ask_only_when_the_start_is_changed_to_the_past(
    login_as, make_organiser, make_event
) -> None:
    """An event already past keeps its start without a question; moving a start back asks."""
    organiser = make_organiser()
    event = make_event(organiser, starts_at=datetime(2025, 3, 1, 9, 0), timezone="UTC", tables=3)
    client = login_as(organiser)
    url = f"/organiser/events/{event.slug}/edit"
    same = {**EVENT_FORM, "timezone": "UTC", "starts_at": "2025-03-01T09:00"}
    assert post_form(client, url, same).status_code == 302
    moved = same | {"starts_at": "2025-02-01T09:00"}
    assert "This start is in the past" in post_form(client, url, moved).get_data(as_text=True)


# Fewer rounds than attendees list


def test_fewer_rounds_shorten_lists_and_say_whose(make_event, make_attendee) -> None:
    """5-8 in an event cut from 8 to 6 rounds becomes 5-6, and the warning names them."""
    event = make_event(rounds=8)
    ann = make_attendee(event, name="Ann", available_rounds="5-8")
    bob = make_attendee(event, name="Bob", available_rounds="1-3")
    warnings = update_event(event, {"rounds": 6})
    assert warnings == [
        "Available rounds shortened to fit 6 rounds for 1 attendee(s): Ann (5-8 to 5-6)."
    ]
    assert (ann.available_rounds, bob.available_rounds, event.rounds) == ("5-6", "1-3", 6)


def test_fewer_rounds_are_refused_when_someone_would_attend_nothing(
    login_as, make_organiser, make_event, make_attendee
) -> None:
    """Someone only available in 7-8: the settings page names them and nothing changes."""
    organiser = make_organiser()
    event = make_event(organiser, rounds=8, tables=3)
    make_attendee(event, name="Cid Oz", available_rounds="7-8")
    make_attendee(event, name="Ann", available_rounds="5-8")
    with pytest.raises(EventRefused, match=r"would attend nothing: Cid Oz \(7-8\)"):
        update_event(event, {"rounds": 6})
    client = login_as(organiser)
    form = {**EVENT_FORM, "rounds": "6", "min_meetings": "0"}
    html = post_form(client, f"/organiser/events/{event.slug}/edit", form).get_data(as_text=True)
    assert "Not saved: 1 attendee(s) can only come to rounds after round 6" in html
    db.session.expire_all()
    assert event.rounds == 8
    assert sorted(a.available_rounds for a in event.attendees) == ["5-8", "7-8"]
