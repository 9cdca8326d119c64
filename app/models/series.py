"""Series: an organiser's recurring event, such as "Partner Summit" in 2025, 2026..."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.models.common import utcnow

if TYPE_CHECKING:
    from app.models.event import Event
    from app.models.organiser import Organiser


class Series(Model):
    """Events of one organiser that recur: their reports compare each edition with the ones
    before (attendees are recognised across them by e-mail, companies by name)."""

    __tablename__ = "series"

    id: Mapped[int] = mapped_column(primary_key=True)
    organiser_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisers.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    # Who owns the series: the owner of its events.
    organiser: Mapped[Organiser | None] = relationship()
    # Its events, oldest first; deleting the series leaves them, outside any series.
    events: Mapped[list[Event]] = relationship(
        back_populates="series", order_by="Event.starts_at", passive_deletes=True
    )

    def __repr__(self) -> str:
        return f"<Series {self.id} {self.name!r}>"
