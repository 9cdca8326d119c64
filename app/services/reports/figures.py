"""Sponsor and event reports: honest loyalty and ROI figures from every meeting that took place.

The figures come from the published schedule and the follow-up answers, never from a sample
the sponsor chose. Definitions (also shown on the report page):

- *scheduled*: meetings of the published version involving one of the sponsor's people;
- *held*: at least one side answered "yes, we met"; *no-show*: someone reported it did not
  happen and nobody said it did; *unanswered*: nobody said either way (scheduled = held +
  no-shows + unanswered);
- *asked*: the other side of every held meeting (everyone who actually met the sponsor's
  people is asked "how likely are you to recommend <company>?"); *answered*: those who gave a
  0-10 recommendation; response rate = answered / asked;
- *NPS*: % promoters (9-10) minus % detractors (0-6) of the answers, flagged as a small sample
  below ``SMALL_SAMPLE`` answers; nothing is extrapolated;
- ratings, comments, regions and kinds come from the other side's answers; next steps and
  pipeline come from the sponsor's own people's answers (each deal counted once), pipeline
  summed per currency, never converted.

Every figure keeps the ids of the FollowUp rows behind it.

The reports read every meeting and answer of the event, tens of thousands at a big conference,
so they load plain rows (``Person``, ``PlannedMeeting``, ``Answer``) rather than ORM objects,
which cost several times more to build and to collect, and they hold the cyclic garbage
collector while they build them (``collector_paused``): those rows form no reference cycles, and
the collector, started again and again by the allocations, re-scanned the growing heap for a
third of a big report's time.
"""

from __future__ import annotations

import functools
import gc
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, fields
from typing import Any, NamedTuple, ParamSpec, TypeVar

from sqlalchemy import Row, select

from app.extensions import db
from app.models import Attendee, Event, FollowUp, Meeting

SMALL_SAMPLE = 10  # NPS on fewer answers than this is flagged
SPONSOR_KINDS = ("vendor", "distributor")
COUNTED_STEPS = ("call", "proposal", "joint_deal", "deal_registered")
STEP_LABELS = {
    "call": "Follow-up call",
    "proposal": "Proposal",
    "joint_deal": "Joint deal",
    "deal_registered": "Deal registered",
}
FIGURES = {  # figure key -> what its answers are (steps and pipelines are described apart)
    "held": "Answers saying the meeting took place",
    "asked": "Answers saying the meeting took place (the other side of each was asked)",
    "no-shows": "Answers reporting a no-show, for meetings nobody said took place",
    "unanswered": "Meetings nobody answered about",
    "answered": "Recommendation answers (0-10) of those asked",
    "nps": "Recommendation answers (0-10) behind the NPS",
    "promoters": "Promoters: recommendation 9 or 10",
    "detractors": "Detractors: recommendation 0 to 6",
    "rating": "Meeting ratings (1-5)",
    "why": "Comments, verbatim",
}
NOT_HELD = ("they_no_show", "i_no_show")
PER_PAGE = 500  # rows on one page of the answers behind a figure; the whole event has thousands


class Person(NamedTuple):
    """An attendee as the reports name and group them."""

    id: int
    name: str
    company: str
    kind: str
    region: str


class PlannedMeeting(NamedTuple):
    """A meeting of the published schedule, as the reports read it."""

    id: int
    round: int
    table: int
    attendee_a_id: int
    attendee_b_id: int
    score: float


@dataclass(frozen=True, slots=True)
class Answer:
    """A follow-up answer as the reports read it: the FollowUp row's columns and both people."""

    id: int
    round: int
    attendee_id: int
    other_id: int
    held: str
    rating: int | None
    recommend: int | None
    why: str
    next_step: str
    pipeline_value: float | None
    currency: str | None
    attendee: Person  # who answered
    other: Person  # whom the answer is about


