"""Attendees' requests before the event: their best matches, whom they must meet or avoid.

Requests are MeetingRequest rows; the next schedule build reads them (see
``scheduling.instance.with_requests_applied``): "avoid" is a hard rule, "must" a large bonus
on the pair. They can be changed until the first round starts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from app.extensions import db
from app.models import Attendee, MeetingRequest
from app.models.request import REQUEST_KINDS
from app.services.attendees.agenda import explain_match, requests_open
from app.services.scheduling.instance import share_a_round
from app.services.scheduling.matches import matches_of

RECOMMENDATIONS = 15  # matches shown to each attendee


class RequestRefused(Exception):
    """A request that cannot be stored; the message tells the attendee why."""


@dataclass
class Recommendation:
    """Someone the attendee may meet, how well they match and what the attendee asked."""

    other: Attendee
    score: float
    reasons: list[str]
    kind: str | None  # "must", "avoid" or None


@dataclass
class RequestsPage:
    """The requests page: recommendations, the attendee's requests and the limits."""

    recommendations: list[Recommendation]
    must_used: int
    must_limit: int
    open: bool


def attendee_requests(attendee: Attendee) -> dict[int, str]:
    """The attendee's requests as other attendee id -> kind."""
    query = select(MeetingRequest.other_id, MeetingRequest.kind).where(
        MeetingRequest.attendee_id == attendee.id
    )
    return {other_id: kind for other_id, kind in db.session.execute(query)}


def recommendations(attendee: Attendee, limit: int = RECOMMENDATIONS) -> RequestsPage:
    """The attendee's best matches by complementarity among people they may meet.

    "May meet": another company, a round in common, no avoid rule from the organiser's list.
    People the attendee has already asked about are always listed, so a request can be undone.
    """
    event = attendee.event
    matches = matches_of(attendee)
    asked = attendee_requests(attendee)
    order = {m.other.id: k for k, m in enumerate(matches)}  # ties: the instance's order
    ranked = sorted(
        (m for m in matches if m.allowed and m.score > 0),
        key=lambda m: (-m.score, m.other.name.lower(), order[m.other.id]),
    )[:limit]
    shown = {m.other.id for m in ranked}
    chosen = ranked + [matches[order[o]] for o in asked if o not in shown]
    items = [
        Recommendation(
            other=m.other,
            score=m.score,
            reasons=explain_match(attendee, m.other),
            kind=asked.get(m.other.id),
        )
        for m in chosen
    ]
    must_used = sum(1 for kind in asked.values() if kind == "must")
    return RequestsPage(items, must_used, event.max_must_requests, requests_open(event))


def _same_company(a: Attendee, b: Attendee) -> bool:
    """Whether two attendees work for one company (compared as the solver does)."""
    return a.company.strip().lower() == b.company.strip().lower()


def set_request(
    attendee: Attendee, other: Attendee | None, kind: str | None, now: datetime | None = None
) -> MeetingRequest | None:
    """Ask to meet (``must``) or not to meet (``avoid``) ``other``; ``None`` withdraws the ask.

    Returns:
        The stored request, or None when it was withdrawn.

    Raises:
        RequestRefused: requests are closed, ``other`` is not at this event, is the attendee
            or a colleague, shares no round with them (must), or the must-meet limit is reached.
    """
    event = attendee.event
    if kind is not None and kind not in REQUEST_KINDS:
        raise RequestRefused("Choose 'must meet' or 'would rather not meet'.")
    if not requests_open(event, now):
        raise RequestRefused(
            "Requests closed when the event started; please speak to the organiser."
        )
    if other is None or other.event_id != attendee.event_id:
        raise RequestRefused("That person is not at this event.")
    if other.id == attendee.id:
        raise RequestRefused("You cannot ask to meet (or avoid) yourself.")
    if _same_company(attendee, other):
        raise RequestRefused(
            f"{other.name} works for {other.company}, your own company: colleagues are never "
            "scheduled to meet each other."
        )
    current = db.session.scalar(
        select(MeetingRequest).where(
            MeetingRequest.attendee_id == attendee.id, MeetingRequest.other_id == other.id
        )
    )
    if kind is None:
        if current is not None:
            db.session.delete(current)
            db.session.commit()
        return None
    if kind == "must":
        _check_must(attendee, other)
    if current is None:
        current = MeetingRequest(event_id=event.id, attendee_id=attendee.id, other_id=other.id)
        db.session.add(current)
    current.kind = kind
    db.session.commit()
    return current


def _check_must(attendee: Attendee, other: Attendee) -> None:
    """Refuse a must-meet beyond the event's limit or with someone who shares no round."""
    event = attendee.event
    limit = event.max_must_requests
    used = db.session.scalar(
        select(func.count())
        .select_from(MeetingRequest)
        .where(
            MeetingRequest.attendee_id == attendee.id,
            MeetingRequest.kind == "must",
            MeetingRequest.other_id != other.id,
        )
    )
    if limit <= 0:
        raise RequestRefused("This event does not take must-meet requests.")
    if (used or 0) >= limit:
        raise RequestRefused(
            f"You can mark at most {limit} people as 'must meet'. "
            "Remove one of them first to choose someone else."
        )
    rounds = event.rounds
    if not share_a_round(attendee, other, rounds):
        raise RequestRefused(f"You and {other.name} do not attend any round together.")
