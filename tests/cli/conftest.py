"""Fixtures of the command-line tests."""

from __future__ import annotations

import pytest

from app.models import Event


@pytest.fixture
def event(make_organiser, make_event, make_attendee) -> Event:
    """Twelve attendees of ten companies, 3 rounds, 5 tables, 2 meetings each at least."""
    event = make_event(make_organiser(), rounds=3, tables=5, min_meetings=2, solve_time_limit=3)
    for i in range(12):
        make_attendee(
            event,
            f"p{i}@example.org",
            company=f"Company {min(i, 9)}",
            kind="vendor" if i % 4 == 0 else "partner",
            offers=["erp" if i % 2 else "crm"],
            seeks=["crm" if i % 2 else "erp"],
        )
    return event
