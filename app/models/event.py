"""Events: one networking session with its rounds, tables and matching settings."""

from __future__ import annotations

import re
import secrets
import unicodedata
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import JSON, CheckConstraint, Float, ForeignKey, String, func, select
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from app.extensions import Model, db
from app.models.common import utcnow

if TYPE_CHECKING:
    from app.models.attendee import Attendee
    from app.models.job import SolveJob
    from app.models.organiser import Organiser
    from app.models.schedule import ScheduleVersion
    from app.models.series import Series

# Settings an organiser may set on an event (the event form, the events service); everything
# else on the row is managed by Mingle.
EVENT_SETTINGS = (
    "name",
    "venue",
    "timezone",
    "starts_at",
    "rounds",
    "round_minutes",
    "break_minutes",
    "tables",
    "table_names",
    "table_owners",
    "min_meetings",
    "p2p_weight",
    "p2v_weight",
    "tier_minimums",
    "solve_time_limit",
    "reminder_minutes",
    "anonymity_threshold",
)
SLUG_WORDS = re.compile(r"[^a-z0-9]+")
SLUG_STEM_LENGTH = 48


def make_slug(name: str) -> str:
    """A URL-safe slug from ``name`` plus a short random suffix, e.g. ``emea-forum-3f9a2c``."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    stem = SLUG_WORDS.sub("-", ascii_name.lower()).strip("-")[:SLUG_STEM_LENGTH].strip("-")
    return f"{stem or 'event'}-{secrets.token_hex(3)}"


def valid_timezone(name: str) -> bool:
    """Whether ``name`` is an IANA time zone this system knows, such as ``Europe/Paris``."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