MEETING_COLUMNS = (
    Meeting.id,
    Meeting.round,
    Meeting.table,
    Meeting.attendee_a_id,
    Meeting.attendee_b_id,
    Meeting.score,
)
ANSWER_COLUMNS = (
    FollowUp.id,
    FollowUp.round,
    FollowUp.attendee_id,
    FollowUp.other_id,
    FollowUp.held,
    FollowUp.rating,
    FollowUp.recommend,
    FollowUp.why,
    FollowUp.next_step,
    FollowUp.pipeline_value,
    FollowUp.currency,
)
Answers = dict[tuple[int, int, int], Answer]  # (round, who answered, about whom) -> answer
Side = tuple[PlannedMeeting, int, int]  # a meeting, the subject's id, the asked side's id


@dataclass
class Measures:
    """The figures for one set of meetings, each traceable to FollowUp ids."""

    scheduled: int = 0
    held: int = 0
    no_shows: int = 0
    unanswered: int = 0  # scheduled, but nobody said whether it took place
    asked: int = 0
    recommends: list[Answer] = field(default_factory=list)  # the asked side's 0-10 answers
    ratings: list[Answer] = field(default_factory=list)  # the asked side's 1-5 ratings
    why: list[Answer] = field(default_factory=list)  # verbatim comments of the asked side
    next_steps: dict[str, list[int]] = field(
        default_factory=lambda: {step: [] for step in COUNTED_STEPS}
    )
    pipeline: dict[str, float] = field(default_factory=dict)  # currency -> total
    pipeline_ids: dict[str, list[int]] = field(default_factory=dict)
    held_ids: list[int] = field(default_factory=list)
    no_show_ids: list[int] = field(default_factory=list)
    unanswered_meetings: list[PlannedMeeting] = field(default_factory=list)
    regions: Counter[str] = field(default_factory=Counter)  # people met, by region
    kinds: Counter[str] = field(default_factory=Counter)  # people met, by kind

    @property
    def answered(self) -> int:
        """How many of those asked gave a 0-10 recommendation."""
        return len(self.recommends)

    @property
    def response_rate(self) -> float | None:
        """answered / asked, or None when nobody was asked."""
        return self.answered / self.asked if self.asked else None

    @property
    def distribution(self) -> list[int]:
        """How many answered 0, 1, ... 10."""
        counts = [0] * 11
        for value in self.recommend_values:
            counts[value] += 1
        return counts

    @property
    def recommend_values(self) -> list[int]:
        """The 0-10 answers behind the NPS (``recommends`` holds only answers that gave one)."""
        return [a.recommend for a in self.recommends if a.recommend is not None]

    @property
    def promoters(self) -> int:
        """Answers of 9 or 10."""
        return sum(1 for value in self.recommend_values if value >= 9)

    @property
    def detractors(self) -> int:
        """Answers of 0 to 6."""
        return sum(1 for value in self.recommend_values if value <= 6)

    @property
    def nps(self) -> float | None:
        """% promoters minus % detractors, or None without answers."""
        if not self.recommends:
            return None
        return 100 * (self.promoters - self.detractors) / self.answered

    @property
    def small_sample(self) -> bool:
        """True when the NPS rests on fewer than SMALL_SAMPLE answers."""
        return self.answered < SMALL_SAMPLE

    @property
    def avg_rating(self) -> float | None:
        """The mean 1-5 rating, or None without ratings."""
        if not self.ratings:
            return None
        return sum(a.rating for a in self.ratings if a.rating is not None) / len(self.ratings)

    @property
    def next_step_counts(self) -> dict[str, int]:
        """Next step -> how many answers named it."""
        return {step: len(ids) for step, ids in self.next_steps.items()}

    @property
    def recommend_ids(self) -> list[int]:
        """The FollowUp ids behind the NPS."""
        return [a.id for a in self.recommends]

    @property
    def rating_ids(self) -> list[int]:
        """The FollowUp ids behind the average rating."""
        return [a.id for a in self.ratings]

    def trace(self, figure: str) -> list[int] | None:
        """The FollowUp ids behind ``figure`` (a key of ``FIGURES``), or None for an unknown one.

        ``unanswered`` has no answers behind it by definition: see ``unanswered_meetings``.
        """
        if figure.startswith("step-") and figure[5:] in self.next_steps:
            return self.next_steps[figure[5:]]
        if figure.startswith("pipeline-"):
            return self.pipeline_ids.get(figure[9:])
        # Built on demand: the event report asks for a dozen figures of every group.
        by_figure: dict[str, Callable[[], list[int]]] = {
            "held": lambda: self.held_ids,
            "asked": lambda: self.held_ids,
            "no-shows": lambda: self.no_show_ids,
            "unanswered": list,
            "answered": lambda: self.recommend_ids,
            "nps": lambda: self.recommend_ids,
            "promoters": lambda: [
                a.id for a in self.recommends if a.recommend is not None and a.recommend >= 9
            ],
            "detractors": lambda: [
                a.id for a in self.recommends if a.recommend is not None and a.recommend <= 6
            ],
            "rating": lambda: self.rating_ids,
            "why": lambda: [a.id for a in self.why],
        }
        ids = by_figure.get(figure)
        return ids() if ids is not None else None

    def describe(self, figure: str) -> str:
        """What ``figure`` counts, in words, for the page listing its answers."""
        if figure.startswith("step-"):
            return f"Answers naming the next step “{STEP_LABELS[figure[5:]]}”"
        if figure.startswith("pipeline-"):
            return f"Answers reporting pipeline in {figure[9:]}"
        return FIGURES[figure]


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


