"""Re-planning the published schedule around no-shows: who is at risk, and the atomic re-plan.

Absent means "not checked in at the door" (``Attendee.checked_in_at`` is empty). The re-plan
(solver/replan.py) keeps every meeting of earlier rounds, drops those with absent people, fills
freed slots and changes as few other meetings as it can. The result is stored as a new
version (source "replan") and published in one transaction: any failure rolls back and leaves
the published version exactly as it was.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Attendee, Event, Meeting, Publication, ScheduleVersion
from app.services.events.clock import local_now
from app.services.messages.notices import tell_safely
from app.services.scheduling.instance import instance_for
from app.services.scheduling.legal import named
from app.services.scheduling.publications import record_publication
from app.services.scheduling.versions import add_meetings, check_version, next_version_number
from solver.replan import replan

# What the organiser reads when re-planning breaks unexpectedly; the detail goes to the log.
REPLAN_CRASHED = (
    "re-planning stopped on an unexpected error and the published schedule is unchanged; "
    "the details are in the server log"
)
TIME_LIMIT = 8.0  # seconds: 400 attendees re-plan well within a page load's patience


class ReplanRefused(Exception):
    """The re-plan cannot run or failed; nothing was changed."""


def next_round(event: Event, now: datetime | None = None) -> int:
    """The first round that has not started by the event clock (1 before the event).

    After the last round has started there is nothing left to re-plan: the last round.
    """
    local = local_now(event, now)
    for number, (start, _end) in enumerate(event.round_times(), start=1):
        if start > local:
            return number
    return event.rounds


@dataclass
class AtRisk:
    """An attendee who has not checked in, and their meetings from the chosen round on."""

    attendee: Attendee
    meetings: list[tuple[int, Attendee]] = field(default_factory=list)  # (round, partner)


@dataclass
class ReplanPlan:
    """What re-planning rounds ``from_round``..end would be about."""

    from_round: int
    version: ScheduleVersion
    absent: list[AtRisk]
    present: int
    meetings_at_risk: int

    @property
    def partners(self) -> int:
        """Present attendees who would lose a meeting (their partner has not come)."""
        absent_ids = {r.attendee.id for r in self.absent}
        return len({p.id for r in self.absent for _, p in r.meetings if p.id not in absent_ids})


def replan_plan(event: Event, from_round: int) -> ReplanPlan:
    """Who has not checked in and which of their meetings in rounds ``from_round``.. are at risk.

    Raises:
        ReplanRefused: when no schedule is published.
    """
    version = event.published_version
    if version is None:
        raise ReplanRefused("no schedule is published yet: there is nothing to re-plan")
    people = list(
        db.session.scalars(
            select(Attendee).where(Attendee.event_id == event.id).order_by(Attendee.name)
        )
    )
    absent = {a.id: AtRisk(a) for a in people if a.checked_in_at is None}
    meetings = db.session.scalars(
        select(Meeting)
        .where(Meeting.version_id == version.id, Meeting.round >= from_round)
        .options(selectinload(Meeting.attendee_a), selectinload(Meeting.attendee_b))
        .order_by(Meeting.round, Meeting.table)
    )
    at_risk = 0
    for m in meetings:
        hit = False
        for me, other in ((m.attendee_a, m.attendee_b), (m.attendee_b, m.attendee_a)):
            if me.id in absent:
                absent[me.id].meetings.append((m.round, other))
                hit = True
        at_risk += hit
    return ReplanPlan(
        from_round=from_round,
        version=version,
        absent=list(absent.values()),
        present=len(people) - len(absent),
        meetings_at_risk=at_risk,
    )


@dataclass
class ReplanReport:
    """A stored and published re-plan: its version and what changed."""

    version: ScheduleVersion
    absent: int
    changed: int
    dropped: int
    added: int
    seconds: float
    affected: list[Attendee] = field(default_factory=list)  # present, agenda changed
    publication: Publication | None = None  # with who was told of their changed meetings

    def draft_summary(self) -> str:
        """The sentence the organiser reads when the re-plan is stored as a draft."""
        return (
            f"Re-planned as draft version {self.version.number}: {self.changed} meeting(s) "
            f"changed for present attendees, {self.dropped} dropped, {self.added} added "
            f"({self.absent} not checked in, {self.seconds:.1f} s). Nothing is published yet."
        )

    def summary(self) -> str:
        """The sentence the organiser reads."""
        return (
            f"Version {self.version.number} is published: {self.changed} meeting(s) changed "
            f"for present attendees, {self.dropped} dropped, {self.added} added "
            f"({self.absent} not checked in, {self.seconds:.1f} s)."
        )


def replan_event(
    event: Event, from_round: int, time_limit: float = TIME_LIMIT, publish: bool = True
) -> ReplanReport:
    """Re-plan rounds ``from_round``..end around everyone not checked in; store and publish it.

    Runs synchronously. The new version and its publication are one transaction.
    ``publish=False`` stores it as a draft only: the organiser's page shows what publishing it
    would change and asks first (``publishing.publish_preview``).

    Raises:
        ReplanRefused: nothing published, an invalid round, no valid schedule found, or any
            failure on the way (the published version is then left exactly as it was).
    """
    published = event.published_version
    if published is None:
        raise ReplanRefused("no schedule is published yet: there is nothing to re-plan")
    if not 1 <= from_round <= event.rounds:
        raise ReplanRefused(f"choose a round from 1 to {event.rounds}")
    try:
        return _replan(event, published, from_round, time_limit, publish)
    except ReplanRefused:
        db.session.rollback()
        raise
    except Exception as exc:  # whatever broke, the published schedule must stay as it was
        db.session.rollback()
        current_app.logger.exception("re-planning %s failed", event.slug)
        raise ReplanRefused(REPLAN_CRASHED) from exc


def _replan(
    event: Event, published: ScheduleVersion, from_round: int, time_limit: float, publish: bool
) -> ReplanReport:
    built = instance_for(event)
    current = [built.solver_meeting(m) for m in published.meetings]
    instance = built.with_pinned([m for m in published.meetings if m.pinned])
    absent_ids = sorted(a.id for a in built.attendees if a.checked_in_at is None)
    absent = {built.position[i] for i in absent_ids}
    present = set(range(len(built.attendees))) - absent
    result = replan(instance, current, absent, from_round, present, time_limit=time_limit)
    if not result.ok:
        why = "; ".join(result.reasons) or f"no valid schedule was found ({result.status})"
        raise ReplanRefused(f"not re-planned: {why}")
    pinned = {(m.round, m.pair) for m in instance.pinned}
    version = ScheduleVersion(
        event_id=event.id,
        number=next_version_number(event),
        source="replan",
        status="ready",
        objective=result.objective,
        seconds=result.seconds,
        replan_from_round=from_round,
        replan_absent=absent_ids,
        note=(
            f"re-planned rounds {from_round}..{event.rounds} of version {published.number} "
            f"around {len(absent_ids)} no-show(s): {result.changed} changed, "
            f"{result.dropped} dropped, {result.added} added"
        ),
    )
    add_meetings(version, built, result.meetings, pinned)
    db.session.add(version)
    db.session.flush()
    report = check_version(version)
    if not report.ok:
        problem = named(report.violations[0], built)
        raise ReplanRefused(f"not re-planned: the result breaks a rule: {problem}")
    publication = None
    if publish:
        publication = record_publication(event, version)
        event.published_version_id = version.id
    db.session.commit()
    tell_safely(publication)
    return ReplanReport(
        version,
        len(absent_ids),
        result.changed,
        result.dropped,
        result.added,
        result.seconds,
        [built.attendees[i] for i in result.affected],
        publication,
    )


@dataclass
class Change:
    """One attendee's round whose meeting differs between two versions (None: no meeting)."""

    attendee: Attendee
    round: int
    old: tuple[Attendee, int] | None  # (partner, table)
    new: tuple[Attendee, int] | None


def version_changes(old: ScheduleVersion, new: ScheduleVersion) -> list[Change]:
    """Per attendee and round, the meetings that differ from ``old`` to ``new`` (by name)."""

    def seats(version: ScheduleVersion) -> dict[tuple[int, int], tuple[Attendee, int]]:
        out = {}
        for m in version.meetings:
            out[(m.attendee_a_id, m.round)] = (m.attendee_b, m.table)
            out[(m.attendee_b_id, m.round)] = (m.attendee_a, m.table)
        return out

    before, after = seats(old), seats(new)
    people = {a.id: a for a in old.event.attendees}
    changes = []
    for key in before.keys() | after.keys():
        was, now = before.get(key), after.get(key)
        same = was and now and was[0].id == now[0].id and was[1] == now[1]
        if not same and key[0] in people:
            changes.append(Change(people[key[0]], key[1], was, now))
    return sorted(changes, key=lambda c: (c.attendee.name.casefold(), c.attendee.id, c.round))
