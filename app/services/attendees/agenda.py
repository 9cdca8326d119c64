"""An attendee's personal agenda: their meetings of the published schedule, why, and when.

Times are shown in the event's local time (``Event.round_times()``); the calendar file and the
page's "now / next" script use the same instants in UTC (see app/services/events/clock.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from icalendar import Alarm, Calendar
from icalendar import Event as CalendarEvent
from sqlalchemy import or_, select

from app.extensions import db
from app.models import Attendee, Event, FollowUp, Meeting, MeetingRequest
from app.services.events.clock import from_utc, local_now, to_utc, utc_now
from app.services.followups.answers import FollowUpState, followup_state, other_side
from app.services.followups.references import codes_for
from app.services.leads import ScanNotice, scan_notices
from app.services.scheduling.publications import MeetingChange, meeting_marks
from app.services.scheduling.vocabulary import parse_rounds

# What an attendee's goal says when the other person serves it, in the second person.
YOUR_GOALS = {
    "find_partners": ("partner", "you want to find partners"),
    "recruit_partners": ("partner", "you want to recruit partners"),
    "meet_vendors": ("vendor", "you want to meet vendors"),
    "meet_distributors": ("distributor", "you want to meet distributors"),
}
THEIR_GOALS = {
    "find_partners": ("partner", "they are looking for partners like you"),
    "recruit_partners": ("partner", "they want to recruit partners like you"),
    "meet_vendors": ("vendor", "they want to meet vendors like you"),
    "meet_distributors": ("distributor", "they want to meet distributors like you"),
}
NO_REASON = "someone from another company, to widen your network"


# -- why this match ---------------------------------------------------------------------------


def _tags(values: Iterable[str]) -> dict[str, str]:
    """Tags by their lower-case form, keeping the first spelling for display."""
    out: dict[str, str] = {}
    for value in values:
        out.setdefault(value.strip().lower(), value.strip())
    return out


def _listing(words: list[str], limit: int = 3) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    words = words[:limit]
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def explain_match(viewer: Attendee, other: Attendee, limit: int = 4) -> list[str]:
    """Why ``viewer`` should meet ``other``, in the second person, most telling reason first.

    Mirrors the complementarity score (solver/score.py) from the viewer's side: what each
    offers that the other seeks, regions one sells in and the other targets, partners who can
    team up across regions, and stated goals the meeting serves. ``Scorer.reasons`` keeps the
    organiser's third-person wording.
    """
    parts: list[str] = []
    mine, theirs = _tags(viewer.offers or ()), _tags(other.offers or ())
    i_seek, they_seek = _tags(viewer.seeks or ()), _tags(other.seeks or ())
    give = [mine[t] for t in sorted(mine.keys() & they_seek.keys())]
    get = [theirs[t] for t in sorted(theirs.keys() & i_seek.keys())]
    if give:
        parts.append(f"you offer {_listing(give)}, which they seek")
    if get:
        parts.append(f"they offer {_listing(get)}, which you seek")
    my_region, their_region = viewer.region.strip(), other.region.strip()
    my_targets = {t.strip().upper() for t in viewer.target_regions or ()}
    their_targets = {t.strip().upper() for t in other.target_regions or ()}
    other_market = my_region.upper() != their_region.upper()
    if their_region.upper() in my_targets:
        parts.append(f"they sell in {their_region}, a region you target")
    if my_region.upper() in their_targets:
        parts.append(f"you sell in {my_region}, a region they target")
    if viewer.kind == other.kind == "partner" and other_market:
        parts.append(f"they sell in {their_region} where you don't: you can team up on deals")
    for goal in sorted(viewer.goals or ()):
        if goal == "expand_regions" and other_market:
            parts.append(f"you want to expand beyond {my_region}")
            break
        if goal in YOUR_GOALS and YOUR_GOALS[goal][0] == other.kind:
            parts.append(YOUR_GOALS[goal][1])
            break
    for goal in sorted(other.goals or ()):
        if goal == "expand_regions" and other_market:
            parts.append(f"they want to expand into {my_region}")
            break
        if goal in THEIR_GOALS and THEIR_GOALS[goal][0] == viewer.kind:
            parts.append(THEIR_GOALS[goal][1])
            break
    return parts[:limit] or [NO_REASON]


# -- the agenda -------------------------------------------------------------------------------


@dataclass
class Mark:
    """A meeting that a publication changed: when (local, "11:05") and what it was before."""

    kind: str  # "new", "moved" or "cancelled"
    when: str  # "11:05", or "17:20, 3 Mar" when not on the round's day
    other: Attendee
    was: str = ""  # moved: "round 2, Tulip"; cancelled: its table


@dataclass
class Slot:
    """One line of the agenda: a round (meeting, free, away) or the break after it."""

    kind: str  # "meeting", "free" (no meeting this round), "away" (not attending), "break"
    round: int
    start: datetime  # naive local
    end: datetime
    start_utc: datetime
    end_utc: datetime
    meeting: Meeting | None = None
    other: Attendee | None = None
    table: str = ""
    reasons: list[str] = field(default_factory=list)
    followup: FollowUpState | None = None
    ref: str = ""  # the meeting's reference, the same in every schedule version
    state: str = ""  # "past", "now", "next" or "" (later), as of the page's rendering
    change: Mark | None = None  # the meeting is new or moved since an earlier publication
    cancelled: list[Mark] = field(default_factory=list)  # meetings of this round cancelled

    @property
    def anchor(self) -> str:
        """The id of this slot on the page."""
        return f"round-{self.round}" if self.kind != "break" else f"break-{self.round}"


@dataclass
class Agenda:
    """What the agenda page, the calendar file and the offline copy show for one attendee."""

    event: Event
    attendee: Attendee
    published: bool
    version_number: int | None
    slots: list[Slot]
    rendered_at: datetime  # naive local: the "last updated" time
    rendered_utc: datetime
    requests_open: bool
    # Sponsors who scanned the attendee's badge at their booth; each can be withdrawn.
    scans: list[ScanNotice] = field(default_factory=list)

    @property
    def meetings(self) -> list[Slot]:
        """The slots that hold a meeting, in round order."""
        return [s for s in self.slots if s.kind == "meeting"]

    @property
    def followups_open(self) -> int:
        """Meetings whose follow-up can be answered now and has no answer yet."""
        return sum(1 for s in self.meetings if s.followup and s.followup.status == "open")


def attendee_meetings(attendee: Attendee) -> list[Meeting]:
    """The attendee's meetings in the event's published version, in round order."""
    version_id = attendee.event.published_version_id
    if version_id is None:
        return []
    query = (
        select(Meeting)
        .where(
            Meeting.version_id == version_id,
            or_(Meeting.attendee_a_id == attendee.id, Meeting.attendee_b_id == attendee.id),
        )
        .order_by(Meeting.round, Meeting.table)
    )
    return list(db.session.scalars(query))


def requests_open(event: Event, now: datetime | None = None) -> bool:
    """Whether attendees may still state whom to meet: until the first round starts."""
    return event.closed_at is None and local_now(event, now) < event.starts_at


def build_agenda(attendee: Attendee, now: datetime | None = None) -> Agenda:
    """The attendee's agenda as of ``now`` (aware; default: the clock).

    Reads only this attendee's rows: their meetings, the people they meet, their answers and
    requests, so it stays fast when every attendee opens it at once.
    """
    now = now or utc_now()
    event = attendee.event
    version = event.published_version
    meetings = attendee_meetings(attendee)
    marks = meeting_marks(attendee)
    other_ids = [other_side(m, attendee) for m in meetings] + list(marks)
    people = {
        a.id: a for a in db.session.scalars(select(Attendee).where(Attendee.id.in_(other_ids)))
    }
    answers = {
        f.other_id: f
        for f in db.session.scalars(
            select(FollowUp).where(
                FollowUp.event_id == event.id, FollowUp.attendee_id == attendee.id
            )
        )
    }
    asked = set(
        db.session.scalars(
            select(MeetingRequest.other_id).where(
                MeetingRequest.attendee_id == attendee.id, MeetingRequest.kind == "must"
            )
        )
    )
    by_round = {m.round: m for m in meetings}
    codes = codes_for(event, meetings)
    attending = parse_rounds(attendee.available_rounds or "")
    times = event.round_times()
    slots: list[Slot] = []
    for number, (start, end) in enumerate(times, start=1):
        slot = Slot("free", number, start, end, to_utc(event, start), to_utc(event, end))
        meeting = by_round.get(number)
        if meeting is not None:
            other = people[other_side(meeting, attendee)]
            reasons = explain_match(attendee, other)
            if other.id in asked:
                reasons = ["you asked to meet them", *[r for r in reasons if r != NO_REASON]]
            slot.kind = "meeting"
            slot.meeting = meeting
            slot.other = other
            slot.table = event.table_label(meeting.table)
            slot.reasons = reasons
            slot.followup = followup_state(event, meeting, answers.get(other.id), now)
            if other.id in marks:
                slot.change = _mark(event, marks[other.id], other, start)
            slot.ref = codes[meeting.id]
        elif attending is not None and number not in attending:
            slot.kind = "away"
        slots.append(slot)
        if number < len(times) and times[number][0] > end:
            after = times[number][0]
            slots.append(
                Slot("break", number, end, after, to_utc(event, end), to_utc(event, after))
            )
    rounds = {s.round: s for s in slots if s.kind != "break"}
    for other_id, change in marks.items():
        where = change.before if change.kind == "cancelled" else None
        if where is not None and where[0] in rounds and other_id in people:
            slot = rounds[where[0]]
            slot.cancelled.append(_mark(event, change, people[other_id], slot.start))
    _mark_now_and_next(slots, now)
    return Agenda(
        event=event,
        attendee=attendee,
        published=version is not None,
        version_number=version.number if version else None,
        slots=slots,
        rendered_at=local_now(event, now),
        rendered_utc=now.astimezone(UTC),
        requests_open=requests_open(event, now),
        scans=scan_notices(attendee),
    )


def _mark(event: Event, change: MeetingChange, other: Attendee, day: datetime) -> Mark:
    """The agenda's words for one change, its time in the event's zone."""
    local = from_utc(event, change.at)
    when = f"{local:%H:%M}" if local.date() == day.date() else f"{local:%H:%M, %d %b}"
    was = ""
    if change.kind == "moved" and change.before is not None and change.after is not None:
        old_round, old_table = change.before
        where = [f"round {old_round}"] if old_round != change.after[0] else []
        if old_table != change.after[1]:
            where.append(event.table_label(old_table))
        was = ", ".join(where)
    elif change.kind == "cancelled" and change.before is not None:
        was = event.table_label(change.before[1])
    return Mark(change.kind, when, other, was)


def _mark_now_and_next(slots: list[Slot], now: datetime) -> None:
    """Mark slots "past", the round under way "now", the one after "next" (JS redoes it live)."""
    upcoming = False
    for slot in slots:
        if slot.end_utc <= now:
            slot.state = "past"
        elif slot.kind == "break":
            continue
        elif slot.start_utc <= now:
            slot.state = "now"
        elif not upcoming:
            slot.state = "next"
            upcoming = True


# -- the calendar file (RFC 5545, written by the icalendar library) ---------------------------


def meeting_uid(event: Event, a_id: int, b_id: int) -> str:
    """The calendar UID of two people's meeting at an event.

    Without the round: a pair meets at most once per event, so a meeting moved to another
    round by a re-published schedule updates the calendar entry instead of adding a second one.
    """
    return f"meeting-{event.id}-{min(a_id, b_id)}-{max(a_id, b_id)}@mingle"


def _alarm(minutes: int, other: Attendee) -> Alarm:
    """A display alarm ``minutes`` before the meeting (RFC 5545 VALARM)."""
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("trigger", -timedelta(minutes=minutes))
    alarm.add("description", f"In {minutes} min: meeting {other.name} ({other.company})")
    return alarm


def agenda_ics(agenda: Agenda, agenda_url: str = "") -> str:
    """The agenda's meetings as an iCalendar file: one VEVENT each, times in UTC.

    Each meeting carries a display alarm ``Event.reminder_minutes`` before it (none at 0). The
    icalendar library escapes the text, folds lines at 75 octets (never inside a UTF-8
    character) and writes the CRLF line ends RFC 5545 asks for.
    """
    event = agenda.event
    calendar = Calendar()
    calendar.add("prodid", "-//Mingle//Attendee agenda//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", event.name)
    calendar.add("x-wr-timezone", event.timezone)
    for slot in agenda.meetings:
        other = slot.other
        assert other is not None and slot.meeting is not None
        place = ", ".join(p for p in (slot.table, event.venue.strip()) if p)
        description = f"Round {slot.round} at {slot.table}. Why: {'; '.join(slot.reasons)}."
        if agenda_url:
            description += f"\nYour agenda: {agenda_url}"
        meeting = CalendarEvent()
        meeting.add("uid", meeting_uid(event, agenda.attendee.id, other.id))
        meeting.add("sequence", agenda.version_number or 0)
        meeting.add("dtstamp", agenda.rendered_utc.astimezone(UTC))
        meeting.add("dtstart", slot.start_utc.astimezone(UTC))
        meeting.add("dtend", slot.end_utc.astimezone(UTC))
        meeting.add("summary", f"Meeting: {other.name} ({other.company})")
        meeting.add("location", place)
        meeting.add("description", description)
        meeting.add("transp", "OPAQUE")
        if event.reminder_minutes:
            meeting.add_component(_alarm(event.reminder_minutes, other))
        calendar.add_component(meeting)
    return calendar.to_ical().decode("utf-8")
