"""The demo: an organiser login and a realistic event, so a fresh clone shows a populated app.

With ``past`` the event took place yesterday and :func:`simulate_followups` fills in the
attendees' answers, so the reports have something to show. Those answers are made-up demo
data: never run it on a real event.
"""

from __future__ import annotations

import random
import secrets
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app.extensions import db
from app.models import Attendee, Event, FollowUp, Meeting, Organiser, SponsorContact
from app.models.common import utcnow
from app.services.accounts import create_organiser, find_organiser, set_password
from app.services.attendees.importing import ImportResult, apply_import, preview_import
from app.services.events.clock import to_utc
from app.services.events.editing import create_event, default_start
from app.services.followups.answers import guess_currency, validate_answers
from app.services.messages.sponsors import new_sponsor_contact
from app.services.reports.figures import SPONSOR_KINDS
from app.services.scheduling.vocabulary import generate_event, write_attendees_csv

DEMO_EMAIL = "demo@mingle.test"
DEMO_NAME = "Demo Organiser"
DEMO_EVENT = "Partner Summit (demo)"
DEMO_TIMEZONE = "Europe/Amsterdam"
DEMO_VENUE = "Beurs van Berlage, Amsterdam"
PEOPLE_PER_TABLE = 3  # a table for every third attendee: most, not all, meet in each round


def demo_organiser(new_password: bool = False) -> tuple[Organiser, str | None]:
    """The demo organiser, and its password when it was just set (else None: unchanged).

    The organiser is created with a random password on first use. Later runs keep the
    password someone may already be logged in with, unless ``new_password`` asks for a new one.
    """
    organiser = find_organiser(DEMO_EMAIL)
    if organiser is None:
        password = secrets.token_urlsafe(12)
        return create_organiser(DEMO_EMAIL, password, DEMO_NAME), password
    if not new_password:
        return organiser, None
    password = secrets.token_urlsafe(12)
    set_password(organiser, password)  # ends its sessions, lifts a lockout, as any reset does
    return organiser, password


