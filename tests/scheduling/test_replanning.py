"""Re-planning the published schedule around two no-shows: the service and the page."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from unittest import mock

import pytest
from flask.testing import FlaskClient

from app.extensions import db
from app.models import Attendee, Event, OutboxMessage, ScheduleVersion
from app.models.common import utcnow
from app.services.scheduling import replanning, versions
from app.services.scheduling.replanning import (
    ReplanRefused,
    next_round,
    replan_event,
    replan_plan,
    version_changes,
)
from tests.conftest import post_form
from tests.scheduling.test_scheduling import build
from tests.smtp_server import smtp_server

Line = tuple[int, int, int, int]  # (round, table, attendee id, attendee id), smaller id first


def lines(version: ScheduleVersion) -> set[Line]:
    """A version's meetings as comparable tuples."""
    out = set()
    for m in version.meetings:
        a, b = sorted((m.attendee_a_id, m.attendee_b_id))
        out.add((m.round, m.table, a, b))
    return out


def partners(version: ScheduleVersion, person: int, round_: int) -> set[int]:
    """Who ``person`` meets in ``round_`` of ``version``."""
    return {
        m.attendee_b_id if m.attendee_a_id == person else m.attendee_a_id
        for m in version.meetings
        if m.round == round_ and person in (m.attendee_a_id, m.attendee_b_id)
    }


@pytest.fixture
def published(event: Event) -> tuple[Event, ScheduleVersion, list[Attendee]]:
    """The 14-attendee event built and published; everyone checked in but two no-shows.

    The no-shows are two attendees who both have meetings in rounds 2 and 3 (not with each
    other), so re-planning from round 2 frees partners.
    """
    version = build(event).version
    versions.publish(version)
    later = [m for m in version.meetings if m.round >= 2]
    by_person: dict[int, int] = {}
    for m in later:
        for a in (m.attendee_a_id, m.attendee_b_id):
            by_person[a] = by_person.get(a, 0) + 1
    busy = sorted(a for a, n in by_person.items() if n == 2)
    first = busy[0]
    met = {p for r in (2, 3) for p in partners(version, first, r)}
    second = next(a for a in busy[1:] if a not in met)
    no_shows = [db.session.get(Attendee, first), db.session.get(Attendee, second)]
    for person in event.attendees:
        if person not in no_shows:
            person.checked_in_at = utcnow()
    db.session.commit()
    return event, version, no_shows


def test_next_round_follows_the_event_clock(event: Event) -> None:
    """Before the event: round 1; during round 1: round 2; after the start of the last: last."""
    times = event.round_times()
    before = datetime(2030, 3, 4, 8, 0, tzinfo=UTC)
    assert next_round(event, before.replace(year=2020)) == 1
    during_first = times[0][0].replace(tzinfo=UTC)  # the event's zone is UTC in the fixture
    if event.timezone == "UTC":
        assert next_round(event, during_first) == 2
    assert next_round(event, datetime(2040, 1, 1, tzinfo=UTC)) == event.rounds


def test_plan_lists_no_shows_and_their_meetings_at_risk(published) -> None:
    """The page's figures: who is not in, and their meetings from round 2 on."""
    event, version, no_shows = published
    plan = replan_plan(event, 2)
    assert {r.attendee.id for r in plan.absent} == {a.id for a in no_shows}
    assert plan.present == 12
    assert plan.meetings_at_risk == 4
    assert plan.partners == 4
    assert all(r >= 2 for risk in plan.absent for r, _ in risk.meetings)


def test_two_no_shows_are_replanned_and_published_as_a_new_version(published) -> None:
    """No-shows' later meetings go, freed partners meet others, round 1 stays, rules hold."""
    event, version, no_shows = published
    before = lines(version)
    absent = {a.id for a in no_shows}
    freed = {(r, p) for a in absent for r in (2, 3) for p in partners(version, a, r)} - {
        (r, a) for a in absent for r in (2, 3)
    }
    report = replan_event(event, 2)
    new = report.version
    db.session.refresh(event)
    assert event.published_version_id == new.id
    assert new.source == "replan" and new.number == version.number + 1
    assert "changed" in new.note and report.dropped >= 4
    assert "changed for present attendees" in report.summary()
    # Past rounds unchanged; no-shows gone from later rounds.
    after = lines(new)
    assert {x for x in after if x[0] == 1} == {x for x in before if x[0] == 1}
    assert not [x for x in after if x[0] >= 2 and absent & {x[2], x[3]}]
    # Freed partners got new meetings in the rounds they lost one.
    for round_, person in freed:
        assert partners(new, person, round_), f"attendee {person} has nobody in round {round_}"
    assert report.added >= 1
    # Every rule holds (against the rules the re-plan was made under); v1 is kept as it was.
    assert versions.check_version(new).ok
    db.session.expire_all()
    assert lines(db.session.get(ScheduleVersion, version.id)) == before


def test_a_crash_leaves_the_published_version_as_it_was(published) -> None:
    """A failure after the new meetings were written rolls everything back."""
    event, version, _ = published
    count = len(event.versions)
    crash = mock.patch.object(replanning, "check_version", side_effect=RuntimeError("disk full"))
    with crash, pytest.raises(ReplanRefused) as refused:
        replan_event(event, 2)
    assert str(refused.value) == replanning.REPLAN_CRASHED  # plain: the exception is logged
    db.session.expire_all()
    event = db.session.get(Event, event.id)
    assert event.published_version_id == version.id
    assert len(event.versions) == count


