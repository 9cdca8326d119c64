"""An event's team besides its owner: co-organisers and door staff with a log-in, door links.

Rights on one event, from most to least: the owner (``Event.organiser``) does everything; a
co-organiser (``EventMember`` with role ``co-organiser``) does everything on that event but
add or remove co-organisers; door staff (role ``door``, or a ``DoorLink`` opened on a phone)
only reach the door page of that event, until their access expires or is revoked.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.models.common import utcnow

if TYPE_CHECKING:
    from app.models.event import Event
    from app.models.organiser import Organiser

CO_ORGANISER = "co-organiser"
DOOR = "door"
ROLES = (CO_ORGANISER, DOOR)
MAX_LABEL = 100  # characters of a door link's label, e.g. "Shared phone at entrance B"


def token_digest(token: str) -> str:
    """The SHA-256 of a secret token, hex: what is stored, so a database leak opens nothing.

    The tokens are 256 random bits, so a fast unsalted hash is enough: there is nothing to
    guess from a dictionary.
    """
    return hashlib.sha256(token.encode()).hexdigest()


class EventMember(Model):
    """A log-in that works on someone else's event: as co-organiser, or at the door only."""

    __tablename__ = "event_members"
    __table_args__ = (UniqueConstraint("event_id", "organiser_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    organiser_id: Mapped[int] = mapped_column(
        ForeignKey("organisers.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(20))  # one of ROLES
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]  # naive UTC; door staff lose access then, None: never

    # The event this member works on.
    event: Mapped[Event] = relationship()
    # The account that logs in.
    organiser: Mapped[Organiser] = relationship()

    def active(self, now: datetime) -> bool:
        """Whether the access still works at ``now`` (naive UTC)."""
        return self.expires_at is None or now < self.expires_at

    def __repr__(self) -> str:
        return f"<EventMember event={self.event_id} organiser={self.organiser_id} {self.role}>"


class DoorLink(Model):
    """A check-in link of its own, for a shared phone: the door page of one event, nothing else.

    Only the SHA-256 of its token is stored; the link is shown once, when it is made.
    """

    __tablename__ = "door_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(MAX_LABEL))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]  # naive UTC
    revoked_at: Mapped[datetime | None]

    # The event whose door the link opens.
    event: Mapped[Event] = relationship()

    def active(self, now: datetime) -> bool:
        """Whether the link still opens the door at ``now`` (naive UTC)."""
        return self.revoked_at is None and now < self.expires_at

    def __repr__(self) -> str:
        return f"<DoorLink {self.id} event={self.event_id} {self.label!r}>"
