"""What the rated side may see of the answers about it: aggregates only, never who said what.

A sponsor reads its report, and a rep may be shown it. Surveys the rated side can see into get
curated answers: a partner who knows the vendor reads their name next to a 3 does not write a
3. So on a sponsor's report (its page, the answers behind each figure, CSV, XLSX and PDF):

- a score figure (NPS, promoters, detractors, the 0-10 distribution, the average rating)
  resting on fewer than ``min_answers(event)`` answers reads "fewer than N answers" (the
  event's ``anonymity_threshold``, 5 unless the organiser sets it, never below 3);
- per-rep figures follow the same rule, and when hiding only the small reps would let their
  figures be worked out from the company's total minus the others', the next smallest reps are
  hidden too, until the hidden ones rest on at least N answers together (complementary
  suppression);
- the answers behind a figure are listed without the respondent's name, company, kind,
  region, round, table, answer number or the rep they were about, ordered by their values;
- a respondent's reason is quoted only when they ticked "You may quote me to <company>", with
  their name only when they also ticked "with my name", and never beside their scores.

The sponsor's own people's answers (their next steps and pipeline) are theirs and stay named,
about "a partner".
The organiser, who is not the rated party, keeps every figure traceable to named answers on
the event report.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from app.services.reports.measures import Measures
from app.services.reports.rows import Answer, Person

MIN_ANSWERS = 3  # no event may show a score on fewer answers than this
DEFAULT_ANSWERS = 5


if TYPE_CHECKING:
    from app.models import Event


def min_answers(event: Event) -> int:
    """The fewest answers a score shown to the rated side of ``event`` may rest on."""
    return max(MIN_ANSWERS, event.anonymity_threshold or DEFAULT_ANSWERS)


def withhold(measures: Measures, n: int, force: bool = False) -> Measures:
    """``measures`` with its scores withheld when they rest on fewer than ``n`` answers.

    ``force`` withholds them whatever their count (a rep hidden so that the others' figures do
    not give theirs away). Comments are kept to those the respondent let be quoted. ``n`` 0
    leaves ``measures`` as they are.
    """
    if n == 0:
        return measures
    hidden = force or any(0 < len(scores) < n for scores in (measures.recommends, measures.ratings))
    quotable = [a for a in measures.why if a.quote_ok and (a.quote_name or not hidden)]
    return replace(measures, withheld=n if hidden else 0, why=quotable)


def hidden_reps(counts: dict[int, int], n: int) -> set[int]:
    """The reps (id -> answers about them) whose score figures are withheld.

    Those with fewer than ``n`` answers, and then, while the hidden ones rest on fewer than
    ``n`` answers together (the company's total minus the shown reps' would give them away),
    the smallest of the others.
    """
    hidden = {rep for rep, count in counts.items() if count < n}

    def together() -> int:
        return sum(counts[rep] for rep in hidden)

    for rep in sorted(set(counts) - hidden, key=lambda r: (counts[r], r)):
        if not 0 < together() < n:
            break
        hidden.add(rep)
    return hidden


@dataclass(frozen=True)
class Quote:
    """A respondent's reason, quoted with their consent (named only if they said so)."""

    text: str
    author: str  # "" when quoted without the name
    company: str  # the author's company, "" without the name

    @property
    def name(self) -> str:
        """ "Ann Example, Acme", or "" when quoted without the name."""
        return f"{self.author}, {self.company}" if self.author else ""


def quotes(answers: Iterable[Answer]) -> list[Quote]:
    """The quotable reasons among ``answers``, in the order of their text (no other order)."""
    shown = [
        Quote(a.why, *((a.attendee.name, a.attendee.company) if a.quote_name else ("", "")))
        for a in answers
        if a.quote_ok and a.why.strip()
    ]
    return sorted(shown, key=lambda q: (q.text.casefold(), q.author))


@dataclass(frozen=True)
class PartnerAnswer:
    """One respondent's answer as the rated side may see it: the values, nobody's identity."""

    held: str
    rating: int | None
    recommend: int | None
    next_step: str
    pipeline_value: float | None
    currency: str | None


def partner_answers(answers: Iterable[Answer]) -> list[PartnerAnswer]:
    """``answers`` without identity, sorted by their values (not by round, time or person)."""
    rows = [
        PartnerAnswer(a.held, a.rating, a.recommend, a.next_step, a.pipeline_value, a.currency)
        for a in answers
    ]
    return sorted(
        rows,
        key=lambda r: (
            r.held,
            -1 if r.recommend is None else r.recommend,
            -1 if r.rating is None else r.rating,
            r.next_step,
            r.currency or "",
            r.pipeline_value or 0.0,
        ),
    )


@dataclass(frozen=True)
class Protected:
    """The answers behind a figure split as the rated side may see them."""

    own: list[Answer]  # the company's own people's answers, named, about "a partner"
    partners: list[PartnerAnswer]  # the respondents', without identity ([] when too few)
    partners_withheld: int  # how many respondents' answers are not listed (too few)
    quotes: list[Quote]


def protect_answers(
    answers: Iterable[Answer], company: str, n: int, unnamed_quotes: bool = True
) -> Protected:
    """Split ``answers`` into the company's own (named) and the respondents' (anonymous).

    The respondents' are listed only when there are at least ``n`` of them: with fewer, the
    sponsor could match them to the few people its reps met. Their reasons quoted without a
    name come only with ``unnamed_quotes`` (the figure's scores are shown, see ``withhold``).
    """
    own: list[Answer] = []
    theirs: list[Answer] = []
    for a in answers:
        if a.attendee.company == company:  # whom it was about stays out: "a partner"
            own.append(replace(a, other=Person(a.other.id, "a partner", "", a.other.kind, "")))
        else:
            theirs.append(a)
    listed = theirs if len(theirs) >= n else []
    return Protected(
        own=sorted(own, key=lambda a: (a.attendee.name, a.other.name, a.id)),
        partners=partner_answers(listed),
        partners_withheld=len(theirs) - len(listed),
        quotes=quotes(a for a in theirs if a.quote_name or unnamed_quotes),
    )
