"""Reading and writing the files of FORMATS.md: attendees (CSV/XLSX), pair scores, schedules.

Parsing never raises on bad data: it returns every problem found as a ``Problem`` naming the
spreadsheet row (the header is row 1), the column and the value, so callers can refuse the whole
file and tell the user exactly what to fix.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from solver.schema import GOALS, KINDS, TIERS, Agreed, Attendee, Meeting
from solver.sheets import SheetError, column_letter, read_table
from solver.text import clean_text, email_problem, safe_cell, too_long

# The columns of an attendees file (FORMATS.md section 1): every other list of them in the app
# and the solver is derived from these.
REQUIRED = ("email", "name", "company", "kind", "region")
# What the solver reads of an attendee, in the order a written attendees file has them.
SOLVER_COLUMNS = (
    *REQUIRED,
    "offers",
    "seeks",
    "target_regions",
    "goals",
    "available_rounds",
    "must_meet",
    "avoid",
    "tier",
)
# The ;-separated columns.
LIST_COLUMNS = ("offers", "seeks", "target_regions", "goals", "must_meet", "avoid")
# Free text only people read, on agendas and badges.
EXTRA_COLUMNS = ("phone", "country", "title", "language")
OPTIONAL = (*SOLVER_COLUMNS[len(REQUIRED) :], *EXTRA_COLUMNS)
ROUNDS = re.compile(r"^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$")
# The most characters each text column holds: the same as the app's database columns
# (app/models/attendee.py; tests/attendees/test_limits.py checks they agree), so a file is
# refused here, with its row, rather than by the database.
FIELD_LIMITS = {
    "email": 254,
    "name": 200,
    "company": 200,
    "kind": 20,
    "region": 100,
    "available_rounds": 200,
    "tier": 20,
    "phone": 50,
    "country": 100,
    "title": 200,
    "language": 50,
}
MAX_ROUND = 1000  # a round number beyond this is a typo (and would fill memory with rounds)
MAX_ITEM = 100  # characters of one item of a ;-separated list (a tag, a region, an e-mail: 254)
MAX_ITEMS = 100  # items in one list cell
MAX_CUSTOM = 500  # characters of one extra column's value (and 100 of its name)


@dataclass(frozen=True)
class Problem:
    """One problem in an input file."""

    row: int  # spreadsheet row number, header = 1; 0 for the file as a whole
    column: str
    value: str
    message: str

    def __str__(self) -> str:
        if self.row == 0:
            return self.message
        return f"row {self.row}, column {self.column!r}, value {self.value!r}: {self.message}"


@dataclass
class AttendeeRow:
    """A parsed attendee row: the solver's view plus the fields only people read."""

    row: int
    attendee: Attendee
    extra: dict[str, str] = field(default_factory=dict)  # phone, country, title, language
    custom: dict[str, str] = field(default_factory=dict)  # unknown columns, kept
    columns: frozenset[str] = frozenset()  # every column the file has (lower-case headers)


def split_list(value: str) -> list[str]:
    """Split a ``;``-separated cell into trimmed, non-empty items."""
    return [item.strip() for item in (value or "").split(";") if item.strip()]


def parse_rounds(value: str) -> frozenset[int] | None:
    """Parse ``1-4;6`` into {1, 2, 3, 4, 6}; empty means every round (None)."""
    items = split_list(value)
    if not items:
        return None
    rounds: set[int] = set()
    for item in items:
        m = ROUNDS.match(item)
        if not m:
            raise ValueError(f"{item!r} is not a round number or range like 1-4")
        lo = int(m.group(1))
        hi = int(m.group(2) or lo)
        if lo < 1 or hi < lo:
            raise ValueError(f"{item!r} is not a valid range of 1-based rounds")
        if hi > MAX_ROUND:
            raise ValueError(f"{item!r}: no event has more than {MAX_ROUND} rounds")
        rounds.update(range(lo, hi + 1))
    return frozenset(rounds)


def format_rounds(rounds: frozenset[int] | None) -> str:
    """The inverse of ``parse_rounds``: {1, 2, 3, 4, 6} gives ``1-4;6``, None gives ``""``."""
    if not rounds:
        return ""
    parts: list[str] = []
    ordered = sorted(rounds)
    start = prev = ordered[0]
    for r in ordered[1:] + [None]:
        if r is not None and r == prev + 1:
            prev = r
            continue
        parts.append(str(start) if start == prev else f"{start}-{prev}")
        if r is not None:
            start = prev = r
    return ";".join(parts)


