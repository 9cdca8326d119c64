"""Keying in paper follow-up forms: one attendee's answers about all their meetings at once.

The printed agenda carries a paper form per meeting, labelled "meeting <id>". The organiser
finds the attendee (by name, or by that meeting id) and types every answered form of that
agenda in one go. Saving is all-or-nothing: every row is checked first, and nothing is stored
while any row is wrong.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import or_, select

from app.extensions import db
from app.models import Attendee, Event, Meeting
from app.params import whole
from app.services.attendees.search import find_attendees
from app.services.followups.answers import (
    FollowUpState,
    find_followup,
    followup_state,
    form_values,
    other_side,
    record_followup,
    validate_answers,
)
from app.services.scheduling.vocabulary import clean_text

FIELDS = ("held", "rating", "recommend", "next_step", "pipeline_value", "currency", "why")


@dataclass
class PaperRow:
    """One meeting of the attendee's agenda and its keyed-in answer."""

    meeting: Meeting
    other: Attendee
    state: FollowUpState
    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)

    def name(self, field_name: str) -> str:
        """The form field's name for this row: ``m<meeting id>-<field>``."""
        return f"m{self.meeting.id}-{field_name}"


def paper_attendees(event: Event, query: str) -> list[Attendee]:
    """Both people of meeting ``<id>`` when ``query`` is a meeting number, else a name search."""
    query = clean_text(query)
    digits = query.lower().removeprefix("meeting").strip().lstrip("#")
    if digits[:1].isdigit():  # a meeting number ("²" or 10^23 finds nobody, and no 500)
        try:
            meeting_id = whole(digits)
        except ValueError:
            return []
        meeting = db.session.get(Meeting, meeting_id)
        if meeting is None or meeting.version_id != event.published_version_id:
            return []
        return sorted([meeting.attendee_a, meeting.attendee_b], key=lambda a: a.name.casefold())
    return find_attendees(event, query)


def paper_rows(
    attendee: Attendee,
    submitted: Mapping[str, str] | None = None,
    now: datetime | None = None,
) -> list[PaperRow]:
    """The attendee's meetings of the published version by round, with their answers."""
    event = attendee.event
    meetings = db.session.scalars(
        select(Meeting)
        .where(
            Meeting.version_id == event.published_version_id,
            or_(Meeting.attendee_a_id == attendee.id, Meeting.attendee_b_id == attendee.id),
        )
        .order_by(Meeting.round)
    )
    rows = []
    for meeting in meetings:
        other = db.session.get(Attendee, other_side(meeting, attendee))
        assert other is not None
        answer = find_followup(event, attendee, other.id)
        state = followup_state(event, meeting, answer, now)
        row = PaperRow(meeting, other, state, form_values(attendee, answer))
        if submitted is not None:
            row.values = form_values(attendee, None, _row_answers(row, submitted))
        rows.append(row)
    return rows


def _row_answers(row: PaperRow, submitted: Mapping[str, str]) -> dict[str, str]:
    return {name: str(submitted.get(row.name(name)) or "").strip() for name in (*FIELDS, "comment")}


def _blank(answers: Mapping[str, str]) -> bool:
    """A row with nothing keyed in (the currency alone has a default)."""
    return not any(v for k, v in answers.items() if k not in ("currency", "next_step")) and (
        answers.get("next_step") in ("", "none")
    )


def save_paper_answers(
    attendee: Attendee, submitted: Mapping[str, str], now: datetime | None = None
) -> tuple[list[PaperRow], int]:
    """Check every keyed-in row, then store them all; or store none when any row is wrong.

    Blank rows are skipped. Returns the rows (with ``errors`` per field) and how many answers
    were stored (0 when any row has errors).
    """
    rows = paper_rows(attendee, submitted, now)
    to_save: list[tuple[PaperRow, dict[str, str]]] = []
    for row in rows:
        answers = _row_answers(row, submitted)
        if _blank(answers):
            continue
        if not row.state.editable:
            opens = row.state.opens_at
            row.errors["held"] = (
                "The event is closed: answers can no longer be changed."
                if row.state.status == "closed"
                else f"This follow-up opens at {opens:%H:%M}, when round {row.meeting.round} ends."
            )
            continue
        row.errors.update(validate_answers(answers, row.other).errors)
        to_save.append((row, answers))
    if any(row.errors for row in rows):
        return rows, 0
    for row, answers in to_save:
        record_followup(row.meeting, attendee, answers, now)
    return rows, len(to_save)
