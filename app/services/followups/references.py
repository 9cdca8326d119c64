"""Meeting references as printed on agendas: from what someone typed or scanned to a meeting.

A reference is the pair's code (``KA7MX``, app/models/meeting_ref.py), the same in every
schedule version. Agendas printed before references existed show the meeting row's id
("meeting 660"); such a number still works while its row exists in some version of the event:
it names that row's pair. Either way the answer is the pair's meeting in the *published*
version, wherever it moved, or, when a later version dropped the pair, which version did and
when, so the paper form and its QR link can say "cancelled in the re-plan at 11:05".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import and_, or_, select

from app.extensions import db
from app.models import Event, Meeting, MeetingRef, ScheduleVersion
from app.models.meeting_ref import ALPHABET, CODE_LENGTH, is_valid_code, pair_of
from app.params import MAX_ID
from app.services.events.clock import from_utc

MAX_TYPED = 40  # characters of a typed or scanned reference worth reading
SEPARATORS = re.compile(r"[\s\-_.·#]+")
PREFIX = re.compile(r"^(MEETING|MEET|REF|NO|NR)(?=[0-9A-Z])")
NOT_USED = "0, 1, I, L, O, S and U"
CHANGES = {"replan": "the re-plan", "edit": "a schedule edit", "solver": "a new schedule"}


class BadReference(ValueError):
    """What was typed is no meeting reference of this event; the message says what to check."""


def normalise(text: str) -> str:
    """``text`` as a reference is compared: upper case, no spaces, dashes or "meeting" word."""
    squeezed = SEPARATORS.sub("", text.strip()[:MAX_TYPED].upper())
    return PREFIX.sub("", squeezed)


def looks_like_reference(text: str) -> bool:
    """Whether ``text`` may be meant as a reference (a code or an old number), not a name.

    Codes start with a letter and hold a digit, which names rarely do; old references are
    digits. A code one character short or long counts too, so the typo is named.
    """
    value = normalise(text)
    if value.isascii() and value.isdigit():
        return True
    return (
        CODE_LENGTH - 2 <= len(value) <= CODE_LENGTH + 2
        and value.isascii()
        and value.isalnum()
        and value[0].isalpha()
        and any(c.isdigit() for c in value)
    )


@dataclass
class Found:
    """Where the meeting a reference names stands in the published schedule."""

    ref: MeetingRef
    meeting: Meeting | None  # the pair's meeting in the published version; None: dropped
    printed: Meeting | None = None  # the row an old number named, or the printed version's
    dropped_by: ScheduleVersion | None = None  # the version that cancelled it

    @property
    def code(self) -> str:
        """The reference as printed from now on."""
        return self.ref.code

    @property
    def moved(self) -> bool:
        """Whether the meeting is in another round or at another table than was printed."""
        if self.meeting is None or self.printed is None:
            return False
        return (self.printed.round, self.printed.table) != (self.meeting.round, self.meeting.table)

    def cancelled(self, event: Event) -> str:
        """'This meeting was cancelled in the re-plan at 11:05.' ('' while it takes place)."""
        if self.meeting is not None:
            return ""
        if self.dropped_by is None:
            return "This meeting is not in the published schedule."
        change = CHANGES.get(self.dropped_by.source, "a new schedule")
        when = from_utc(event, self.dropped_by.created_at)
        at = f"{when:%H:%M}"
        if when.date() != event.starts_at.date():
            at += f" on {when:%d %b}"
        return f"This meeting was cancelled in {change} at {at}."


def codes_for(event: Event, meetings: Iterable[Meeting]) -> dict[int, str]:
    """The reference of each meeting, by meeting id."""
    rows = list(meetings)
    if not rows:
        return {}
    pairs = {pair_of(m) for m in rows}
    lows = {p[0] for p in pairs}
    refs = db.session.scalars(
        select(MeetingRef).where(
            MeetingRef.event_id == event.id, MeetingRef.attendee_low_id.in_(lows)
        )
    )
    by_pair = {r.pair: r.code for r in refs if r.pair in pairs}
    return {m.id: by_pair[pair_of(m)] for m in rows}


def code_of(meeting: Meeting) -> str:
    """One meeting's reference."""
    return codes_for(meeting.version.event, [meeting])[meeting.id]


