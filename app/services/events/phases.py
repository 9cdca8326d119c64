"""Where an event stands at one instant: an earlier day, its day, a round, a break, or after.

The dashboard says what to do next by it, and the live board what to show. Every function takes
``now`` (aware; default: the clock, which tests can drive) and compares in the event's local
time, as ``Event.round_times()`` gives it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.models import Event
from app.services.events.clock import local_now

# before: an earlier day than the event's; today: its day, before round 1; round: a round is
# on; break: between two rounds; after: the last round has ended.
PHASES = ("before", "today", "round", "break", "after")


@dataclass(frozen=True)
class Moment:
    """The event at one instant, in its local time (naive datetimes in ``event.timezone``)."""

    phase: str  # one of PHASES
    now: datetime
    rounds: int
    round: int | None = None  # the round on (round), or the one just ended (break)
    ends_at: datetime | None = None  # when the round on ends
    next_round: int | None = None  # the round to come (before, today, break)
    next_starts_at: datetime | None = None  # when it starts
    last_ended_at: datetime | None = None  # when the last round ended (after)

    @property
    def on_the_day(self) -> bool:
        """The event's day until its last round ends: the door, the board and re-plans."""
        return self.phase in ("today", "round", "break")

    @property
    def stage(self) -> str:
        """What the dashboard is about: ``before``, ``day`` (the event is on today) or ``after``."""
        return "day" if self.on_the_day else self.phase


def event_moment(event: Event, now: datetime | None = None) -> Moment:
    """Where ``event`` stands at ``now`` (aware; default: the clock)."""
    local = local_now(event, now)
    times = event.round_times()
    first_start = times[0][0]
    if local < first_start:
        phase = "today" if local.date() == first_start.date() else "before"
        return Moment(phase, local, len(times), next_round=1, next_starts_at=first_start)
    for number, (start, end) in enumerate(times, start=1):
        if start <= local < end:
            return Moment("round", local, len(times), round=number, ends_at=end)
        if number < len(times) and end <= local < times[number][0]:
            return Moment(
                "break",
                local,
                len(times),
                round=number,
                next_round=number + 1,
                next_starts_at=times[number][0],
            )
    return Moment("after", local, len(times), last_ended_at=times[-1][1])
