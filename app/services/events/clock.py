"""Event time: naive local times in the event's IANA zone, and the UTC instants behind them.

``Event.starts_at`` and ``Event.round_times()`` are naive local times; every service that asks
"has this round ended?" takes ``now`` as an aware datetime (tests pass one, views the clock)
and compares in local time, converted with zoneinfo so daylight saving time is right.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

from app.models import Event

# A test's stand-in clock: ``app.config[TEST_CLOCK]``, a function returning an aware datetime.
# Only an app made with ``TESTING`` on reads it, and nothing sets it from the environment, so
# a real server always runs on the real clock. The browser tests move a live server's time
# through an event with it (a round, its break, the next round).
TEST_CLOCK = "TEST_CLOCK"


def utc_now() -> datetime:
    """Now, as an aware UTC datetime (a test's stand-in clock when the app is a test's)."""
    if has_app_context() and current_app.testing:
        clock = current_app.config.get(TEST_CLOCK)
        if clock is not None:
            return clock().astimezone(UTC)
    return datetime.now(UTC)


def local_now(event: Event, now: datetime | None = None) -> datetime:
    """``now`` (aware; default: the clock) as naive local time in the event's zone."""
    return (now or utc_now()).astimezone(ZoneInfo(event.timezone)).replace(tzinfo=None)


def to_utc(event: Event, local: datetime) -> datetime:
    """A naive local time of the event as an aware UTC datetime."""
    return local.replace(tzinfo=ZoneInfo(event.timezone)).astimezone(UTC)


def from_utc(event: Event, moment: datetime) -> datetime:
    """A naive UTC time as stored (e.g. ``Event.closed_at``) as naive local time."""
    aware = moment.replace(tzinfo=UTC)
    return aware.astimezone(ZoneInfo(event.timezone)).replace(tzinfo=None)
