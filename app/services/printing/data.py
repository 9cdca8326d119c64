"""The printed material's inputs, read from the database: badges, agendas and table signs.

Agendas and table signs show the event's published schedule version (what attendees see on
their phones), never a draft; badges need no schedule unless their backs carry the agenda.
Links come from ``PUBLIC_URL`` (``mailing.agenda_url``), as in the e-mails. The one write,
``record_badges_printed``, is the print run both the Print page and ``flask badges`` record.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Attendee, Event, Meeting
from app.models.common import utcnow
from app.services.attendees.agenda import Agenda, build_agenda
from app.services.followups.answers import guess_currency
from app.services.messages.mailing import agenda_url
from app.services.printing.agendas import AgendaData, AgendaSlot
from app.services.printing.badges import BadgeData
from app.services.printing.signs import Seat, TableRound, TableSignData
from app.services.printing.text import clean

FIRST_NAME_COLUMN = "first_name"  # an optional custom column: the name printed large


class NothingPublished(Exception):
    """The event has no published schedule, so there are no agendas or table signs to print."""


def _published(event: Event) -> None:
    """Refuse to print agendas or signs before a schedule is published."""
    if event.published_version_id is None:
        raise NothingPublished(
            f"{event.name} has no published schedule yet: build and publish one first"
        )


def _in_print_order(attendees: Sequence[Attendee]) -> list[Attendee]:
    """Attendees by name as people look for them in a pile, then e-mail for a stable order."""
    return sorted(attendees, key=lambda a: (clean(a.name).casefold(), a.email))


def attendees_to_print(event: Event, emails: Sequence[str] = ()) -> list[Attendee]:
    """The event's attendees in print order; only those with ``emails`` when given.

    Raises:
        LookupError: naming every e-mail that is not an attendee of the event.
    """
    query = select(Attendee).where(Attendee.event_id == event.id)
    wanted = {e.strip().lower() for e in emails}
    if wanted:
        query = query.where(Attendee.email.in_(wanted))
    attendees = list(db.session.scalars(query))
    missing = wanted - {a.email for a in attendees}
    if missing:
        raise LookupError(f"not an attendee of {event.slug}: {', '.join(sorted(missing))}")
    return _in_print_order(attendees)


def _slots(agenda: Agenda) -> tuple[AgendaSlot, ...]:
    """The phone agenda's rounds as printed rows (breaks left out: the times show them)."""
    base = agenda_url(agenda.attendee)
    version = agenda.event.published_version
    printed = f"?v={version.number}" if version is not None else ""  # tells a move apart
    rows = []
    for slot in agenda.slots:
        if slot.kind == "break":
            continue
        row = AgendaSlot(round=slot.round, start=slot.start, end=slot.end, kind=slot.kind)
        if slot.kind == "meeting" and slot.meeting is not None and slot.other is not None:
            other = slot.other
            row = AgendaSlot(
                round=slot.round,
                start=slot.start,
                end=slot.end,
                table=slot.table,
                other_name=other.name,
                other_company=other.company,
                other_kind=other.kind,
                other_title=other.title or "",
                reasons=tuple(slot.reasons),
                followup_url=f"{base}/followup/{slot.ref}{printed}",
                reference=f"meeting {slot.ref}",
            )
        rows.append(row)
    return tuple(rows)


def badge_data(
    event: Event, attendees: Sequence[Attendee] | None = None, with_agenda: bool = False
) -> list[BadgeData]:
    """Badges of ``attendees`` (default: everyone, by name); ``with_agenda`` fills the backs."""
    people = _in_print_order(attendees) if attendees is not None else attendees_to_print(event)
    if with_agenda:
        _published(event)
    badges = []
    for person in people:
        custom = person.custom or {}
        badges.append(
            BadgeData(
                name=person.name,
                company=person.company,
                kind=person.kind,
                region=person.region,
                url=agenda_url(person),
                first_name=str(custom.get(FIRST_NAME_COLUMN) or ""),
                title=person.title or "",
                country=person.country or "",
                tier=person.tier,
                event_name=event.name,
                agenda=_slots(build_agenda(person)) if with_agenda else (),
            )
        )
    return badges


def agenda_data(event: Event, attendee: Attendee | None = None) -> list[AgendaData]:
    """Printed agendas of the published schedule: one attendee's, or everyone's by name.

    Raises:
        NothingPublished: before a schedule is published.
    """
    _published(event)
    people = [attendee] if attendee is not None else attendees_to_print(event)
    version = event.published_version
    out = []
    for person in people:
        agenda = build_agenda(person)
        out.append(
            AgendaData(
                event_name=event.name,
                venue=event.venue,
                timezone=event.timezone,
                starts_at=event.starts_at,
                name=person.name,
                company=person.company,
                kind=person.kind,
                region=person.region,
                url=agenda_url(person),
                slots=_slots(agenda),
                title=person.title or "",
                currency=guess_currency(person),
                version=version.number if version is not None else None,
            )
        )
    return out


def table_sign_data(event: Event) -> list[TableSignData]:
    """One sign per table that has a meeting in the published schedule, by table number.

    Raises:
        NothingPublished: before a schedule is published.
    """
    _published(event)
    meetings = db.session.scalars(
        select(Meeting)
        .where(Meeting.version_id == event.published_version_id)
        .options(selectinload(Meeting.attendee_a), selectinload(Meeting.attendee_b))
        .order_by(Meeting.table, Meeting.round)
    )
    by_table: dict[int, dict[int, Meeting]] = defaultdict(dict)
    for meeting in meetings:
        by_table[meeting.table][meeting.round] = meeting
    times = event.round_times()
    signs = []
    for table in sorted(by_table):
        rounds = []
        for number, (start, end) in enumerate(times, start=1):
            booked = by_table[table].get(number)
            seats: tuple[Seat, ...] = ()
            if booked is not None:
                pair = sorted((booked.attendee_a, booked.attendee_b), key=lambda a: a.name)
                seats = tuple(Seat(a.name, a.company) for a in pair)
            rounds.append(TableRound(number, start, end, seats))
        signs.append(
            TableSignData(
                event_name=event.name,
                table=table,
                label=event.table_label(table),
                rounds=tuple(rounds),
                venue=event.venue,
                timezone=event.timezone,
            )
        )
    return signs


def record_badges_printed(event: Event) -> None:
    """Note that everyone's badges were printed now (the dashboard's "Badges printed" step).

    Called when the organiser prints the whole run (the web form's POST, or ``flask badges``
    without ``--attendee``); a reprint of one badge or a GET download records nothing.
    """
    event.badges_printed_at = utcnow()
    db.session.commit()
