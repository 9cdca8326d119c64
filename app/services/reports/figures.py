"""Sponsor and event reports: loyalty and ROI figures from every meeting that took place.

A sponsor's report counts its own people's meetings beside the whole event's; the organiser's
compares sponsor meetings with partner-to-partner ones. What each figure counts is defined in
``measures.py``; every figure keeps the ids of the FollowUp rows behind it (``traces.py``).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from sqlalchemy import select

from app.extensions import db
from app.models import Attendee, Event
from app.services.followups.closing import Collection, collection
from app.services.reports.anonymity import hidden_reps, min_answers, withhold
from app.services.reports.collector import collector_paused
from app.services.reports.loyalty import Loyalty, sponsor_loyalty
from app.services.reports.measures import Measures, both_sides, measure
from app.services.reports.rows import (
    Answer,
    Answers,
    Person,
    PlannedMeeting,
    Side,
    people_by_id,
    published_rows,
)

SPONSOR_KINDS = ("vendor", "distributor")
# The event report's groups, as its page and PDF name them: (EventReport attribute, name).
EVENT_GROUPS = (
    ("sponsors", "Sponsor meetings"),
    ("rating_partners", "Sponsors rating partners"),
    ("p2p", "Partner-to-partner"),
    ("overall", "All meetings"),
)
GROUPS_NOTE = (
    "Both sides of a meeting answer, and each answer is counted in one group. Sponsor meetings: "
    "what partners said about the sponsor they met, and the sponsor's own next steps and "
    "pipeline (a meeting of two sponsors counts both sides here). Sponsors rating partners: the "
    "other side of the same meetings, what the sponsor's people said about the partner and the "
    "partner's own next steps and pipeline; its meetings are counted under Sponsor meetings, so "
    "it shows no meeting counts. Sponsor meetings + Sponsors rating partners + Partner-to-partner "
    "= All meetings, for every count."
)


@dataclass
class RepReport:
    """One of the sponsor's people and the figures for their meetings."""

    attendee: Person
    measures: Measures


@dataclass
class SponsorReport:
    """A sponsor company's figures, its reps' and the event's for comparison."""

    event: Event
    company: str
    people: list[Person]
    measures: Measures
    reps: list[RepReport]
    event_measures: Measures  # every meeting of the event, both sides asked
    answers: list[Answer]  # every answer about this sponsor's meetings (for the exports)
    collection: Collection  # final, or still collecting answers until the follow-ups close
    loyalty: Loyalty | None = None  # compared with the series' earlier events (loyalty.py)
    min_answers: int = 5  # the fewest answers a score shown here rests on (anonymity.py)


@dataclass
class EventReport:
    """The organiser's report: all sponsors, partner-to-partner meetings, and the whole event.

    Every meeting is seen from both sides in ``overall``; the groups split those sides so that
    they add up: ``sponsors`` (a sponsor's side: the other side's answers about the sponsor,
    the sponsor's own next steps), ``rating_partners`` (the partner's side of the same sponsor
    meetings: what the sponsor's people said about the partner, the partner's own next steps)
    and ``p2p``. Meetings are counted once, under ``sponsors`` (``rating_partners`` has no
    meetings of its own), so scheduled, held, no-shows and unanswered add up over ``sponsors``
    and ``p2p``, and every answer count over all three.
    """

    event: Event
    sponsors: Measures
    by_sponsor: dict[str, Measures]  # company -> its meetings' figures, companies sorted
    rating_partners: Measures  # the non-sponsor side of sponsor meetings (see above)
    p2p: Measures
    overall: Measures
    teaming_share: float | None  # attendees with a joint deal or proposal next step / attendees
    teaming_ids: list[int]
    regions: Counter[str]  # attendees by region
    score_bands: list[tuple[str, float | None, int]]  # (band, avg rating, ratings)
    collection: Collection  # final, or still collecting answers until the follow-ups close


def _is_sponsor(person: Person) -> bool:
    """Vendors and distributors are the sponsors the reports are about."""
    return person.kind in SPONSOR_KINDS


def sponsor_companies(event: Event) -> list[str]:
    """The companies of the event's vendors and distributors, sorted."""
    query = select(Attendee.company).where(
        Attendee.event_id == event.id, Attendee.kind.in_(SPONSOR_KINDS)
    )
    return sorted(set(db.session.scalars(query)))


