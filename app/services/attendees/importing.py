"""Importing attendees from CSV/XLSX (FORMATS.md section 1): preview, then apply all or nothing.

The preview writes nothing: it says which rows create, update or leave attendees unchanged,
lists every problem with its spreadsheet row, column and value, and names the meetings that an
update would make illegal. The web upload keeps the file on disk between the preview and the
organiser's confirmation (``stage_import``/``commit_import``); the CLI previews and applies in
one go.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import db
from app.models import Attendee, Event, Meeting, ScheduleVersion
from app.services.scheduling.instance import solver_attendee, solver_fields, to_solver
from app.services.scheduling.versions import lock_event
from app.services.scheduling.vocabulary import (
    EXTRA_COLUMNS,
    LIST_COLUMNS,
    OPTIONAL,
    REQUIRED,
    AttendeeRow,
    Problem,
    SolverAttendee,
    format_rounds,
    parse_attendees,
)

DEFAULT_MAX_IMPORT_ROWS = 20_000
UPLOAD_SALT = "mingle-attendee-upload"
UPLOAD_MAX_AGE = 60 * 60  # seconds an uploaded file waits for the organiser's confirmation
UPLOAD_SWEEP_AGE = 24 * 60 * 60  # older leftovers (previews never confirmed) are deleted
KNOWN_COLUMNS = frozenset(REQUIRED) | frozenset(OPTIONAL)


class ImportRefused(ValueError):
    """The import cannot be applied; ``preview.problems`` says why."""

    def __init__(self, preview: ImportPreview) -> None:
        super().__init__(f"{len(preview.problems)} problem(s) in {preview.filename}")
        self.preview = preview


class UploadExpired(LookupError):
    """The staged upload is gone, too old, or its token was not issued by us for this event."""


def named_table(event: Event, table: int) -> str:
    """The table's name when the organiser gave it one, else empty."""
    label = event.table_label(table)
    return "" if label == f"Table {table}" else label


@dataclass(frozen=True)
class MeetingConflict:
    """A meeting that a change to attendees makes illegal."""

    meeting_id: int
    version_number: int
    round: int
    table: int
    a: str  # "Name <email>"
    b: str
    reason: str
    where: str = ""  # the table's name when it has one

    def __str__(self) -> str:
        return (
            f"version {self.version_number}, round {self.round}, "
            f"{self.where or f'table {self.table}'}: {self.a} and {self.b}: {self.reason}"
        )


@dataclass
class MeetingImpact:
    """Meetings a change breaks: removed from the latest draft, only reported when published."""

    removed: list[MeetingConflict] = field(default_factory=list)
    published: list[MeetingConflict] = field(default_factory=list)
    draft_version_id: int | None = None


@dataclass
class RowUpdate:
    """A file row that changes an existing attendee: only the fields that differ."""

    row: AttendeeRow
    attendee: Attendee
    values: dict[str, Any]


@dataclass
class ImportPreview:
    """What importing a file would do, without doing it."""

    event_id: int
    filename: str
    problems: list[Problem] = field(default_factory=list)
    creates: list[AttendeeRow] = field(default_factory=list)
    updates: list[RowUpdate] = field(default_factory=list)
    unchanged: list[AttendeeRow] = field(default_factory=list)
    impact: MeetingImpact = field(default_factory=MeetingImpact)

    @property
    def ok(self) -> bool:
        """Whether the file may be applied (no problems)."""
        return not self.problems

    @property
    def row_count(self) -> int:
        """Attendee rows in the file that parsed."""
        return len(self.creates) + len(self.updates) + len(self.unchanged)

    def counts(self) -> str:
        """``3 to create, 1 to update, 5 unchanged``."""
        return (
            f"{len(self.creates)} to create, {len(self.updates)} to update, "
            f"{len(self.unchanged)} unchanged"
        )