def create_demo_event(
    organiser: Organiser,
    attendees: int = 120,
    rounds: int = 8,
    tables: int | None = None,
    seed: int = 0,
    time_limit: float = 10.0,
    past: bool = False,
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
        past: start yesterday at 09:00 (event local time) instead of tomorrow.

    Returns:
        The event and what the import did.
    """
    local_now = datetime.now(ZoneInfo(DEMO_TIMEZONE)).replace(tzinfo=None)
    starts_at = default_start(local_now - timedelta(days=2) if past else local_now)
    event = create_event(
        organiser,
        {
            "name": DEMO_EVENT,
            "venue": DEMO_VENUE,
            "timezone": DEMO_TIMEZONE,
            "starts_at": starts_at,
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


# A past demo event: made-up follow-ups, sponsor contacts, closed. Demo data only: never run
# this on a real event, whose answers must come from its attendees.

RESPONDERS = 0.85  # share of attendees who answer follow-ups at all
ANSWER_EACH = 0.9  # a responder's chance to answer each of their meetings
NO_SHOWS = 0.05  # share of meetings one side missed, reported by one side only
WHY_SHARE = 0.3  # share of answers that say why in a few words
PIPELINE_SHARE = 0.75  # share of the sponsor side's deals given an estimated value
PIPELINE_CURRENCIES = ("EUR", "USD", "GBP")  # others are quoted in USD
# Next steps once a meeting leads somewhere, by who met: partners team up on joint deals,
# vendors register deals.
STEP_WEIGHTS = {
    "sponsor": {"call": 45, "proposal": 25, "joint_deal": 8, "deal_registered": 22},
    "p2p": {"call": 60, "proposal": 15, "joint_deal": 25, "deal_registered": 0},
}
# Deal sizes: median value and the spread of a log-normal, by next step.
DEAL_SIZES = {
    "proposal": (20_000, 0.7),
    "joint_deal": (40_000, 0.8),
    "deal_registered": (60_000, 0.8),
}
WHY_GOOD = (
    "Exactly the partner we were looking for in this region.",
    "Clear fit: they already serve our target customers.",
    "Concrete next steps agreed, call booked for next week.",
    "Strong team, knows the product well.",
    "Très bon échange, vraie complémentarité.",
    "Sehr gutes Gespräch – konkrete nächste Schritte.",
    "Muy buena conversación, encaja con nuestro plan para LATAM.",
)
WHY_FAIR = (
    "Interesting, but timing is not right this quarter.",
    "Good people, partial overlap with what we do.",
    "Need to check with our alliances team first.",
    "Ciekawa rozmowa, ale to jeszcze wczesny etap.",
)
WHY_POOR = (
    "Not a fit: they do not cover our region.",
    "They were looking for something else entirely.",
    "Too early for them, no budget this year.",
    "Pas le bon interlocuteur pour ce sujet.",
)


@dataclass
class PastDemo:
    """What :func:`finish_past_demo` added to a demo event."""

    answers: int
    contacts: list[SponsorContact]


def finish_past_demo(event: Event, seed: int = 0) -> PastDemo:
    """Make a demo event whose schedule is published look like one that took place.

    Fills in follow-up answers, gives each sponsor company a report contact and closes the
    event, so the sponsor and event reports show figures. Demo data only.
    """
    answers = simulate_followups(event, seed)
    contacts = add_demo_sponsor_contacts(event)
    event.closed_at = utcnow()  # follow-ups can be changed until the close: freeze them
    db.session.commit()
    return PastDemo(answers, contacts)


def simulate_followups(event: Event, seed: int = 0) -> int:
    """Made-up follow-up answers for every meeting of the event's published schedule.

    Demo data only: about 85% of the attendees answer (most of their meetings), about 5% of
    the meetings are reported as a no-show by one side, and a few get no answer at all.
    Ratings (1-5) and recommendations (0-10) rise with the meeting's planned score, with
    noise; better meetings lead to next steps more often, and the sponsor side puts a value
    in EUR, USD or GBP on some deals. The answers are written as if given after each round
    (they skip the answering window's checks, not the form's validation).

    Args:
        event: a demo event with a published schedule and no answers yet.
        seed: the same seed, people and schedule give the same answers.

    Returns:
        How many answers were stored.
    """
    rng = random.Random(f"mingle-demo-followups:{seed}")
    people = {a.id: a for a in sorted(event.attendees, key=lambda a: a.id)}
    responders = {i for i in people if rng.random() < RESPONDERS}
    leniency = {i: rng.gauss(0, 0.3) for i in people}  # some people rate everyone higher
    meetings = list(
        db.session.scalars(
            select(Meeting)
            .where(Meeting.version_id == event.published_version_id)
            .order_by(Meeting.round, Meeting.table, Meeting.id)
        )
    )
    # The planned score as a rank from 0 (lowest) to 1 (highest): the scale of the score
    # depends on the event, the order is what the event report compares.
    ranked = sorted(meetings, key=lambda x: (x.score, x.round, x.table))
    rank = {x.id: i / max(1, len(ranked) - 1) for i, x in enumerate(ranked)}
    ends = [to_utc(event, end).replace(tzinfo=None) for _, end in event.round_times()]
    latest = utcnow() - timedelta(minutes=1)
    answered: set[tuple[int, int]] = set()
    rows: list[FollowUp] = []

    def answer(meeting: Meeting, who: int, other: int, form: dict[str, str]) -> None:
        if (who, other) in answered:  # the same two people met twice: one answer each
            return
        valid = validate_answers(form, people[other])
        if valid.errors:  # the simulation wrote an answer the form refuses: a bug
            raise ValueError(f"demo follow-up refused: {valid.errors}")
        after = timedelta(minutes=2 + rng.expovariate(1 / 120))  # most answer within hours
        when = min(ends[meeting.round - 1] + after, latest)
        answered.add((who, other))
        rows.append(
            FollowUp(
                event_id=event.id,
                attendee_id=who,
                other_id=other,
                round=meeting.round,
                meeting_id=meeting.id,
                held=valid.held,
                rating=valid.rating,
                recommend=valid.recommend,
                why=valid.why,
                next_step=valid.next_step,
                pipeline_value=valid.pipeline_value,
                currency=valid.currency,
                comment=valid.comment,
                created_at=when,
                updated_at=when,
            )
        )

    missed = {x.id for x in rng.sample(meetings, round(NO_SHOWS * len(meetings)))}
    for meeting in meetings:
        pair = [meeting.attendee_a_id, meeting.attendee_b_id]
        if meeting.id in missed:
            rng.shuffle(pair)
            came, away = pair
            if rng.random() < 0.75:
                answer(meeting, came, away, {"held": "they_no_show"})
            else:
                answer(meeting, away, came, {"held": "i_no_show"})
            continue
        quality = 2.4 + 2.3 * rank[meeting.id] + rng.gauss(0, 0.5)  # the meeting's true worth
        step = _next_step(rng, quality, [people[i] for i in pair])
        for who, other in (pair, pair[::-1]):
            if who not in responders or rng.random() >= ANSWER_EACH:
                continue
            form = _held_answer(rng, quality + leniency[who], step, people[who], people[other])
            answer(meeting, who, other, form)
    db.session.add_all(rows)
    db.session.commit()
    return len(rows)


def _next_step(rng: random.Random, quality: float, pair: list[Attendee]) -> str:
    """Where a meeting of this quality leads: the better, the likelier it leads somewhere."""
    if rng.random() >= min(0.8, max(0.05, (quality - 2.2) / 3.5)):
        return "none"
    sponsor = any(p.kind in SPONSOR_KINDS for p in pair)
    weights = STEP_WEIGHTS["sponsor" if sponsor else "p2p"]
    return rng.choices(list(weights), list(weights.values()))[0]


def _held_answer(
    rng: random.Random, quality: float, step: str, who: Attendee, other: Attendee
) -> dict[str, str]:
    """One side's answer about a meeting that took place, as the follow-up form submits it."""
    rating = min(5, max(1, round(quality + rng.gauss(0, 0.5))))
    recommend = min(10, max(0, round(2 * rating + rng.gauss(0.7, 1.0))))
    if step != "none" and rng.random() < 0.15:  # one side is less sure where it leads
        step = "none"
    form = {
        "held": "yes",
        "rating": str(rating),
        "recommend": str(recommend),
        "next_step": step,
    }
    if rng.random() < WHY_SHARE:
        form["why"] = rng.choice(WHY_GOOD if rating >= 4 else WHY_FAIR if rating == 3 else WHY_POOR)
    sponsor_side = who.kind in SPONSOR_KINDS and other.kind not in SPONSOR_KINDS
    if sponsor_side and step in DEAL_SIZES and rng.random() < PIPELINE_SHARE:
        median, spread = DEAL_SIZES[step]
        form["pipeline_value"] = str(
            max(1, round(median * rng.lognormvariate(0, spread) / 500)) * 500
        )
        currency = guess_currency(other)  # quoted in the partner's market
        form["currency"] = currency if currency in PIPELINE_CURRENCIES else "USD"
    return form


def add_demo_sponsor_contacts(event: Event) -> list[SponsorContact]:
    """A report reader for each vendor and distributor company: one of its own people."""
    first: dict[str, Attendee] = {}  # company -> its first rep by name
    for a in sorted(event.attendees, key=lambda a: (a.name, a.id)):
        if a.kind in SPONSOR_KINDS:
            first.setdefault(a.company, a)
    contacts = [new_sponsor_contact(event, first[c].email, first[c].name, c) for c in sorted(first)]
    db.session.commit()  # once: each commit expires every object the session holds
    return contacts
