"""Organisers: the event staff who log in to build and run events."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import String, true
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates
from werkzeug.security import check_password_hash, generate_password_hash

from app.extensions import Model
from app.models.common import utcnow

if TYPE_CHECKING:
    from app.models.event import Event


class Organiser(UserMixin, Model):
    """A staff account; owns events and is the only one who sees or changes them."""

    __tablename__ = "organisers"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Part of the login kept in every session cookie: bumping it ends every session at once.
    session_version: Mapped[int] = mapped_column(default=1, server_default="1")
    # Failed log-ins in a row, and until when (UTC) the account refuses every log-in.
    failed_logins: Mapped[int] = mapped_column(default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column(default=None)
    # False for accounts made by an invitation to someone's event: they work on the events
    # they were invited to and create none of their own (``flask organiser create`` makes full
    # accounts).
    can_create_events: Mapped[bool] = mapped_column(default=True, server_default=true())
    # An invitation to choose a password: the SHA-256 of its one-time token, and until when
    # (naive UTC) it works; both cleared once used.
    invite_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    invite_expires_at: Mapped[datetime | None]

    # The events this organiser manages.
    events: Mapped[list[Event]] = relationship(back_populates="organiser")

    @validates("email")
    def _normalise_email(self, _key: str, value: str) -> str:
        return value.strip().lower()

    def set_password(self, password: str) -> None:
        """Store a salted hash of ``password``, never the password itself."""
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        """Whether ``password`` matches the stored hash."""
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    def get_id(self) -> str:
        """The login kept in the session: id and session version, e.g. ``"7.3"``.

        Flask-Login stores this at log-in and hands it back to ``load_organiser`` on every
        request, so a cookie made before the version was bumped no longer loads anyone.
        """
        return f"{self.id}.{self.session_version}"

    def __repr__(self) -> str:
        return f"<Organiser {self.id} {self.email}>"
