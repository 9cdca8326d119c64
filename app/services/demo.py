"""The demo: an organiser login and a realistic event, so a fresh clone shows a populated app."""

from __future__ import annotations

import secrets
import tempfile
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from app.extensions import db
from app.models import Event, Organiser
from app.services.accounts import create_organiser, find_organiser
from app.services.events import create_event, default_start
from app.services.importing import ImportResult, apply_import, preview_import
from solver.synthetic import generate_event, write_attendees_csv

DEMO_EMAIL = "demo@mingle.test"
DEMO_NAME = "Demo Organiser"
DEMO_EVENT = "Partner Summit (demo)"
DEMO_TIMEZONE = "Europe/Amsterdam"
DEMO_VENUE = "Beurs van Berlage, Amsterdam"
PEOPLE_PER_TABLE = 3  # a table for every third attendee: most, not all, meet in each round


def reset_demo_organiser() -> tuple[Organiser, str]:
    """The demo organiser (created on first use) with a new random password, and that password."""
    password = secrets.token_urlsafe(12)
    organiser = find_organiser(DEMO_EMAIL)
    if organiser is None:
        return create_organiser(DEMO_EMAIL, password, DEMO_NAME), password
    organiser.set_password(password)
    db.session.commit()
    return organiser, password


def create_demo_event(
    organiser: Organiser,
    attendees: int = 120,
    rounds: int = 8,
    tables: int | None = None,
    seed: int = 0,
    time_limit: float = 10.0,
) -> tuple[Event, ImportResult]:
    """A partner summit set up as an organiser would, its attendees imported from a CSV file.

    The attendees come from ``solver.synthetic`` and go through the real import (file, preview,
    apply), so the demo exercises the same path as an organiser's upload.

    Args:
        organiser: who owns the event.
        attendees: how many people register.
        rounds: meeting rounds of 10 minutes, with 5-minute breaks.
        tables: tables per round (default: one per three attendees).
        seed: the synthetic event's seed; the same seed gives the same people.
        time_limit: the event's solver time limit in seconds.

    Returns:
        The event and what the import did.
    """
    local_now = datetime.now(ZoneInfo(DEMO_TIMEZONE)).replace(tzinfo=None)
    event = create_event(
        organiser,
        {
            "name": DEMO_EVENT,
            "venue": DEMO_VENUE,
            "timezone": DEMO_TIMEZONE,
            "starts_at": default_start(local_now),
            "rounds": rounds,
            "round_minutes": 10,
            "break_minutes": 5,
            "tables": tables or max(1, -(-attendees // PEOPLE_PER_TABLE)),
            "min_meetings": 3,
            "tier_minimums": {"platinum": 6, "gold": 4},
            "solve_time_limit": max(1, round(time_limit)),
        },
    )
    with tempfile.TemporaryDirectory(prefix="mingle-demo-") as folder:
        path = Path(folder) / "demo-attendees.csv"
        write_attendees_csv(generate_event(attendees, rounds, seed=seed), path)
        preview = preview_import(event, path.read_bytes(), path.name)
    return event, apply_import(event, preview)
