"""Loyalty across a series: does a sponsor meet the same partners again, and do they rate it
better than the year before?

For a sponsor company at an event of a series (app/models/series.py), compared with the
latest earlier event of the series where the company had people ("the event before"):

- *partners met*: people who met one of the company's vendors or distributors in a meeting
  that took place (either side said so), recognised across events by e-mail;
- *met again*: partners met at this event who met the company at the event before too;
  retention = met again / partners met at the event before; *new*: partners met at this event
  who met the company at none of the series' earlier events;
- *paired NPS*: only the people who answered "how likely are you to recommend <company>?" at
  both events; each person's score at an event is the mean of their answers about the
  company's people that day (promoter from 9, detractor to 6). The change is their NPS now
  minus their NPS then: the same people, not two unrelated averages;
- *pipeline by event*: as the sponsor's own people reported it at each event, per currency.

The company is recognised across events by its name, compared without case, accents or extra
spaces. Every figure carries its sample size; a figure resting on fewer people than the
event's anonymity threshold (never below 3) is withheld as "fewer than N". Nobody is named.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select

from app.extensions import db
from app.models import Attendee, Event
from app.services.events.series import company_key, earlier_events, person_key
from app.services.reports.anonymity import min_answers
from app.services.reports.measures import Measures, measure
from app.services.reports.rows import Side, people_by_id, published_rows

SPONSOR_KINDS = ("vendor", "distributor")  # as app/services/reports/figures.py counts them


@dataclass
class Edition:
    """One event of the series as the company lived it."""

    event: Event
    partners_met: int  # people met in meetings that took place
    met_before: int | None  # of them, met at the company's event before (None: the first)
    answered: int  # recommendation answers (0-10) about the company's people
    nps: float | None  # None without answers, or withheld (``nps_withheld``)
    nps_withheld: bool
    pipeline: dict[str, float] = field(default_factory=dict)  # currency -> total
    pipeline_answers: dict[str, int] = field(default_factory=dict)  # currency -> answers


@dataclass
class PairedNps:
    """The NPS of the same people at the event before and now."""

    people: int  # answered the recommend question about the company at both events
    before: float | None  # None when withheld (fewer people than the threshold)
    now: float | None

    @property
    def change(self) -> float | None:
        """Now minus before, in NPS points, or None when withheld."""
        if self.before is None or self.now is None:
            return None
        return self.now - self.before


@dataclass
class Loyalty:
    """The loyalty section of a sponsor's report."""

    company: str
    previous: Event  # the latest earlier event of the series with the company's people
    editions: list[Edition]  # the series' events with the company's people, oldest first
    met_now: int  # partners met at this event
    met_previous: int  # partners met at the event before
    met_again: int  # met at both
    new: int  # met now, at none of the earlier events
    paired: PairedNps
    threshold: int  # the fewest people a paired figure or an NPS may rest on

    @property
    def retention(self) -> float | None:
        """Share of the event before's partners met again, or None when none were met then."""
        return self.met_again / self.met_previous if self.met_previous else None

    @property
    def paired_withheld(self) -> bool:
        """True when too few people answered at both events for their NPS to be shown."""
        return self.paired.people < self.threshold


@dataclass
class _Visit:
    """What the company's day at one event amounts to, before anything is withheld."""

    event: Event
    measures: Measures
    met: set[str]  # e-mails of the people met
    scores: dict[str, list[int]]  # e-mail -> their 0-10 answers about the company's people


def _visit(event: Event, key: str) -> _Visit | None:
    """The company's meetings at ``event``, or None when it had no vendor or distributor there."""
    people = people_by_id(event)
    emails = {
        row.id: person_key(row.email)
        for row in db.session.execute(
            select(Attendee.id, Attendee.email).where(Attendee.event_id == event.id)
        )
    }
    ours = {
        p.id for p in people.values() if p.kind in SPONSOR_KINDS and company_key(p.company) == key
    }
    if not ours:
        return None
    meetings, answers = published_rows(event, people)
    sides: list[Side] = []
    for x in meetings:
        if x.attendee_a_id in ours and x.attendee_b_id not in ours:
            sides.append((x, x.attendee_a_id, x.attendee_b_id))
        if x.attendee_b_id in ours and x.attendee_a_id not in ours:
            sides.append((x, x.attendee_b_id, x.attendee_a_id))
    met = set()
    for x, subject, asked in sides:
        said = (answers.get((x.round, asked, subject)), answers.get((x.round, subject, asked)))
        if any(a is not None and a.held == "yes" for a in said):
            met.add(emails[asked])
    m = measure(sides, answers, people)
    scores: dict[str, list[int]] = defaultdict(list)
    for a in m.recommends:
        if a.recommend is not None:
            scores[emails[a.attendee_id]].append(a.recommend)
    return _Visit(event, m, met, dict(scores))


def _nps(values: list[float]) -> float | None:
    """% promoters (9 and up) minus % detractors (6 and below), or None without values."""
    if not values:
        return None
    promoters = sum(1 for v in values if v >= 9)
    detractors = sum(1 for v in values if v <= 6)
    return 100 * (promoters - detractors) / len(values)


def _mean(values: list[int]) -> float:
    return sum(values) / len(values)


def sponsor_loyalty(event: Event, company: str) -> Loyalty | None:
    """The loyalty section of ``company``'s report at ``event``, or None without an earlier
    event of the series where the company had people."""
    key = company_key(company)
    visits = [v for e in earlier_events(event) if (v := _visit(e, key)) is not None]
    now = _visit(event, key)
    if not visits or now is None:
        return None
    threshold = min_answers(event)  # the fewest people a loyalty figure may rest on
    editions = []
    for i, visit in enumerate([*visits, now]):
        before = visits[i - 1] if i else None
        m = visit.measures
        withheld = 0 < m.answered < threshold
        editions.append(
            Edition(
                event=visit.event,
                partners_met=len(visit.met),
                met_before=len(visit.met & before.met) if before else None,
                answered=m.answered,
                nps=None if withheld else m.nps,
                nps_withheld=withheld,
                pipeline=dict(sorted(m.pipeline.items())),
                pipeline_answers={c: len(ids) for c, ids in sorted(m.pipeline_ids.items())},
            )
        )
    previous = visits[-1]
    both = sorted(set(previous.scores) & set(now.scores))
    shown = len(both) >= threshold
    paired = PairedNps(
        people=len(both),
        before=_nps([_mean(previous.scores[p]) for p in both]) if shown else None,
        now=_nps([_mean(now.scores[p]) for p in both]) if shown else None,
    )
    earlier = set().union(*(v.met for v in visits))
    return Loyalty(
        company=company,
        previous=previous.event,
        editions=editions,
        met_now=len(now.met),
        met_previous=len(previous.met),
        met_again=len(now.met & previous.met),
        new=len(now.met - earlier),
        paired=paired,
        threshold=threshold,
    )
