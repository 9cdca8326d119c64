"""Keying in paper follow-up forms: one attendee's answers about all their meetings at once.

The printed agenda carries a paper form per meeting, labelled with the meeting's reference
("meeting KA7MX", followups/references.py), which stays the same across re-plans and
re-published versions. The organiser finds the attendee (by name, or by that reference, or by
the row number agendas printed before references showed) and types every answered form of
that agenda in one go. Saving is all-or-nothing: every row is checked first, and nothing is stored
while any row is wrong.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, func, or_, select

from app.extensions import db
from app.models import Attendee, Event, FollowUp, Meeting
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
from app.services.followups.references import (
    BadReference,
    Found,
    codes_for,
    find_meeting,
    looks_like_reference,
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
    ref: str  # the meeting's printed reference: field names survive a re-published version
    errors: dict[str, str] = field(default_factory=dict)

    def name(self, field_name: str) -> str:
        """The form field's name for this row: ``m<meeting id>-<field>``."""
        return f"m{self.ref}-{field_name}"


@dataclass
class PaperSearch:
    """What a search of the key-in page found: people, and the meeting a reference names."""

    matches: list[Attendee] = field(default_factory=list)
    found: Found | None = None  # the meeting a typed reference names
    error: str = ""  # a reference that names no meeting, and what to check
    notice: str = ""  # where that meeting stands now: moved, or cancelled and when


def paper_search(event: Event, query: str) -> PaperSearch:
    """Both people of the meeting when ``query`` is a printed reference, else a name search.

    A reference printed before a re-plan still finds its pair (the meeting may have moved);
    a mistyped one is refused rather than matching another meeting.
    """
    query = clean_text(query)
    if not looks_like_reference(query):
        return PaperSearch(find_attendees(event, query))
    try:
        found = find_meeting(event, query)
    except BadReference as bad:
        names = find_attendees(event, query)  # "Anna2" may be someone's name after all
        return PaperSearch(names) if names else PaperSearch(error=str(bad))
    ref = found.ref
    people = sorted([ref.attendee_low, ref.attendee_high], key=lambda a: a.name.casefold())
    return PaperSearch(people, found, notice=_standing(event, found))


def _standing(event: Event, found: Found) -> str:
    """One sentence on the meeting a reference names, as it is in the published schedule."""
    meeting = found.meeting
    if meeting is None:
        answered = db.session.scalar(
            select(func.count(FollowUp.id)).where(
                FollowUp.event_id == event.id,
                or_(
                    and_(
                        FollowUp.attendee_id == found.ref.attendee_low_id,
                        FollowUp.other_id == found.ref.attendee_high_id,
                    ),
                    and_(
                        FollowUp.attendee_id == found.ref.attendee_high_id,
                        FollowUp.other_id == found.ref.attendee_low_id,
                    ),
                ),
            )
        )
        kept = f" The {answered} answer(s) given about it are kept." if answered else ""
        return f"Meeting {found.code}: {found.cancelled(event)}{kept}"
    where = f"round {meeting.round} at {event.table_label(meeting.table)}"
    if found.moved and found.printed is not None:
        was = f"round {found.printed.round} at {event.table_label(found.printed.table)}"
        return f"Meeting {found.code} moved to {where} (printed: {was})."
    return f"Meeting {found.code} is in {where}."


def paper_rows(
    attendee: Attendee,
    submitted: Mapping[str, str] | None = None,
    now: datetime | None = None,
) -> list[PaperRow]:
    """The attendee's meetings of the published version by round, with their answers."""
    event = attendee.event
    meetings = list(
        db.session.scalars(
            select(Meeting)
            .where(
                Meeting.version_id == event.published_version_id,
                or_(Meeting.attendee_a_id == attendee.id, Meeting.attendee_b_id == attendee.id),
            )
            .order_by(Meeting.round)
        )
    )
    codes = codes_for(event, meetings)
    rows = []
    for meeting in meetings:
        other = db.session.get(Attendee, other_side(meeting, attendee))
        assert other is not None
        answer = find_followup(event, attendee, other.id)
        state = followup_state(event, meeting, answer, now)
        row = PaperRow(meeting, other, state, form_values(attendee, answer), codes[meeting.id])
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
) -> tuple[list[PaperRow], int, list[str]]:
    """Check every keyed-in row, then store them all; or store none when any row is wrong.

    Blank rows are skipped. Returns the rows (with ``errors`` per field), how many answers
    were stored (0 when any row has errors), and a sentence per keyed-in row whose meeting a
    re-plan cancelled while the form was being typed (nothing is stored then either, so the
    organiser sees it before anything changes).
    """
    rows = paper_rows(attendee, submitted, now)
    cancelled = _cancelled_rows(attendee, submitted, {row.ref for row in rows})
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
    if cancelled or any(row.errors for row in rows):
        return rows, 0, cancelled
    for row, answers in to_save:
        record_followup(row.meeting, attendee, answers, now)
    return rows, len(to_save), []


def _cancelled_rows(attendee: Attendee, submitted: Mapping[str, str], refs: set[str]) -> list[str]:
    """What to say about keyed-in rows of meetings no longer in the published schedule."""
    typed: dict[str, dict[str, str]] = {}
    for key, value in submitted.items():
        code, dash, name = key[1:].partition("-")
        if key.startswith("m") and dash and name in (*FIELDS, "comment") and code not in refs:
            typed.setdefault(code, {})[name] = str(value or "").strip()
    out = []
    for code, answers in sorted(typed.items()):
        if _blank(answers):
            continue
        try:
            found = find_meeting(attendee.event, code)
        except BadReference:
            continue  # not a meeting of this event: nothing this page wrote
        if attendee.id not in found.ref.pair:
            continue
        other = (
            found.ref.attendee_high
            if found.ref.attendee_low_id == attendee.id
            else (found.ref.attendee_low)
        )
        out.append(
            f"Meeting {code} with {other.name}: {found.cancelled(attendee.event) or 'it moved.'} "
            "Nothing was saved: below is the schedule as it is now; save again."
        )
    return out
