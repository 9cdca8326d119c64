"""Attendees' own requests before the event: whom they must meet and whom they would rather not."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.models.common import utcnow

if TYPE_CHECKING:
    from app.models.attendee import Attendee

REQUEST_KINDS = ("must", "avoid")


class MeetingRequest(Model):
    """``attendee`` asks to meet (must) or not to meet (avoid) ``other``; fed to the next build."""

    __tablename__ = "meeting_requests"
    __table_args__ = (UniqueConstraint("attendee_id", "other_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    attendee_id: Mapped[int] = mapped_column(
        ForeignKey("attendees.id", ondelete="CASCADE"), index=True
    )
    other_id: Mapped[int] = mapped_column(ForeignKey("attendees.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))  # one of REQUEST_KINDS
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    # Who asked.
    attendee: Mapped[Attendee] = relationship(foreign_keys=[attendee_id])
    # About whom.
    other: Mapped[Attendee] = relationship(foreign_keys=[other_id])

    def __repr__(self) -> str:
        return f"<MeetingRequest {self.attendee_id} {self.kind} {self.other_id}>"
