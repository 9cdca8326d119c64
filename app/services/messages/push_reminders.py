"""Push reminders: "In 5 minutes: Maya Thompson, Booth A2" before each of an attendee's meetings.

``send_due_reminders(now)`` looks at every open event's published schedule and reminds both
people of each meeting whose round starts within the event's ``reminder_minutes``, on every
device that allowed alerts. A ``PushReminder`` row is written (and committed) before the push
goes out, under a unique (attendee, partner, round) key, so two clocks running at once (two web
processes, a worker) never remind anyone twice of the same meeting; a meeting moved to another
round is a new meeting and gets its own reminder.

The clock: ``run_reminder_clock`` calls it every ``TICK`` seconds in a daemon thread, started by
``flask worker`` when ``REDIS_URL`` is set (the RQ worker process) and by the web app otherwise
(see ``start_reminder_clock``). Tests call ``send_due_reminders`` with the time they choose.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import Attendee, Event, Meeting, PushReminder
from app.services.events.clock import local_now, to_utc, utc_now
from app.services.messages import push
from app.services.messages.mailing import agenda_url

TICK = 30.0  # seconds between two looks at the clock
LATE = timedelta(minutes=1)  # a reminder is still worth sending this long after its round began
CLOCK_KEY = "mingle_reminder_clock"  # in app.extensions: the running clock's stop event


def due_rounds(event: Event, now: datetime) -> list[int]:
    """The rounds whose reminder is due at ``now`` (aware): starting within the lead time."""
    lead = timedelta(minutes=event.reminder_minutes)
    out = []
    for number, (start, _end) in enumerate(event.round_times(), start=1):
        begins = to_utc(event, start)
        if begins - lead <= now < begins + LATE:
            out.append(number)
    return out


def _claim(attendee_id: int, other_id: int, round_: int) -> PushReminder | None:
    """Write the reminder's row, committed; None when it was already written (by anyone)."""
    exists = select(PushReminder.id).where(
        PushReminder.attendee_id == attendee_id,
        PushReminder.other_id == other_id,
        PushReminder.round == round_,
    )
    if db.session.scalar(exists) is not None:
        return None
    reminder = PushReminder(attendee_id=attendee_id, other_id=other_id, round=round_)
    db.session.add(reminder)
    try:
        db.session.commit()
    except IntegrityError:  # another clock claimed it a moment ago
        db.session.rollback()
        return None
    return reminder


def _payload(
    event: Event, me: Attendee, other: Attendee, meeting: Meeting, now: datetime
) -> dict[str, str]:
    """The reminder: who, when and where."""
    start = event.round_times()[meeting.round - 1][0]
    minutes = max(0, round((to_utc(event, start) - now).total_seconds() / 60))
    soon = f"In {minutes} minute{'s' if minutes != 1 else ''}" if minutes else "Now"
    return {
        "title": f"{soon}: {other.name}"[:120],
        "body": f"Round {meeting.round} at {start:%H:%M}, {event.table_label(meeting.table)}. "
        f"{other.company}".strip(),
        "url": agenda_url(me),
        "tag": f"mingle-reminder-{event.id}-{meeting.round}",
    }


def send_due_reminders(now: datetime | None = None) -> int:
    """Remind everyone of their meetings about to start, at most once each; how many were sent.

    Args:
        now: aware time to act at (default: the clock); tests pass one.
    """
    now = now or utc_now()
    events = db.session.scalars(
        select(Event).where(
            Event.published_version_id.is_not(None),
            Event.closed_at.is_(None),
            Event.reminder_minutes > 0,
        )
    )
    sent = 0
    for event in list(events):
        if local_now(event, now).date() not in {start.date() for start, _ in event.round_times()}:
            continue  # not the event's day: nothing can be due
        for round_ in due_rounds(event, now):
            sent += _remind_round(event, round_, now)
    return sent


def _remind_round(event: Event, round_: int, now: datetime) -> int:
    """Remind both people of each meeting of ``round_`` in the published schedule."""
    meetings = list(
        db.session.scalars(
            select(Meeting).where(
                Meeting.version_id == event.published_version_id, Meeting.round == round_
            )
        )
    )
    sides = [(m, m.attendee_a, m.attendee_b) for m in meetings]
    sides += [(m, m.attendee_b, m.attendee_a) for m in meetings]
    devices = push.subscriptions_of({me.id for _, me, _ in sides})
    sent = 0
    for meeting, me, other in sides:
        if not devices.get(me.id):
            continue
        reminder = _claim(me.id, other.id, round_)
        if reminder is None:
            continue
        payload = _payload(event, me, other, meeting, now)
        results = [push.send(device, payload) for device in devices[me.id]]
        reminder.delivered = any(results)
        db.session.commit()
        sent += reminder.delivered
    return sent


# The clock


def run_reminder_clock(app: Flask, stop: threading.Event, tick: float = TICK) -> None:
    """Send due reminders every ``tick`` seconds until ``stop`` is set; errors are logged."""
    while not stop.is_set():
        with app.app_context():
            try:
                send_due_reminders()
            except Exception:  # the clock must keep ticking through a database hiccup
                db.session.rollback()
                app.logger.exception("sending push reminders failed")
            finally:
                db.session.remove()
        stop.wait(tick)


def start_reminder_clock(app: Flask | None = None) -> threading.Event:
    """Start the reminder clock in a daemon thread; set the returned event to stop it."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    stop = threading.Event()
    threading.Thread(
        target=run_reminder_clock, args=(app, stop), name="push-reminders", daemon=True
    ).start()
    return stop


def install_reminder_clock(app: Flask) -> None:
    """Without ``REDIS_URL``, start the clock in this web process at its first request.

    At the first request, not at start-up: command-line runs of the app send no reminders.
    With ``REDIS_URL`` the RQ worker process (``flask worker``) runs it instead; tests and
    ``REMINDER_CLOCK=off`` start none. Several processes may each run one: the reminders'
    unique key keeps every meeting to one reminder.
    """
    lock = threading.Lock()

    @app.before_request
    def _start_clock() -> None:
        if CLOCK_KEY in app.extensions or app.config.get("REDIS_URL") or app.testing:
            return
        if not app.config.get("REMINDER_CLOCK", True):
            return
        with lock:
            if CLOCK_KEY not in app.extensions:  # its stop event, set to stop the clock
                app.extensions[CLOCK_KEY] = start_reminder_clock(app)