def parse_attendees(
    data: bytes,
    filename: str,
    known_emails: Collection[str] = (),
    max_rows: int | None = None,
    rounds: int | None = None,
) -> tuple[list[AttendeeRow], list[Problem]]:
    """Parse an attendees file (FORMATS.md section 1).

    Args:
        data: the file's bytes.
        filename: its name; ``.xlsx``/``.xlsm`` are read as workbooks, anything else as CSV.
        known_emails: attendees who exist outside the file (e.g. already imported into an
            event), so ``must_meet``/``avoid`` may name them too.
        max_rows: refuse files with more attendee rows than this (one problem, no rows).
        rounds: the event's number of rounds, when known: ``available_rounds`` beyond it is
            a problem of its row.

    Returns:
        The parsed rows and every problem found; callers must not use the rows when any
        problem is returned.
    """
    try:
        table = read_table(data, filename, max_rows)
    except SheetError as exc:
        return [], [Problem(0, "", "", str(exc))]
    if not table:
        return [], [Problem(0, "", "", f"{filename} is empty: expected a header row")]
    header = [clean_text(h).lower() for h in table[0]]
    problems = duplicate_columns(header)
    problems += [
        Problem(1, col, "", f"required column {col!r} is missing")
        for col in REQUIRED
        if col not in header
    ]
    if problems:
        return [], problems
    rows: list[AttendeeRow] = []
    seen: dict[str, int] = {}
    for number, cells in enumerate(table[1:], start=2):
        record = {h: (clean_text(cells[k]) if k < len(cells) else "") for k, h in enumerate(header)}
        parsed = _parse_row(number, record, problems, rounds)
        if parsed is None:
            continue
        email = parsed.attendee.email
        if email in seen:
            problems.append(
                Problem(number, "email", email, f"duplicate of the e-mail on row {seen[email]}")
            )
            continue
        seen[email] = number
        rows.append(parsed)
    by_email = {r.attendee.email: r for r in rows}
    known = {e.lower() for e in known_emails}
    unknown = "this e-mail is not in the file" + (" or among the attendees" if known else "")
    for r in rows:
        for col in ("must_meet", "avoid"):
            for email in sorted(getattr(r.attendee, col)):
                if email not in by_email and email not in known:
                    problems.append(Problem(r.row, col, email, unknown))
                elif email == r.attendee.email:
                    problems.append(Problem(r.row, col, email, "an attendee cannot list themself"))
    return rows, problems


def duplicate_columns(header: list[str]) -> list[Problem]:
    """One problem per column name the header row has more than once (blank names aside)."""
    places: dict[str, list[int]] = {}
    for k, name in enumerate(header):
        if name:
            places.setdefault(name, []).append(k)
    return [
        Problem(
            1,
            name,
            name,
            "this column appears "
            f"{len(ks)} times (columns {', '.join(column_letter(k) for k in ks)}); "
            "keep one and rename or delete the others",
        )
        for name, ks in places.items()
        if len(ks) > 1
    ]


def parse_attendee_record(
    record: dict[str, str], row: int = 0, rounds: int | None = None
) -> tuple[AttendeeRow | None, list[Problem]]:
    """Check one attendee given as column -> text (as in a file row), e.g. from a web form.

    The same rules as a file row, except that ``must_meet``/``avoid`` e-mails are only checked
    for shape: whether they name known attendees is up to the caller.
    """
    problems: list[Problem] = []
    clean = {clean_text(k).lower(): clean_text(v) for k, v in record.items()}
    return _parse_row(row, clean, problems, rounds), problems


def shown(value: str) -> str:
    """A value as a problem quotes it: long ones cut to 60 characters."""
    return value if len(value) <= 60 else value[:57] + "..."