@dataclass
class ImportResult:
    """What an applied import did."""

    created: int
    updated: int
    unchanged: int
    removed_meetings: list[MeetingConflict]
    published_conflicts: list[MeetingConflict]

    def summary(self) -> str:
        """``3 created, 1 updated, 5 unchanged``."""
        return f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"


@dataclass
class StagedImport:
    """A previewed upload and the token that commits it."""

    preview: ImportPreview
    token: str | None  # None when the preview has problems: nothing to confirm


# Preview and apply


def preview_import(event: Event, data: bytes, filename: str) -> ImportPreview:
    """Compare an attendees file with the event's attendees (upsert by e-mail); write nothing."""
    existing = {a.email: a for a in every_attendee(event)}
    rows, problems = parse_attendees(
        data,
        filename,
        known_emails=existing.keys(),
        max_rows=max_import_rows(),
        rounds=event.rounds,
    )
    preview = ImportPreview(event.id, filename, problems=problems)
    if problems:
        return preview
    for row in rows:
        current = existing.get(row.attendee.email)
        values = row_values(row, current)
        if current is None:
            preview.creates.append(row)
            continue
        changed = {k: v for k, v in values.items() if getattr(current, k) != v}
        if changed:
            preview.updates.append(RowUpdate(row, current, changed))
        else:
            preview.unchanged.append(row)
    if preview.updates:
        new_state = {
            u.attendee.id: solver_attendee(solver_fields(u.attendee) | u.values)
            for u in preview.updates
        }
        preview.impact = meeting_impact(event, new_state, existing.values())
    return preview


def apply_import(event: Event, preview: ImportPreview) -> ImportResult:
    """Write a clean preview in one transaction: create, update, remove broken draft meetings.

    Raises:
        ImportRefused: the preview has problems; nothing is written.
    """
    if preview.event_id != event.id:
        raise ValueError("this preview belongs to another event")
    if not preview.ok:
        raise ImportRefused(preview)
    try:
        db.session.add_all(
            Attendee(event_id=event.id, **row_values(row, None)) for row in preview.creates
        )
        for update in preview.updates:
            for key, value in update.values.items():
                setattr(update.attendee, key, value)
        remove_meetings(preview.impact, f"import of {preview.filename}")
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        raise
    return ImportResult(
        created=len(preview.creates),
        updated=len(preview.updates),
        unchanged=len(preview.unchanged),
        removed_meetings=preview.impact.removed,
        published_conflicts=preview.impact.published,
    )


def row_values(row: AttendeeRow, current: Attendee | None) -> dict[str, Any]:
    """Model fields from a parsed row.

    For an existing attendee, optional columns the file does not have keep their stored value,
    so a re-import of a narrower file does not wipe offers, phones or custom fields.
    """
    person = row.attendee
    present = row.columns

    def given(column: str) -> bool:
        return current is None or column in present

    values: dict[str, Any] = {
        "email": person.email,
        "name": person.name,
        "company": person.company,
        "kind": person.kind,
        "region": person.region,
    }
    for column in LIST_COLUMNS:
        if given(column):
            values[column] = sorted(getattr(person, column), key=lambda t: (t.lower(), t))
    if given("available_rounds"):
        values["available_rounds"] = format_rounds(person.available_rounds)
    if given("tier"):
        values["tier"] = person.tier
    for column in EXTRA_COLUMNS:
        if given(column):
            values[column] = row.extra.get(column) or None
    custom = dict(current.custom or {}) if current is not None else {}
    for column in present - KNOWN_COLUMNS:
        if row.custom.get(column):
            custom[column] = row.custom[column]
        else:
            custom.pop(column, None)
    values["custom"] = custom
    return values


def every_attendee(event: Event) -> list[Attendee]:
    """Every attendee of the event, in one query."""
    return list(db.session.scalars(select(Attendee).where(Attendee.event_id == event.id)))


def max_import_rows() -> int:
    """The row limit of one file (config ``MAX_IMPORT_ROWS``)."""
    return int(current_app.config.get("MAX_IMPORT_ROWS", DEFAULT_MAX_IMPORT_ROWS))