@dataclass
class EventReport:
    """The organiser's report: all sponsors, partner-to-partner meetings, and the whole event."""

    event: Event
    sponsors: Measures
    by_sponsor: dict[str, Measures]  # company -> its meetings' figures, companies sorted
    p2p: Measures
    overall: Measures
    teaming_share: float | None  # attendees with a joint deal or proposal next step / attendees
    teaming_ids: list[int]
    regions: Counter[str]  # attendees by region
    score_bands: list[tuple[str, float | None, int]]  # (band, avg rating, ratings)


@dataclass
class FigureAnswers:
    """The rows behind one figure, as ``reports/answers.html`` lists them."""

    heading: str  # "<company or group of meetings>: <subject>"
    subject: str  # what the figure counts, in words
    answers: list[Answer]  # this page's, sorted by id
    meetings: list[PlannedMeeting] | None  # ``unanswered`` only: this page's meetings
    people: dict[int, Person]  # every attendee of the event, to name both sides of a meeting
    count: int  # meetings for ``unanswered``, else answers: all of them, on every page
    page: int  # 1-based
    pages: int
    first: int  # the 1-based position of this page's first row (0 without rows)
    last: int  # the position of its last row

    def context(self) -> dict[str, object]:
        """The fields as template variables (not ``asdict``: that would deep-copy the rows)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


# Loading

P = ParamSpec("P")
R = TypeVar("R")
_pause_lock = threading.Lock()
_pauses = 0  # reports being built now, in any thread; the collector runs again at 0
_was_enabled = True
_paused_since = 0.0  # time.monotonic() when the collector was last held or run
MAX_PAUSE = 30.0  # seconds: overlapping builds on a busy server collect at least this often


def collector_paused(build: Callable[P, R]) -> Callable[P, R]:
    """Run ``build`` with the cyclic garbage collector held (reference counting still frees).

    Thread-safe: the collector is held while any thread builds a report and restarted, if it
    was running when the first of them began, when the last one ends. When builds keep
    overlapping for longer than ``MAX_PAUSE``, the one ending then runs a collection, so other
    requests' garbage cycles cannot pile up.
    """

    @functools.wraps(build)
    def paused(*args: P.args, **kwargs: P.kwargs) -> R:
        global _pauses, _was_enabled, _paused_since
        with _pause_lock:
            if _pauses == 0:
                _was_enabled = gc.isenabled()
                _paused_since = time.monotonic()
                gc.disable()
            _pauses += 1
        try:
            return build(*args, **kwargs)
        finally:
            overdue = False
            with _pause_lock:
                _pauses -= 1
                if _pauses == 0 and _was_enabled:
                    gc.enable()
                elif _was_enabled and time.monotonic() - _paused_since > MAX_PAUSE:
                    _paused_since = time.monotonic()
                    overdue = True
            if overdue:
                gc.collect()

    return paused


def _people(event: Event) -> dict[int, Person]:
    """The event's attendees by id, as the reports read them."""
    rows = db.session.execute(
        select(Attendee.id, Attendee.name, Attendee.company, Attendee.kind, Attendee.region)
        .where(Attendee.event_id == event.id)
        .order_by(Attendee.id)
    )
    return {row.id: Person(*row) for row in rows}


