"""What publishing a version would change, shown before anything is published.

The organiser's "Publish" (and a re-plan, which stores a draft first) opens a confirmation that
lists the meetings added, removed and moved against the version attendees see now, and the
people whose agenda changes. The confirmation carries the version's revision and the id of the
version published when it was drawn (``PublishPreview.stamp``); ``publish_confirmed`` refuses
when either has changed since, so nobody publishes what they were not shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.models import Attendee, Event, Meeting, Publication, ScheduleVersion
from app.services.scheduling.instance import instance_for
from app.services.scheduling.legal import named
from app.services.scheduling.versions import BuildError, StalePublish, check_version, publish

STALE = (
    "Not published: the schedule changed after this confirmation was shown (an edit, a "
    "re-plan or another publish). Here is what publishing would change now; confirm again."
)


@dataclass(frozen=True)
class MeetingChange:
    """One meeting that publishing adds, removes or moves (same pair, other round or table)."""

    kind: str  # "added", "removed" or "moved"
    a: Attendee
    b: Attendee
    old: tuple[int, str] | None  # (round, table name) attendees see now
    new: tuple[int, str] | None  # (round, table name) after publishing


@dataclass
class PublishPreview:
    """What publishing ``version`` would change for attendees."""

    version: ScheduleVersion
    published: ScheduleVersion | None  # what attendees see now
    changes: list[MeetingChange] = field(default_factory=list)
    affected: list[Attendee] = field(default_factory=list)  # agenda changes, by name
    problem: str | None = None  # the rule the version breaks: it cannot be published

    @property
    def stamp(self) -> dict[str, int]:
        """What the confirmation form carries back: the state it was drawn from."""
        return {
            "revision": self.version.revision or 0,
            "published": self.published.id if self.published else 0,
        }

    @property
    def already_published(self) -> bool:
        return self.published is not None and self.published.id == self.version.id

    def of(self, kind: str) -> list[MeetingChange]:
        return [c for c in self.changes if c.kind == kind]


def _by_pair(version: ScheduleVersion | None) -> dict[frozenset[int], Meeting]:
    return (
        {}
        if version is None
        else {frozenset((m.attendee_a_id, m.attendee_b_id)): m for m in version.meetings}
    )


def publish_preview(version: ScheduleVersion) -> PublishPreview:
    """Compare ``version`` with the published one: meetings added, removed, moved; who is hit.

    A pair meets at most once in a version, so a meeting is known by its pair: a pair in both
    at another round or table has moved.
    """
    event: Event = version.event
    published = event.published_version
    preview = PublishPreview(version, published)
    people = {a.id: a for a in event.attendees}
    before, after = _by_pair(published), _by_pair(version)

    def place(m: Meeting) -> tuple[int, str]:
        return (m.round, event.table_label(m.table))

    hit: set[int] = set()
    for pair in before.keys() | after.keys():
        was, now = before.get(pair), after.get(pair)
        if was is not None and now is not None and (was.round, was.table) == (now.round, now.table):
            continue
        kind = "moved" if was and now else "added" if now else "removed"
        m = now or was
        assert m is not None
        if m.attendee_a_id not in people or m.attendee_b_id not in people:
            continue  # someone removed from the event since: their meetings are gone anyway
        a, b = people[m.attendee_a_id], people[m.attendee_b_id]
        preview.changes.append(
            MeetingChange(kind, a, b, place(was) if was else None, place(now) if now else None)
        )
        hit.update((a.id, b.id))
    preview.changes.sort(
        key=lambda c: ((c.new or c.old or (0, ""))[0], c.a.name.casefold(), c.b.name.casefold())
    )
    preview.affected = sorted((people[i] for i in hit), key=lambda a: (a.name.casefold(), a.id))
    if not preview.already_published:
        report = check_version(version)
        if not report.ok:
            preview.problem = named(report.violations[0], instance_for(event))
    return preview


def publish_confirmed(
    version: ScheduleVersion, revision: int, published: int
) -> Publication | None:
    """Publish ``version`` as confirmed on a page drawn at ``revision`` with ``published`` live.

    Returns:
        The publication, with who was told of their changed meetings (see ``publish``).

    Raises:
        StalePublish: the version was edited, or another version published, since (``STALE``).
        BuildError: the version breaks a hard rule.
    """
    try:
        return publish(version, seen_revision=revision, seen_published=published)
    except StalePublish:
        raise StalePublish(STALE) from None


__all__ = ["STALE", "BuildError", "MeetingChange", "PublishPreview", "publish_preview"]