# Meetings that a change makes illegal


def meeting_problem(a: SolverAttendee, b: SolverAttendee, round_: int) -> str | None:
    """Why ``a`` and ``b`` may not meet in ``round_`` (the rules an attendee change can break)."""
    if a.company.strip().lower() == b.company.strip().lower():
        return f"both work for {a.company}"
    if b.email in a.avoid:
        return f"{a.name} asks not to meet {b.name}"
    if a.email in b.avoid:
        return f"{b.name} asks not to meet {a.name}"
    for person in (a, b):
        if person.available_rounds is not None and round_ not in person.available_rounds:
            return f"{person.name} is not available in round {round_}"
    return None


def meeting_impact(
    event: Event,
    new_state: Mapping[int, SolverAttendee],
    attendees: Iterable[Attendee] = (),
) -> MeetingImpact:
    """Meetings of changed attendees that their new state breaks.

    Args:
        event: the event.
        new_state: attendee id -> the solver's view after the change, for changed attendees.
        attendees: the event's attendees when the caller already loaded them (saves a query).

    Returns:
        Broken meetings of the latest ready version when it is not published (to remove), and
        of the published version (to report: a published schedule is never edited silently).
    """
    impact = MeetingImpact()
    latest = latest_ready_version(event)
    published = event.published_version
    versions: dict[int, tuple[ScheduleVersion, bool]] = {}
    if latest is not None and (published is None or latest.id != published.id):
        versions[latest.id] = (latest, True)
        impact.draft_version_id = latest.id
    if published is not None:
        versions[published.id] = (published, False)
    if not versions or not new_state:
        return impact
    changed = set(new_state)
    query = (
        select(
            Meeting.id,
            Meeting.version_id,
            Meeting.round,
            Meeting.table,
            Meeting.attendee_a_id,
            Meeting.attendee_b_id,
        )
        .where(Meeting.version_id.in_(versions))
        .order_by(Meeting.version_id, Meeting.round, Meeting.table)
    )
    if len(changed) <= 500:  # else filter in Python rather than send a huge IN list
        query = query.where(
            or_(Meeting.attendee_a_id.in_(changed), Meeting.attendee_b_id.in_(changed))
        )
    meetings = [m for m in db.session.execute(query) if {m[4], m[5]} & changed]
    if not meetings:
        return impact
    people = {a.id: a for a in attendees}
    missing = {x for m in meetings for x in m[4:6]} - people.keys()
    if missing:
        people.update(
            (a.id, a) for a in db.session.scalars(select(Attendee).where(Attendee.id.in_(missing)))
        )
    views: dict[int, SolverAttendee] = dict(new_state)
    for meeting_id, version_id, round_, table, a_id, b_id in meetings:
        for x in (a_id, b_id):
            if x not in views:
                views[x] = to_solver(people[x])
        reason = meeting_problem(views[a_id], views[b_id], round_)
        if reason is None:
            continue
        version, removable = versions[version_id]
        conflict = MeetingConflict(
            meeting_id,
            version.number,
            round_,
            table,
            _who(views[a_id]),
            _who(views[b_id]),
            reason,
            named_table(event, table),
        )
        (impact.removed if removable else impact.published).append(conflict)
    return impact


def remove_meetings(impact: MeetingImpact, because: str) -> None:
    """Delete the draft meetings in ``impact.removed`` (no commit); see ``delete_meetings``."""
    delete_meetings([c.meeting_id for c in impact.removed], because)