def length_problems(number: int, rec: dict[str, str]) -> list[Problem]:
    """The cells of one row longer than their column, list item or extra column allows."""
    problems = []
    for col, value in rec.items():
        if not col:
            continue  # a column without a name is not kept
        if col in FIELD_LIMITS:
            message = too_long(value, FIELD_LIMITS[col])
        elif col in LIST_COLUMNS:
            items = split_list(value)
            limit = FIELD_LIMITS["email"] if col in ("must_meet", "avoid") else MAX_ITEM
            longest = max(items, key=len, default="")
            message = too_long(longest, limit)
            if message:
                message = f"an item {message}"
                value = longest
            elif len(items) > MAX_ITEMS:
                message = f"has {len(items):,} items; at most {MAX_ITEMS} are allowed"
        elif too_long(col, MAX_ITEM):
            message = f"this column's name {too_long(col, MAX_ITEM)}"
        else:
            message = too_long(value, MAX_CUSTOM)
        if message:
            problems.append(Problem(number, shown(col), shown(value), message))
    return problems


def rounds_problem(available: frozenset[int] | None, rounds: int | None) -> str | None:
    """Why ``available`` rounds do not fit an event of ``rounds`` rounds, or None."""
    if available is None or rounds is None or max(available) <= rounds:
        return None
    beyond = format_rounds(frozenset(r for r in available if r > rounds))
    return f"this event has {rounds} round{'s' if rounds != 1 else ''} (beyond it: {beyond})"


def _parse_row(
    number: int, rec: dict[str, str], problems: list[Problem], event_rounds: int | None = None
) -> AttendeeRow | None:
    """One row as an attendee, or None after adding its problems to ``problems``."""
    before = len(problems)

    def bad(col: str, message: str) -> None:
        problems.append(Problem(number, col, shown(rec.get(col, "")), message))

    long = length_problems(number, rec)
    if long:
        problems += long
        return None

    for col in REQUIRED:
        if not rec.get(col):
            bad(col, f"{col} is required")
    email = rec.get("email", "").lower()
    if email and (problem := email_problem(email)):
        bad("email", f"not a valid e-mail address ({problem})")
    kind = rec.get("kind", "").lower()
    if kind and kind not in KINDS:
        bad("kind", f"must be one of {', '.join(KINDS)}")
    goals = [g.lower() for g in split_list(rec.get("goals", ""))]
    for g in goals:
        if g not in GOALS:
            bad("goals", f"unknown goal {g!r}; use {', '.join(GOALS)}")
    tier = rec.get("tier", "").lower() or None
    if tier and tier not in TIERS:
        bad("tier", f"must be one of {', '.join(TIERS)} or empty")
    rounds = None
    try:
        rounds = parse_rounds(rec.get("available_rounds", ""))
    except ValueError as exc:
        bad("available_rounds", str(exc))
    if problem := rounds_problem(rounds, event_rounds):
        bad("available_rounds", problem)
    lists = {
        col: [e.lower() for e in split_list(rec.get(col, ""))] for col in ("must_meet", "avoid")
    }
    for col, emails in lists.items():
        for e in emails:
            if problem := email_problem(e):
                problems.append(Problem(number, col, e, f"not a valid e-mail address ({problem})"))
    if len(problems) > before:
        return None
    attendee = Attendee(
        email=email,
        name=rec["name"],
        company=rec["company"],
        kind=kind,
        region=rec["region"],
        offers=frozenset(split_list(rec.get("offers", ""))),
        seeks=frozenset(split_list(rec.get("seeks", ""))),
        target_regions=frozenset(split_list(rec.get("target_regions", ""))),
        goals=frozenset(goals),
        available_rounds=rounds,
        must_meet=frozenset(lists["must_meet"]),
        avoid=frozenset(lists["avoid"]),
        tier=tier,
    )
    known = set(REQUIRED) | set(OPTIONAL)
    extra = {k: rec[k] for k in EXTRA_COLUMNS if rec.get(k)}
    custom = {k: v for k, v in rec.items() if k not in known and k and v}
    return AttendeeRow(number, attendee, extra, custom, frozenset(k for k in rec if k))


