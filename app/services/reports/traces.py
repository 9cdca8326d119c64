"""The answers behind one figure, page by page: every figure of a report traces to its rows."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import select

from app.extensions import db
from app.models import Event, FollowUp
from app.services.reports.measures import Measures
from app.services.reports.rows import (
    ANSWER_COLUMNS,
    Answer,
    Person,
    PlannedMeeting,
    answer_rows,
    people_by_id,
)

PER_PAGE = 500  # rows on one page of the answers behind a figure; the whole event has thousands


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


def figure_answers(
    event: Event,
    measures: Measures,
    figure: str,
    title: str,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> FigureAnswers | None:
    """One page of the answers (or, for ``unanswered``, the meetings) behind ``figure``.

    Args:
        event: the event the measures are of.
        measures: a sponsor's, a rep's or a group of meetings' figures.
        figure: a key of ``FIGURES``, ``step-<step>`` or ``pipeline-<currency>``.
        title: whose figures these are (a company, a group of meetings), to head the page.
        page: which ``per_page`` rows, from 1.
        per_page: rows on one page.

    Returns:
        The page's rows, or None for a figure ``measures`` does not know or a page past the
        last.
    """
    ids = measures.trace(figure)
    if ids is None:
        return None
    unanswered = figure == "unanswered"
    rows: list[Any] = measures.unanswered_meetings if unanswered else sorted(ids)
    pages = max(1, -(-len(rows) // per_page))
    if not 1 <= page <= pages:
        return None
    start = (page - 1) * per_page
    shown = rows[start : start + per_page]
    people = people_by_id(event)
    answers = []
    if shown and not unanswered:
        answers = list(
            answer_rows(
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
