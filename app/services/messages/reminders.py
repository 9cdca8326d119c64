"""Reminding the non-responders: one e-mail to everyone whose follow-ups are still unanswered.

An attendee has an unanswered follow-up for each meeting of the published schedule whose round
has ended and about which they have not answered (answers are matched to meetings by round and
pair, as on the follow-up progress page). The organiser's "Remind the non-responders" writes
each of them one e-mail listing those meetings and their agenda link, where the follow-ups are.

Never twice within a day: someone who was handed a reminder (sent, or kept in the outbox
without SMTP) less than ``REMIND_AGAIN_AFTER`` ago is left out until then; a reminder that
failed to send does not count, so pressing the button again is the retry. Nothing is offered
once the follow-ups are closed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Attendee, Event, FollowUp, Meeting, OutboxMessage
from app.services.events.clock import from_utc, local_now, utc_now
from app.services.followups.closing import is_closed
from app.services.messages.mailing import SendReport, agenda_url, store_and_send

FOLLOWUP_REMINDER = "followup_reminder"  # OutboxMessage.kind of these e-mails
REMIND_AGAIN_AFTER = timedelta(days=1)


@dataclass
class NonResponder:
    """Someone with unanswered follow-ups, and the meetings they have not answered about."""

    attendee: Attendee
    meetings: list[Meeting]
    reminded_at: datetime | None = None  # naive UTC of the last reminder handed over

    def other(self, meeting: Meeting) -> Attendee:
        """The person ``attendee`` met in ``meeting``."""
        return (
            meeting.attendee_b if meeting.attendee_a_id == self.attendee.id else meeting.attendee_a
        )


@dataclass
class ReminderPlan:
    """Who would get a reminder now, who was reminded too recently, and when they can be."""

    closed: bool
    due: list[NonResponder] = field(default_factory=list)
    recent: list[NonResponder] = field(default_factory=list)
    again_at: datetime | None = None  # local time the first recent one can be reminded again

    @property
    def unanswered(self) -> int:
        """Unanswered follow-ups of everyone, due or recently reminded."""
        return sum(len(p.meetings) for p in self.due + self.recent)


def non_responders(event: Event, now: datetime | None = None) -> list[NonResponder]:
    """Everyone with an unanswered follow-up of a round that has ended at ``now``, by name."""
    if event.published_version_id is None:
        return []
    local = local_now(event, now)
    ended = {n for n, (_, end) in enumerate(event.round_times(), start=1) if end <= local}
    if not ended:
        return []
    meetings = db.session.scalars(
        select(Meeting)
        .where(Meeting.version_id == event.published_version_id, Meeting.round.in_(ended))
        .options(selectinload(Meeting.attendee_a), selectinload(Meeting.attendee_b))
        .order_by(Meeting.round, Meeting.table)
    ).all()
    answered = set(
        db.session.execute(
            select(FollowUp.attendee_id, FollowUp.other_id, FollowUp.round).where(
                FollowUp.event_id == event.id
            )
        )
    )
    owed: dict[int, NonResponder] = {}
    for meeting in meetings:
        for person, other in (
            (meeting.attendee_a, meeting.attendee_b_id),
            (meeting.attendee_b, meeting.attendee_a_id),
        ):
            if (person.id, other, meeting.round) not in answered:
                owed.setdefault(person.id, NonResponder(person, [])).meetings.append(meeting)
    return sorted(owed.values(), key=lambda p: (p.attendee.name.casefold(), p.attendee.id))


def _last_reminders(event: Event) -> dict[int, datetime]:
    """attendee id -> when their newest reminder that did not fail was stored (naive UTC)."""
    rows = db.session.execute(
        select(OutboxMessage.attendee_id, OutboxMessage.created_at).where(
            OutboxMessage.event_id == event.id,
            OutboxMessage.kind == FOLLOWUP_REMINDER,
            OutboxMessage.error.is_(None),
            OutboxMessage.attendee_id.is_not(None),
        )
    )
    last: dict[int, datetime] = defaultdict(lambda: datetime.min)
    for attendee_id, created in rows:
        if attendee_id is not None:
            last[attendee_id] = max(last[attendee_id], created)
    return dict(last)


def reminder_plan(event: Event, now: datetime | None = None) -> ReminderPlan:
    """Whom "Remind the non-responders" would write to at ``now`` (aware; default: the clock)."""
    now = now or utc_now()
    plan = ReminderPlan(closed=is_closed(event, now))
    if plan.closed:
        return plan
    cutoff = now.astimezone(UTC).replace(tzinfo=None) - REMIND_AGAIN_AFTER
    last = _last_reminders(event)
    for person in non_responders(event, now):
        person.reminded_at = last.get(person.attendee.id)
        if person.reminded_at is not None and person.reminded_at > cutoff:
            plan.recent.append(person)
        else:
            plan.due.append(person)
    if plan.recent:
        first = min(p.reminded_at for p in plan.recent if p.reminded_at is not None)
        plan.again_at = from_utc(event, first + REMIND_AGAIN_AFTER)
    return plan


def compose_reminder(event: Event, person: NonResponder, now: datetime) -> OutboxMessage:
    """The reminder e-mail for one non-responder (not saved), stored as written at ``now``."""
    attendee = person.attendee
    count = len(person.meetings)
    times = event.round_times()
    lines = [
        f"Hello {attendee.name},",
        "",
        f"Thank you for coming to {event.name}. You have not yet said how "
        + ("this meeting" if count == 1 else f"these {count} meetings")
        + " went:",
        "",
    ]
    for meeting in person.meetings:
        other = person.other(meeting)
        start = times[meeting.round - 1][0] if meeting.round <= len(times) else None
        when = f"Round {meeting.round}" + (f", {start:%H:%M}" if start else "")
        lines.append(f"- {when} ({event.timezone} time): {other.name}, {other.company}")
    lines += [
        "",
        "Each follow-up takes a minute. Answer on your agenda (no password needed):",
        agenda_url(attendee),
        "",
        "Your answers help the organiser plan the next event. Thank you!",
    ]
    subject = " ".join(f"How did your meetings at {event.name} go?".split())
    return OutboxMessage(
        event_id=event.id,
        attendee_id=attendee.id,
        to_address=attendee.email,
        subject=subject[:300],
        body="\n".join(lines) + "\n",
        kind=FOLLOWUP_REMINDER,
        created_at=now.astimezone(UTC).replace(tzinfo=None),
    )


def remind_non_responders(event: Event, now: datetime | None = None) -> SendReport:
    """E-mail every due non-responder one reminder (stored in the outbox first).

    The event's row is locked (on PostgreSQL) while the plan is made and the messages stored,
    so two clicks at once cannot write anyone twice.
    """
    db.session.execute(select(Event.id).where(Event.id == event.id).with_for_update())
    now = now or utc_now()
    plan = reminder_plan(event, now)
    messages = [compose_reminder(event, person, now) for person in plan.due]
    return store_and_send(messages, unchanged=len(plan.recent))


def reminder_summary(report: SendReport) -> tuple[str, str]:
    """What to tell the organiser after reminding, and its category."""
    were = "were" if report.unchanged != 1 else "was"
    skipped = (
        f" {report.unchanged} reminded less than a day ago {were} left out."
        if report.unchanged
        else ""
    )
    if not report.stored:
        return (
            "Nobody to remind: every unanswered follow-up was reminded less than a day ago.",
            "warning",
        )
    people = f"{report.stored} attendee{'s' if report.stored != 1 else ''}"
    if not report.smtp:
        return (
            f"Reminders for {people} are in the outbox: e-mail is not configured (SMTP_HOST), "
            f"so copy them from there.{skipped}",
            "warning",
        )
    if report.failed:
        return (
            f"Reminded {report.sent} of {people}; {report.failed} failed and stay in the outbox "
            f"(press again to retry them).{skipped}",
            "error",
        )
    return f"Reminded {people} by e-mail.{skipped}", "success"
