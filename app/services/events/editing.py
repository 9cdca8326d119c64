"""Events: creating and changing them, and what the dashboard says is done and next."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    Attendee,
    Event,
    Meeting,
    Organiser,
    OutboxMessage,
    ScheduleVersion,
    SolveJob,
)
from app.models.common import text_limit
from app.models.event import EVENT_SETTINGS, make_slug
from app.services.events.booths import BoothRefused, parse_table_owners
from app.services.events.clock import from_utc
from app.services.messages.mailing import AGENDA_LINK
from app.services.scheduling.versions import check_version
from app.services.scheduling.vocabulary import clean_text, format_rounds, parse_rounds, too_long


def default_start(now: datetime | None = None) -> datetime:
    """Tomorrow at 09:00: a sensible start until the organiser says otherwise."""
    now = now or datetime.now()
    return (now + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)


def _printed_on(event: Event) -> str:
    """When the badges were last printed, as the event's local day, or "Not yet."."""
    if event.badges_printed_at is None:
        return "Not yet."
    return f"On {from_utc(event, event.badges_printed_at):%d %b %Y}."


def _links_step(event: Event) -> Step:
    """Whether agenda links went out: e-mailed (or kept in the outbox to send) at least once."""
    handed = db.session.scalar(
        select(func.count(OutboxMessage.id)).where(
            OutboxMessage.event_id == event.id, OutboxMessage.kind == AGENDA_LINK
        )
    )
    detail = f"{handed} agenda e-mail{'s' if handed != 1 else ''} in the outbox." if handed else ""
    return Step("links", "Agenda links sent", bool(handed), detail or "Not yet.")


def organiser_events(organiser: Organiser) -> list[Event]:
    """The organiser's events, newest first."""
    query = (
        select(Event)
        .where(Event.organiser_id == organiser.id)
        .order_by(Event.starts_at.desc(), Event.id.desc())
    )
    return list(db.session.scalars(query))


MAX_TABLE_NAME = 100  # characters of one table's name or location, as printed on its sign


