"""Leads: partners who agreed that a sponsor company may contact them after the event."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.models.common import utcnow

if TYPE_CHECKING:
    from app.models.attendee import Attendee
    from app.models.followup import FollowUp
    from app.models.sponsor import SponsorContact

FOLLOW_UP = "follow-up"  # the partner answered "yes" to "Would you like <company> to contact you?"
BADGE_SCAN = "badge scan"  # a sponsor contact scanned the partner's badge at their booth
LEAD_SOURCES = (FOLLOW_UP, BADGE_SCAN)


class Lead(Model):
    """``attendee`` may be contacted by ``company``, because of ``source``, until withdrawn.

    One row per event, company, partner and source: answering "no" after "yes", or the partner
    withdrawing a badge scan from their agenda, sets ``withdrawn_at`` rather than deleting, so
    a re-scan cannot bring back a lead its partner withdrew.
    """

    __tablename__ = "leads"
    __table_args__ = (UniqueConstraint("event_id", "company", "attendee_id", "source"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    company: Mapped[str] = mapped_column(String(200))  # the sponsor company the lead is for
    attendee_id: Mapped[int] = mapped_column(
        ForeignKey("attendees.id", ondelete="CASCADE"), index=True
    )
    source: Mapped[str] = mapped_column(String(20))  # one of LEAD_SOURCES
    followup_id: Mapped[int | None] = mapped_column(ForeignKey("followups.id", ondelete="SET NULL"))
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("sponsor_contacts.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)  # naive UTC
    withdrawn_at: Mapped[datetime | None]  # naive UTC; None while the lead stands

    # The partner who may be contacted.
    attendee: Mapped[Attendee] = relationship()
    # The follow-up whose "yes, contact me" made the lead (follow-up leads).
    followup: Mapped[FollowUp | None] = relationship()
    # The sponsor contact who scanned the badge (badge-scan leads).
    contact: Mapped[SponsorContact | None] = relationship()

    @property
    def active(self) -> bool:
        """Whether the sponsor may see and export this lead."""
        return self.withdrawn_at is None

    def __repr__(self) -> str:
        state = "active" if self.active else "withdrawn"
        return f"<Lead {self.id} {self.company} <- {self.attendee_id} {self.source} {state}>"