def parse_pair_scores(
    data: bytes, index: dict[str, int]
) -> tuple[dict[tuple[int, int], float], list[Problem]]:
    """Parse a pair scores file (FORMATS.md section 2) against known attendee e-mails."""
    problems: list[Problem] = []
    scores: dict[tuple[int, int], float] = {}
    try:
        table = read_table(data, "scores.csv")
    except SheetError as exc:
        return {}, [Problem(0, "", "", str(exc))]
    if not table:
        return {}, [Problem(0, "", "", "the scores file is empty")]
    header = [h.strip().lower() for h in table[0]]
    start = 1
    if header[:3] != ["email_a", "email_b", "score"]:
        if "@" in header[0]:  # no header row
            start = 0
        else:
            return {}, [Problem(1, "", ",".join(header), "expected header email_a,email_b,score")]
    for number, cells in enumerate(table[start:], start=start + 1):
        cells = [c.strip() for c in cells] + ["", "", ""]
        ea, eb, raw = cells[0].lower(), cells[1].lower(), cells[2]
        ok = True
        for col, e in (("email_a", ea), ("email_b", eb)):
            if e not in index:
                problems.append(Problem(number, col, e, "this e-mail is not an attendee"))
                ok = False
        try:
            value = float(raw)
            if value < 0 or value != value:
                raise ValueError
        except ValueError:
            problems.append(Problem(number, "score", raw, "must be a non-negative number"))
            ok = False
        if ok and ea == eb:
            problems.append(Problem(number, "email_b", eb, "a pair needs two different people"))
            ok = False
        if ok:
            i, j = sorted((index[ea], index[eb]))
            scores[(i, j)] = round(value, 2)
    return scores, problems


SCHEDULE_HEADER = ["round", "table", "email_a", "email_b", "score", "reasons"]


def write_schedule(rows: Sequence[tuple[int, int, str, str, float | None, str]]) -> str:
    """The schedule CSV (FORMATS.md section 3) as text, every text cell through ``safe_cell``;
    a score of None is left empty (placed agreed meetings have none)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(SCHEDULE_HEADER)
    for r, t, a, b, score, reasons in rows:
        shown_score = "" if score is None else f"{score:g}"
        writer.writerow([r, t, safe_cell(a), safe_cell(b), shown_score, safe_cell(reasons)])
    return out.getvalue()


def parse_schedule(data: bytes, index: dict[str, int]) -> tuple[list[Meeting], list[Problem]]:
    """Parse a schedule CSV into meetings (attendee indices); problems name row and column."""
    problems: list[Problem] = []
    meetings: list[Meeting] = []
    try:
        table = read_table(data, "schedule.csv")
    except SheetError as exc:
        return [], [Problem(0, "", "", str(exc))]
    if not table:
        return [], []
    header = [h.strip().lower() for h in table[0]]
    missing = [c for c in SCHEDULE_HEADER[:4] if c not in header]
    if missing:
        return [], [Problem(1, c, "", f"required column {c!r} is missing") for c in missing]
    pos = {h: k for k, h in enumerate(header)}
    for number, cells in enumerate(table[1:], start=2):
        rec = {h: (cells[k].strip() if k < len(cells) else "") for h, k in pos.items()}
        values: dict[str, int] = {}
        for col in ("round", "table"):
            try:
                values[col] = int(rec[col])
            except ValueError:
                problems.append(Problem(number, col, rec[col], "must be a whole number"))
        for col in ("email_a", "email_b"):
            e = rec[col].lower()
            if e not in index:
                problems.append(Problem(number, col, e, "this e-mail is not an attendee"))
            else:
                values[col] = index[e]
        if len(values) == 4:
            meetings.append(
                Meeting(values["round"], values["table"], values["email_a"], values["email_b"])
            )
    return meetings, problems


def read_bytes(path: str | Path) -> bytes:
    """Read a file's bytes (a tiny seam so the CLI and app read files the same way)."""
    return Path(path).read_bytes()