class Event(Model):
    """A networking event: when and where, how many rounds and tables, and how to match."""

    __tablename__ = "events"
    __table_args__ = (
        CheckConstraint("anonymity_threshold >= 3", name="anonymity_threshold"),
        CheckConstraint("meeting_mode IN ('proposes', 'agreed', 'both')", name="meeting_mode"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organiser_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisers.id", ondelete="SET NULL"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    venue: Mapped[str] = mapped_column(String(200), default="")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    starts_at: Mapped[datetime]  # naive, local time in ``timezone``
    rounds: Mapped[int]
    round_minutes: Mapped[int] = mapped_column(default=10)
    break_minutes: Mapped[int] = mapped_column(default=5)
    tables: Mapped[int]
    table_names: Mapped[list[str]] = mapped_column(JSON, default=list)  # index = table - 1
    # Booths: table number (as text) -> its owner, a company name or an attendee's e-mail; the
    # owner's meetings take place at its tables (solver/rules.py ``owner_tables``).
    table_owners: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    min_meetings: Mapped[int] = mapped_column(default=0)
    p2p_weight: Mapped[float] = mapped_column(Float, default=1.0)
    p2v_weight: Mapped[float] = mapped_column(Float, default=1.0)
    tier_minimums: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    solve_time_limit: Mapped[int] = mapped_column(default=30)  # seconds
    published_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("schedule_versions.id", ondelete="SET NULL", use_alter=True)
    )
    badges_printed_at: Mapped[datetime | None]
    max_must_requests: Mapped[int] = mapped_column(default=3)  # per attendee, from their phone
    # Minutes before each meeting that its .ics alarm and push reminder go off; 0: none.
    reminder_minutes: Mapped[int] = mapped_column(default=5, server_default="5")
    # A score figure the rated side (a sponsor) sees rests on at least this many answers, else
    # it reads "fewer than N answers" (app/services/reports/anonymity.py); never below 3.
    anonymity_threshold: Mapped[int] = mapped_column(default=5, server_default="5")
    # How meetings are made: one of app/models/agreed.py MEETING_MODES.
    meeting_mode: Mapped[str] = mapped_column(
        String(10), default="proposes", server_default="proposes"
    )
    closed_at: Mapped[datetime | None]  # follow-ups can be changed until the organiser closes
    # The secret of the live board's link (/board/<token>); None: no board link (revoked).
    board_token: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Bumped by the database whenever something every agenda of the event may show changes
    # (app/models/agenda_stamps.py); part of the key of the cached agenda pages.
    agenda_stamp: Mapped[int] = mapped_column(default=0, server_default="0")
    # The recurring event this one is an edition of (app/models/series.py), if any.
    series_id: Mapped[int | None] = mapped_column(
        ForeignKey("series.id", ondelete="SET NULL"), index=True
    )

    # Who manages the event; None for events made from the command line without an organiser.
    organiser: Mapped[Organiser | None] = relationship(back_populates="events")
    # The series this event belongs to; its reports compare it with the earlier editions.
    series: Mapped[Series | None] = relationship(back_populates="events")
    # Everyone invited; deleting the event deletes them.
    attendees: Mapped[list[Attendee]] = relationship(
        back_populates="event", cascade="all, delete-orphan", passive_deletes=True
    )
    # Every schedule built or edited, oldest first; older versions are kept.
    versions: Mapped[list[ScheduleVersion]] = relationship(
        back_populates="event",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="ScheduleVersion.number",
        foreign_keys="ScheduleVersion.event_id",
    )
    # The version attendees see; post_update breaks the events <-> versions cycle.
    published_version: Mapped[ScheduleVersion | None] = relationship(
        foreign_keys=[published_version_id], post_update=True
    )
    # Background solver runs, newest last.
    jobs: Mapped[list[SolveJob]] = relationship(
        back_populates="event",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="SolveJob.id",
    )

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not self.slug:
            self.slug = make_slug(self.name or "")

    @validates("timezone")
    def _check_timezone(self, _key: str, value: str | None) -> str:
        value = (value or "UTC").strip()
        if not valid_timezone(value):
            raise ValueError(f"unknown time zone {value!r}: use an IANA name like Europe/Paris")
        return value

    def round_times(self) -> list[tuple[datetime, datetime]]:
        """(start, end) of each round in local time; round r starts after r-1 rounds and breaks."""
        step = timedelta(minutes=self.round_minutes + self.break_minutes)
        length = timedelta(minutes=self.round_minutes)
        return [
            (self.starts_at + k * step, self.starts_at + k * step + length)
            for k in range(self.rounds)
        ]

    def table_label(self, table: int) -> str:
        """The table's name when the organiser gave one, else ``Table N``."""
        names = self.table_names or []
        if 1 <= table <= len(names) and names[table - 1].strip():
            return names[table - 1].strip()
        return f"Table {table}"

    def role_of(self, organiser: object, now: datetime | None = None) -> str | None:
        """What ``organiser`` (usually ``current_user``) is on this event at ``now`` (naive UTC).

        ``"owner"``, ``"co-organiser"``, ``"door"`` (check-in only, until it expires), or None
        for anyone else, visitors included. Read from the database on every call, so access
        removed by the owner ends at the next request.
        """
        from app.models.team import EventMember

        if not getattr(organiser, "is_authenticated", False):
            return None
        organiser_id = getattr(organiser, "id", None)
        if organiser_id is None:
            return None
        if self.organiser_id is not None and organiser_id == self.organiser_id:
            return "owner"
        member = db.session.scalar(
            select(EventMember).where(
                EventMember.event_id == self.id, EventMember.organiser_id == organiser_id
            )
        )
        if member is None or not member.active(now or utcnow()):
            return None
        return member.role

    def can_manage(self, organiser: object) -> bool:
        """Whether ``organiser`` may see and change this event: its owner or a co-organiser."""
        return self.role_of(organiser) in ("owner", "co-organiser")

    def can_check_in(self, organiser: object, now: datetime | None = None) -> bool:
        """Whether ``organiser`` may use this event's door page: anyone of its team."""
        return self.role_of(organiser, now) is not None

    def attendee_count(self) -> int:
        """Number of attendees, counted in the database."""
        from app.models.attendee import Attendee

        query = select(func.count()).select_from(Attendee).where(Attendee.event_id == self.id)
        return db.session.scalar(query) or 0

    def latest_version(self) -> ScheduleVersion | None:
        """The most recent schedule version (any status), or None before the first build."""
        from app.models.schedule import ScheduleVersion

        query = (
            select(ScheduleVersion)
            .where(ScheduleVersion.event_id == self.id)
            .order_by(ScheduleVersion.number.desc())
            .limit(1)
        )
        return db.session.scalar(query)

    def __repr__(self) -> str:
        return f"<Event {self.id} {self.slug}>"