@collector_paused
def sponsor_report(event: Event, company: str, protected: bool = True) -> SponsorReport:
    """The report on ``company``'s meetings at ``event`` (only its vendors and distributors).

    It is what the company's contacts read, so its scores follow the anonymity rule
    (anonymity.py): a score on too few answers, a rep's included, is withheld, and comments
    are only those their authors let be quoted. ``protected=False`` gives the raw figures,
    for the organiser's tests of the arithmetic, never for a page.
    """
    people = people_by_id(event)
    ours = sorted(
        (a for a in people.values() if _is_sponsor(a) and a.company == company),
        key=lambda a: a.name,
    )
    ids = {a.id for a in ours}
    meetings, answers = published_rows(event, people)
    sides = []
    for x in meetings:
        if x.attendee_a_id in ids:
            sides.append((x, x.attendee_a_id, x.attendee_b_id))
        if x.attendee_b_id in ids:
            sides.append((x, x.attendee_b_id, x.attendee_a_id))
    n = min_answers(event) if protected else 0
    rep_measures = {
        rep.id: measure([s for s in sides if s[1] == rep.id], answers, people) for rep in ours
    }
    hidden = hidden_reps({rep: m.answered for rep, m in rep_measures.items()}, n)
    reps = [
        RepReport(rep, withhold(rep_measures[rep.id], n, force=rep.id in hidden)) for rep in ours
    ]
    mine = {(x.round, frozenset((x.attendee_a_id, x.attendee_b_id))) for x, _, _ in sides}
    rows = [
        a for a in answers.values() if (a.round, frozenset((a.attendee_id, a.other_id))) in mine
    ]
    return SponsorReport(
        event=event,
        company=company,
        people=ours,
        measures=withhold(measure(sides, answers, people), n),
        reps=reps,
        event_measures=withhold(measure(both_sides(meetings), answers, people), n),
        answers=sorted(rows, key=lambda a: a.id),
        min_answers=n,
        collection=collection(event),
        loyalty=sponsor_loyalty(event, company),
    )


@collector_paused
def event_report(event: Event) -> EventReport:
    """The organiser's report: sponsors vs partner-to-partner meetings, teaming, score bands."""
    people = people_by_id(event)
    meetings, answers = published_rows(event, people)
    sponsor_sides, partner_sides, p2p = [], [], []
    for x in meetings:
        a, b = people[x.attendee_a_id], people[x.attendee_b_id]
        for subject, asked in ((a, b), (b, a)):
            if _is_sponsor(subject):
                sponsor_sides.append((x, subject.id, asked.id))
            elif _is_sponsor(asked):  # the partner's side of a sponsor meeting
                partner_sides.append((x, subject.id, asked.id))
        if not _is_sponsor(a) and not _is_sponsor(b):
            p2p.append(x)
    overall = measure(both_sides(meetings), answers, people)
    by_company: dict[str, list[Side]] = defaultdict(list)
    for side in sponsor_sides:
        by_company[people[side[1]].company].append(side)
    teaming = sorted(
        {
            a.attendee_id
            for a in answers.values()
            if a.held == "yes" and a.next_step in ("joint_deal", "proposal")
        }
    )
    return EventReport(
        event=event,
        sponsors=measure(sponsor_sides, answers, people),
        by_sponsor={c: measure(by_company[c], answers, people) for c in sorted(by_company)},
        rating_partners=measure(partner_sides, answers, people),
        p2p=measure(both_sides(p2p), answers, people),
        overall=overall,
        teaming_share=len(teaming) / len(people) if people else None,
        teaming_ids=teaming,
        regions=Counter(a.region for a in people.values()),
        score_bands=_score_bands(meetings, answers),
        collection=collection(event),
    )


def _score_bands(
    meetings: list[PlannedMeeting], answers: Answers
) -> list[tuple[str, float | None, int]]:
    """Average rating per quartile of the planned score: does a higher score predict better?"""
    ranked = sorted(meetings, key=lambda x: x.score)
    if not ranked:
        return []
    bands: dict[int, list[int]] = defaultdict(list)
    for i, x in enumerate(ranked):
        band = 4 * i // len(ranked)
        for who, other in ((x.attendee_a_id, x.attendee_b_id), (x.attendee_b_id, x.attendee_a_id)):
            a = answers.get((x.round, who, other))
            if a is not None and a.held == "yes" and a.rating is not None:
                bands[band].append(a.rating)
    labels = ("Lowest quarter", "Second quarter", "Third quarter", "Highest quarter")
    return [
        (labels[b], sum(bands[b]) / len(bands[b]) if bands[b] else None, len(bands[b]))
        for b in range(4)
    ]
