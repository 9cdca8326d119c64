"""Publications: each time a version becomes the published schedule, and whose meetings changed.

A meeting is the same meeting across versions when it is the same pair of people (a pair meets
at most once per event): it "changed" when it is new, moved to another round or table, or
cancelled. The marks on an attendee's agenda come from the event's publications alone, so they
change only when something is published (a rendering cached per published version stays right).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select

from app.extensions import db
from app.models import Attendee, Event, Meeting, Publication, ScheduleVersion

Seat = tuple[int, int]  # (round, table)
Seats = dict[tuple[int, int], Seat]  # (attendee id, partner id) -> where they meet


@dataclass(frozen=True)
class MeetingChange:
    """How one of an attendee's meetings changed in a publication."""

    other_id: int  # the partner
    before: Seat | None  # None: a new meeting
    after: Seat | None  # None: cancelled
    at: datetime  # the publication's time, naive UTC

    @property
    def kind(self) -> str:
        """``new``, ``moved`` or ``cancelled``."""
        if self.before is None:
            return "new"
        return "cancelled" if self.after is None else "moved"


def record_publication(event: Event, version: ScheduleVersion) -> Publication | None:
    """Note that ``version`` replaces the event's published version (the caller commits).

    Call it before setting ``event.published_version_id``. Publishing the version already
    published records nothing.
    """
    previous = event.published_version_id
    if previous == version.id:
        return None
    publication = Publication(
        event_id=event.id, version_id=version.id, previous_version_id=previous
    )
    db.session.add(publication)
    return publication


def latest_publication(event: Event) -> Publication | None:
    """The event's most recent publication, or None."""
    query = (
        select(Publication)
        .where(Publication.event_id == event.id)
        .order_by(Publication.id.desc())
        .limit(1)
    )
    return db.session.scalar(query)


def _seats(version_ids: set[int], attendee: Attendee | None = None) -> dict[int, Seats]:
    """version id -> (attendee, partner) -> (round, table), for everyone or one attendee."""
    out: dict[int, Seats] = {v: {} for v in version_ids}
    if not version_ids:
        return out
    query = select(
        Meeting.version_id,
        Meeting.round,
        Meeting.table,
        Meeting.attendee_a_id,
        Meeting.attendee_b_id,
    ).where(Meeting.version_id.in_(version_ids))
    if attendee is not None:
        query = query.where(
            or_(Meeting.attendee_a_id == attendee.id, Meeting.attendee_b_id == attendee.id)
        )
    for version_id, round_, table, a, b in db.session.execute(query):
        out[version_id][(a, b)] = (round_, table)
        out[version_id][(b, a)] = (round_, table)
    return out


def _diff(before: Seats, after: Seats, at: datetime) -> dict[tuple[int, int], MeetingChange]:
    """(attendee, partner) -> the change of their meeting from ``before`` to ``after``."""
    return {
        key: MeetingChange(key[1], before.get(key), after.get(key), at)
        for key in before.keys() | after.keys()
        if before.get(key) != after.get(key)
    }


def publication_changes(publication: Publication) -> dict[int, list[MeetingChange]]:
    """attendee id -> their meetings that ``publication`` changed, by round (empty: first one)."""
    if publication.previous_version_id is None:
        return {}
    old, new = publication.previous_version_id, publication.version_id
    seats = _seats({old, new})
    out: dict[int, list[MeetingChange]] = {}
    for (me, _), change in _diff(seats[old], seats[new], publication.published_at).items():
        out.setdefault(me, []).append(change)
    for changes in out.values():
        changes.sort(key=lambda c: c.after or c.before or (0, 0))
    return out


def meeting_marks(attendee: Attendee) -> dict[int, MeetingChange]:
    """partner id -> the latest change of the attendee's meeting with them, still true now.

    Walks the event's publications in order; a change is kept only while the published
    schedule still has the meeting where that change put it (or still lacks it, if cancelled).
    """
    event = attendee.event
    if event.published_version_id is None:
        return {}
    publications = list(
        db.session.scalars(
            select(Publication)
            .where(Publication.event_id == event.id, Publication.previous_version_id.is_not(None))
            .order_by(Publication.id)
        )
    )
    if not publications:
        return {}
    ids = {p.version_id for p in publications} | {event.published_version_id}
    ids |= {p.previous_version_id for p in publications if p.previous_version_id is not None}
    seats = _seats(ids, attendee)
    latest: dict[int, MeetingChange] = {}
    for p in publications:
        assert p.previous_version_id is not None
        changes = _diff(seats[p.previous_version_id], seats[p.version_id], p.published_at)
        for (me, other), change in changes.items():
            if me == attendee.id:
                latest[other] = change
    now = seats[event.published_version_id]
    return {
        other: change
        for other, change in latest.items()
        if now.get((attendee.id, other)) == change.after
    }