def find_meeting(event: Event, typed: str, printed_version: int | None = None) -> Found:
    """The meeting a typed or scanned reference names, in the event's published schedule.

    Args:
        typed: a code such as ``KA7MX`` (any case, spaces and dashes ignored, "meeting" in
            front allowed), or an old printed meeting number.
        printed_version: the schedule version number the reference was printed from, when
            known (the QR link carries it), to tell whether the meeting moved since.

    Raises:
        BadReference: a mistyped code (wrong check character, characters codes never use),
            a code or number of no meeting of this event, or nothing published.
    """
    value = normalise(typed)
    shown = typed.strip()[:MAX_TYPED]
    if event.published_version_id is None:
        raise BadReference("No schedule is published yet: there are no meetings to look up.")
    printed: Meeting | None = None
    if value.isascii() and value.isdigit():
        printed = _old_number(event, value, shown)
        ref = _ref_of(event, pair_of(printed))
    else:
        ref = _ref_by_code(event, value, shown)
    history = _history(event, ref)
    published = event.published_version
    assert published is not None
    current = next((m for v, m in history if v.id == published.id), None)
    if printed is None and printed_version is not None:
        printed = next((m for v, m in history if v.number == printed_version), None)
    found = Found(ref, current, printed)
    if current is None:
        found.dropped_by = _dropping_version(event, history, published)
    return found


def _old_number(event: Event, value: str, shown: str) -> Meeting:
    """The meeting row of an old printed number, in any version of the event."""
    if len(value) > 12 or int(value) > MAX_ID:  # beyond every id the database can hold
        raise BadReference(f"“{shown}” is no meeting number of {event.name}.")
    meeting = db.session.get(Meeting, int(value))
    if meeting is None or meeting.version.event_id != event.id:
        raise BadReference(
            f"“{shown}” is no meeting number of {event.name}: check the number printed under "
            "the form's QR code."
        )
    return meeting


def _ref_by_code(event: Event, value: str, shown: str) -> MeetingRef:
    """The reference row of a typed code, refusing typos with what to check."""
    if len(value) != CODE_LENGTH or not value.isascii() or not value.isalnum():
        raise BadReference(
            f"“{shown}” is not a meeting reference: references have {CODE_LENGTH} letters and "
            "digits, e.g. KA7MX."
        )
    unused = sorted({c for c in value if c not in ALPHABET})
    if unused:
        raise BadReference(
            f"“{shown}” is not a meeting reference: references never use {NOT_USED} "
            f"(found {', '.join(unused)}). Check the code printed under the form's QR code."
        )
    if not is_valid_code(value):
        raise BadReference(
            f"“{shown}” is not a meeting reference: one character is mistyped (its last "
            "character is a check). Check the code printed under the form's QR code."
        )
    ref = db.session.scalar(
        select(MeetingRef).where(MeetingRef.event_id == event.id, MeetingRef.code == value)
    )
    if ref is None:
        raise BadReference(f"“{shown}” is no meeting reference of {event.name}.")
    return ref


def _ref_of(event: Event, pair: tuple[int, int]) -> MeetingRef:
    """The reference row of a pair (every stored meeting's pair has one)."""
    ref = db.session.scalar(
        select(MeetingRef).where(
            MeetingRef.event_id == event.id,
            MeetingRef.attendee_low_id == pair[0],
            MeetingRef.attendee_high_id == pair[1],
        )
    )
    assert ref is not None, f"meetings of {pair} have no reference"
    return ref


def _history(event: Event, ref: MeetingRef) -> list[tuple[ScheduleVersion, Meeting]]:
    """Every version of the event that has the pair's meeting, by version number."""
    low, high = ref.pair
    rows = db.session.execute(
        select(ScheduleVersion, Meeting)
        .join(Meeting, Meeting.version_id == ScheduleVersion.id)
        .where(
            ScheduleVersion.event_id == event.id,
            or_(
                and_(Meeting.attendee_a_id == low, Meeting.attendee_b_id == high),
                and_(Meeting.attendee_a_id == high, Meeting.attendee_b_id == low),
            ),
        )
        .order_by(ScheduleVersion.number)
    )
    return [(v, m) for v, m in rows]


def _dropping_version(
    event: Event, history: list[tuple[ScheduleVersion, Meeting]], published: ScheduleVersion
) -> ScheduleVersion | None:
    """The first version after the pair's last meeting up to the published one: it dropped it.

    None when the pair never met in a version up to the published one (a draft's meeting).
    """
    before = [v.number for v, _ in history if v.number < published.number]
    if not before:
        return None
    return db.session.scalar(
        select(ScheduleVersion)
        .where(
            ScheduleVersion.event_id == event.id,
            ScheduleVersion.status == "ready",  # a failed build drops nothing
            ScheduleVersion.number > before[-1],
            ScheduleVersion.number <= published.number,
        )
        .order_by(ScheduleVersion.number)
        .limit(1)
    )
