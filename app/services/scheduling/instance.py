"""An event in the solver's terms: its attendees, hard rules, weights and attendees' requests.

Building an instance reads every attendee and request of the event and scores every pair, so a
request builds it once (``instance_for``) and every check, score and suggestion of that request
shares it. The cached instance is keyed by what it is made of, so an attendee or request
changed in the meantime, by this request or a parallel one, makes the next call build anew.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

import numpy as np
from sqlalchemy import event as orm_event
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import Attendee, Event, Meeting, MeetingRequest
from solver.io import SOLVER_COLUMNS, parse_rounds
from solver.schema import Attendee as SolverAttendee
from solver.schema import Instance, Rules, ScoreWeights
from solver.schema import Meeting as SolverMeeting
from solver.score import Scorer

# -- one attendee ------------------------------------------------------------------------------


def solver_attendee(values: Mapping[str, Any]) -> SolverAttendee:
    """The solver's view of an attendee given as field -> value (the Attendee model's columns)."""
    return SolverAttendee(
        email=values["email"],
        name=values["name"],
        company=values["company"],
        kind=values["kind"],
        region=values["region"],
        offers=frozenset(values.get("offers") or ()),
        seeks=frozenset(values.get("seeks") or ()),
        target_regions=frozenset(values.get("target_regions") or ()),
        goals=frozenset(values.get("goals") or ()),
        available_rounds=parse_rounds(values.get("available_rounds") or ""),
        must_meet=frozenset(values.get("must_meet") or ()),
        avoid=frozenset(values.get("avoid") or ()),
        tier=values.get("tier") or None,
    )


def solver_fields(attendee: Attendee) -> dict[str, Any]:
    """The columns of ``attendee`` the solver reads, as field -> value."""
    return {name: getattr(attendee, name) for name in SOLVER_COLUMNS}


def to_solver(attendee: Attendee) -> SolverAttendee:
    """``attendee`` as the solver sees them."""
    return solver_attendee(solver_fields(attendee))


def share_a_round(a: Attendee, b: Attendee, rounds: int) -> bool:
    """Whether ``a`` and ``b`` both attend at least one of the event's ``rounds``."""
    return bool(to_solver(a).rounds(rounds) & to_solver(b).rounds(rounds))


# -- the event ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class EventInstance:
    """A solver instance of an event and the attendee rows behind its indices."""

    instance: Instance
    attendees: list[Attendee]
    position: dict[int, int]  # attendee id -> index in the instance
    revision: tuple[object, ...] = field(default=(), compare=False)  # what it was built from

    @cached_property
    def scorer(self) -> Scorer:
        """The pair scores and hard-rule masks of the instance, computed on first use."""
        return Scorer(self.instance)

    def solver_meeting(self, meeting: Meeting) -> SolverMeeting:
        """A database meeting in the solver's terms."""
        a, b = self.position[meeting.attendee_a_id], self.position[meeting.attendee_b_id]
        return SolverMeeting(meeting.round, meeting.table, min(a, b), max(a, b))

    def with_pinned(self, meetings: list[Meeting]) -> Instance:
        """The instance with ``meetings`` pinned where they are (the built one is left as is)."""
        return replace(self.instance, pinned=[self.solver_meeting(m) for m in meetings])


def event_instance(event: Event, with_requests: bool = True) -> EventInstance:
    """Build the solver instance of an event: its attendees, hard rules and matching weights.

    ``with_requests``: apply the attendees' own requests (see ``with_requests_applied``); the
    recommendations shown to attendees leave them out, so scores stay plain complementarity.
    Callers within a request use ``instance_for``, which builds this once.
    """
    revision = instance_revision(event, with_requests)
    attendees = list(
        db.session.scalars(
            select(Attendee).where(Attendee.event_id == event.id).order_by(Attendee.id)
        )
    )
    rules = Rules(
        rounds=event.rounds,
        tables=event.tables,
        min_meetings=event.min_meetings,
        tier_minimums={k: int(v) for k, v in (event.tier_minimums or {}).items() if v},
        table_owners={int(t): owner for t, owner in (event.table_owners or {}).items()},
        table_names=tuple(event.table_names or ()),
    )
    weights = ScoreWeights(p2p_weight=event.p2p_weight, p2v_weight=event.p2v_weight)
    instance = Instance([to_solver(a) for a in attendees], rules, weights)
    position = {a.id: i for i, a in enumerate(attendees)}
    if with_requests:
        instance = with_requests_applied(event, instance, position)
    return EventInstance(instance, attendees, position, revision)


# -- one instance per request ------------------------------------------------------------------

CACHE = "mingle.event_instances"  # key of db.session.info: (event id, with requests) -> built


