"""Telling attendees about a changed schedule: each publication, and the phones that get alerts.

A ``Publication`` is one moment a version became the published schedule (by "Publish" or a
re-plan), with the version it replaced: comparing the two tells whose meetings changed, and
its time is the "changed at 11:05" of the agenda. It also records who was told, and how.
A ``PushSubscription`` is one browser that allowed Web Push notifications on an agenda page;
a ``PushReminder`` notes that an attendee was reminded of one meeting, so never twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.models.common import utcnow

if TYPE_CHECKING:
    from app.models.attendee import Attendee

ENDPOINT_LENGTH = 1000  # push services' endpoints are a few hundred characters
KEY_LENGTH = 200  # p256dh is 87 base64url characters, auth 22
ERROR_LENGTH = 500


class Publication(Model):
    """One publishing of a schedule version, and who was told that their meetings changed."""

    __tablename__ = "publications"
    __table_args__ = (Index("ix_publications_event_id_id", "event_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    version_id: Mapped[int] = mapped_column(ForeignKey("schedule_versions.id", ondelete="CASCADE"))
    # The version published until then; None for an event's first publication.
    previous_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("schedule_versions.id", ondelete="SET NULL")
    )
    published_at: Mapped[datetime] = mapped_column(default=utcnow)  # UTC
    # Attendee ids whose agenda changed, split by how they heard of it (filled after sending).
    told_email: Mapped[list[int]] = mapped_column(JSON, default=list)
    told_push: Mapped[list[int]] = mapped_column(JSON, default=list)
    untold: Mapped[list[int]] = mapped_column(JSON, default=list)
    notified_at: Mapped[datetime | None]  # when the telling finished

    def __repr__(self) -> str:
        return (
            f"<Publication {self.id} event={self.event_id} "
            f"v={self.previous_version_id}->{self.version_id}>"
        )


class PushSubscription(Model):
    """A browser that accepts Web Push notifications for one attendee (PushManager.subscribe)."""

    __tablename__ = "push_subscriptions"
    __table_args__ = (UniqueConstraint("attendee_id", "endpoint"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attendee_id: Mapped[int] = mapped_column(
        ForeignKey("attendees.id", ondelete="CASCADE"), index=True
    )
    endpoint: Mapped[str] = mapped_column(String(ENDPOINT_LENGTH))
    p256dh: Mapped[str] = mapped_column(String(KEY_LENGTH))  # the browser's public key
    auth: Mapped[str] = mapped_column(String(KEY_LENGTH))  # the shared authentication secret
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(ERROR_LENGTH))

    # The attendee whose agenda this browser follows.
    attendee: Mapped[Attendee] = relationship()

    def __repr__(self) -> str:
        return f"<PushSubscription {self.id} attendee={self.attendee_id}>"


class PushReminder(Model):
    """The reminder of one meeting (this pair in this round) was sent to one attendee."""

    __tablename__ = "push_reminders"
    __table_args__ = (UniqueConstraint("attendee_id", "other_id", "round"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attendee_id: Mapped[int] = mapped_column(ForeignKey("attendees.id", ondelete="CASCADE"))
    other_id: Mapped[int] = mapped_column(ForeignKey("attendees.id", ondelete="CASCADE"))
    round: Mapped[int]
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered: Mapped[bool] = mapped_column(default=False)  # a push service accepted one

    def __repr__(self) -> str:
        return f"<PushReminder {self.attendee_id}-{self.other_id} r{self.round}>"
