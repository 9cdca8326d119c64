"""The Flask CLI of FORMATS.md section 5: create-organiser, events create, attendees import."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from flask.testing import FlaskCliRunner
from sqlalchemy import select

from app.extensions import db
from app.models import Event
from app.services.accounts import find_organiser
from tests.attendees.test_importing import ANN, BOB, HEADER, count_attendees, csv_bytes

# flask create-organiser


def test_create_organiser_reads_password_from_stdin(runner: FlaskCliRunner, app_ctx) -> None:
    """--password-stdin takes the first line; the account can then log in."""
    result = runner.invoke(
        args=["create-organiser", "Ada@Example.org", "--name", "Ada", "--password-stdin"],
        input="long enough pw\n",
    )
    assert result.exit_code == 0, result.output
    assert "Created organiser ada@example.org." in result.output
    organiser = find_organiser("ada@example.org")
    assert organiser.name == "Ada"
    assert organiser.check_password("long enough pw")


def test_create_organiser_asks_the_password_twice(runner: FlaskCliRunner, app_ctx) -> None:
    """Without --password-stdin the password is prompted for, hidden, and confirmed."""
    result = runner.invoke(
        args=["create-organiser", "bob@example.org"],
        input="first try1\nfirst try2\nmy secret 123\nmy secret 123\n",
    )
    assert result.exit_code == 0, result.output
    assert "do not match" in result.output
    assert find_organiser("bob@example.org").check_password("my secret 123")


@pytest.mark.parametrize(
    ("email", "password", "message"),
    [
        ("taken@example.org", "long enough pw", "already exists"),
        ("TAKEN@example.org", "long enough pw", "already exists"),
        ("new@example.org", "short", "at least 12 characters"),
        ("new@example.org", "aaaaaaaa", "at least 12 characters"),
        ("new@example.org", "aaaaaaaaaaaaaaaa", "at least 4 different characters"),
        ("new@example.org", "qwerty123456", "most common"),
        ("long.name.here@example.org", "Long.Name.Here@example.org", "not be the e-mail"),
        ("not-an-email", "long enough pw", "not a valid e-mail"),
    ],
)
def test_create_organiser_refuses_with_exit_1(
    runner: FlaskCliRunner, make_organiser, email: str, password: str, message: str
) -> None:
    """Duplicates, short passwords and bad e-mails: exit 1 and one clear line, no account."""
    make_organiser(email="taken@example.org")
    result = runner.invoke(
        args=["create-organiser", email, "--password-stdin"], input=password + "\n"
    )
    assert result.exit_code == 1
    assert message in result.output
    assert (find_organiser(email) is None) == (email.lower() != "taken@example.org")


# flask events create


def event_by_slug(slug: str) -> Event:
    return db.session.scalar(select(Event).where(Event.slug == slug))


def test_events_create_prints_only_the_slug(runner: FlaskCliRunner, make_organiser) -> None:
    """The command's output is the slug; the event belongs to the first organiser."""
    first = make_organiser()
    make_organiser()
    result = runner.invoke(
        args=[
            "events", "create", "--name", "EMEA Forum", "--rounds", "6", "--tables", "25",
            "--starts", "2030-03-04T09:30", "--minutes", "8", "--break", "2",
        ]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    slug = result.output.strip()
    assert result.output == slug + "\n" and slug.startswith("emea-forum-")
    event = event_by_slug(slug)
    assert (event.rounds, event.tables, event.round_minutes, event.break_minutes) == (6, 25, 8, 2)
    assert event.starts_at == datetime(2030, 3, 4, 9, 30)
    assert event.organiser_id == first.id


def test_events_create_for_a_named_organiser_or_none(
    runner: FlaskCliRunner, make_organiser, app_ctx
) -> None:
    """--organiser picks the owner; with no organisers at all the event has none."""
    base = ["events", "create", "--name", "X", "--rounds", "2", "--tables", "2"]
    slug = runner.invoke(args=base).output.strip()
    assert event_by_slug(slug).organiser_id is None
    make_organiser()
    second = make_organiser(email="second@example.org")
    result = runner.invoke(args=[*base, "--organiser", "SECOND@example.org"])
    assert event_by_slug(result.output.strip()).organiser_id == second.id
    missing = runner.invoke(args=[*base, "--organiser", "ghost@example.org"])
    assert missing.exit_code == 1 and "ghost@example.org" in missing.output


def test_events_create_converts_an_offset_to_local_time(runner: FlaskCliRunner, app_ctx) -> None:
    """A start with a UTC offset is stored as wall-clock time in the event's time zone."""
    result = runner.invoke(
        args=[
            "events", "create", "--name", "Paris", "--rounds", "2", "--tables", "2",
            "--starts", "2030-06-01T07:00+00:00", "--timezone", "Europe/Paris",
        ]
    )  # fmt: skip
    event = event_by_slug(result.output.strip())
    assert event.starts_at == datetime(2030, 6, 1, 9, 0)
    assert event.timezone == "Europe/Paris"


@pytest.mark.parametrize(
    "extra",
    [
        ["--starts", "next tuesday"],
        ["--timezone", "Mars/Base"],
        ["--rounds", "0"],
    ],
)
def test_events_create_refuses_bad_options(runner: FlaskCliRunner, app_ctx, extra) -> None:
    """Bad options exit non-zero with a usage error and create nothing."""
    args = ["events", "create", "--name", "X", "--rounds", "2", "--tables", "2", *extra]
    result = runner.invoke(args=args)
    assert result.exit_code == 2
    assert db.session.scalars(select(Event)).all() == []


# flask attendees import


def write(tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def test_cli_import_prints_counts(runner: FlaskCliRunner, make_event, tmp_path: Path) -> None:
    """Success: exit 0 and the counts; importing again upserts."""
    event = make_event()
    path = write(tmp_path, "a.csv", csv_bytes(HEADER, ANN, BOB))
    result = runner.invoke(args=["attendees", "import", event.slug, path])
    assert result.exit_code == 0, result.output
    assert (
        result.output == f"Imported a.csv into {event.slug}: 2 created, 0 updated, 0 unchanged.\n"
    )
    again = runner.invoke(args=["attendees", "import", event.slug, path])
    assert "0 created, 0 updated, 2 unchanged" in again.output
    assert count_attendees(event) == 2


def test_cli_bad_rows_exit_1_with_one_line_per_problem(
    runner: FlaskCliRunner, make_event, tmp_path: Path
) -> None:
    """Bad rows: exit 1, a line per problem with row, column and value; nothing imported."""
    event = make_event()
    rows = [
        HEADER,
        ANN,
        "not-an-email,Dan,Delta,partner,EMEA,,,,,,",
        "eve@example.org,Eve,Echo,partner,EMEA,,,ghost@example.org,,,platinium",
    ]
    path = write(tmp_path, "bad.csv", csv_bytes(*rows))
    result = runner.invoke(args=["attendees", "import", event.slug, path])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0] == "bad.csv: 2 problem(s); nothing was imported."
    assert lines[1].startswith("row 3, column 'email', value 'not-an-email': ")
    assert lines[2].startswith("row 4, column 'tier', value 'platinium': ")
    assert count_attendees(event) == 0


def test_cli_dry_run_changes_nothing(runner: FlaskCliRunner, make_event, tmp_path: Path) -> None:
    """--dry-run says what would happen and writes nothing."""
    event = make_event()
    path = write(tmp_path, "a.csv", csv_bytes(HEADER, ANN, BOB))
    result = runner.invoke(args=["attendees", "import", event.slug, path, "--dry-run"])
    assert result.exit_code == 0
    assert "Dry run, nothing written: 2 to create, 0 to update, 0 unchanged." in result.output
    assert count_attendees(event) == 0


def test_cli_unknown_event(runner: FlaskCliRunner, app_ctx, tmp_path: Path) -> None:
    """An unknown slug is an error, not a crash."""
    path = write(tmp_path, "a.csv", csv_bytes(HEADER, ANN))
    result = runner.invoke(args=["attendees", "import", "nope", path])
    assert result.exit_code == 1 and "no event has the slug 'nope'" in result.output


def test_cli_reports_meetings_removed(
    runner: FlaskCliRunner, make_event, make_attendee, make_version, tmp_path: Path
) -> None:
    """The CLI lists the draft meetings it removed."""
    event = make_event()
    ann = make_attendee(event, email="ann@example.org", name="Ann", company="Acme")
    bob = make_attendee(event, email="bob@example.org", name="Bob", company="Beta")
    make_version(event, [(2, 3, ann, bob)])
    path = write(
        tmp_path,
        "c.csv",
        csv_bytes("email,name,company,kind,region", "bob@example.org,Bob,Acme,vendor,NA"),
    )
    result = runner.invoke(args=["attendees", "import", event.slug, path])
    assert result.exit_code == 0
    assert "Changes removed 1 meeting(s) that now break a rule:" in result.output
    assert "version 1, round 2, table 3: Ann <ann@example.org> and Bob <bob@example.org>" in (
        result.output
    )
