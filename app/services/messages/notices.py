"""Telling attendees their meetings changed, right after a publish or a re-plan.

Whoever has a meeting that is new, moved or cancelled in the new published version gets an
e-mail (when ``SMTP_HOST`` is set: their updated agenda, the changes first) and a Web Push
notification on each phone that allowed it. The publication records who was told by e-mail,
who by push, and who could not be told, which is what the organiser reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.models import Attendee, Event, OutboxMessage, Publication
from app.models.common import utcnow
from app.services.events.clock import from_utc
from app.services.messages import push
from app.services.messages.mailing import agenda_url, compose_agenda_link, store_and_send
from app.services.scheduling.publications import MeetingChange, publication_changes

PUSH_LINES = 3  # changes spelled out in a notification; the rest are counted
NAMES_SHOWN = 10  # untold people named in the organiser's message


def change_line(event: Event, change: MeetingChange, other: Attendee) -> str:
    """One change in the attendee's words, times in the event's zone."""
    times = event.round_times()

    def place(seat: tuple[int, int]) -> str:
        start = times[seat[0] - 1][0] if seat[0] <= len(times) else None
        when = f" at {start:%H:%M}" if start else ""
        return f"round {seat[0]}, {event.table_label(seat[1])}{when}"

    if change.after is None:
        assert change.before is not None
        return f"Your meeting with {other.name} ({place(change.before)}) is cancelled"
    if change.before is None:
        return f"New meeting with {other.name}: {place(change.after)}"
    return f"Your meeting with {other.name} moved to {place(change.after)}"


def _lines(
    event: Event, changes: Sequence[MeetingChange], people: dict[int, Attendee]
) -> list[str]:
    return [change_line(event, c, people[c.other_id]) for c in changes if c.other_id in people]


def _email(event: Event, attendee: Attendee, lines: list[str]) -> OutboxMessage:
    """The updated agenda e-mail, its changes first."""
    message = compose_agenda_link(event, attendee)
    message.subject = " ".join(f"Your meetings at {event.name} changed".split())[:300]
    changes = "\n".join(f"- {line}." for line in lines)
    message.body = f"Your agenda changed:\n{changes}\n\n{message.body}"
    return message


def _payload(event: Event, attendee: Attendee, lines: list[str]) -> dict[str, str]:
    """The notification: title, text, the agenda to open, and a tag so a newer one replaces it."""
    body = "\n".join(lines[:PUSH_LINES])
    if len(lines) > PUSH_LINES:
        more = len(lines) - PUSH_LINES
        body += f"\nand {more} more change{'s' if more != 1 else ''}"
    return {
        "title": f"Your agenda changed: {event.name}"[:120],
        "body": body,
        "url": agenda_url(attendee),
        "tag": f"mingle-agenda-{event.id}",
    }


def tell_changed_attendees(publication: Publication) -> None:
    """E-mail and push everyone whose meetings ``publication`` changed; record who was told.

    Never raises on a failed delivery: each failure is recorded on its message or subscription
    and the person counts as not told by that means.
    """
    event = publication_event(publication)
    changes = publication_changes(publication)
    ids = set(changes)
    for other in {c.other_id for cs in changes.values() for c in cs}:
        ids.add(other)
    people = {a.id: a for a in db.session.scalars(select(Attendee).where(Attendee.id.in_(ids)))}
    changed = [people[i] for i in changes if i in people]
    changed.sort(key=lambda a: (a.name.casefold(), a.id))
    lines = {a.id: _lines(event, changes[a.id], people) for a in changed}
    emailed: set[int] = set()
    if current_app.config.get("SMTP_HOST") and changed:
        messages = [_email(event, a, lines[a.id]) for a in changed]
        store_and_send(messages)
        emailed = {m.attendee_id for m in messages if m.sent_at and m.attendee_id is not None}
    pushed: set[int] = set()
    devices = push.subscriptions_of({a.id for a in changed})
    for attendee in changed:
        payload = _payload(event, attendee, lines[attendee.id])
        results = [push.send(sub, payload) for sub in devices.get(attendee.id, [])]
        if any(results):
            pushed.add(attendee.id)
    publication.told_email = sorted(emailed)
    publication.told_push = sorted(pushed)
    publication.untold = [a.id for a in changed if a.id not in emailed | pushed]
    publication.notified_at = utcnow()
    db.session.commit()


def tell_safely(publication: Publication | None) -> None:
    """``tell_changed_attendees`` after a committed publish: a failure is logged, never raised.

    The schedule is published whatever happens here; the organiser sees who was not told.
    """
    if publication is None:
        return
    try:
        tell_changed_attendees(publication)
    except Exception:  # a broken mail or push setup must not look like a failed publish
        db.session.rollback()
        current_app.logger.exception("telling attendees of publication %s failed", publication.id)


@dataclass
class Told:
    """Who heard that their meetings changed in one publication."""

    publication: Publication
    changed: int
    by_email: int
    by_push: int
    untold: list[Attendee]
    smtp: bool
    published_local: datetime  # the publication's time in the event's zone

    def counts(self) -> str:
        """How many had meetings changed and how they heard, without names."""
        people = f"attendee{'s' if self.changed != 1 else ''}"
        text = (
            f"{self.changed} {people} had meetings changed: {self.by_email} told by e-mail, "
            f"{self.by_push} by push"
        )
        return text + (f", {len(self.untold)} could not be told" if self.untold else "")

    def advice(self) -> str:
        """What the organiser can do for those not told ("" when there is nobody)."""
        if not self.untold or self.smtp:
            return ""
        return (
            'e-mail is not configured (SMTP_HOST): on "Send agenda links", "Send to the '
            'changed" puts their updated agendas in the outbox to copy, or use the links CSV'
        )

    def summary(self) -> tuple[str, str]:
        """The organiser's sentence after a publish (the first few untold named), its category."""
        if self.publication.notified_at is None:
            return (
                "Attendees could not be told of the change (see the server log): send the "
                'updated agendas from "Send agenda links".',
                "error",
            )
        if not self.changed:
            return ("Nobody's meetings changed: there was nobody to tell.", "success")
        if not self.untold:
            return (self.counts() + ".", "success")
        names = ", ".join(a.name for a in self.untold[:NAMES_SHOWN])
        if len(self.untold) > NAMES_SHOWN:
            names += f" and {len(self.untold) - NAMES_SHOWN} more"
        text = f"{self.counts()}: {names}"
        if self.advice():
            text += f"; {self.advice()}"
        return (text + ".", "warning")


def told(publication: Publication | None) -> Told | None:
    """Who was told of ``publication``'s changes (None for no publication or a first one)."""
    if publication is None or publication.previous_version_id is None:
        return None
    untold_ids = list(publication.untold or ())
    people = {
        a.id: a for a in db.session.scalars(select(Attendee).where(Attendee.id.in_(untold_ids)))
    }
    untold = [people[i] for i in untold_ids if i in people]
    all_ids = set(publication.told_email or ()) | set(publication.told_push or ()) | set(untold_ids)
    return Told(
        publication=publication,
        changed=len(all_ids),
        by_email=len(publication.told_email or ()),
        by_push=len(publication.told_push or ()),
        untold=untold,
        smtp=bool(current_app.config.get("SMTP_HOST")),
        published_local=from_utc(publication_event(publication), publication.published_at),
    )


def publication_event(publication: Publication) -> Event:
    """The event a publication belongs to."""
    event = db.session.get(Event, publication.event_id)
    assert event is not None
    return event
