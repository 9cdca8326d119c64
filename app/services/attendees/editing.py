"""Attendees one at a time: add one, change one, remove one (search: attendees/search.py)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import or_, select

from app.extensions import db
from app.models import Attendee, Event, Meeting
from app.services.attendees.importing import (
    MeetingImpact,
    delete_meetings,
    every_attendee,
    meeting_impact,
    remove_meetings,
    row_values,
)
from app.services.scheduling.instance import solver_attendee, solver_fields
from app.services.scheduling.vocabulary import (
    Problem,
    clean_text,
    parse_attendee_record,
    split_list,
)


@dataclass
class SaveResult:
    """The outcome of adding or changing one attendee."""

    attendee: Attendee | None
    problems: list[Problem] = field(default_factory=list)
    impact: MeetingImpact = field(default_factory=MeetingImpact)

    @property
    def ok(self) -> bool:
        """Whether the attendee was saved."""
        return not self.problems


@dataclass(frozen=True)
class RemovedMeeting:
    """A meeting that removing an attendee deletes."""

    version_number: int
    published: bool
    round: int
    table: int
    other: str  # "Name <email>"


def save_attendee(
    event: Event, record: Mapping[str, str], attendee: Attendee | None = None
) -> SaveResult:
    """Add an attendee (``attendee`` None) or change one, with the rules of a file import.

    ``record`` maps FORMATS.md column names (plus custom ones) to text, as a file row would.
    A change that makes meetings illegal removes them from the latest draft schedule and
    reports those of the published one, exactly as a re-import does.
    """
    row, problems = parse_attendee_record(dict(record), rounds=event.rounds)
    raw = {clean_text(k).lower(): clean_text(v) for k, v in record.items()}
    email = raw.get("email", "").lower()
    others = {a.email: a for a in every_attendee(event) if attendee is None or a.id != attendee.id}
    if email in others:
        problems.append(Problem(0, "email", email, "another attendee already has this e-mail"))
    for column in ("must_meet", "avoid"):
        for other in (e.lower() for e in split_list(raw.get(column, ""))):
            if other == email:
                problems.append(Problem(0, column, other, "an attendee cannot list themself"))
            elif other not in others:
                problems.append(Problem(0, column, other, "no attendee has this e-mail"))
    if problems or row is None:
        return SaveResult(attendee, problems)
    values = row_values(row, None)
    if attendee is None:
        attendee = Attendee(event_id=event.id, **values)
        db.session.add(attendee)
        db.session.commit()
        return SaveResult(attendee)
    changed = {k: v for k, v in values.items() if getattr(attendee, k) != v}
    new_state = {attendee.id: solver_attendee(solver_fields(attendee) | changed)}
    impact = meeting_impact(event, new_state, others.values()) if changed else MeetingImpact()
    old_email = attendee.email
    for key, value in changed.items():
        setattr(attendee, key, value)
    if email != old_email:
        _rename_references(others.values(), old_email, email)
    remove_meetings(impact, f"change of {attendee.name}")
    db.session.commit()
    return SaveResult(attendee, [], impact)


def removal_plan(attendee: Attendee) -> list[RemovedMeeting]:
    """The meetings that removing ``attendee`` would delete, in every version."""
    from app.models import ScheduleVersion

    event = attendee.event
    query = (
        select(Meeting, ScheduleVersion.number)
        .join(ScheduleVersion, Meeting.version_id == ScheduleVersion.id)
        .where(or_(Meeting.attendee_a_id == attendee.id, Meeting.attendee_b_id == attendee.id))
        .order_by(ScheduleVersion.number, Meeting.round)
    )
    plan = []
    for meeting, number in db.session.execute(query):
        other = meeting.attendee_b if meeting.attendee_a_id == attendee.id else meeting.attendee_a
        plan.append(
            RemovedMeeting(
                version_number=number,
                published=meeting.version_id == event.published_version_id,
                round=meeting.round,
                table=meeting.table,
                other=f"{other.name} <{other.email}>",
            )
        )
    return plan


def remove_attendee(attendee: Attendee) -> int:
    """Delete an attendee, their meetings and mentions of them in others' must-meet/avoid lists.

    Returns:
        The number of meetings deleted.
    """
    event = attendee.event
    ids = list(
        db.session.scalars(
            select(Meeting.id).where(
                or_(Meeting.attendee_a_id == attendee.id, Meeting.attendee_b_id == attendee.id)
            )
        )
    )
    delete_meetings(ids, f"removal of {attendee.name} <{attendee.email}>")
    others = [a for a in every_attendee(event) if a.id != attendee.id]
    _rename_references(others, attendee.email, None)
    db.session.delete(attendee)
    db.session.commit()
    return len(ids)


def _rename_references(people: object, old: str, new: str | None) -> None:
    """Point must_meet/avoid entries naming ``old`` at ``new`` (None: drop them)."""
    for person in people:  # type: ignore[attr-defined]
        for column in ("must_meet", "avoid"):
            listed = getattr(person, column) or []
            if old in listed:
                kept = [e for e in listed if e != old]
                if new is not None and new not in kept:
                    kept.append(new)
                setattr(person, column, sorted(kept))
