"""Attendees: the people who meet, with what they offer, seek and where they sell."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import TYPE_CHECKING, Any

from anyascii import anyascii
from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint, event
from sqlalchemy.orm import Mapped, Mapper, mapped_column, relationship, validates

from app.extensions import Model
from app.models.common import utcnow

if TYPE_CHECKING:
    from app.models.event import Event

TOKEN_BYTES = 32  # 256 bits: the attendee's agenda link is their only credential
SEARCH_TEXT_LENGTH = 1000  # name, company and e-mail folded; longer folds are cut (CJK grows)


def folded(text: str) -> str:
    """``text`` as a search compares it: Latin letters without accents, lower case.

    "Łukasz Brzęczyszczykiewicz" becomes "lukasz brzeczyszczykiewicz", so someone typing on a
    phone without Polish letters finds him; anyascii also spells other scripts in Latin.
    """
    return anyascii(text).lower()


def new_token() -> str:
    """A fresh secret for an attendee's link (URL-safe, 43 characters)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


class Attendee(Model):
    """One person at one event: the columns of FORMATS.md section 1 plus a secret link."""

    __tablename__ = "attendees"
    __table_args__ = (UniqueConstraint("event_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(200))
    company: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    region: Mapped[str] = mapped_column(String(100))
    offers: Mapped[list[str]] = mapped_column(JSON, default=list)
    seeks: Mapped[list[str]] = mapped_column(JSON, default=list)
    target_regions: Mapped[list[str]] = mapped_column(JSON, default=list)
    goals: Mapped[list[str]] = mapped_column(JSON, default=list)
    must_meet: Mapped[list[str]] = mapped_column(JSON, default=list)
    avoid: Mapped[list[str]] = mapped_column(JSON, default=list)
    available_rounds: Mapped[str] = mapped_column(String(200), default="")  # "" = every round
    tier: Mapped[str | None] = mapped_column(String(20))
    phone: Mapped[str | None] = mapped_column(String(50))
    country: Mapped[str | None] = mapped_column(String(100))
    title: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str | None] = mapped_column(String(50))
    custom: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)  # unknown columns, kept
    token: Mapped[str] = mapped_column(String(64), unique=True, index=True, default=new_token)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    checked_in_at: Mapped[datetime | None]  # UTC, when staff at the door marked them present
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Name, company and e-mail folded (see ``folded``), kept by the listener below for search.
    search_text: Mapped[str] = mapped_column(String(SEARCH_TEXT_LENGTH), default="")
    # Bumped by the database when only this attendee's own agenda changes (their follow-up
    # answers and requests; app/models/agenda_stamps.py); part of their cached agenda's key.
    agenda_stamp: Mapped[int] = mapped_column(default=0, server_default="0")

    # The event this attendee belongs to.
    event: Mapped[Event] = relationship(back_populates="attendees")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not self.token:
            self.token = new_token()

    @validates("email")
    def _normalise_email(self, _key: str, value: str) -> str:
        return value.strip().lower()

    def reissue_token(self) -> str:
        """Replace the secret link, e.g. after it leaked; the old link stops working."""
        self.token = new_token()
        return self.token

    def __repr__(self) -> str:
        return f"<Attendee {self.id} {self.email} event={self.event_id}>"


@event.listens_for(Attendee, "before_insert")
@event.listens_for(Attendee, "before_update")
def _fold_for_search(_mapper: Mapper[Attendee], _connection: object, attendee: Attendee) -> None:
    """Keep ``search_text`` in step with the name, company and e-mail it folds."""
    text = folded(" ".join((attendee.name or "", attendee.company or "", attendee.email or "")))
    attendee.search_text = text[:SEARCH_TEXT_LENGTH]
