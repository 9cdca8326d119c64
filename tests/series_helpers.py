"""Two editions of a hand-built series whose loyalty figures are known.

"Partner Summit" 2025 and 2026, owned by one organiser. Acme (spelt "ACMÉ" in 2026) meets:

- 2025: partners p1..p6, all held; p1..p6 recommend 10, 9, 7, 6, 3, 10 (NPS +17 on 6);
  Acme's rep reports EUR 1,000 (p1) and USD 500 (p2).
- 2026: p1..p5 again plus new p7, p8 (held); p1..p5 recommend 10, 10, 9, 8, 6, p7 gives 0,
  p8 does not answer (NPS +17 on 6); Acme's rep reports EUR 2,000 (p1) and EUR 3,000 (p7).

So 7 partners met in 2026, 5 of the 6 of 2025 met again (83%), 2 new; the five who answered
both times: NPS 0 in 2025 (2 promoters, 2 detractors), +40 in 2026 (3 and 1): +40 points.
Globex meets p1 in 2026 only (no loyalty section). P2P: p1 and p2 team up in 2026.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.extensions import db
from app.models import Attendee, Event, Organiser, SponsorContact
from app.services.events.series import put_in_series
from tests.report_helpers import answer

BEFORE = (10, 9, 7, 6, 3, 10)  # p1..p6 about Acme in 2025
NOW = (10, 10, 9, 8, 6, 0)  # p1..p5, p7 about Acme in 2026 (p8 does not answer)


@dataclass
class Series2:
    """The two editions and the people who matter."""

    organiser: Organiser
    first: Event
    second: Event
    acme_contact: SponsorContact  # reads Acme's 2026 report
    globex_contact: SponsorContact


def partner(event: Event, make_attendee, i: int, **fields) -> Attendee:
    return make_attendee(
        event, f"p{i}@partner{i}.example", name=f"Partner Person {i}",
        company=f"Partner Co {i}", **fields,
    )  # fmt: skip


def build_series(make_organiser, make_event, make_attendee, make_version, now=NOW) -> Series2:
    """The two editions above; ``now`` changes what p1..p5, p7 answer in 2026 (None: nothing)."""
    organiser = make_organiser()
    first = make_event(organiser, name="Partner Summit 2025", starts_at=datetime(2025, 3, 4, 9))
    second = make_event(
        organiser, name="Partner Summit 2026", starts_at=datetime(2026, 3, 4, 9), rounds=8
    )
    put_in_series(first, "Partner Summit")
    put_in_series(second, "partner summit")  # the same series, however it is typed

    v = make_attendee(first, "vera@acme.example", name="Vera Rep", company="Acme", kind="vendor")
    p = {i: partner(first, make_attendee, i) for i in range(1, 7)}
    make_version(first, [(i, 1, v, p[i]) for i in range(1, 7)], published=True)
    for i in range(1, 7):
        answer(first, p[i], v, i, held="yes", rating=4, recommend=BEFORE[i - 1])
    answer(first, v, p[1], 1, held="yes", pipeline_value=1000, currency="EUR")
    answer(first, v, p[2], 2, held="yes", pipeline_value=500, currency="USD")

    w = make_attendee(second, "walt@acme.example", name="Walt Rep", company="ACMÉ", kind="vendor")
    g = make_attendee(second, "gil@globex.example", name="Gil", company="Globex", kind="vendor")
    q = {i: partner(second, make_attendee, i) for i in (1, 2, 3, 4, 5, 7, 8)}
    q[1].email = "P1@Partner1.example"  # recognised however it is written
    db.session.commit()
    order = (1, 2, 3, 4, 5, 7, 8)
    meetings = [(r, 1, w, q[i]) for r, i in enumerate(order, start=1)]
    meetings += [(1, 2, g, q[2]), (2, 2, q[1], q[8])]
    make_version(second, meetings, published=True)
    for r, i in enumerate(order, start=1):
        value = now[order.index(i)] if i != 8 and now is not None else None
        if value is not None:
            answer(second, q[i], w, r, held="yes", rating=4, recommend=value)
        elif i == 8:
            answer(second, w, q[i], r, held="yes")  # held, p8 gave no score
    answer(second, w, q[1], 1, held="yes", pipeline_value=2000, currency="EUR")
    answer(second, w, q[7], 6, held="yes", pipeline_value=3000, currency="EUR")
    answer(second, q[2], g, 1, held="yes", rating=2, recommend=2)
    answer(second, q[1], q[8], 2, held="yes", rating=5, recommend=9, next_step="joint_deal")
    contacts = [
        SponsorContact(
            event_id=second.id, email=f"boss@{c.lower()}.example", name="Boss", company=c
        )
        for c in ("ACMÉ", "Globex")
    ]
    db.session.add_all(contacts)
    db.session.commit()
    return Series2(organiser, first, second, contacts[0], contacts[1])
