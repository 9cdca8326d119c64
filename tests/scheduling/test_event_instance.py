"""The solver instance of an event is built once per request and never outlives a change."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import Attendee, Event
from app.services.attendees.requests import set_request
from app.services.scheduling import builds
from app.services.scheduling import instance as instances
from app.services.scheduling.versions import check_version
from tests.conftest import post_form


@pytest.fixture
def builds_counted(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every build of an instance from now on appends the event's id here."""
    counted: list[int] = []
    real = instances.event_instance

    def counting(event: Event, with_requests: bool = True) -> instances.EventInstance:
        counted.append(event.id)
        return real(event, with_requests)

    monkeypatch.setattr(instances, "event_instance", counting)
    return counted


def test_a_hand_edit_builds_the_event_instance_once(login_as, event, builds_counted) -> None:
    """A swap scores the moved meetings and checks the schedule twice: one build for all."""
    job = builds.run_build(builds.create_build_job(event, time_limit=2).id)
    assert job.status == "done", job.error
    first = [m for m in job.version.meetings if m.round == 1]
    x, y = first[0].attendee_a_id, first[1].attendee_a_id
    client = login_as(event.organiser)
    builds_counted.clear()
    answer = post_form(
        client, f"/organiser/events/{event.slug}/schedule/swap", {"x": x, "y": y, "round": 1}
    )
    assert answer.status_code == 302
    assert builds_counted == [event.id]


def test_checks_in_one_session_share_one_build(event, builds_counted) -> None:
    """Checking the same unchanged version again reuses the instance and its scorer."""
    job = builds.run_build(builds.create_build_job(event, time_limit=2).id)
    builds_counted.clear()
    assert check_version(job.version).ok
    assert check_version(job.version).ok
    assert builds_counted == [event.id]


def test_the_instance_follows_an_attendee_change_in_the_same_session(event) -> None:
    """Two colleagues may not meet; once one changes company, the cached instance knows it."""
    ann, bob = sorted(event.attendees, key=lambda a: a.id)[:2]  # p0 and p1 work for Company 0
    before = instances.instance_for(event)
    i, j = before.position[ann.id], before.position[bob.id]
    assert not before.scorer.may_meet(i, j)
    bob.company = "Another Company"
    db.session.commit()
    after = instances.instance_for(event)
    assert after is not before and after.scorer.may_meet(i, j)
    assert instances.instance_for(event) is after


def test_the_instance_follows_a_change_not_yet_committed(event) -> None:
    """A pending change of this session counts too (it is flushed before the check)."""
    ann, bob = sorted(event.attendees, key=lambda a: a.id)[:2]
    before = instances.instance_for(event)
    bob.company = "Another Company"
    after = instances.instance_for(event)
    assert after.scorer.may_meet(after.position[ann.id], after.position[bob.id])
    db.session.rollback()
    again = instances.instance_for(event)
    assert not again.scorer.may_meet(again.position[ann.id], again.position[bob.id])
    assert before is not again


def test_the_instance_follows_requests_and_new_attendees(event, make_attendee) -> None:
    """An avoid request and a new attendee each make the next call build anew."""
    people = sorted(event.attendees, key=lambda a: a.id)
    first = instances.instance_for(event)
    a, b = people[4], people[5]
    assert first.scorer.may_meet(first.position[a.id], first.position[b.id])
    set_request(a, b, "avoid")
    avoided = instances.instance_for(event)
    assert not avoided.scorer.may_meet(avoided.position[a.id], avoided.position[b.id])
    newcomer: Attendee = make_attendee(event, "new@elsewhere.io", company="Elsewhere")
    grown = instances.instance_for(event)
    assert newcomer.id in grown.position and len(grown.attendees) == len(people) + 1
