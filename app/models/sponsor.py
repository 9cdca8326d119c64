"""Sponsor contacts: people of a vendor company who may read that company's report."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.models.attendee import new_token
from app.models.common import utcnow

if TYPE_CHECKING:
    from app.models.event import Event


class SponsorContact(Model):
    """One reader of one company's report at one event; the secret link is their credential."""

    __tablename__ = "sponsor_contacts"
    __table_args__ = (UniqueConstraint("event_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(200))
    company: Mapped[str] = mapped_column(String(200))
    token: Mapped[str] = mapped_column(String(64), unique=True, index=True, default=new_token)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    # The event whose report this contact reads.
    event: Mapped[Event] = relationship()

    def reissue_token(self) -> str:
        """Replace the link's secret; the old link stops working at once."""
        self.token = new_token()
        return self.token

    def __repr__(self) -> str:
        return f"<SponsorContact {self.id} {self.email} {self.company} event={self.event_id}>"
