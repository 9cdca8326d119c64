"""Finding attendees by what people type: part of a name, a company or an e-mail.

One rule for every search box (the attendee list, the door, the paper answers): the text is
cleaned as any input is, compared without regard to case or accents ("lukasz" finds "Łukasz",
on SQLite too, whose ``lower`` knows only ASCII), and ``%`` or ``_`` in it match themselves,
not any text. The comparison runs on ``Attendee.search_text``, the folded name, company and
e-mail the model keeps.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import InstrumentedAttribute

from app.extensions import db
from app.models import Attendee, Event
from app.models.attendee import folded
from app.services.scheduling.vocabulary import clean_text

SEARCH_LIMIT = 20  # matches listed by a search box that shows no pages (door, paper answers)

PER_PAGE = 100


@dataclass
class AttendeeSearch:
    """One page of attendees matching a search, with the choices for the filters."""

    attendees: list[Attendee]
    matching: int
    total: int
    page: int
    pages: int
    regions: list[str]
    kinds: list[str]
    companies: list[str]


def text_matches(text: str) -> ColumnElement[bool]:
    """The attendee's name, company or e-mail contains ``text``, whatever the case or accents."""
    return Attendee.search_text.contains(folded(text), autoescape=True)


def find_attendees(event: Event, query: str, limit: int = SEARCH_LIMIT) -> list[Attendee]:
    """Attendees of ``event`` whose name, company or e-mail contains ``query``, by name."""
    query = clean_text(query)
    if not query:
        return []
    return list(
        db.session.scalars(
            select(Attendee)
            .where(Attendee.event_id == event.id, text_matches(query))
            .order_by(Attendee.name, Attendee.id)
            .limit(limit)
        )
    )


def search_attendees(
    event: Event,
    q: str = "",
    region: str = "",
    kind: str = "",
    company: str = "",
    page: int = 1,
    per_page: int = PER_PAGE,
) -> AttendeeSearch:
    """Attendees whose name, e-mail or company contains ``q``, filtered, by name, one page."""
    in_event = Attendee.event_id == event.id
    conditions = [in_event]
    q, region, kind, company = (clean_text(v) for v in (q, region, kind, company))
    if q:
        conditions.append(text_matches(q))
    if region:
        conditions.append(Attendee.region == region)
    if kind:
        conditions.append(Attendee.kind == kind)
    if company.strip():
        conditions.append(func.lower(Attendee.company) == company.strip().lower())
    count = select(func.count()).select_from(Attendee)
    matching = db.session.scalar(count.where(*conditions)) or 0
    total = db.session.scalar(count.where(in_event)) or 0
    pages = max(1, math.ceil(matching / per_page))
    page = min(max(1, page), pages)
    query = (
        select(Attendee)
        .where(*conditions)
        .order_by(func.lower(Attendee.name), Attendee.id)
        .offset((page - 1) * per_page)
        .limit(per_page)
    )

    def distinct(column: InstrumentedAttribute[str]) -> list[str]:
        values = db.session.scalars(select(column).where(in_event).distinct())
        return sorted((v for v in values if v), key=str.lower)

    return AttendeeSearch(
        attendees=list(db.session.scalars(query)),
        matching=matching,
        total=total,
        page=page,
        pages=pages,
        regions=distinct(Attendee.region),
        kinds=distinct(Attendee.kind),
        companies=distinct(Attendee.company),
    )
