"""Agreed meetings in the app: the organiser's upload, all or nothing, and the build placing
them (only them, or first and then proposals)."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import AgreedMeeting
from app.services.scheduling import builds
from app.services.scheduling.agreed import agreed_count, set_mode, upload_agreed
from app.services.scheduling.stats import schedule_stats
from solver.rules import count_breaks


@pytest.fixture
def forum(make_event, make_attendee):
    event = make_event(rounds=6, tables=4, name="Agreed Forum")
    people = [
        make_attendee(
            event, f"p{i}@x.io", company=f"Co {i}", available_rounds="1-3" if i == 5 else ""
        )
        for i in range(1, 9)
    ]
    make_attendee(event, "colleague@x.io", company="Co 1")
    return event, people


def csv(*rows: str) -> bytes:
    return ("email_a,email_b,rounds,round\n" + "\n".join(rows) + "\n").encode()


def test_an_upload_is_stored_whole(forum) -> None:
    event, _ = forum
    done = upload_agreed(
        event, csv("p1@x.io,p2@x.io,,", "p1@x.io,p3@x.io,1-3,", "p2@x.io,p4@x.io,,2"), "m.csv"
    )
    assert done.problems == [] and done.stored == 3
    rows = db.session.query(AgreedMeeting).order_by(AgreedMeeting.row).all()
    assert [(r.rounds, r.round, r.row) for r in rows] == [
        ("", None, 2),
        ("1-3", None, 3),
        ("", 2, 4),
    ]


def test_a_bad_upload_names_each_problem_and_changes_nothing(forum) -> None:
    event, _ = forum
    assert upload_agreed(event, csv("p1@x.io,p2@x.io,,"), "m.csv").stored == 1
    refused = upload_agreed(
        event,
        csv(
            "p1@x.io,p3@x.io,,",
            "p1@x.io,colleague@x.io,,",
            "p2@x.io,nobody@x.io,,",
            "p3@x.io,p4@x.io,9,",
        ),
        "m.csv",
    )
    assert refused.stored == 0
    assert [str(p) for p in refused.problems] == [
        "row 3, column 'email_b', value 'colleague@x.io': works for Co 1, as p1@x.io does: "
        "colleagues never meet at the event",
        "row 4, column 'email_b', value 'nobody@x.io': this e-mail is not in the attendees file",
        "row 5, column 'rounds', value '9': this event has 6 rounds (beyond it: 9)",
    ]
    assert agreed_count(event) == 1, "the earlier upload is still there"


def test_the_build_places_only_the_agreed_meetings_compactly(forum) -> None:
    event, people = forum
    upload_agreed(
        event,
        csv(
            "p1@x.io,p2@x.io,,",
            "p1@x.io,p3@x.io,,",
            "p1@x.io,p4@x.io,,",
            "p5@x.io,p1@x.io,,",
            "p2@x.io,p3@x.io,,4",
        ),
        "m.csv",
    )
    set_mode(event, "agreed")
    job = builds.start_build(event, time_limit=5)
    assert job.status == "done", job.error
    version = job.version
    email = {a.id: a.email for a in people}
    pairs = {
        frozenset((email[m.attendee_a_id], email[m.attendee_b_id])): m.round
        for m in version.meetings
    }
    assert set(pairs) == {
        frozenset(p)
        for p in [("p1@x.io", "p2@x.io"), ("p1@x.io", "p3@x.io"), ("p1@x.io", "p4@x.io"),
                  ("p1@x.io", "p5@x.io"), ("p2@x.io", "p3@x.io")]
    }  # fmt: skip
    assert pairs[frozenset(("p2@x.io", "p3@x.io"))] == 4
    assert pairs[frozenset(("p1@x.io", "p5@x.io"))] in (1, 2, 3)
    p1 = [r for p, r in pairs.items() if "p1@x.io" in p]
    assert count_breaks(p1) == 0, f"p1's four meetings in a row: {sorted(p1)}"
    assert "5 agreed meetings placed" in version.note
    # The review counts them, and the breaks of everyone, from the stored version.
    stats = schedule_stats(event, version, people)
    assert (stats.agreed_placed, stats.agreed) == (5, 5)
    gaps = {}
    for m in version.meetings:
        for p in (m.attendee_a_id, m.attendee_b_id):
            gaps.setdefault(p, []).append(m.round)
    assert stats.breaks == sum(count_breaks(r) for r in gaps.values())
    assert sum(n for _, n in stats.breaks_histogram) == len(gaps)


def test_both_places_the_agreed_meetings_and_proposes_more(forum) -> None:
    event, people = forum
    upload_agreed(event, csv("p1@x.io,p2@x.io,,3"), "m.csv")
    event.min_meetings = 2  # nobody has offers or seeks: proposals come from the minimum
    set_mode(event, "both")
    job = builds.start_build(event, time_limit=6)
    assert job.status == "done", job.error
    meetings = job.version.meetings
    agreed = [
        m for m in meetings if {m.attendee_a_id, m.attendee_b_id} == {people[0].id, people[1].id}
    ]
    assert [m.round for m in agreed] == [3]
    met: dict[int, int] = {}
    for m in meetings:
        for person in (m.attendee_a_id, m.attendee_b_id):
            met[person] = met.get(person, 0) + 1
    assert all(met.get(p.id, 0) >= 2 for p in people), "proposals fill the free rounds"


def test_meetings_that_cannot_be_placed_fail_the_build_with_the_reason(forum) -> None:
    event, _ = forum
    rows = [f"p5@x.io,p{i}@x.io,," for i in (1, 2, 3, 4)]  # p5 attends rounds 1-3 only
    upload_agreed(event, csv(*rows), "m.csv")
    set_mode(event, "agreed")
    job = builds.start_build(event, time_limit=5)
    assert job.status == "failed"
    assert "p5@x.io has 4 agreed meetings but attends 3 rounds" in job.error
    assert event.latest_version() is None


def test_proposes_ignores_the_agreed_meetings(forum) -> None:
    event, _ = forum
    upload_agreed(event, csv("p1@x.io,p2@x.io,,3"), "m.csv")
    job = builds.start_build(event, time_limit=3)
    assert job.status == "done"
    assert "agreed" not in job.version.note
