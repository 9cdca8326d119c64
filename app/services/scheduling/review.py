"""What the schedule review page shows: the round-by-table grid, one attendee's rounds, filters."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from app.models import Attendee, Event, Meeting, ScheduleVersion
from app.services.scheduling.instance import EventInstance, instance_for
from app.services.scheduling.legal import Legality
from app.services.scheduling.stats import ScheduleStats, schedule_stats

GRID_LIMIT = 600  # meetings shown at once before the grid asks for one round at a time
SUGGESTIONS = 25  # partners offered when adding a meeting by hand


@dataclass
class Slot:
    """One round of one attendee: their meeting, or the best partners free then."""

    round: int
    meeting: Meeting | None
    other: Attendee | None = None
    suggestions: list[tuple[Attendee, float]] = field(default_factory=list)
    swaps: list[Attendee] = field(default_factory=list)  # people ``attendee`` may swap with
    removable: bool = False  # removing the meeting keeps every rule
    why_not: str | None = None  # a free round with nobody to add: why


@dataclass(frozen=True)
class ReviewFilters:
    """What the review page is narrowed to, as parsed from its query string by the view."""

    region: str = ""
    kind: str = ""
    company: str = ""  # part of a company name, any case
    round: int | None = None  # one round of the grid; None for all (or the first of a big one)
    attendee: int | None = None  # whose rounds to show with edit options


@dataclass
class RoundView:
    """One round of the grid: its times, its meetings (by table) that pass the filters."""

    round: int
    starts: datetime  # in the event's zone
    ends: datetime
    meetings: list[tuple[str, Meeting]]  # (table label, meeting), by table
    total: int  # meetings in the round, filtered or not
    free_tables: int


@dataclass
class Review:
    """Everything the review page needs for one version."""

    stats: ScheduleStats
    people: dict[int, Attendee]
    regions: list[str]
    kinds: list[str]
    companies: list[str]
    rounds: list[int]  # rounds shown in the grid
    grid: list[RoundView]  # the rounds shown, each with its meetings that pass the filters
    matching: set[int]  # ids of meetings that pass the filters
    removable: set[int] = field(default_factory=set)  # ids of shown meetings "Remove" may drop
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
    legal = Legality(version, built)
    times = event.round_times()
    grid = []
    for r in rounds:
        held = sorted((m for m in version.meetings if m.round == r), key=lambda m: m.table)
        shown = [(event.table_label(m.table), m) for m in held if m.id in matching]
        grid.append(RoundView(r, *times[r - 1], shown, len(held), len(legal.free_tables(r))))
    review = Review(
        stats=stats,
        people=people,
        regions=sorted({a.region for a in built.attendees}),
        kinds=sorted({a.kind for a in built.attendees}),
        companies=sorted({a.company for a in built.attendees}),
        rounds=rounds,
        grid=grid,
        matching=matching,
        removable={
            m.id for view in grid for _, m in view.meetings if legal.remove_refusal(m) is None
        },
    )
    attendee_id = filters.attendee
    if attendee_id is not None and attendee_id in people:
        review.attendee = people[attendee_id]
        review.slots = _slots(event, built, legal, review.attendee)
    return review


def _slots(event: Event, built: EventInstance, legal: Legality, attendee: Attendee) -> list[Slot]:
    """The attendee's rounds: each meeting with the swaps allowed, or the partners to add."""
    scorer = built.scorer
    scores = scorer.block(np.array([built.position[attendee.id]]))[0]
    slots = []
    for r in range(1, event.rounds + 1):
        meeting = legal.busy.get((r, attendee.id))
        if meeting is not None:
            other = legal.person(legal.partner(meeting, attendee.id))
            slots.append(
                Slot(
                    r,
                    meeting,
                    other,
                    swaps=legal.swaps(r, attendee.id),
                    removable=legal.remove_refusal(meeting) is None,
                )
            )
            continue
        free = [
            (a, float(scores[built.position[a.id]])) for a in legal.partners_to_add(attendee.id, r)
        ]
        free.sort(key=lambda item: -item[1])
        why = None
        if not legal.free_tables(r):
            why = f"Round {r} has no free table."
        elif not legal.available(attendee.id, r):
            why = f"{attendee.name} does not attend round {r}."
        elif not free:
            why = "Nobody who may meet them is free in this round."
        slots.append(Slot(r, None, suggestions=free[:SUGGESTIONS], why_not=why))
    return slots
