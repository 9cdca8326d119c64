"""What the schedule review page shows: the round-by-table grid, one attendee's rounds, filters."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from app.models import Attendee, Event, Meeting, ScheduleVersion
from app.services.scheduling.instance import EventInstance, instance_for
from app.services.scheduling.stats import ScheduleStats, schedule_stats
from solver.score import Scorer

GRID_LIMIT = 600  # meetings shown at once before the grid asks for one round at a time
SUGGESTIONS = 25  # partners offered when adding a meeting by hand


@dataclass
class Slot:
    """One round of one attendee: their meeting, or the best partners free then."""

    round: int
    meeting: Meeting | None
    other: Attendee | None = None
    suggestions: list[tuple[Attendee, float]] = field(default_factory=list)
    swaps: list[Attendee] = field(default_factory=list)  # people meeting someone this round


@dataclass(frozen=True)
class ReviewFilters:
    """What the review page is narrowed to, as parsed from its query string by the view."""

    region: str = ""
    kind: str = ""
    company: str = ""  # part of a company name, any case
    round: int | None = None  # one round of the grid; None for all (or the first of a big one)
    attendee: int | None = None  # whose rounds to show with edit options


@dataclass
class Review:
    """Everything the review page needs for one version."""

    stats: ScheduleStats
    people: dict[int, Attendee]
    regions: list[str]
    kinds: list[str]
    companies: list[str]
    rounds: list[int]  # rounds shown in the grid
    grid: list[tuple[int, str, list[Meeting | None]]]  # (table, label, meeting per round)
    matching: set[int]  # ids of meetings that pass the filters
    attendee: Attendee | None = None
    slots: list[Slot] = field(default_factory=list)


def schedule_review(event: Event, version: ScheduleVersion, filters: ReviewFilters) -> Review:
    """Build the review of ``version``, filtered by region, kind and company."""
    built = instance_for(event)
    people = {a.id: a for a in built.attendees}
    stats = schedule_stats(event, version, built.attendees)
    region, kind = filters.region, filters.kind
    company = filters.company.strip().lower()

    def passes(a: Attendee) -> bool:
        return (
            (not region or a.region == region)
            and (not kind or a.kind == kind)
            and (not company or company in a.company.lower())
        )

    matching = {
        m.id
        for m in version.meetings
        if passes(people[m.attendee_a_id]) or passes(people[m.attendee_b_id])
    }
    chosen_round = filters.round
    if chosen_round and 1 <= chosen_round <= event.rounds:
        rounds = [chosen_round]
    elif len(version.meetings) > GRID_LIMIT:
        rounds = [1]
    else:
        rounds = list(range(1, event.rounds + 1))
    cells: dict[tuple[int, int], Meeting] = {(m.table, m.round): m for m in version.meetings}
    used_tables = sorted({m.table for m in version.meetings if m.round in rounds})
    grid = [
        (t, event.table_label(t), [cells.get((t, r)) for r in rounds])
        for t in used_tables
        if any(cells.get((t, r)) and cells[(t, r)].id in matching for r in rounds)
    ]
    review = Review(
        stats=stats,
        people=people,
        regions=sorted({a.region for a in built.attendees}),
        kinds=sorted({a.kind for a in built.attendees}),
        companies=sorted({a.company for a in built.attendees}),
        rounds=rounds,
        grid=grid,
        matching=matching,
    )
    attendee_id = filters.attendee
    if attendee_id is not None and attendee_id in people:
        review.attendee = people[attendee_id]
        review.slots = _slots(event, version, built, review.attendee)
    return review


def _slots(
    event: Event, version: ScheduleVersion, built: EventInstance, attendee: Attendee
) -> list[Slot]:
    """The attendee's rounds: each meeting with swap options, or partners free to meet."""
    scorer = built.scorer
    me = built.position[attendee.id]
    scores = scorer.block(np.array([me]))[0]
    allowed = scorer.allowed(np.array([me]))[0]
    busy: dict[tuple[int, int], Meeting] = {}
    met: set[int] = set()
    pairs_met = {frozenset((m.attendee_a_id, m.attendee_b_id)) for m in version.meetings}
    for m in version.meetings:
        busy[(m.round, m.attendee_a_id)] = m
        busy[(m.round, m.attendee_b_id)] = m
        if attendee.id in (m.attendee_a_id, m.attendee_b_id):
            met.update((m.attendee_a_id, m.attendee_b_id))
    slots = []
    for r in range(1, event.rounds + 1):
        meeting = busy.get((r, attendee.id))
        if meeting is not None:
            other_id = (
                meeting.attendee_b_id
                if meeting.attendee_a_id == attendee.id
                else meeting.attendee_a_id
            )
            swaps = _allowed_swaps(built, scorer, busy, pairs_met, attendee, other_id, r)
            slots.append(Slot(r, meeting, built.attendees[built.position[other_id]], swaps=swaps))
            continue
        free = [
            (a, float(scores[i]))
            for i, a in enumerate(built.attendees)
            if allowed[i]
            and a.id not in met
            and (r, a.id) not in busy
            and scorer.available[i, r - 1]
            and scorer.available[me, r - 1]
        ]
        free.sort(key=lambda item: -item[1])
        slots.append(Slot(r, None, suggestions=free[:SUGGESTIONS]))
    return slots


def _allowed_swaps(
    built: EventInstance,
    scorer: Scorer,
    busy: dict[tuple[int, int], Meeting],
    pairs_met: set[frozenset[int]],
    me: Attendee,
    partner_id: int,
    round_: int,
) -> list[Attendee]:
    """People ``me`` may trade places with in ``round_``: both new pairs keep the pair rules.

    A swap gives ``me`` the other's partner and the other ``me``'s partner; each new pair must
    be allowed (other company, no avoid) and not already meeting in another round. Minimums
    cannot change (everyone keeps one meeting); must-meet is re-checked when it is submitted.
    """
    pos = built.position
    out = []
    for other in built.attendees:
        meeting = busy.get((round_, other.id))
        if meeting is None or other.id in (me.id, partner_id):
            continue
        their_partner = (
            meeting.attendee_b_id if meeting.attendee_a_id == other.id else meeting.attendee_a_id
        )
        new_pairs = ((me.id, their_partner), (other.id, partner_id))
        if all(
            scorer.may_meet(pos[a], pos[b]) and frozenset((a, b)) not in pairs_met
            for a, b in new_pairs
        ):
            out.append(other)
    return out