class EventRefused(ValueError):
    """A setting that cannot be stored; the message names the field and says why."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field  # the form field to show the message at, when one


def clean_settings(settings: Mapping[str, Any]) -> dict[str, Any]:
    """The settings Mingle manages, their text cleaned and checked against the columns' lengths.

    Raises:
        EventRefused: a name, venue or table name is too long.
    """
    values = {k: v for k, v in settings.items() if k in EVENT_SETTINGS}
    labels = {"name": "the event name", "venue": "the venue"}
    for key, label in labels.items():
        if key in values:
            values[key] = clean_text(values[key])
            problem = too_long(values[key], text_limit(Event, key))
            if problem:
                raise EventRefused(f"{label.capitalize()} {problem}.")
    if "name" in values and not values["name"]:
        raise EventRefused("The event needs a name.")
    if "table_names" in values:
        names = [clean_text(n) for n in values["table_names"] or ()]
        for number, name in enumerate(names, start=1):
            problem = too_long(name, MAX_TABLE_NAME)
            if problem:
                raise EventRefused(f"The name of table {number} {problem}.")
        values["table_names"] = names
    return values


def _owned_tables(event: Event | None, values: dict[str, Any]) -> None:
    """Turn the typed table owners of ``values`` into table -> owner, checked (in place)."""
    if "table_owners" not in values:
        return
    names = values.get("table_names", event.table_names if event else []) or []
    tables = values.get("tables", event.tables if event else 0) or 0
    try:
        values["table_owners"] = parse_table_owners(
            values["table_owners"] or [], names, tables, event.attendees if event else []
        )
    except BoothRefused as refused:
        raise EventRefused(str(refused), field="table_owners") from None


def create_event(organiser: Organiser | None, settings: Mapping[str, Any]) -> Event:
    """Create an event owned by ``organiser`` (None: nobody can manage it on the web yet).

    Raises:
        EventRefused: see ``clean_settings``.
    """
    values = clean_settings(settings)
    _owned_tables(None, values)
    values.setdefault("starts_at", default_start())
    event = Event(organiser=organiser, **values)
    with db.session.no_autoflush:
        while db.session.scalar(select(Event.id).where(Event.slug == event.slug)) is not None:
            event.slug = make_slug(event.name)
    db.session.add(event)
    db.session.commit()
    return event


def update_event(event: Event, settings: Mapping[str, Any]) -> list[str]:
    """Change an event's settings.

    Returns:
        Warnings for the organiser, e.g. when the latest schedule no longer fits fewer rounds
        or tables and must be rebuilt.

    Raises:
        EventRefused: see ``clean_settings`` and ``fit_available_rounds``; nothing is changed.
    """
    values = clean_settings(settings)
    _owned_tables(event, values)
    warnings = fit_available_rounds(event, values.get("rounds", event.rounds))
    booths_before = event.table_owners
    for key, value in values.items():
        setattr(event, key, value)
    db.session.commit()
    latest = event.latest_version()
    if latest is not None and event.table_owners and event.table_owners != booths_before:
        off = [v for v in check_version(latest).violations if v.rule == "booth"]
        if off:
            warnings.append(
                f"Schedule version {latest.number} has {len(off)} meeting"
                f"{'s' if len(off) != 1 else ''} away from their owner's table: build the "
                "schedule again, or re-plan it, to seat the owners at their tables."
            )
    if latest is not None:
        query = select(func.max(Meeting.round), func.max(Meeting.table)).where(
            Meeting.version_id == latest.id
        )
        last_round, last_table = db.session.execute(query).one()
        if (last_round or 0) > event.rounds or (last_table or 0) > event.tables:
            warnings.append(
                f"Schedule version {latest.number} uses {last_round} rounds and "
                f"{last_table} tables, more than the event now has: build the schedule again."
            )
    return warnings


NAMED_AT_MOST = 20  # people a message names; the rest are counted


def named(people: list[str]) -> str:
    """``A, B, C`` for a message, at most ``NAMED_AT_MOST`` of them and then ``and 5 more``."""
    more = len(people) - NAMED_AT_MOST
    listed = ", ".join(people[:NAMED_AT_MOST])
    return f"{listed} and {more} more" if more > 0 else listed


def fit_available_rounds(event: Event, rounds: int) -> list[str]:
    """Shorten attendees' available rounds to an event of ``rounds`` rounds (no commit).

    Someone available in 5-8 of an event cut to 6 rounds keeps 5-6, and the warning names
    them; someone available only in 7-8 would attend nothing, so the change is refused.

    Raises:
        EventRefused: some attendees have no round left; the message names them.
    """
    shortened: dict[Attendee, str] = {}
    stranded = []
    query = select(Attendee).where(Attendee.event_id == event.id, Attendee.available_rounds != "")
    for person in db.session.scalars(query.order_by(Attendee.name, Attendee.id)):
        listed = parse_rounds(person.available_rounds) or frozenset()
        kept = frozenset(r for r in listed if r <= rounds)
        if not kept:
            stranded.append(f"{person.name} ({person.available_rounds})")
        elif kept != listed:
            shortened[person] = format_rounds(kept)
    if stranded:
        raise EventRefused(
            f"{len(stranded)} attendee(s) can only come to rounds after round {rounds} and "
            f"would attend nothing: {named(stranded)}. Change their available rounds or "
            "remove them first."
        )
    if not shortened:
        return []
    clipped = [f"{p.name} ({p.available_rounds} to {text})" for p, text in shortened.items()]
    for person, text in shortened.items():
        person.available_rounds = text
    return [
        f"Available rounds shortened to fit {rounds} rounds for {len(clipped)} attendee(s): "
        + named(clipped)
        + "."
    ]


@dataclass
class Step:
    """One line of the dashboard's checklist."""

    key: str  # attendees, schedule, published, badges, links
    title: str
    done: bool
    detail: str


@dataclass
class EventOverview:
    """What the event dashboard shows: the checklist and the next thing to do."""

    attendee_count: int
    latest_version: ScheduleVersion | None
    published_version: ScheduleVersion | None
    latest_job: SolveJob | None
    steps: list[Step] = field(default_factory=list)

    @property
    def next_step(self) -> Step | None:
        """The first step not done yet, or None when everything is done."""
        return next((s for s in self.steps if not s.done), None)


def event_overview(event: Event) -> EventOverview:
    """Count what is done for ``event``: attendees, schedule, publication, badges."""
    count = event.attendee_count()
    latest = event.latest_version()
    published = event.published_version
    job = db.session.scalar(
        select(SolveJob).where(SolveJob.event_id == event.id).order_by(SolveJob.id.desc()).limit(1)
    )
    overview = EventOverview(count, latest, published, job)
    if latest is None:
        schedule_detail = "Not built yet."
    elif latest.status != "ready":
        schedule_detail = f"Version {latest.number} failed."
    else:
        gap = f", within {latest.gap:.1%} of the best possible" if latest.gap is not None else ""
        schedule_detail = f"Version {latest.number}{gap}."
    overview.steps = [
        Step(
            "attendees",
            "Attendees imported",
            count > 0,
            f"{count} attendee{'s' if count != 1 else ''}." if count else "None yet.",
        ),
        Step(
            "schedule",
            "Schedule built",
            latest is not None and latest.status == "ready",
            schedule_detail,
        ),
        Step(
            "published",
            "Schedule published",
            published is not None,
            f"Version {published.number} is what attendees see." if published else "Not yet.",
        ),
        Step(
            "badges",
            "Badges printed",
            event.badges_printed_at is not None,
            _printed_on(event),
        ),
        _links_step(event),
    ]
    return overview
