"""The counters that say an attendee's agenda page may have changed, kept by the database.

The agenda page (``/a/<token>``) is served from a cached rendering keyed on
``events.agenda_stamp`` and ``attendees.agenda_stamp`` (app/services/attendees/agenda_cache.py).
Rather than asking every service to remember to invalidate that cache, this module watches
every write made through the ORM and bumps the counters in the same transaction, so a cached
page can never outlive the data it shows, whichever code path changed it:

- a row of a table that holds what agendas show (events, attendees, versions, meetings, and any
  table added later) bumps its event's stamp: every attendee's page of that event is re-rendered;
- a follow-up answer or a meeting request only shows on its author's own page, so it bumps
  that attendee's stamp alone (answers arriving all day do not empty the whole event's cache);
- tables nothing on an agenda reads (below) and columns no agenda shows (a check-in time)
  bump nothing, so the door's check-ins at the start of an event keep the cache warm.

A change that cannot be traced to one event (a bulk ``update()``/``delete()`` through the
session) bumps every event's stamp: wasted renders at worst, never a stale page.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, event, inspect, select, update
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from app.extensions import Model

# Tables no agenda page reads: changes to them bump nothing.
NOT_SHOWN_TABLES = frozenset(
    {
        "organisers",
        "solve_jobs",
        "outbox",
        "sponsor_contacts",
        "alembic_version",
        "event_members",  # the event's team and door access
        "door_links",
        "push_subscriptions",  # the page asks for its devices itself (GET /a/<token>/push)
        "push_reminders",  # one row per reminder sent, during the event: must not bump
        "series",  # the organiser's recurring events: only reports read them
    }
)
# Columns no agenda page shows: an update touching only these bumps nothing.
NOT_SHOWN_COLUMNS = {
    "attendees": frozenset({"checked_in_at", "updated_at", "search_text", "agenda_stamp"}),
    "events": frozenset(
        {"badges_printed_at", "agenda_stamp", "board_token", "series_id", "anonymity_threshold"}
    ),
    "schedule_versions": frozenset({"revision"}),  # the edit-conflict counter, not content
}
# Tables whose rows show only on their author's own agenda (``attendee_id``).
# A lead shows on its partner's page only (the badge scans they may withdraw).
OWN_PAGE_TABLES = frozenset({"followups", "meeting_requests", "leads"})


def _table(name: str) -> Table:
    return Model.metadata.tables[name]


class _Bumps:
    """The events and attendees whose stamps one flush must bump."""

    def __init__(self) -> None:
        self.events: set[int] = set()
        self.attendees: set[int] = set()
        self.versions: set[int] = set()
        self.everything = False

    def note(self, obj: Any, changed_only: bool) -> None:
        """Note what a new, changed (``changed_only``) or deleted ORM object affects."""
        table = getattr(obj, "__tablename__", None)
        if table is None or table in NOT_SHOWN_TABLES:
            return
        if changed_only and not _shown_change(obj, table):
            return
        if table in OWN_PAGE_TABLES:
            self._add(self.attendees, obj.attendee_id)
        elif table == "events":
            self._add(self.events, obj.id)
        elif hasattr(obj, "event_id"):
            self._add(self.events, obj.event_id)
        elif hasattr(obj, "version_id"):
            self._add(self.versions, obj.version_id)
        elif hasattr(obj, "attendee_id"):
            self._add(self.attendees, obj.attendee_id)
        else:  # a table this module does not know how to trace: assume it shows everywhere
            self.everything = True

    def _add(self, into: set[int], value: int | None) -> None:
        if value is None:
            self.everything = True  # not traceable yet (no key): be safe
        else:
            into.add(value)

    def apply(self, session: Session) -> None:
        """Bump the noted stamps on the session's connection, inside its transaction."""
        events, attendees = _table("events"), _table("attendees")
        connection = session.connection()
        if self.everything:
            connection.execute(update(events).values(agenda_stamp=events.c.agenda_stamp + 1))
            return
        if self.versions:
            versions = _table("schedule_versions")
            found = connection.execute(
                select(versions.c.event_id).where(versions.c.id.in_(self.versions))
            )
            self.events.update(found.scalars())
        if self.events:
            connection.execute(
                update(events)
                .where(events.c.id.in_(sorted(self.events)))
                .values(agenda_stamp=events.c.agenda_stamp + 1)
            )
        if self.attendees:
            connection.execute(
                update(attendees)
                .where(attendees.c.id.in_(sorted(self.attendees)))
                .values(agenda_stamp=attendees.c.agenda_stamp + 1)
            )


def _shown_change(obj: Any, table: str) -> bool:
    """Whether a changed object changed a column an agenda may show."""
    hidden = NOT_SHOWN_COLUMNS.get(table, frozenset())
    state = inspect(obj)
    for attr in state.mapper.column_attrs:
        if attr.key not in hidden and state.attrs[attr.key].history.has_changes():
            return True
    return False


@event.listens_for(Session, "after_flush")
def _bump_after_flush(session: Session, _flush: UOWTransaction) -> None:
    """Bump the stamps of what this flush wrote, in the flush's own transaction."""
    bumps = _Bumps()
    for obj in session.new:
        bumps.note(obj, changed_only=False)
    for obj in session.dirty:
        bumps.note(obj, changed_only=True)
    for obj in session.deleted:
        bumps.note(obj, changed_only=False)
    if bumps.everything or bumps.events or bumps.attendees or bumps.versions:
        bumps.apply(session)


@event.listens_for(Session, "do_orm_execute")
def _bump_on_bulk_write(state: ORMExecuteState) -> None:
    """An ORM ``update()``/``delete()``/``insert()`` statement: bump every event to be safe."""
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    table = getattr(state.statement, "table", None)
    name = getattr(table, "name", None)
    if name is None or name in NOT_SHOWN_TABLES:
        return
    if state.is_update:
        values = getattr(state.statement, "_values", None) or {}
        keys = {getattr(column, "key", str(column)) for column in values}
        if keys and keys <= NOT_SHOWN_COLUMNS.get(name, frozenset()):
            return
    bumps = _Bumps()
    bumps.everything = True
    bumps.apply(state.session)