def _published(event: Event, people: dict[int, Person]) -> tuple[list[PlannedMeeting], Answers]:
    """The published meetings and the answers keyed (round, who answered, about whom).

    ``people``: the event's attendees by id, to name both sides of each answer.
    """
    if event.published_version_id is None:
        return [], {}
    meetings = [
        PlannedMeeting(*row)
        for row in db.session.execute(
            select(*MEETING_COLUMNS)
            .where(Meeting.version_id == event.published_version_id)
            .order_by(Meeting.round, Meeting.table)
        )
    ]
    rows = db.session.execute(
        select(*ANSWER_COLUMNS).where(FollowUp.event_id == event.id).order_by(FollowUp.id)
    )
    answers = {}
    for answer in _answers(rows, people):
        answers[answer.round, answer.attendee_id, answer.other_id] = answer
    return meetings, answers


def _answers(rows: Iterable[Row[*tuple[Any, ...]]], people: dict[int, Person]) -> Iterator[Answer]:
    """``ANSWER_COLUMNS`` rows as answers naming both people."""
    for row in rows:
        (id_, round_, asker, about, held, rating, recommend, why, step, value, currency) = row
        yield Answer(
            id_, round_, asker, about, held, rating, recommend, why, step, value, currency,
            attendee=people[asker],
            other=people[about],
        )  # fmt: skip


def _measure(sides: Iterable[Side], answers: Answers, people: dict[int, Person]) -> Measures:
    """Figures for (meeting, subject id, asked id) triples; a meeting is counted once."""
    m = Measures()
    seen: set[int] = set()
    for meeting, subject, asked in sides:
        theirs = answers.get((meeting.round, asked, subject))
        ours = answers.get((meeting.round, subject, asked))
        # Plain conditions, no per-side lists: this loop runs for every meeting of the event.
        ours_met = ours if ours is not None and ours.held == "yes" else None
        theirs_met = theirs if theirs is not None and theirs.held == "yes" else None
        held = ours_met is not None or theirs_met is not None
        if meeting.id not in seen:
            seen.add(meeting.id)
            m.scheduled += 1
            said = [a for a in (ours, theirs) if a is not None]
            if held:
                m.held += 1
                m.held_ids += [a.id for a in said if a.held == "yes"]
            elif any(a.held in NOT_HELD for a in said):
                m.no_shows += 1
                m.no_show_ids += [a.id for a in said]
            else:
                m.unanswered += 1
                m.unanswered_meetings.append(meeting)
        if not held:
            continue
        m.asked += 1
        other = people[asked]
        m.regions[other.region] += 1
        m.kinds[other.kind] += 1
        if theirs_met is not None:
            if theirs_met.recommend is not None:
                m.recommends.append(theirs_met)
            if theirs_met.rating is not None:
                m.ratings.append(theirs_met)
            if theirs_met.why.strip():
                m.why.append(theirs_met)
        if ours_met is not None:
            if ours_met.next_step in m.next_steps:
                m.next_steps[ours_met.next_step].append(ours_met.id)
            if ours_met.pipeline_value and ours_met.currency:
                currency = ours_met.currency.upper()
                m.pipeline[currency] = m.pipeline.get(currency, 0.0) + ours_met.pipeline_value
                m.pipeline_ids.setdefault(currency, []).append(ours_met.id)
    return m


def _both_sides(meetings: Iterable[PlannedMeeting]) -> Iterator[Side]:
    """Each meeting seen from both sides: everyone is asked about the other."""
    for x in meetings:
        yield x, x.attendee_a_id, x.attendee_b_id
        yield x, x.attendee_b_id, x.attendee_a_id


def _is_sponsor(person: Person) -> bool:
    return person.kind in SPONSOR_KINDS


# Reports


def sponsor_companies(event: Event) -> list[str]:
    """The companies of the event's vendors and distributors, sorted."""
    query = select(Attendee.company).where(
        Attendee.event_id == event.id, Attendee.kind.in_(SPONSOR_KINDS)
    )
    return sorted(set(db.session.scalars(query)))


