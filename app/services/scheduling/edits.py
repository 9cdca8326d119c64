"""Hand adjustments of a schedule: pin, remove, add, move and swap, each re-checked.

Every edit is applied to a copy of the meetings, checked by ``solver/validate.py`` as a whole
schedule, and committed only when every hard rule still holds; otherwise nothing changes and
the organiser reads the first rule it would break. A published version is never edited in
place: the first edit copies it into a new draft version, so attendees keep seeing what was
published until the organiser publishes again.

Edits of one event queue up on a lock of its row, and each bumps the edited version's
``revision``. A form carries the version number and revision its page showed (``Seen``): when
someone else changed the schedule since, the edit is refused with ``CONFLICT`` instead of being
applied to a schedule the editor has not seen (two swaps sharing a person would double-book).
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.exc import InvalidRequestError

from app.extensions import db, rowcount
from app.models import Attendee, Event, Meeting, ScheduleVersion
from app.services.scheduling.instance import instance_for
from app.services.scheduling.legal import Legality, named
from app.services.scheduling.versions import (
    CONFLICT,
    check_version,
    lock_event,
    next_version_number,
)
from solver.rules import table_owners
from solver.validate import Report


class EditRefused(Exception):
    """An edit that would break a hard rule; the message says which."""


class EditConflict(EditRefused):
    """Someone else changed the schedule after the editor's page was drawn."""


# What an edit form saw: the number and revision of the version its edits land on.
Seen = tuple[int, int]


def seen_of(version: ScheduleVersion) -> Seen:
    """What a page showing ``version`` as the latest puts in its edit forms."""
    return (version.number, version.revision)


# When an edit breaks several rules, name the one about the people first.
PRIORITY = ("same_company", "avoid", "availability", "pair_once", "one_per_round", "must_meet")


def _refuse(report: Report, event: Event) -> EditRefused:
    """Roll back and build the refusal naming the most telling broken rule (people by name)."""
    ranked = sorted(
        report.violations,
        key=lambda v: PRIORITY.index(v.rule) if v.rule in PRIORITY else len(PRIORITY),
    )
    message = named(ranked[0], instance_for(event))
    db.session.rollback()
    return EditRefused(message)


def _check(refusal: str | None) -> None:
    """Refuse (rolling back) what the page would not have offered, with the reason."""
    if refusal is not None:
        db.session.rollback()
        raise EditRefused(refusal)


def _open(event: Event, seen: Seen | None) -> ScheduleVersion:
    """Take the event's edit lock and return its latest version, refusing a stale ``seen``."""
    lock_event(event.id)
    db.session.expire_all()  # read what editors before us committed, not the request's copy
    latest = event.latest_version()
    if latest is None:
        raise EditRefused("build a schedule first")
    if seen is not None and seen_of(latest) != tuple(seen):
        db.session.rollback()
        raise EditConflict(CONFLICT)
    return latest


def editable_version(event: Event, seen: Seen | None = None) -> ScheduleVersion:
    """The latest version, or a fresh copy of it when it is the published one.

    Holds the event's edit lock until the edit commits or rolls back.

    Raises:
        EditConflict: when ``seen`` is given and the latest version is no longer that one.
    """
    latest = _open(event, seen)
    if latest.id != event.published_version_id:
        return latest
    copy = ScheduleVersion(
        event_id=event.id,
        number=next_version_number(event),
        source="edit",
        status="ready",
        objective=latest.objective,
        bound=latest.bound,
        gap=latest.gap,
        seconds=latest.seconds,
        baseline_objective=latest.baseline_objective,
        note=f"edited copy of published version {latest.number}",
    )
    for m in latest.meetings:
        copy.meetings.append(
            Meeting(
                round=m.round,
                table=m.table,
                attendee_a_id=m.attendee_a_id,
                attendee_b_id=m.attendee_b_id,
                score=m.score,
                reasons=m.reasons,
                pinned=m.pinned,
                status=m.status,
            )
        )
    db.session.add(copy)
    db.session.flush()
    return copy


def _commit(version: ScheduleVersion, meetings: list[Meeting]) -> None:
    """Check the proposed meetings as a whole schedule; store them or refuse."""
    report = check_version(version, meetings)
    if not report.ok:
        raise _refuse(report, version.event)
    version.objective = report.objective
    if version.bound:
        version.gap = max(0.0, (version.bound - report.objective) / version.bound)
    if version.source == "solver":
        version.source = "edit"
    _store(version)