def test_corrupt_data_is_refused_and_changes_nothing(published) -> None:
    """A meeting naming someone twice (corrupt data) makes the solver refuse: nothing changes."""
    event, version, _ = published
    meeting = version.meetings[0]
    meeting.attendee_b_id = meeting.attendee_a_id
    db.session.commit()
    with pytest.raises(ReplanRefused):
        replan_event(event, 2)
    db.session.expire_all()
    event = db.session.get(Event, event.id)
    assert event.published_version_id == version.id
    assert len(event.versions) == 1


def test_nothing_published_is_refused(event: Event) -> None:
    """No published schedule: nothing to re-plan."""
    with pytest.raises(ReplanRefused, match="no schedule is published"):
        replan_event(event, 2)


def replan_and_confirm(client: FlaskClient, event: Event, from_round: int = 2) -> str:
    """Press "Re-plan", then "Publish" on the confirmation it leads to; the final page."""
    url = f"/organiser/events/{event.slug}/replan"
    answer = post_form(client, url, {"from_round": from_round})
    confirmation = answer.headers["Location"]
    assert confirmation.endswith("/publish"), confirmation
    page = client.get(confirmation).get_data(as_text=True)
    stamp = dict(re.findall(r'name="(revision|published)" value="(\d+)"', page))
    return post_form(client, confirmation, stamp, follow_redirects=True).get_data(as_text=True)


def test_replan_page_and_post(published, login_as) -> None:
    """The page shows who is missing; the POST re-plans as a draft; its confirmation publishes."""
    event, version, no_shows = published
    client: FlaskClient = login_as(event.organiser)
    url = f"/organiser/events/{event.slug}/replan"
    html = client.get(f"{url}?from_round=2").get_data(as_text=True)
    assert "2</strong> not checked in" in html and "Re-plan rounds 2..3" in html
    for person in no_shows:
        assert person.name in html
    response = post_form(client, url, {"from_round": 2}, follow_redirects=True)
    text = response.get_data(as_text=True)
    assert "Re-planned as draft version 2" in text and "changed for present attendees" in text
    assert "Nothing is published yet" in text and "Publish version 2?" in text
    for person in no_shows:  # their meetings from round 2 on are removed, by name
        assert f"<strong>{person.name}</strong>" in text
    db.session.expire_all()
    assert db.session.get(Event, event.id).published_version_id == version.id  # not yet
    text = replan_and_confirm(client, event)  # a second re-plan, then confirmed
    assert "Version 3 is published" in text and "From version 1 to version 3" in text
    db.session.expire_all()
    assert db.session.get(Event, event.id).published_version.source == "replan"


def test_changes_page_lists_old_and_new_meetings_per_attendee(published, login_as) -> None:
    """After a re-plan, the no-shows' lost meetings and the partners' new ones are listed."""
    event, version, no_shows = published
    report = replan_event(event, 2)
    client: FlaskClient = login_as(event.organiser)
    url = f"/organiser/events/{event.slug}/schedule/changes?new={report.version.number}"
    html = client.get(url).get_data(as_text=True)
    assert "From version 1 to version 2" in html
    for person in no_shows:
        assert f"<strong>{person.name}</strong>, round 2" in html
    assert "Now:</span> no meeting" in html
    first = client.get(f"/organiser/events/{event.slug}/schedule/changes?new=1")
    assert "nothing to compare" in first.get_data(as_text=True)
    assert client.get(f"/organiser/events/{event.slug}/schedule/changes?new=9").status_code == 404


def test_replan_emails_only_the_affected_attendees_when_smtp_is_set(
    app, published, login_as
) -> None:
    """With SMTP_HOST set, everyone whose agenda changed gets it by e-mail.

    The no-shows too: someone running late learns their meetings were cancelled.
    """
    event, version, no_shows = published
    client: FlaskClient = login_as(event.organiser)
    with smtp_server() as (mailbox, port):
        app.config.update(
            SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_TLS=False, SMTP_USER=None, SMTP_TIMEOUT=5.0
        )
        text = replan_and_confirm(client, event)
    db.session.expire_all()
    new = db.session.get(Event, event.id).published_version
    absent = {p.email for p in no_shows}
    affected = {c.attendee.email for c in version_changes(version, new)}
    assert absent <= affected and len(affected) < len(event.attendees)
    got = mailbox.by_recipient()
    assert set(got) == affected
    for address, mail in got.items():
        person = next(a for a in event.attendees if a.email == address)
        assert f"/a/{person.token}" in mail.body
    n = len(affected)
    assert f"{n} attendees had meetings changed: {n} told by e-mail, 0 by push." in text


def test_replan_without_smtp_points_to_the_outbox(app, published, login_as) -> None:
    """Without SMTP_HOST nothing is sent; the flash says where the updated agendas are."""
    event, _, _ = published
    app.config["SMTP_HOST"] = None
    client: FlaskClient = login_as(event.organiser)
    text = replan_and_confirm(client, event)
    assert "e-mail is not configured (SMTP_HOST)" in text and "Send agenda links" in text
    assert "could not be told: " in text
    assert db.session.scalar(db.select(db.func.count()).select_from(OutboxMessage)) == 0
