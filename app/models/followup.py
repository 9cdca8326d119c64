"""Follow-ups: one attendee's one-minute answer about one meeting they had."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Float, ForeignKey, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.models.common import utcnow

if TYPE_CHECKING:
    from app.models.attendee import Attendee
    from app.models.schedule import Meeting

HELD = ("yes", "they_no_show", "i_no_show")
NEXT_STEPS = ("none", "call", "proposal", "joint_deal", "deal_registered")
WHY_LENGTH = 2000  # characters of the reason for a rating; the form says so
COMMENT_LENGTH = 4000  # characters of the free comment


class FollowUp(Model):
    """What ``attendee`` said about meeting ``other`` in ``round``; editable until the close.

    Keyed by the people and the round rather than by a meeting row, so answers survive a
    re-published schedule version; ``meeting_id`` links the meeting it was given for.
    """

    __tablename__ = "followups"
    __table_args__ = (UniqueConstraint("event_id", "attendee_id", "other_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    attendee_id: Mapped[int] = mapped_column(ForeignKey("attendees.id", ondelete="CASCADE"))
    other_id: Mapped[int] = mapped_column(ForeignKey("attendees.id", ondelete="CASCADE"))
    round: Mapped[int]
    meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("meetings.id", ondelete="SET NULL"), index=True
    )
    held: Mapped[str] = mapped_column(String(20))  # one of HELD
    rating: Mapped[int | None]  # 1-5
    recommend: Mapped[int | None]  # 0-10, the Net Promoter question
    why: Mapped[str] = mapped_column(String(WHY_LENGTH), default="")
    next_step: Mapped[str] = mapped_column(String(20), default="none")  # one of NEXT_STEPS
    pipeline_value: Mapped[float | None] = mapped_column(Float)
    currency: Mapped[str | None] = mapped_column(String(3))  # ISO 4217, e.g. EUR
    comment: Mapped[str] = mapped_column(String(COMMENT_LENGTH), default="")
    # "Would you like <company> to contact you?": yes makes a lead (app/services/leads.py).
    # "You may quote me to <company>" and "with my name": a comment reaches the rated side
    # only with the first, and names its author only with both (default: neither).
    quote_ok: Mapped[bool] = mapped_column(default=False, server_default=false())
    quote_name: Mapped[bool] = mapped_column(default=False, server_default=false())
    contact_ok: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    # Who answered.
    attendee: Mapped[Attendee] = relationship(foreign_keys=[attendee_id])
    # Whom the answer is about.
    other: Mapped[Attendee] = relationship(foreign_keys=[other_id])
    # The meeting row the answer was given for (None once that version is deleted).
    meeting: Mapped[Meeting | None] = relationship()

    def __repr__(self) -> str:
        return f"<FollowUp {self.id} r{self.round} {self.attendee_id}->{self.other_id} {self.held}>"
