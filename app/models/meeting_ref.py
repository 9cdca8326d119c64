"""Meeting references: a short code per event and pair, the same in every schedule version.

A meeting row belongs to one schedule version, so its id changes with every build, edit or
re-plan; what stays is the pair, which meets at most once in any valid schedule
(``solver.rules.pair_meets_once``, checked again by ``solver.validate`` before a publish).
Printed agendas therefore carry the pair's code, e.g. ``KA7MX``: four characters drawn at
random, then a check character, so a mistyped code is refused instead of naming another
meeting. Every meeting row gets its pair's code as it is flushed (``_give_pairs_codes``), so
no version, however it was made, has a meeting without one.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import ForeignKey, String, UniqueConstraint, event, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from app.extensions import Model
from app.models.common import utcnow
from app.models.schedule import Meeting, ScheduleVersion

if TYPE_CHECKING:
    from app.models.attendee import Attendee

# No 0/O, 1/I/L, 5/S or U/V look-alikes: what is printed is read back without doubt. 29
# characters, a prime, so the weighted check below catches every single wrong character and
# every swap of two characters.
ALPHABET = "23456789ABCDEFGHJKMNPQRTVWXYZ"
LETTERS = "".join(c for c in ALPHABET if c.isalpha())
DIGITS = "".join(c for c in ALPHABET if c.isdigit())
BODY = 4  # random characters; then one check character
CODE_LENGTH = BODY + 1
WEIGHTS = (5, 4, 3, 2, 1)  # distinct and below 29: the check character's weight is 1
CHUNK = 150  # rows per INSERT: within SQLite's limit on bound parameters


def check_character(body: str) -> str:
    """The character that makes ``body``'s weighted sum divisible by 29."""
    total = sum(w * ALPHABET.index(c) for w, c in zip(WEIGHTS, body, strict=False))
    return ALPHABET[-total % len(ALPHABET)]


def is_valid_code(code: str) -> bool:
    """Whether ``code`` (upper case, no spaces) is a well-formed reference with a right check."""
    if len(code) != CODE_LENGTH or any(c not in ALPHABET for c in code):
        return False
    return check_character(code[:BODY]) == code[BODY]


def new_code() -> str:
    """A random reference: a letter first, at least one digit, then the check character.

    The letter keeps it apart from the old printed row numbers, the digit from names typed in
    the same search box.
    """
    while True:
        body = secrets.choice(LETTERS) + "".join(secrets.choice(ALPHABET) for _ in range(BODY - 1))
        if any(c in DIGITS for c in body):
            return body + check_character(body)


class MeetingRef(Model):
    """The reference of the meeting of two attendees at one event, whichever version holds it."""

    __tablename__ = "meeting_refs"
    __table_args__ = (
        UniqueConstraint("event_id", "attendee_low_id", "attendee_high_id"),
        UniqueConstraint("event_id", "code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    attendee_low_id: Mapped[int] = mapped_column(
        ForeignKey("attendees.id", ondelete="CASCADE"), index=True
    )  # the smaller of the two attendee ids
    attendee_high_id: Mapped[int] = mapped_column(
        ForeignKey("attendees.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(CODE_LENGTH))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    # The two people; low and high only order them.
    attendee_low: Mapped[Attendee] = relationship(foreign_keys=[attendee_low_id])
    attendee_high: Mapped[Attendee] = relationship(foreign_keys=[attendee_high_id])

    @property
    def pair(self) -> tuple[int, int]:
        """The two attendee ids, smaller first."""
        return (self.attendee_low_id, self.attendee_high_id)

    def __repr__(self) -> str:
        return f"<MeetingRef {self.code} event={self.event_id} {self.pair}>"


def pair_of(meeting: Meeting) -> tuple[int, int]:
    """A meeting's two attendee ids, smaller first: the key of its reference."""
    a, b = meeting.attendee_a_id, meeting.attendee_b_id
    return (a, b) if a < b else (b, a)


@event.listens_for(Session, "after_flush")
def _give_pairs_codes(session: Session, _context: Any) -> None:
    """Give every pair of a newly stored meeting its event's code, when it has none yet.

    Inserts skip what another transaction stored meanwhile (``ON CONFLICT DO NOTHING``), and a
    code already taken by another pair is drawn again, so concurrent builds never collide.
    """
    new = [m for m in session.new if isinstance(m, Meeting)]
    if not new:
        return
    conn = session.connection()
    version_ids = {m.version_id for m in new}
    events = dict(
        conn.execute(
            select(ScheduleVersion.id, ScheduleVersion.event_id).where(
                ScheduleVersion.id.in_(version_ids)
            )
        ).all()
    )
    wanted: dict[int, set[tuple[int, int]]] = defaultdict(set)
    for m in new:
        wanted[events[m.version_id]].add(pair_of(m))
    table = MeetingRef.__table__
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    for event_id, pairs in wanted.items():
        for _attempt in range(20):
            rows = conn.execute(
                select(table.c.attendee_low_id, table.c.attendee_high_id, table.c.code).where(
                    table.c.event_id == event_id
                )
            ).all()
            missing = pairs - {(r[0], r[1]) for r in rows}
            if not missing:
                break
            taken = {r[2] for r in rows}
            values = []
            for low, high in sorted(missing):
                code = new_code()
                while code in taken:
                    code = new_code()
                taken.add(code)
                values.append(
                    {
                        "event_id": event_id,
                        "attendee_low_id": low,
                        "attendee_high_id": high,
                        "code": code,
                        "created_at": utcnow(),
                    }
                )
            for start in range(0, len(values), CHUNK):
                chunk = values[start : start + CHUNK]
                conn.execute(insert(MeetingRef).values(chunk).on_conflict_do_nothing())
        else:  # pragma: no cover - 20 draws colliding means the event's codes are exhausted
            raise RuntimeError(f"could not give event {event_id}'s meetings a reference")
