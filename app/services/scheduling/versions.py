"""Schedule versions: checking one against the hard rules, numbering, storing and publishing.

Version numbers are allocated, and schedule edits queue up, under a lock on the event row
(``lock_event``), so two builds or editors of one event never take the same number.
"""

from __future__ import annotations

from sqlalchemy import func, select, text

from app.extensions import db
from app.models import Event, Meeting, Publication, ScheduleVersion
from app.services.messages.notices import tell_safely
from app.services.scheduling.instance import EventInstance, instance_for
from app.services.scheduling.legal import named
from app.services.scheduling.publications import record_publication
from solver.replan import adjusted_instance
from solver.schema import Meeting as SolverMeeting
from solver.validate import Report, validate

CONFLICT = (
    "Someone else changed this schedule a moment ago; here is the current version, "
    "please try again."
)


class BuildError(Exception):
    """A schedule cannot be built or published (no attendees, one running, a broken rule)."""


class StalePublish(BuildError):
    """The version was edited, or another one published, since the organiser's page was drawn."""


def lock_event(event_id: int) -> None:
    """Hold the event's row until commit: its version numbers and schedule edits queue up here."""
    if db.session.get_bind().dialect.name == "postgresql":
        # NO KEY UPDATE: it queues other lockers of the event but not inserts that refer to it.
        db.session.execute(
            select(Event.id).where(Event.id == event_id).with_for_update(key_share=True)
        )
    else:
        # SQLite has no row locks: a write takes the database's write lock until commit.
        db.session.execute(text("UPDATE events SET id = id WHERE id = :id"), {"id": event_id})


def check_version(version: ScheduleVersion, meetings: list[Meeting] | None = None) -> Report:
    """Check a version's meetings (or a proposed list) against every hard rule.

    A re-planned version is checked against the rules it was made under (solver/replan.py's
    adjusted instance): its absent attendees attend no round from ``replan_from_round`` on.
    """
    built = instance_for(version.event)
    rows = version.meetings if meetings is None else meetings
    solver_rows = [built.solver_meeting(m) for m in rows]
    if version.replan_from_round is None:
        return validate(built.instance, solver_rows, built.scorer)
    absent = {built.position[i] for i in version.replan_absent or () if i in built.position}
    adjusted = adjusted_instance(built.instance, solver_rows, absent, version.replan_from_round)
    return validate(adjusted, solver_rows)  # its availability differs: a scorer of its own


def add_meetings(
    version: ScheduleVersion,
    built: EventInstance,
    meetings: list[SolverMeeting],
    pinned: set[tuple[int, tuple[int, int]]],
) -> None:
    """Append the solver's meetings to ``version`` as rows, with their scores and reasons."""
    scorer = built.scorer
    for m in meetings:
        version.meetings.append(
            Meeting(
                round=m.round,
                table=m.table,
                attendee_a_id=built.attendees[m.a].id,
                attendee_b_id=built.attendees[m.b].id,
                score=scorer.pair(m.a, m.b),
                reasons=scorer.reasons(m.a, m.b),
                pinned=(m.round, m.pair) in pinned,
            )
        )


def next_version_number(event: Event) -> int:
    """The number the event's next schedule version gets; holds the event's lock until commit."""
    lock_event(event.id)
    query = select(func.max(ScheduleVersion.number)).where(ScheduleVersion.event_id == event.id)
    return (db.session.scalar(query) or 0) + 1


def find_version(event: Event, number: int | None = None) -> ScheduleVersion | None:
    """Version ``number`` of ``event`` (the latest when None), or None when there is none."""
    query = select(ScheduleVersion).where(ScheduleVersion.event_id == event.id)
    if number is None:
        query = query.order_by(ScheduleVersion.number.desc()).limit(1)
    else:
        query = query.where(ScheduleVersion.number == number)
    return db.session.scalar(query)


def publish(
    version: ScheduleVersion, seen_revision: int | None = None, seen_published: int | None = None
) -> Publication | None:
    """Make ``version`` the schedule attendees see; it must hold every hard rule.

    ``seen_revision``: the revision the organiser's page showed; ``seen_published``: the id of
    the version published then (0 for none). Publishing refuses (``StalePublish``) when
    someone edited the version or published another since, so nobody publishes unseen edits.
    Once committed, everyone whose meetings changed is told (app/services/messages/notices.py).

    Returns:
        The publication, with who was told; None when ``version`` was already published.
    """
    lock_event(version.event_id)  # after any edit of the version in flight
    db.session.refresh(version)
    db.session.refresh(version.event)
    stale = seen_revision is not None and (version.revision or 0) != seen_revision
    if seen_published is not None and (version.event.published_version_id or 0) != seen_published:
        stale = True
    if stale:
        db.session.rollback()
        raise StalePublish(CONFLICT)
    report = check_version(version)
    if not report.ok:
        problem = named(report.violations[0], instance_for(version.event))
        db.session.rollback()
        raise BuildError(f"version {version.number} breaks a rule: {problem}")
    publication = record_publication(version.event, version)
    version.event.published_version_id = version.id
    db.session.commit()
    tell_safely(publication)
    return publication