@collector_paused
def sponsor_report(event: Event, company: str) -> SponsorReport:
    """The report on ``company``'s meetings at ``event`` (only its vendors and distributors)."""
    people = _people(event)
    ours = sorted(
        (a for a in people.values() if _is_sponsor(a) and a.company == company),
        key=lambda a: a.name,
    )
    ids = {a.id for a in ours}
    meetings, answers = _published(event, people)
    sides = []
    for x in meetings:
        if x.attendee_a_id in ids:
            sides.append((x, x.attendee_a_id, x.attendee_b_id))
        if x.attendee_b_id in ids:
            sides.append((x, x.attendee_b_id, x.attendee_a_id))
    reps = [
        RepReport(rep, _measure([s for s in sides if s[1] == rep.id], answers, people))
        for rep in ours
    ]
    mine = {(x.round, frozenset((x.attendee_a_id, x.attendee_b_id))) for x, _, _ in sides}
    rows = [
        a for a in answers.values() if (a.round, frozenset((a.attendee_id, a.other_id))) in mine
    ]
    return SponsorReport(
        event=event,
        company=company,
        people=ours,
        measures=_measure(sides, answers, people),
        reps=reps,
        event_measures=_measure(_both_sides(meetings), answers, people),
        answers=sorted(rows, key=lambda a: a.id),
    )


@collector_paused
def event_report(event: Event) -> EventReport:
    """The organiser's report: sponsors vs partner-to-partner meetings, teaming, score bands."""
    people = _people(event)
    meetings, answers = _published(event, people)
    sponsor_sides, p2p = [], []
    for x in meetings:
        a, b = people[x.attendee_a_id], people[x.attendee_b_id]
        if _is_sponsor(a):
            sponsor_sides.append((x, a.id, b.id))
        if _is_sponsor(b):
            sponsor_sides.append((x, b.id, a.id))
        if not _is_sponsor(a) and not _is_sponsor(b):
            p2p.append(x)
    overall = _measure(_both_sides(meetings), answers, people)
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
        sponsors=_measure(sponsor_sides, answers, people),
        by_sponsor={c: _measure(by_company[c], answers, people) for c in sorted(by_company)},
        p2p=_measure(_both_sides(p2p), answers, people),
        overall=overall,
        teaming_share=len(teaming) / len(people) if people else None,
        teaming_ids=teaming,
        regions=Counter(a.region for a in people.values()),
        score_bands=_score_bands(meetings, answers),
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


def figure_answers(
    event: Event, measures: Measures, figure: str, title: str, page: int = 1
) -> FigureAnswers | None:
    """One page of the answers (or, for ``unanswered``, the meetings) behind ``figure``.

    Args:
        event: the event the measures are of.
        measures: a sponsor's, a rep's or a group of meetings' figures.
        figure: a key of ``FIGURES``, ``step-<step>`` or ``pipeline-<currency>``.
        title: whose figures these are (a company, a group of meetings), to head the page.
        page: which ``PER_PAGE`` rows, from 1.

    Returns:
        The page's rows, or None for a figure ``measures`` does not know or a page past the
        last.
    """
    ids = measures.trace(figure)
    if ids is None:
        return None
    unanswered = figure == "unanswered"
    rows: list[Any] = measures.unanswered_meetings if unanswered else sorted(ids)
    pages = max(1, -(-len(rows) // PER_PAGE))
    if not 1 <= page <= pages:
        return None
    start = (page - 1) * PER_PAGE
    shown = rows[start : start + PER_PAGE]
    people = _people(event)
    answers = []
    if shown and not unanswered:
        answers = list(
            _answers(
                db.session.execute(
                    select(*ANSWER_COLUMNS)
                    .where(FollowUp.event_id == event.id, FollowUp.id.in_(shown))
                    .order_by(FollowUp.id)
                ),
                people,
            )
        )
    subject = measures.describe(figure)
    return FigureAnswers(
        heading=f"{title}: {subject}",
        subject=subject,
        answers=answers,
        meetings=shown if unanswered else None,
        people=people,
        count=len(rows),
        page=page,
        pages=pages,
        first=start + 1 if shown else 0,
        last=start + len(shown),
    )
