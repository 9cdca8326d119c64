"""What each report figure counts, and the counting: honest figures from every meeting held.

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
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from app.services.reports.rows import Answer, Answers, Person, PlannedMeeting, Side

SMALL_SAMPLE = 10  # NPS on fewer answers than this is flagged
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
# The figures made of the scores the asked side gave: withheld together (anonymity.py).
SCORE_FIGURES = frozenset({"nps", "promoters", "detractors", "rating", "answered"})


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
    # On a report the rated side reads: the fewest answers a score may rest on, when these
    # rest on fewer (the scores then read "fewer than N answers"; anonymity.py); 0: shown.
    withheld: int = 0

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
        """The 0-10 answers behind the NPS (``recommends`` holds only answers that gave one).

        None of them when the scores are withheld: the NPS, promoters, detractors and the
        distribution all come from here.
        """
        if self.withheld:
            return []
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
        """% promoters minus % detractors, or None without answers (or withheld)."""
        if not self.recommends or self.withheld:
            return None
        return 100 * (self.promoters - self.detractors) / self.answered

    @property
    def small_sample(self) -> bool:
        """True when the NPS rests on fewer than SMALL_SAMPLE answers."""
        return self.answered < SMALL_SAMPLE

    @property
    def avg_rating(self) -> float | None:
        """The mean 1-5 rating, or None without ratings (or withheld)."""
        if not self.ratings or self.withheld:
            return None
        return sum(a.rating for a in self.ratings if a.rating is not None) / len(self.ratings)

    @property
    def next_step_counts(self) -> dict[str, int]:
        """Next step -> how many answers named it."""
        return {step: len(ids) for step, ids in self.next_steps.items()}

    @property
    def recommend_ids(self) -> list[int]:
        """The FollowUp ids behind the NPS (none when withheld)."""
        return [] if self.withheld else [a.id for a in self.recommends]

    @property
    def rating_ids(self) -> list[int]:
        """The FollowUp ids behind the average rating (none when withheld)."""
        return [] if self.withheld else [a.id for a in self.ratings]

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
        if self.withheld and figure in SCORE_FIGURES:
            return None  # their answers are not listed either
        ids = by_figure.get(figure)
        return ids() if ids is not None else None

    def describe(self, figure: str) -> str:
        """What ``figure`` counts, in words, for the page listing its answers."""
        if figure.startswith("step-"):
            return f"Answers naming the next step “{STEP_LABELS[figure[5:]]}”"
        if figure.startswith("pipeline-"):
            return f"Answers reporting pipeline in {figure[9:]}"
        return FIGURES[figure]


def measure(sides: Iterable[Side], answers: Answers, people: dict[int, Person]) -> Measures:
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


def both_sides(meetings: Iterable[PlannedMeeting]) -> Iterator[Side]:
    """Each meeting seen from both sides: everyone is asked about the other."""
    for x in meetings:
        yield x, x.attendee_a_id, x.attendee_b_id
        yield x, x.attendee_b_id, x.attendee_a_id