def parse_table_owners(
    data: bytes, instance_index: dict[str, int], companies: set[str], tables: int
) -> tuple[dict[int, str], list[Problem]]:
    """Parse a table owners CSV (``table,owner``): the booths of FORMATS.md section 4.

    ``owner`` is an attendee's e-mail or a company of the attendees file (case-insensitive);
    a company may own several tables, a table has one owner.
    """
    try:
        table = read_table(data, "table_owners.csv")
    except SheetError as exc:
        return {}, [Problem(0, "", "", str(exc))]
    if not table:
        return {}, []
    header = [h.strip().lower() for h in table[0]]
    if header[:2] != ["table", "owner"]:
        return {}, [Problem(1, "", ",".join(header), "expected header table,owner")]
    owners: dict[int, str] = {}
    problems: list[Problem] = []
    for number, cells in enumerate(table[1:], start=2):
        raw, owner = (cells + ["", ""])[0].strip(), (cells + ["", ""])[1].strip()
        if not raw and not owner:
            continue
        if not raw.isdigit() or not 1 <= int(raw) <= tables:
            problems.append(Problem(number, "table", raw, f"must be a table from 1 to {tables}"))
            continue
        if owner.lower() not in instance_index and owner.lower() not in companies:
            message = "neither an attendee's e-mail nor a company of the attendees file"
            problems.append(Problem(number, "owner", owner, message))
        elif int(raw) in owners:
            problems.append(Problem(number, "table", raw, "this table already has an owner"))
        else:
            owners[int(raw)] = owner
    return owners, problems


AGREED_COLUMNS = ("email_a", "email_b", "rounds", "round")
MAX_AGREED = 100_000  # rows of an agreed-meetings file (2,000 people with 50 meetings each)


def parse_agreed(
    data: bytes, filename: str, index: dict[str, int], rounds: int
) -> tuple[list[Agreed], list[Problem]]:
    """Parse an agreed-meetings file (FORMATS.md section 6): ``email_a,email_b[,rounds][,round]``.

    The header row is optional (a first row whose first cell is an e-mail is a meeting); both
    e-mails must be attendees. ``rounds`` is in the ``available_rounds`` syntax, ``round`` one
    round; both within the event's ``rounds``. A pair listed twice (either order) is a problem:
    the file would ask for two meetings of the same two people.
    """
    try:
        table = read_table(data, filename, max_rows=MAX_AGREED)
    except SheetError as exc:
        return [], [Problem(0, "", "", str(exc))]
    if not table:
        return [], [Problem(0, "", "", f"{filename} is empty: expected email_a,email_b rows")]
    if len(table) > MAX_AGREED + 1:
        return [], [Problem(0, "", "", f"{filename} has more than {MAX_AGREED:,} meetings")]
    first = [cell.strip().lower() for cell in table[0]]
    if first and "@" in first[0]:
        pos = {c: k for k, c in enumerate(AGREED_COLUMNS)}
        body, start = table, 1
    else:
        missing = [c for c in AGREED_COLUMNS[:2] if c not in first]
        if missing:
            return [], [Problem(1, c, "", f"required column {c!r} is missing") for c in missing]
        pos = {c: first.index(c) for c in AGREED_COLUMNS if c in first}
        body, start = table[1:], 2
    problems: list[Problem] = []
    agreed: list[Agreed] = []
    seen: dict[tuple[int, int], int] = {}
    for number, cells in enumerate(body, start=start):
        rec = {c: (cells[k].strip() if k < len(cells) else "") for c, k in pos.items()}
        ends: list[int] = []
        for col in AGREED_COLUMNS[:2]:
            email = rec[col].lower()
            if email not in index:
                what = "is empty" if not email else "is not in the attendees file"
                problems.append(Problem(number, col, shown(email), f"this e-mail {what}"))
            else:
                ends.append(index[email])
        allowed = None
        try:
            allowed = parse_rounds(rec.get("rounds", ""))
        except ValueError as exc:
            problems.append(Problem(number, "rounds", shown(rec["rounds"]), str(exc)))
        problem = rounds_problem(allowed, rounds)
        if problem:
            problems.append(Problem(number, "rounds", shown(rec["rounds"]), problem))
        fixed = None
        text = rec.get("round", "")
        if text:
            if not text.isdigit() or not 1 <= int(text) <= rounds:
                problems.append(
                    Problem(number, "round", shown(text), f"must be a round from 1 to {rounds}")
                )
            else:
                fixed = int(text)
        if len(ends) < 2:
            continue
        a, b = ends
        if a == b:
            problems.append(Problem(number, "email_b", rec["email_b"], "is the same as email_a"))
            continue
        pair = (min(a, b), max(a, b))
        if pair in seen:
            problems.append(
                Problem(number, "email_b", rec["email_b"], f"the same meeting as row {seen[pair]}")
            )
            continue
        seen[pair] = number
        agreed.append(Agreed(pair[0], pair[1], allowed, fixed, number))
    return agreed, problems
