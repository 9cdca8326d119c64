"""Figures an organiser reviews before publishing: fairness, mix, guarantees, quality."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import select

from app.extensions import db
from app.models import AgreedMeeting, Attendee, Event, MeetingRequest, ScheduleVersion
from solver.rules import count_breaks


@dataclass
class ScheduleStats:
    """What the review page shows about one schedule version."""

    meetings: int = 0
    attendees: int = 0
    per_attendee_min: int = 0
    per_attendee_mean: float = 0.0
    per_attendee_max: int = 0
    without_meeting: int = 0
    p2p: int = 0
    p2v: int = 0
    other: int = 0  # vendors and distributors among themselves
    sponsors_guaranteed: int = 0  # tier vendors with a guarantee
    sponsors_met: int = 0  # ... who got at least their guarantee
    sponsors_short: list[str] = field(default_factory=list)
    must_requests: int = 0  # pairs in the organiser's must_meet column
    must_honoured: int = 0
    requests_must: int = 0  # attendees' own "must meet" requests from their phones
    requests_must_honoured: int = 0
    objective: float = 0.0
    bound: float | None = None
    gap: float | None = None
    baseline: float | None = None
    per_round: list[int] = field(default_factory=list)
    histogram: list[tuple[int, int]] = field(default_factory=list)  # (meetings, people)
    # Breaks: gaps between a person's consecutive meetings (FORMATS.md section 6).
    breaks: int = 0
    breaks_histogram: list[tuple[int, int]] = field(default_factory=list)  # (breaks, people)
    breaks_most: int = 0  # the most breaks one person has
    breaks_spread: int = 0  # most breaks less fewest, among people with meetings
    agreed: int = 0  # agreed meetings of the event
    agreed_placed: int = 0  # ... in this version

    @property
    def histogram_bars(self) -> list[tuple[str, float]]:
        """The histogram as chart bars: ("3 meetings", people)."""
        return [(f"{k} meeting{'s' if k != 1 else ''}", float(v)) for k, v in self.histogram]

    @property
    def breaks_bars(self) -> list[tuple[str, float]]:
        """The breaks histogram as chart bars: ("1 break", people)."""
        return [(f"{k} break{'s' if k != 1 else ''}", float(v)) for k, v in self.breaks_histogram]

    @property
    def vs_baseline(self) -> float | None:
        """How many times the round-robin baseline's total score this schedule reaches."""
        if not self.baseline:
            return None
        return self.objective / self.baseline


def schedule_stats(event: Event, version: ScheduleVersion, people: list[Attendee]) -> ScheduleStats:
    """Compute the review figures of ``version`` for the event's attendees."""
    stats = ScheduleStats(meetings=len(version.meetings), attendees=len(people))
    by_id = {a.id: a for a in people}
    count: Counter[int] = Counter()
    met: set[frozenset[int]] = set()
    per_round: Counter[int] = Counter()
    for m in version.meetings:
        count[m.attendee_a_id] += 1
        count[m.attendee_b_id] += 1
        met.add(frozenset((m.attendee_a_id, m.attendee_b_id)))
        per_round[m.round] += 1
        kinds = {by_id[m.attendee_a_id].kind, by_id[m.attendee_b_id].kind}
        if kinds == {"partner"}:
            stats.p2p += 1
        elif "partner" in kinds:
            stats.p2v += 1
        else:
            stats.other += 1
    rounds_of: dict[int, list[int]] = {}
    for m in version.meetings:
        rounds_of.setdefault(m.attendee_a_id, []).append(m.round)
        rounds_of.setdefault(m.attendee_b_id, []).append(m.round)
    gaps = [count_breaks(rounds) for rounds in rounds_of.values()]
    if gaps:
        stats.breaks = sum(gaps)
        stats.breaks_histogram = sorted(Counter(gaps).items())
        stats.breaks_most = max(gaps)
        stats.breaks_spread = max(gaps) - min(gaps)
    agreed = {
        frozenset(pair)
        for pair in db.session.execute(
            select(AgreedMeeting.first_id, AgreedMeeting.second_id).where(
                AgreedMeeting.event_id == event.id
            )
        )
    }
    stats.agreed = len(agreed)
    counts = [count[a.id] for a in people]
    if counts:
        stats.per_attendee_min = min(counts)
        stats.per_attendee_max = max(counts)
        stats.per_attendee_mean = sum(counts) / len(counts)
        stats.without_meeting = counts.count(0)
        stats.histogram = sorted(Counter(counts).items())
    stats.per_round = [per_round[r] for r in range(1, event.rounds + 1)]
    minimums = event.tier_minimums or {}
    for a in people:
        need = int(minimums.get(a.tier or "", 0) or 0)
        if a.kind != "partner" and need:
            stats.sponsors_guaranteed += 1
            if count[a.id] >= min(need, event.rounds):
                stats.sponsors_met += 1
            else:
                stats.sponsors_short.append(a.name)
    by_email = {a.email: a.id for a in people}
    requests = {
        frozenset((a.id, by_email[e])) for a in people for e in a.must_meet if e in by_email
    }
    stats.must_requests = len(requests)
    stats.must_honoured = len(requests & met)
    stats.agreed_placed = len(agreed & met)
    asked = db.session.execute(
        select(MeetingRequest.attendee_id, MeetingRequest.other_id).where(
            MeetingRequest.event_id == event.id, MeetingRequest.kind == "must"
        )
    ).all()
    stats.requests_must = len(asked)
    stats.requests_must_honoured = sum(1 for a, b in asked if frozenset((a, b)) in met)
    stats.objective = sum(m.score for m in version.meetings)
    stats.bound = version.bound
    stats.gap = version.gap
    stats.baseline = version.baseline_objective
    return stats
