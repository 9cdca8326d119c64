"""Solve jobs: a schedule build running in the background, with its progress."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Float, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.models.common import utcnow

if TYPE_CHECKING:
    from app.models.event import Event
    from app.models.schedule import ScheduleVersion

# A job's statuses and the one list of the moves it may make (scheduling/builds.py makes them):
# queued -> running when a worker claims it, running -> running as progress comes in,
# running -> done with a version, and queued or running -> failed with a reason.
JOB_TRANSITIONS: dict[str, tuple[str, ...]] = {
    "queued": ("running", "failed"),
    "running": ("running", "done", "failed"),
    "done": (),
    "failed": (),
}
# What the solver said of a finished search (solver.schema.Result.status).
SOLVER_STATUSES = ("optimal", "feasible", "infeasible", "unknown")
# A queued or running build holds its event: the database allows one such job per event.
ACTIVE_SQL = "status IN ('queued', 'running')"


class SolveJob(Model):
    """One run of the solver for an event, from queued to done or failed."""

    __tablename__ = "solve_jobs"
    __table_args__ = (
        # One active build per event, enforced by the database whatever the web workers race.
        Index(
            "uq_solve_jobs_one_active_per_event",
            "event_id",
            unique=True,
            sqlite_where=text(ACTIVE_SQL),
            postgresql_where=text(ACTIVE_SQL),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="queued")  # a key of JOB_TRANSITIONS
    phase: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    heartbeat_at: Mapped[datetime | None]  # the worker's last sign of life while running
    time_limit: Mapped[float] = mapped_column(Float, default=30.0)
    elapsed: Mapped[float] = mapped_column(Float, default=0.0)
    objective: Mapped[float | None] = mapped_column(Float)
    bound: Mapped[float | None] = mapped_column(Float)
    gap: Mapped[float | None] = mapped_column(Float)
    error: Mapped[str | None] = mapped_column(Text)
    # One of SOLVER_STATUSES once the solver has answered; None before, or when it never did.
    solver_status: Mapped[str | None] = mapped_column(String(20))
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
