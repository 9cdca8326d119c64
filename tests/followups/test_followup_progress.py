"""The organiser's follow-up progress: response rates per round and overall, meetings not held."""

from __future__ import annotations

from datetime import datetime

import pytest

from app.extensions import db
from app.models import Attendee, Event, FollowUp, Meeting
from app.services.followups.progress import followup_progress


@pytest.fixture
def meetings(event: Event, make_version) -> list[Meeting]:
    """Published: 3 meetings in round 1, 2 in round 2, 2 in round 3 (09:00, 09:15, 09:30)."""
    p = sorted(event.attendees, key=lambda a: a.id)
    version = make_version(
        event,
        [
            (1, 1, p[0], p[4]), (1, 2, p[2], p[5]), (1, 3, p[6], p[7]),
            (2, 1, p[0], p[6]), (2, 2, p[4], p[8]),
            (3, 1, p[1], p[9]), (3, 2, p[2], p[7]),
        ],
        published=True,
    )  # fmt: skip
    return version.meetings


def answer(event: Event, who: Attendee, other: Attendee, round_: int, held: str = "yes") -> None:
    """One follow-up, as the attendee pages store it."""
    db.session.add(
        FollowUp(
            event_id=event.id,
            attendee_id=who.id,
            other_id=other.id,
            round=round_,
            held=held,
            rating=4 if held == "yes" else None,
        )
    )
    db.session.commit()


@pytest.fixture
def answers(event: Event, meetings: list[Meeting]) -> None:
    """Round 1: 4 of 6 answers (one meeting not held, both say so); round 2: 1 of 4, saying
    the other did not come; one answer about a pair not in the schedule."""
    p = sorted(event.attendees, key=lambda a: a.id)
    answer(event, p[0], p[4], 1)
    answer(event, p[4], p[0], 1)
    answer(event, p[6], p[7], 1, "they_no_show")
    answer(event, p[7], p[6], 1, "i_no_show")
    answer(event, p[0], p[6], 2, "they_no_show")
    answer(event, p[10], p[11], 1)  # not a meeting of the published schedule


def test_rates_count_only_rounds_that_have_ended(event, answers) -> None:
    progress = followup_progress(event, now=datetime(2030, 3, 4, 9, 27))  # round 2 ended 09:25
    r1, r2, r3 = progress.rounds
    assert (r1.meetings, r1.answers, r1.expected, r1.rate) == (3, 4, 6, pytest.approx(4 / 6))
    assert (r2.meetings, r2.answers, r2.expected, r2.rate) == (2, 1, 4, 0.25)
    assert (r3.ended, r3.expected, r3.rate) == (False, 0, None)
    assert (progress.answers, progress.expected, progress.rate) == (5, 10, 0.5)
    assert progress.stale_answers == 1
    assert [label for label, _ in progress.rate_bars] == ["Round 1", "Round 2", "Overall"]
    assert [round(v, 1) for _, v in progress.rate_bars] == [66.7, 25.0, 50.0]


def test_meetings_reported_not_held_list_who_said_what(event, answers) -> None:
    progress = followup_progress(event, now=datetime(2030, 3, 4, 9, 27))
    assert [(m.round, m.table, m.a.name, m.b.name) for m in progress.not_held] == [
        (1, "Table 3", "Person6 Example", "Person7 Example"),
        (2, "Table 1", "Person0 Example", "Person6 Example"),
    ]
    first, second = progress.not_held
    assert [(r.attendee.name, r.words) for r in first.reports] == [
        ("Person6 Example", "the other person did not come"),
        ("Person7 Example", "did not come"),
    ]
    assert [(r.attendee.name, r.held) for r in second.reports] == [
        ("Person0 Example", "they_no_show")
    ]
    assert [r.not_held for r in progress.rounds] == [1, 1, 0]


def test_before_the_first_round_ends_nothing_is_due(event, meetings) -> None:
    progress = followup_progress(event, now=datetime(2030, 3, 4, 9, 5))
    assert progress.rate is None and progress.expected == 0 and progress.rate_bars == []


def test_a_closed_event_counts_every_round(event, answers) -> None:
    event.closed_at = datetime(2030, 3, 4, 8, 0)
    db.session.commit()
    progress = followup_progress(event, now=datetime(2030, 3, 4, 8, 0))
    assert (progress.answers, progress.expected) == (5, 14)


def test_the_page_shows_rates_chart_and_not_held(event, answers, login_as) -> None:
    event.starts_at = datetime(2020, 3, 4, 9, 0)  # long over: every round has ended
    db.session.commit()
    page = login_as(event.organiser).get(f"/organiser/events/{event.slug}/followups")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "36%" in html and "5 of 14" in html  # 5 answers for 7 meetings
    assert '<svg class="bars"' in html and "Overall: 35.7%" in html
    assert "Person7 Example: did not come" in html
    assert "Person6 Example: the other person did not come" in html
    assert "1 answer about meetings no longer in the published schedule is not counted" in html


def test_the_page_before_publication(event, login_as) -> None:
    html = login_as(event.organiser).get(f"/organiser/events/{event.slug}/followups")
    assert "No schedule is published yet" in html.get_data(as_text=True)
