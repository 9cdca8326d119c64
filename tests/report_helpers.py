"""A hand-built event whose report figures are known (see ``test_reports.py`` for them)."""

from __future__ import annotations

from dataclasses import dataclass

from app.extensions import db
from app.models import Attendee, Event, FollowUp, SponsorContact


@dataclass
class Cast:
    """The people of the hand-built event."""

    v1: Attendee  # Acme's first rep
    v2: Attendee  # Acme's second rep
    g1: Attendee  # Globex's only rep
    p: list[Attendee]  # partners P1..P5 at p[1]..p[5]


def answer(event: Event, who: Attendee, other: Attendee, round_: int, **fields) -> FollowUp:
    """One follow-up as the attendee pages store it."""
    followup = FollowUp(
        event_id=event.id, attendee_id=who.id, other_id=other.id, round=round_, **fields
    )
    db.session.add(followup)
    db.session.commit()
    return followup


def build(event: Event, make_attendee, make_version) -> Cast:
    """Acme (2 reps) meets 5 partners (4 held, 1 no-show); Globex meets 2; 1 P2P meeting.

    Acme's scores rest on 3 answers, so the event shows scores from 3 (the lowest threshold an
    event may set), and the partners' reasons may be quoted (without their names).
    """
    event.anonymity_threshold = 3
    v1 = make_attendee(event, "v1@acme.example", name="Vera Acme", company="Acme", kind="vendor")
    v2 = make_attendee(event, "v2@acme.example", name="Walt Acme", company="Acme", kind="vendor")
    g1 = make_attendee(
        event, "g1@globex.example", name="Gil Globex", company="Globex", kind="vendor"
    )
    regions = {1: "EMEA", 2: "APAC", 3: "Americas", 4: "EMEA", 5: "APAC"}
    p: list[Attendee] = [None] + [  # type: ignore[list-item]
        make_attendee(event, f"p{i}@partner.example", name=f"Partner {i}", region=regions[i])
        for i in range(1, 6)
    ]
    make_version(
        event,
        [
            (1, 1, v1, p[1]), (1, 2, v2, p[2]), (1, 3, g1, p[3]),
            (2, 1, v1, p[3]), (2, 2, v2, p[4]), (2, 3, g1, p[1]),
            (3, 1, v1, p[5]), (3, 2, p[1], p[2]),
        ],
        published=True,
    )  # fmt: skip
    yes = {"held": "yes"}
    answer(event, p[1], v1, 1, **yes, rating=5, recommend=10, why="=great demo", quote_ok=True)
    answer(event, v1, p[1], 1, **yes, next_step="proposal", pipeline_value=1000, currency="EUR")
    answer(event, p[2], v2, 1, **yes, rating=3, recommend=6, why="Ünïcödé ça marche", quote_ok=True)
    answer(
        event, v2, p[2], 1, **yes, next_step="deal_registered", pipeline_value=500, currency="USD"
    )
    answer(event, p[3], v1, 2, **yes, rating=4, recommend=8)
    answer(event, v2, p[4], 2, **yes, next_step="call", pipeline_value=2000, currency="EUR")
    answer(event, p[5], v1, 3, held="they_no_show")
    answer(event, p[3], g1, 1, **yes, rating=1, recommend=0, why="Globex secret", quote_ok=True)
    answer(event, p[1], g1, 2, **yes, rating=2, recommend=3)
    answer(event, p[1], p[2], 3, **yes, rating=5, recommend=9, next_step="joint_deal")
    answer(event, p[2], p[1], 3, **yes, rating=4, recommend=7)
    return Cast(v1, v2, g1, p)


def add_bosses(event: Event) -> dict[str, SponsorContact]:
    """A report reader for each sponsor, by company: "Boss" at boss@acme.example and at Globex."""
    made = {
        company: SponsorContact(
            event_id=event.id, email=f"boss@{company.lower()}.example", name="Boss", company=company
        )
        for company in ("Acme", "Globex")
    }
    db.session.add_all(made.values())
    db.session.commit()
    return made
