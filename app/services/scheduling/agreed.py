"""Agreed meetings: the organiser's upload (FORMATS.md section 6) and what the build places.

An upload replaces the event's uploaded agreed meetings, all or nothing: the file is read by the
solver's own parser (solver/io.py ``parse_agreed``, every problem naming row, column and value),
and the app's rules that the solver's ``place`` does not know are added here: two people of
one company never meet, and nobody meets someone they or the organiser asked to avoid.

How the build uses them (``Event.meeting_mode``): "agreed" places them alone with the fewest
breaks (``solver.place``); "both" places them first and then lets the solver fill the rounds
left with proposals, the agreed meetings pinned; "proposes" ignores them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import delete, func, select

from app.extensions import db
from app.models import AgreedMeeting, Attendee, Event
from app.models.agreed import MEETING_MODES
from app.services.scheduling.instance import EventInstance, to_solver
from solver.io import Problem, format_rounds, parse_agreed, parse_rounds
from solver.rules import avoided, colleagues
from solver.schema import Agreed

MODE_LABELS = {
    "proposes": "Mingle proposes the meetings",
    "agreed": "Attendees agree their meetings (only agreed meetings are scheduled)",
    "both": "Both: agreed meetings first, Mingle proposes more for the free rounds",
}


@dataclass
class AgreedUpload:
    """What an upload did: the meetings stored, or the problems that refused the file."""

    stored: int = 0
    problems: list[Problem] = field(default_factory=list)


def agreed_count(event: Event) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(AgreedMeeting)
            .where(AgreedMeeting.event_id == event.id)
        )
        or 0
    )


def agreed_meetings(event: Event, limit: int | None = None) -> list[AgreedMeeting]:
    """The event's agreed meetings in file order."""
    query = (
        select(AgreedMeeting)
        .where(AgreedMeeting.event_id == event.id)
        .order_by(AgreedMeeting.row, AgreedMeeting.id)
        .limit(limit)
    )
    return list(db.session.scalars(query))


def upload_agreed(event: Event, data: bytes, filename: str) -> AgreedUpload:
    """Replace the event's uploaded agreed meetings by the file's, or change nothing."""
    attendees = list(
        db.session.scalars(
            select(Attendee).where(Attendee.event_id == event.id).order_by(Attendee.id)
        )
    )
    index = {a.email.lower(): i for i, a in enumerate(attendees)}
    agreed, problems = parse_agreed(data, filename, index, event.rounds)
    if not agreed and not problems:
        problems = [Problem(0, "", "", f"{filename} holds no meetings")]
    people = [to_solver(a) for a in attendees]
    for m in agreed:
        a, b = people[m.a], people[m.b]
        if colleagues(a, b):
            problems.append(
                Problem(m.row, "email_b", b.email, f"works for {a.company}, as {a.email} does: "
                        "colleagues never meet at the event")
            )  # fmt: skip
        elif avoided(a, b):
            problems.append(
                Problem(m.row, "email_b", b.email, f"{a.email} and {b.email} asked not to meet")
            )
    if problems:
        return AgreedUpload(problems=sorted(problems, key=lambda p: p.row))
    db.session.execute(
        delete(AgreedMeeting).where(
            AgreedMeeting.event_id == event.id, AgreedMeeting.source == "upload"
        )
    )
    for m in agreed:
        db.session.add(
            AgreedMeeting(
                event_id=event.id,
                first_id=min(attendees[m.a].id, attendees[m.b].id),
                second_id=max(attendees[m.a].id, attendees[m.b].id),
                rounds=format_rounds(m.rounds),
                round=m.round,
                source="upload",
                row=m.row,
            )
        )
    db.session.commit()
    return AgreedUpload(stored=len(agreed))


def clear_agreed(event: Event) -> int:
    """Delete the event's agreed meetings; how many there were."""
    gone = db.session.execute(delete(AgreedMeeting).where(AgreedMeeting.event_id == event.id))
    db.session.commit()
    return int(gone.rowcount or 0)  # type: ignore[attr-defined]


def set_mode(event: Event, mode: str) -> None:
    if mode not in MEETING_MODES:
        raise ValueError(f"unknown meeting mode {mode!r}")
    event.meeting_mode = mode
    db.session.commit()


def solver_agreed(event: Event, built: EventInstance) -> list[Agreed]:
    """The event's agreed meetings in the solver's terms (attendee positions of ``built``)."""
    out = []
    for m in agreed_meetings(event):
        a, b = built.position[m.first_id], built.position[m.second_id]
        out.append(Agreed(min(a, b), max(a, b), parse_rounds(m.rounds), m.round, row=m.row))
    return out
