"""Helpers shared by the model files: timestamps and column lengths."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import String


def utcnow() -> datetime:
    """Now in UTC, without tzinfo: stored alike on SQLite and PostgreSQL."""
    return datetime.now(UTC).replace(tzinfo=None)


def text_limit(model: type, column: str) -> int | None:
    """The most characters ``model.column`` holds (its ``String(n)``), None for unbounded text.

    Services check text against this before storing it: PostgreSQL refuses a longer value
    with an error, where SQLite would silently keep it.
    """
    kind = model.__table__.c[column].type  # type: ignore[attr-defined]
    return kind.length if isinstance(kind, String) else None
