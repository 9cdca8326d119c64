"""The live board for the room (/board/<token>): the round on, the countdown, the tables, the door.

A projector and the organiser's phone open it through a link of its own: a 256-bit secret
(``secrets.token_urlsafe(32)``) that the organiser creates, re-issues (the old link stops at
once) or revokes from the dashboard. It is kept as the attendee and sponsor links are, so the
dashboard can show it again; it opens nothing but this board.

The board is on a projector, so it shows no personal data: the event's name, its times, which
tables are in use and which are empty (by table name), and the check-in counts. Tables come
from the published schedule only; before a schedule is published it shows times alone.
"""

from __future__ import annotations

import math
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.models import Event, Meeting
from app.models.attendee import new_token
from app.services.attendees.checkin import Counts, counts
from app.services.events.clock import to_utc, utc_now
from app.services.events.phases import Moment, event_moment

# A board token is secrets.token_urlsafe(32), 43 characters; anything else is not worth a query.
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{32,64}")
POLL_SECONDS = 5  # how often the page asks for the board again


def issue_board_link(event: Event) -> str:
    """Give ``event`` a new board secret (the previous link stops working); returns it."""
    event.board_token = new_token()
    db.session.commit()
    return event.board_token


def revoke_board_link(event: Event) -> None:
    """Remove ``event``'s board link: every copy of it stops working at once."""
    event.board_token = None
    db.session.commit()


def board_url(event: Event) -> str | None:
    """The board's full link (``PUBLIC_URL/board/<token>``), or None when it has none."""
    if event.board_token is None:
        return None
    return f"{current_app.config['PUBLIC_URL']}/board/{event.board_token}"


def event_by_board_token(token: str) -> Event | None:
    """The event whose current board link carries ``token``, or None (unknown or revoked)."""
    if not TOKEN_SHAPE.fullmatch(token):
        return None
    event = db.session.scalar(select(Event).where(Event.board_token == token))
    if event is None or event.board_token is None:
        return None
    return event if secrets.compare_digest(event.board_token, token) else None


@dataclass(frozen=True)
class Board:
    """What the board shows at one instant."""

    event_name: str
    timezone: str
    moment: Moment
    now_utc: datetime  # the server's clock, so the page can correct a projector's
    headline: str  # "Round 2 of 6", "Break", "Welcome", "That was the last round"
    countdown_label: str  # "Round 2 ends in", "Next round starts at 10:25 (in)", ...
    target_utc: datetime | None  # the instant the countdown counts to; None after the event
    published: bool
    tables_round: int | None  # the round the tables are for (the one on, or the next)
    tables_in_use: list[str] = field(default_factory=list)
    tables_empty: list[str] = field(default_factory=list)
    counts: Counts | None = None
    thanks: str = ""

    @property
    def countdown(self) -> str:
        """The time left until ``target_utc`` as the page shows it (``7:05``, ``1:02:09``)."""
        if self.target_utc is None:
            return ""
        return countdown_text((self.target_utc - self.now_utc).total_seconds())

    def as_dict(self) -> dict[str, Any]:
        """The board as JSON for the page's polling (times as ISO 8601 UTC)."""
        return {
            "ok": True,
            "phase": self.moment.phase,
            "round": self.moment.round,
            "rounds": self.moment.rounds,
            "headline": self.headline,
            "countdown_label": self.countdown_label,
            "target": _iso(self.target_utc),
            "now": _iso(self.now_utc),
            "timezone": self.timezone,
            "published": self.published,
            "tables_round": self.tables_round,
            "tables_in_use": self.tables_in_use,
            "tables_empty": self.tables_empty,
            "counts": self.counts.as_dict() if self.counts else None,
            "thanks": self.thanks,
        }


def countdown_text(seconds: float) -> str:
    """Seconds left as ``M:SS``, ``H:MM:SS`` from an hour, ``N days`` from two days; rounded
    up, never negative. static/js/board.js formats the ticking countdown the same way.
    """
    left = max(0, math.ceil(seconds))
    if left >= 2 * 86400:
        return f"{left // 86400} days"
    hours, rest = divmod(left, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _iso(moment: datetime | None) -> str | None:
    """An aware time as ISO 8601 in UTC with a Z, which every browser's Date parses."""
    if moment is None:
        return None
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def tables_of_round(event: Event, round_number: int) -> tuple[list[str], list[str]]:
    """(in use, empty) table names in ``round_number`` of the published schedule."""
    used = set(
        db.session.scalars(
            select(Meeting.table).where(
                Meeting.version_id == event.published_version_id,
                Meeting.round == round_number,
            )
        )
    )
    labels = range(1, event.tables + 1)
    return (
        [event.table_label(t) for t in labels if t in used],
        [event.table_label(t) for t in labels if t not in used],
    )


def board(event: Event, now: datetime | None = None) -> Board:
    """The board of ``event`` at ``now`` (aware; default: the clock)."""
    now_utc = now or utc_now()
    moment = event_moment(event, now_utc)
    published = event.published_version_id is not None
    rounds = moment.rounds
    if moment.phase == "round":
        assert moment.round is not None and moment.ends_at is not None
        headline = f"Round {moment.round} of {rounds}"
        label = f"Round {moment.round} ends in"
        target: datetime | None = moment.ends_at
        tables_round: int | None = moment.round
    elif moment.phase in ("before", "today", "break"):
        assert moment.next_round is not None and moment.next_starts_at is not None
        starts = f"{moment.next_starts_at:%H:%M}"
        if moment.phase == "break":
            headline = f"Break after round {moment.round}"
            label = f"Next round starts at {starts}"
        else:
            headline = "Welcome"
            day = "" if moment.phase == "today" else f"{moment.next_starts_at:%A %d %B}, "
            label = f"Round 1 starts at {day}{starts}"
        target = moment.next_starts_at
        tables_round = moment.next_round
    else:
        headline = "That was the last round"
        label = ""
        target = None
        tables_round = None
    in_use: list[str] = []
    empty: list[str] = []
    if published and tables_round is not None:
        in_use, empty = tables_of_round(event, tables_round)
    return Board(
        event_name=event.name,
        timezone=event.timezone,
        moment=moment,
        now_utc=now_utc,
        headline=headline,
        countdown_label=label,
        target_utc=to_utc(event, target) if target is not None else None,
        published=published,
        tables_round=tables_round,
        tables_in_use=in_use,
        tables_empty=empty,
        counts=counts(event),
        thanks="Thank you for coming, and for every conversation."
        if moment.phase == "after"
        else "",
    )
