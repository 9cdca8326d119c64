"""``flask schedule publish SLUG [--version N]``: the web's Publish button, from a shell."""

from __future__ import annotations

from flask.testing import FlaskCliRunner

from app.extensions import db
from app.models import Event, Meeting
from tests.conftest import add_version


def build(runner: FlaskCliRunner, slug: str) -> None:
    result = runner.invoke(args=["schedule", "build", slug, "--time-limit", "2"])
    assert result.exit_code == 0, result.output


def published_number(event: Event) -> int | None:
    db.session.expire_all()
    return event.published_version.number if event.published_version else None


def test_publish_makes_the_latest_version_what_attendees_see(
    runner: FlaskCliRunner,
    event: Event,
) -> None:
    build(runner, event.slug)
    build(runner, event.slug)
    result = runner.invoke(args=["schedule", "publish", event.slug])
    assert result.exit_code == 0, result.output
    assert f"Version 2 of {event.slug} is published" in result.output
    assert published_number(event) == 2


def test_publish_a_chosen_version_then_again_says_it_already_is(
    runner: FlaskCliRunner,
    event: Event,
) -> None:
    build(runner, event.slug)
    build(runner, event.slug)
    result = runner.invoke(args=["schedule", "publish", event.slug, "--version", "1"])
    assert result.exit_code == 0, result.output
    assert published_number(event) == 1
    again = runner.invoke(args=["schedule", "publish", event.slug, "--version", "1"])
    assert again.exit_code == 0 and "already published" in again.output


def test_a_missing_version_is_refused_naming_the_versions_there_are(
    runner: FlaskCliRunner,
    event: Event,
) -> None:
    none_yet = runner.invoke(args=["schedule", "publish", event.slug])
    assert none_yet.exit_code == 1 and "(versions: none yet)" in none_yet.output
    build(runner, event.slug)
    result = runner.invoke(args=["schedule", "publish", event.slug, "--version", "7"])
    assert result.exit_code == 1
    assert f"{event.slug} has no version 7 (versions: 1)" in result.output
    assert published_number(event) is None


def test_a_version_that_breaks_a_rule_is_not_published(
    runner: FlaskCliRunner,
    event: Event,
) -> None:
    build(runner, event.slug)
    db.session.expire_all()
    version = event.latest_version()
    assert version is not None
    first = version.meetings[0]
    twin = Meeting(
        round=first.round,
        table=first.table,  # the same table twice in one round
        attendee_a_id=first.attendee_a_id,
        attendee_b_id=first.attendee_b_id,
        score=first.score,
    )
    version.meetings.append(twin)
    db.session.commit()
    result = runner.invoke(args=["schedule", "publish", event.slug])
    assert result.exit_code == 1 and "breaks a rule" in result.output
    assert published_number(event) is None


def test_an_unknown_event_is_refused(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["schedule", "publish", "no-such-event"])
    assert result.exit_code != 0 and "no-such-event" in result.output


def test_a_republish_says_who_was_told_of_their_changed_meetings(
    runner: FlaskCliRunner, event: Event
) -> None:
    """Two round-1 meetings swap tables; without SMTP or push, the shell names the four."""
    runner.app.config["SMTP_HOST"] = None
    build(runner, event.slug)
    assert runner.invoke(args=["schedule", "publish", event.slug]).exit_code == 0
    first = event.versions[0]
    rows = [(m.round, m.table, m.attendee_a, m.attendee_b) for m in first.meetings]
    one, two = [i for i, row in enumerate(rows) if row[0] == 1][:2]
    rows[one], rows[two] = (1, rows[two][1], *rows[one][2:]), (1, rows[one][1], *rows[two][2:])
    add_version(event, rows)
    result = runner.invoke(args=["schedule", "publish", event.slug, "--version", "2"])
    assert result.exit_code == 0, result.output
    assert "4 attendees had meetings changed: 0 told by e-mail, 0 by push" in result.output
    moved = sorted(a.name for a in (*rows[one][2:], *rows[two][2:]))
    assert f"4 could not be told: {', '.join(moved)};" in result.output
