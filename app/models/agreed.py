"""Meetings both sides agreed to (FORMATS.md section 6): placed by the build, never chosen."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.models.common import utcnow

if TYPE_CHECKING:
    from app.models.attendee import Attendee

# How an event's meetings are made (Event.meeting_mode): Mingle proposes them (the solver
# chooses), attendees agree them (only agreed meetings, placed with the fewest breaks), or
# both (agreed meetings first, the solver fills the rounds left with proposals).
MEETING_MODES = ("proposes", "agreed", "both")
AGREED_SOURCES = ("upload",)


class AgreedMeeting(Model):
    """``first`` and ``second`` (first_id < second_id) agreed to meet, in ``rounds`` when
    given (the available_rounds syntax) or in the fixed ``round``."""

    __tablename__ = "agreed_meetings"
    __table_args__ = (
        UniqueConstraint("event_id", "first_id", "second_id"),
        CheckConstraint("first_id < second_id", name="ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    first_id: Mapped[int] = mapped_column(ForeignKey("attendees.id", ondelete="CASCADE"))
    second_id: Mapped[int] = mapped_column(ForeignKey("attendees.id", ondelete="CASCADE"))
    rounds: Mapped[str] = mapped_column(String(200), default="")
    round: Mapped[int | None]
    source: Mapped[str] = mapped_column(String(10), default="upload")  # one of AGREED_SOURCES
    row: Mapped[int] = mapped_column(default=0)  # its row in the uploaded file, for messages
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    first: Mapped[Attendee] = relationship(foreign_keys=[first_id])
    second: Mapped[Attendee] = relationship(foreign_keys=[second_id])

    def __repr__(self) -> str:
        return f"<AgreedMeeting {self.first_id} {self.second_id}>"