def delete_meetings(meeting_ids: list[int], because: str) -> None:
    """Delete meetings (no commit), lowering each version's objective and noting why on it."""
    if not meeting_ids:
        return
    # Queue behind (and ahead of) hand edits of the same schedules, as every edit does.
    events = db.session.scalars(
        select(ScheduleVersion.event_id)
        .join(Meeting, Meeting.version_id == ScheduleVersion.id)
        .where(Meeting.id.in_(meeting_ids))
        .distinct()
    )
    for event_id in sorted(events):
        lock_event(event_id)
    lost: dict[int, tuple[int, float]] = {}
    rows = db.session.execute(
        select(Meeting.version_id, Meeting.score).where(Meeting.id.in_(meeting_ids))
    )
    for version_id, score in rows:
        count, total = lost.get(version_id, (0, 0.0))
        lost[version_id] = (count + 1, total + (score or 0.0))
    db.session.execute(delete(Meeting).where(Meeting.id.in_(meeting_ids)))
    for version_id, (count, total) in lost.items():
        version = db.session.get(ScheduleVersion, version_id)
        if version is None:
            continue
        if version.objective is not None:
            version.objective = round(version.objective - total, 4)
            if version.bound:
                version.gap = max(0.0, (version.bound - version.objective) / version.bound)
        line = f"{because}: removed {count} meeting(s)."
        version.note = f"{version.note}\n{line}".strip()
        # A schedule page drawn before this removal is stale: its edits must be refused. The
        # bump is done by the database, so it cannot merge with a parallel edit's.
        db.session.execute(
            update(ScheduleVersion)
            .where(ScheduleVersion.id == version_id)
            .values(revision=ScheduleVersion.revision + 1),
            execution_options={"synchronize_session": False},
        )


def latest_ready_version(event: Event) -> ScheduleVersion | None:
    """The newest schedule version that holds a schedule (status ``ready``)."""
    query = (
        select(ScheduleVersion)
        .where(ScheduleVersion.event_id == event.id, ScheduleVersion.status == "ready")
        .order_by(ScheduleVersion.number.desc())
        .limit(1)
    )
    return db.session.scalar(query)


def _who(person: SolverAttendee) -> str:
    return f"{person.name} <{person.email}>"


# The web upload: the file waits on disk, named by a signed token, until confirmed


def stage_import(event: Event, data: bytes, filename: str) -> StagedImport:
    """Preview an uploaded file and, when it is clean, keep it for ``commit_import``."""
    preview = preview_import(event, data, filename)
    token = _store_upload(event, data, filename) if preview.ok else None
    return StagedImport(preview, token)


def commit_import(event: Event, token: str) -> ImportResult:
    """Apply a staged upload after checking it again against the current attendees.

    Raises:
        UploadExpired: the token is forged, for another event, too old, or already used.
        ImportRefused: the file now has problems (the attendees changed since the preview).
    """
    path, filename = _staged_file(event, token)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UploadExpired("the uploaded file is no longer there") from exc
    result = apply_import(event, preview_import(event, data, filename))
    path.unlink(missing_ok=True)
    return result


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=UPLOAD_SALT)


def _upload_folder() -> Path:
    folder = Path(
        current_app.config.get("UPLOAD_FOLDER") or Path(current_app.instance_path) / "uploads"
    )
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _store_upload(event: Event, data: bytes, filename: str) -> str:
    folder = _upload_folder()
    cutoff = time.time() - UPLOAD_SWEEP_AGE
    for old in folder.glob("*.bin"):
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
    name = secrets.token_hex(16)
    (folder / f"{name}.bin").write_bytes(data)
    return _serializer().dumps({"file": name, "name": filename, "event": event.id})


def _staged_file(event: Event, token: str) -> tuple[Path, str]:
    try:
        payload = _serializer().loads(token, max_age=UPLOAD_MAX_AGE)
    except BadSignature as exc:  # includes SignatureExpired
        raise UploadExpired("the upload expired or is not valid") from exc
    name = str(payload.get("file", ""))
    if payload.get("event") != event.id or not name.isalnum():
        raise UploadExpired("the upload belongs to another event")
    path = _upload_folder() / f"{name}.bin"
    if not path.exists():
        raise UploadExpired("the upload was already imported or has expired")
    return path, str(payload.get("name") or "attendees.csv")
