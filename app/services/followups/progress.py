"""How follow-ups are coming in, for the organiser: response rates and meetings not held.

A round's meetings count as held so far once the round has ended (follow-ups open at its end)
or the event is closed; each such meeting of the published version expects two answers, one per
side. The response rate is answers / (2 x meetings held so far), per round and overall. An
answer saying the meeting did not happen is still an answer; those meetings are also listed as
reported not held, with every report about them. Answers about pairs that are no longer in the
published schedule (after a re-plan) are counted apart and left out of the rates.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Attendee, Event, FollowUp, Meeting
from app.services.events.clock import to_utc
from app.services.followups.closing import is_closed

NOT_HELD = ("they_no_show", "i_no_show")
HELD_WORDS = {
    "yes": "met",
    "they_no_show": "the other person did not come",
    "i_no_show": "did not come",
}


@dataclass
class RoundProgress:
    """One round: its meetings, the answers about them, and whether answers are due yet."""

    round: int
    start: datetime
    end: datetime
    ended: bool
    meetings: int = 0
    answers: int = 0
    not_held: int = 0  # meetings with at least one "did not happen" report

    @property
    def expected(self) -> int:
        """Answers due: two per meeting once the round has ended, none before."""
        return 2 * self.meetings if self.ended else 0

    @property
    def rate(self) -> float | None:
        """answers / expected, or None while nothing is due."""
        return self.answers / self.expected if self.expected else None


@dataclass
class Report:
    """What one side said about a meeting."""

    attendee: Attendee
    held: str

    @property
    def words(self) -> str:
        """The answer in plain words, e.g. "the other person did not come"."""
        return HELD_WORDS.get(self.held, self.held)


@dataclass
class NotHeld:
    """A meeting at least one side reported as not held, with both sides' reports."""

    round: int
    table: str
    a: Attendee
    b: Attendee
    reports: list[Report] = field(default_factory=list)


@dataclass
class FollowUpProgress:
    """The follow-up page: rates per round and overall, and meetings reported not held."""

    published: bool
    rounds: list[RoundProgress] = field(default_factory=list)
    not_held: list[NotHeld] = field(default_factory=list)
    stale_answers: int = 0  # about pairs no longer in the published schedule

    @property
    def answers(self) -> int:
        """Answers about meetings of the rounds that have ended."""
        return sum(r.answers for r in self.rounds if r.ended)

    @property
    def expected(self) -> int:
        """Two answers per meeting held so far."""
        return sum(r.expected for r in self.rounds)

    @property
    def rate(self) -> float | None:
        """The overall response rate, or None before the first round ends."""
        return self.answers / self.expected if self.expected else None

    @property
    def rate_bars(self) -> list[tuple[str, float]]:
        """Response rate in percent per ended round, then overall, for the bar chart."""
        bars = [(f"Round {r.round}", 100 * (r.rate or 0.0)) for r in self.rounds if r.ended]
        if self.rate is not None:
            bars.append(("Overall", 100 * self.rate))
        return bars


def event_now(event: Event) -> datetime:
    """Now as a naive local time in the event's time zone, like ``Event.starts_at``."""
    return datetime.now(ZoneInfo(event.timezone)).replace(tzinfo=None)


def followup_progress(event: Event, now: datetime | None = None) -> FollowUpProgress:
    """Count answers against the published schedule's meetings held so far.

    Args:
        now: naive local time in the event's time zone (default: the real now there).
    """
    now = event_now(event) if now is None else now
    progress = FollowUpProgress(published=event.published_version_id is not None)
    closed = is_closed(event, to_utc(event, now))
    progress.rounds = [
        RoundProgress(number, start, end, ended=closed or end <= now)
        for number, (start, end) in enumerate(event.round_times(), start=1)
    ]
    if not progress.published:
        return progress
    meetings = db.session.scalars(
        select(Meeting)
        .where(Meeting.version_id == event.published_version_id)
        .options(selectinload(Meeting.attendee_a), selectinload(Meeting.attendee_b))
        .order_by(Meeting.round, Meeting.table)
    ).all()
    by_pair = {(m.round, frozenset((m.attendee_a_id, m.attendee_b_id))): m for m in meetings}
    rounds = {r.round: r for r in progress.rounds}
    for m in meetings:
        if m.round in rounds:
            rounds[m.round].meetings += 1

    reports: dict[int, list[FollowUp]] = defaultdict(list)  # meeting id -> its answers
    answers = db.session.scalars(
        select(FollowUp)
        .where(FollowUp.event_id == event.id)
        .options(selectinload(FollowUp.attendee))
        .order_by(FollowUp.id)
    )
    for answer in answers:
        meeting = by_pair.get((answer.round, frozenset((answer.attendee_id, answer.other_id))))
        if meeting is None or answer.round not in rounds:
            progress.stale_answers += 1
            continue
        rounds[answer.round].answers += 1
        reports[meeting.id].append(answer)

    for m in meetings:
        said = reports.get(m.id, [])
        if not any(a.held in NOT_HELD for a in said):
            continue
        if m.round in rounds:
            rounds[m.round].not_held += 1
        progress.not_held.append(
            NotHeld(
                round=m.round,
                table=event.table_label(m.table),
                a=m.attendee_a,
                b=m.attendee_b,
                reports=[Report(a.attendee, a.held) for a in said],
            )
        )
    return progress