def _store(version: ScheduleVersion) -> None:
    """Bump the version's revision if nobody else did since it was read, and commit."""
    seen = version.revision or 0
    db.session.flush()
    bumped = db.session.execute(
        update(ScheduleVersion)
        .where(ScheduleVersion.id == version.id, ScheduleVersion.revision == seen)
        .values(revision=seen + 1)
        .execution_options(synchronize_session=False)
    )
    if rowcount(bumped) != 1:  # the lock makes this unreachable; the check keeps it so
        db.session.rollback()
        raise EditConflict(CONFLICT)
    db.session.commit()


def _twin(version: ScheduleVersion, meeting: Meeting) -> Meeting:
    """The same meeting in ``version`` (which may be a fresh copy of the meeting's version)."""
    try:
        db.session.refresh(meeting)
    except InvalidRequestError:  # the row is gone: removed by someone else since the page
        db.session.rollback()
        raise EditConflict(CONFLICT) from None
    if meeting.version_id == version.id:
        return meeting
    for m in version.meetings:
        if (m.round, m.table, m.attendee_a_id, m.attendee_b_id) == (
            meeting.round,
            meeting.table,
            meeting.attendee_a_id,
            meeting.attendee_b_id,
        ):
            return m
    raise EditRefused("that meeting is no longer in the schedule")


def set_pinned(event: Event, meeting: Meeting, pinned: bool, seen: Seen | None = None) -> Meeting:
    """Pin a meeting (re-optimising keeps it where it is) or unpin it."""
    version = editable_version(event, seen)
    target = _twin(version, meeting)
    target.pinned = pinned
    _store(version)
    return target


def remove_meeting(event: Event, meeting: Meeting, seen: Seen | None = None) -> None:
    """Remove a meeting, unless that leaves someone short of a minimum or a must-meet."""
    version = editable_version(event, seen)
    target = _twin(version, meeting)
    _check(Legality(version, instance_for(event)).remove_refusal(target))
    remaining = [m for m in version.meetings if m is not target]
    report = check_version(version, remaining)
    if not report.ok:
        raise _refuse(report, event)
    version.meetings.remove(target)
    _commit(version, version.meetings)


def add_meeting(
    event: Event,
    a: Attendee,
    b: Attendee,
    round_: int,
    seen: Seen | None = None,
) -> Meeting:
    """Add a meeting of ``a`` and ``b`` in a round, at its first free table (their booth's)."""
    version = editable_version(event, seen)
    built = instance_for(event)
    legal = Legality(version, built)
    _check(legal.add_refusal(a.id, b.id, round_))
    table = legal.free_tables(round_)[0]
    scorer = built.scorer
    i, j = built.position[a.id], built.position[b.id]
    used = {m.table for m in version.meetings if m.round == round_}
    owners = table_owners(built.instance)
    booths = [t for g in owners.groups(i, j) for t in owners.tables[g]]
    owned = {t for tables in owners.tables for t in tables}
    order = booths or sorted(range(1, event.tables + 1), key=lambda t: t in owned)
    free = [t for t in order if t not in used]
    table = free[0] if free else event.tables + 1  # checked below: says why it won't fit
    meeting = Meeting(
        round=round_,
        table=table,
        attendee_a_id=a.id,
        attendee_b_id=b.id,
        score=scorer.pair(i, j),
        reasons=scorer.reasons(i, j),
        pinned=True,  # placed by hand: re-optimising keeps it
    )
    report = check_version(version, [*version.meetings, meeting])
    if not report.ok:
        raise _refuse(report, event)
    version.meetings.append(meeting)
    _commit(version, version.meetings)
    return meeting


def swap_attendees(
    event: Event, round_: int, x: Attendee, y: Attendee, seen: Seen | None = None
) -> None:
    """In one round, ``x`` and ``y`` trade places: each takes the other's meeting and table."""
    version = editable_version(event, seen)
    built = instance_for(event)
    _check(Legality(version, built).swap_refusal(round_, x.id, y.id))
    mx = _meeting_of(version, round_, x.id)
    my = _meeting_of(version, round_, y.id)
    assert mx is not None and my is not None  # swap_refusal: both have one, not the same
    scorer = built.scorer
    for m, old, new in ((mx, x.id, y.id), (my, y.id, x.id)):
        if m.attendee_a_id == old:
            m.attendee_a_id = new
        else:
            m.attendee_b_id = new
        i, j = built.position[m.attendee_a_id], built.position[m.attendee_b_id]
        m.score = scorer.pair(i, j)
        m.reasons = scorer.reasons(i, j)
    report = check_version(version)
    if not report.ok:
        raise _refuse(report, event)
    _commit(version, version.meetings)


def _meeting_of(version: ScheduleVersion, round_: int, attendee_id: int) -> Meeting | None:
    for m in version.meetings:
        if m.round == round_ and attendee_id in (m.attendee_a_id, m.attendee_b_id):
            return m
    return None
