"""What the reports read: the event's people, published meetings and answers as plain rows.

The reports read every meeting and answer of the event, tens of thousands at a big conference,
so they load plain rows (``Person``, ``PlannedMeeting``, ``Answer``) rather than ORM objects,
which cost several times more to build and to collect (and see ``collector.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import Row, select

from app.extensions import db
from app.models import Attendee, Event, FollowUp, Meeting


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
    quote_ok: bool  # "You may quote me to <company>" (anonymity.py)
    quote_name: bool  # "with my name"
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
    FollowUp.quote_ok,
    FollowUp.quote_name,
)
Answers = dict[tuple[int, int, int], Answer]  # (round, who answered, about whom) -> answer
Side = tuple[PlannedMeeting, int, int]  # a meeting, the subject's id, the asked side's id


def people_by_id(event: Event) -> dict[int, Person]:
    """The event's attendees by id, as the reports read them."""
    rows = db.session.execute(
        select(Attendee.id, Attendee.name, Attendee.company, Attendee.kind, Attendee.region)
        .where(Attendee.event_id == event.id)
        .order_by(Attendee.id)
    )
    return {row.id: Person(*row) for row in rows}


def published_rows(event: Event, people: dict[int, Person]) -> tuple[list[PlannedMeeting], Answers]:
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
    for answer in answer_rows(rows, people):
        answers[answer.round, answer.attendee_id, answer.other_id] = answer
    return meetings, answers


def answer_rows(
    rows: Iterable[Row[*tuple[Any, ...]]], people: dict[int, Person]
) -> Iterator[Answer]:
    """``ANSWER_COLUMNS`` rows as answers naming both people."""
    for row in rows:
        (id_, round_, asker, about, held, rating, recommend, why, step, value, currency, quote,
         quote_name) = row  # fmt: skip
        yield Answer(
            id_, round_, asker, about, held, rating, recommend, why, step, value, currency,
            bool(quote), bool(quote_name),
            attendee=people[asker],
            other=people[about],
        )  # fmt: skip
