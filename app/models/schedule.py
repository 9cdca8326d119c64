"""Schedules: each build or edit is a numbered version holding its meetings."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.models.common import utcnow

if TYPE_CHECKING:
    from app.models.attendee import Attendee
    from app.models.event import Event

SOURCES = ("solver", "edit", "replan")
STATUSES = ("ready", "failed")


class ScheduleVersion(Model):
    """One schedule of an event; versions are kept so a published one never changes under you."""

    __tablename__ = "schedule_versions"
    __table_args__ = (UniqueConstraint("event_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]  # 1, 2, ... within the event
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    source: Mapped[str] = mapped_column(String(20), default="solver")  # one of SOURCES
    status: Mapped[str] = mapped_column(String(20), default="ready")  # one of STATUSES
    objective: Mapped[float | None] = mapped_column(Float)
    bound: Mapped[float | None] = mapped_column(Float)
    gap: Mapped[float | None] = mapped_column(Float)
    seconds: Mapped[float | None] = mapped_column(Float)
    baseline_objective: Mapped[float | None] = mapped_column(Float)
    note: Mapped[str] = mapped_column(Text, default="")
    # Bumped by every hand edit, so an edit made from a stale page is refused, not lost.
    revision: Mapped[int] = mapped_column(default=0, server_default="0")
    # A re-plan around no-shows: its first re-planned round and the attendee ids it left out,
    # so the version is checked against the rules it was made under (solver/replan.py).
    replan_from_round: Mapped[int | None]
    replan_absent: Mapped[list[int] | None] = mapped_column(JSON)

    # The event this version schedules.
    event: Mapped[Event] = relationship(back_populates="versions", foreign_keys=[event_id])
    # Its meetings, by round then table; they live and die with the version.
    meetings: Mapped[list[Meeting]] = relationship(
        back_populates="version",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="(Meeting.round, Meeting.table)",
    )

    def __repr__(self) -> str:
        return f"<ScheduleVersion {self.id} event={self.event_id} #{self.number} {self.status}>"


class Meeting(Model):
    """A 1:1 meeting of two attendees at one table in one round."""

    __tablename__ = "meetings"
    __table_args__ = (Index("ix_meetings_version_round_table", "version_id", "round", "table"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("schedule_versions.id", ondelete="CASCADE"))
    round: Mapped[int]
    table: Mapped[int]
    attendee_a_id: Mapped[int] = mapped_column(
        ForeignKey("attendees.id", ondelete="CASCADE"), index=True
    )
    attendee_b_id: Mapped[int] = mapped_column(
        ForeignKey("attendees.id", ondelete="CASCADE"), index=True
    )
    score: Mapped[float] = mapped_column(Float, default=0.0)
    reasons: Mapped[str] = mapped_column(Text, default="")
    pinned: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(20), default="scheduled")

    # The version this meeting belongs to.
    version: Mapped[ScheduleVersion] = relationship(back_populates="meetings")
    # The two people meeting; a and b carry no meaning beyond being two sides.
    attendee_a: Mapped[Attendee] = relationship(foreign_keys=[attendee_a_id])
    attendee_b: Mapped[Attendee] = relationship(foreign_keys=[attendee_b_id])

    def __repr__(self) -> str:
        return (
            f"<Meeting {self.id} v={self.version_id} r{self.round} t{self.table} "
            f"{self.attendee_a_id}-{self.attendee_b_id}>"
        )
