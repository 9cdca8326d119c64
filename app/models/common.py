"""Helpers shared by the model files: timestamps."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Now in UTC, without tzinfo: stored alike on SQLite and PostgreSQL."""
    return datetime.now(UTC).replace(tzinfo=None)