def instance_for(event: Event, with_requests: bool = True) -> EventInstance:
    """The event's solver instance (with its scorer), built at most once per request.

    Kept in ``db.session.info``, which lives as long as the request's session. Reused only
    while the event's settings, attendees and requests are what it was built from.
    """
    cache: dict[tuple[int, bool], EventInstance] = db.session.info.setdefault(CACHE, {})
    key = (event.id, with_requests)
    built = cache.get(key)
    if built is None or built.revision != instance_revision(event, with_requests):
        built = cache[key] = event_instance(event, with_requests)
    return built


def instance_revision(event: Event, with_requests: bool) -> tuple[object, ...]:
    """What an instance of ``event`` is made of, in two small queries instead of a build.

    Settings from the event row; attendees by count, last id and last change (every change of
    a row stamps ``updated_at``); requests by their rows, which carry no change stamp.
    """
    settings = (
        event.rounds,
        event.tables,
        event.min_meetings,
        tuple(sorted((event.tier_minimums or {}).items())),
        tuple(sorted((event.table_owners or {}).items())),
        tuple(event.table_names or ()),
        event.p2p_weight,
        event.p2v_weight,
    )
    attendees = db.session.execute(
        select(func.count(Attendee.id), func.max(Attendee.id), func.max(Attendee.updated_at)).where(
            Attendee.event_id == event.id
        )
    ).one()
    requests: tuple[object, ...] = ()
    if with_requests:
        requests = tuple(
            db.session.execute(
                select(MeetingRequest.attendee_id, MeetingRequest.other_id, MeetingRequest.kind)
                .where(MeetingRequest.event_id == event.id)
                .order_by(MeetingRequest.id)
            ).all()
        )
    return (settings, tuple(attendees), requests)


@orm_event.listens_for(Session, "after_flush")
def _forget_changed_events(session: Session, _context: object) -> None:
    """Drop cached instances once this session writes an attendee, request or event.

    The revision check would notice most such changes too; this also covers two changes within
    one tick of the clock, which ``updated_at`` cannot tell apart.
    """
    cache = session.info.get(CACHE)
    if not cache:
        return
    for row in (*session.new, *session.dirty, *session.deleted):
        if isinstance(row, Attendee | MeetingRequest | Event):
            cache.clear()
            return


# -- attendees' requests -----------------------------------------------------------------------

# Attendees' requests from their phones. "Would rather not meet" is a hard rule, like the
# organiser's avoid column. "Must meet" is soft (a pair_bonus), so requests can never make a
# schedule infeasible: the requested pair is worth MUST_BONUS_SHARE times the best score either
# of the two has with anyone they may meet (at least MUST_BONUS_MIN more than its own score).
# A meeting displaces at most two others, so 1.5x the best makes honouring it almost always pay.
MUST_BONUS_SHARE = 1.5
MUST_BONUS_MIN = 1.0
BONUS_ROWS = 256  # scorer rows per block when finding each requester's best score


def with_requests_applied(event: Event, instance: Instance, position: dict[int, int]) -> Instance:
    """``instance`` with the event's MeetingRequest rows as avoid rules and must-meet bonuses."""
    rows = db.session.execute(
        select(MeetingRequest.attendee_id, MeetingRequest.other_id, MeetingRequest.kind).where(
            MeetingRequest.event_id == event.id
        )
    ).all()
    if not rows:
        return instance
    people = list(instance.attendees)
    avoid: dict[int, set[str]] = {}
    must: set[tuple[int, int]] = set()
    for attendee_id, other_id, kind in rows:
        i, j = position.get(attendee_id), position.get(other_id)
        if i is None or j is None or i == j:
            continue
        if kind == "avoid":
            avoid.setdefault(i, set()).add(people[j].email)
        elif kind == "must":
            must.add((min(i, j), max(i, j)))
    for i, emails in avoid.items():  # e-mails are unchanged, so the instance's index holds
        people[i] = replace(people[i], avoid=people[i].avoid | emails)
    instance = replace(instance, attendees=people)  # the solver's Instance is frozen
    if must:
        instance = replace(instance, pair_bonus=must_bonuses(instance, must))
    return instance


def must_bonuses(instance: Instance, pairs: set[tuple[int, int]]) -> dict[tuple[int, int], float]:
    """The pair_bonus of each requested pair that may meet (see MUST_BONUS_SHARE)."""
    scorer = Scorer(instance)
    people = sorted({k for pair in pairs for k in pair})
    best: dict[int, float] = {}
    for start in range(0, len(people), BONUS_ROWS):
        rows = np.array(people[start : start + BONUS_ROWS])
        scores = np.where(scorer.allowed(rows), scorer.block(rows), 0.0)
        best.update(zip(rows.tolist(), scores.max(axis=1).tolist(), strict=True))
    bonus = {}
    for i, j in sorted(pairs):
        if not scorer.may_meet(i, j):
            continue  # an avoid or the company rule wins over a request
        own = scorer.pair(i, j)
        target = MUST_BONUS_SHARE * max(best[i], best[j])
        bonus[(i, j)] = round(max(MUST_BONUS_MIN, target - own), 2)
    return bonus
