"""Solve jobs: a schedule build running in the background, with its progress."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Float, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.common import utcnow

if TYPE_CHECKING:
    from app.models.event import Event
    from app.models.schedule import ScheduleVersion

JOB_STATUSES = ("queued", "running", "done", "failed")


class SolveJob(db.Model):
    """One run of the solver for an event, from queued to done or failed."""

    __tablename__ = "solve_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="queued")  # one of JOB_STATUSES
    phase: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    time_limit: Mapped[float] = mapped_column(Float, default=30.0)
    elapsed: Mapped[float] = mapped_column(Float, default=0.0)
    objective: Mapped[float | None] = mapped_column(Float)
    bound: Mapped[float | None] = mapped_column(Float)
    gap: Mapped[float | None] = mapped_column(Float)
    error: Mapped[str | None] = mapped_column(Text)
    keep_pinned: Mapped[bool] = mapped_column(default=False)
    version_id: Mapped[int | None] = mapped_column(
        ForeignKey("schedule_versions.id", ondelete="SET NULL")
    )
    rq_id: Mapped[str | None] = mapped_column(String(64))

    # The event being scheduled.
    event: Mapped[Event] = relationship(back_populates="jobs")
    # The version this job produced, once done.
    version: Mapped[ScheduleVersion | None] = relationship()

    def __repr__(self) -> str:
        return f"<SolveJob {self.id} event={self.event_id} {self.status}>"
