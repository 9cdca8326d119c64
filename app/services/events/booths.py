"""Booths: tables given to a company or a person, typed one per line "Booth A2 = Northwind Cloud".

The left side names a table by its name (case-insensitive) or its number ("7" or "Table 7");
the right side is a company of the attendees ("Northwind Cloud", any case) or an attendee's
e-mail. A company may own several tables (its reps meet at any of them); a table has one owner.
The solver keeps every meeting of the owner at the owner's tables (solver/rules.py
``owner_tables``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from app.models import Attendee, Event

MAX_OWNER_LINE = 400  # characters of one "table = owner" line
NUMBERED = re.compile(r"(?:table\s*)?(\d{1,6})", re.IGNORECASE)


class BoothRefused(ValueError):
    """A table owners line that cannot be stored; the message names the line and the value."""


def owner_lines(event: Event) -> list[str]:
    """The event's table owners as the organiser types them, in table order."""
    owners = event.table_owners or {}
    return [f"{event.table_label(int(t))} = {owners[t]}" for t in sorted(owners, key=int)]


def parse_table_owners(
    lines: Sequence[str] | Mapping[str, str],
    table_names: Sequence[str],
    tables: int,
    attendees: Iterable[Attendee],
) -> dict[str, str]:
    """Check the typed lines and return table number (text) -> owner, spelled as stored.

    A company is stored as the first attendee of it spells it, an e-mail lower-cased.

    Raises:
        BoothRefused: a line without "=", a table that does not exist or has an owner already,
            an owner that is neither a company of the attendees nor an attendee's e-mail.
    """
    if isinstance(lines, Mapping):
        lines = [f"{t} = {owner}" for t, owner in lines.items()]
    people = list(attendees)
    emails = {a.email.strip().lower(): a.email.strip().lower() for a in people}
    companies: dict[str, str] = {}
    for a in people:
        companies.setdefault(a.company.strip().lower(), a.company.strip())
    named = {n.strip().lower(): k for k, n in enumerate(table_names, start=1) if n.strip()}
    owners: dict[str, str] = {}
    where: dict[str, int] = {}

    def label(table: int) -> str:
        name = table_names[table - 1].strip() if table <= len(table_names) else ""
        return name or f"Table {table}"

    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line:
            continue
        said = f"Table owners, line {number} “{line[:80]}”"
        if len(line) > MAX_OWNER_LINE:
            raise BoothRefused(f"{said}: longer than {MAX_OWNER_LINE} characters.")
        table_text, equals, owner_text = line.partition("=")
        table_text, owner_text = table_text.strip(), owner_text.strip()
        if not equals or not table_text or not owner_text:
            raise BoothRefused(
                f"{said}: write the table, “=”, then its owner, for example "
                "“Booth A2 = Northwind Cloud” or “7 = anna@example.com”."
            )
        table = named.get(table_text.lower())
        match = NUMBERED.fullmatch(table_text)
        if table is None and match:
            table = int(match.group(1))
        if table is None or not 1 <= table <= tables:
            raise BoothRefused(
                f"{said}: “{table_text}” is not one of the event's tables (a table name, "
                f"or a number from 1 to {tables})."
            )
        owner = emails.get(owner_text.lower()) or companies.get(owner_text.lower())
        if owner is None:
            raise BoothRefused(
                f"{said}: no attendee works for “{owner_text}” or has that e-mail"
                + ("" if people else " (import the attendees first)")
                + "."
            )
        if str(table) in owners:
            raise BoothRefused(
                f"{said}: {label(table)} already belongs to {owners[str(table)]} "
                f"(line {where[str(table)]}); a table has one owner."
            )
        owners[str(table)] = owner
        where[str(table)] = number
    return owners
