"""An independent checker of every hard rule, and the objective of any schedule.

Written separately from the model on purpose: it walks the meetings one by one with plain
Python sets, so a bug in the solver's vectorised model cannot hide itself. Every solver test and
``python -m solver check`` go through it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from solver.schema import Instance, Meeting, Violation
from solver.score import Scorer


@dataclass
class Report:
    """The outcome of a check: violations (empty when valid) and the objective."""

    violations: list[Violation] = field(default_factory=list)
    objective: float = 0.0
    meetings: int = 0

    @property
    def ok(self) -> bool:
        return not self.violations

    def counts(self) -> dict[str, int]:
        """Number of violations per rule."""
        return dict(Counter(v.rule for v in self.violations))


def validate(instance: Instance, meetings: list[Meeting], scorer: Scorer | None = None) -> Report:
    """Check every hard rule of FORMATS.md section 4 and compute the total pair score."""
    scorer = scorer or Scorer(instance)
    people = instance.attendees
    rules = instance.rules
    n = len(people)
    report = Report(meetings=len(meetings))
    add = report.violations.append

    def who(i: int) -> str:
        return people[i].email if 0 <= i < n else f"#{i}"

    busy: dict[tuple[int, int], Meeting] = {}
    met: dict[tuple[int, int], Meeting] = {}
    per_round: Counter[int] = Counter()
    tables_used: set[tuple[int, int]] = set()
    degree: Counter[int] = Counter()
    scored: list[tuple[int, int]] = []
    booth_of = booths(instance, add)
    for m in meetings:
        a, b = m.a, m.b
        if not (0 <= a < n and 0 <= b < n) or a == b:
            add(Violation("attendee", f"meeting {m} does not name two attendees", (a, b)))
            continue
        pair = (min(a, b), max(a, b))
        if not 1 <= m.round <= rules.rounds:
            add(Violation("round", f"{who(a)} and {who(b)} meet in round {m.round}", pair))
        if not 1 <= m.table <= rules.tables:
            add(Violation("table", f"{who(a)} and {who(b)} meet at table {m.table}", pair))
        where = rules.table_label(m.table)
        allowed = booth_of(a) | booth_of(b)
        if allowed and m.table not in allowed:
            add(
                Violation(
                    "booth",
                    f"{who(a)} and {who(b)} meet at {where} in round {m.round}; their own: "
                    f"{', '.join(rules.table_label(t) for t in sorted(allowed))}",
                    pair,
                )
            )
        if (m.round, m.table) in tables_used:
            add(Violation("table_shared", f"{where} has two meetings in round {m.round}"))
        tables_used.add((m.round, m.table))
        per_round[m.round] += 1
        for x in pair:
            if (x, m.round) in busy:
                add(
                    Violation(
                        "one_per_round", f"{who(x)} has two meetings in round {m.round}", pair
                    )
                )
            busy[(x, m.round)] = m
            degree[x] += 1
        if pair in met:
            add(Violation("pair_once", f"{who(a)} and {who(b)} meet more than once", pair))
        met[pair] = m
        for x in pair:
            if m.round not in people[x].rounds(rules.rounds):
                add(
                    Violation("availability", f"{who(x)} is not available in round {m.round}", pair)
                )
        if people[a].company.strip().lower() == people[b].company.strip().lower():
            add(
                Violation(
                    "same_company",
                    f"{who(a)} and {who(b)} both work for {people[a].company}",
                    pair,
                )
            )
        if people[b].email in people[a].avoid or people[a].email in people[b].avoid:
            add(Violation("avoid", f"{who(a)} and {who(b)} asked not to meet", pair))
        scored.append(pair)
    for r, count in sorted(per_round.items()):
        if count > rules.tables:
            add(Violation("tables", f"round {r} has {count} meetings for {rules.tables} tables"))
    must = must_pairs(instance)
    for pair in sorted(must - met.keys()):
        add(Violation("must_meet", f"{who(pair[0])} must meet {who(pair[1])} but does not", pair))
    for i, person in enumerate(people):
        need = rules.minimum_for(person)
        if degree[i] < need:
            add(
                Violation(
                    "min_meetings",
                    f"{person.email} has {degree[i]} meetings, fewer than the {need} required",
                    (i,),
                )
            )
    placed = {(m.round, *m.pair) for m in meetings}
    for p in instance.pinned:
        if (p.round, *p.pair) not in placed:
            add(
                Violation(
                    "pinned",
                    f"pinned meeting of {who(p.a)} and {who(p.b)} in round {p.round} is missing",
                    p.pair,
                )
            )
    if scored:
        a_side, b_side = zip(*scored, strict=True)
        report.objective = float(scorer.pairs(np.array(a_side), np.array(b_side)).sum())
    report.objective = round(report.objective, 2)
    return report


def booths(instance: Instance, add: Callable[[Violation], None]) -> Callable[[int], set[int]]:
    """Each attendee's own tables (``Rules.table_owners``): given to them by e-mail, else their
    company's; empty when they own none. Owners naming nobody are violations too."""
    emails = {p.email.lower(): i for i, p in enumerate(instance.attendees)}
    companies = {p.company.strip().lower() for p in instance.attendees}
    personal: dict[int, set[int]] = {}
    company: dict[str, set[int]] = {}
    for table, owner in instance.rules.table_owners.items():
        key = owner.strip().lower()
        if not 1 <= table <= instance.rules.tables:
            add(Violation("booth", f"table {table} of {owner} is outside the event's tables"))
        if key in emails:
            personal.setdefault(emails[key], set()).add(table)
        elif key in companies:
            company.setdefault(key, set()).add(table)
        else:
            add(Violation("booth", f"table {table}'s owner {owner!r} names nobody"))

    def own(i: int) -> set[int]:
        if i in personal:
            return personal[i]
        return company.get(instance.attendees[i].company.strip().lower(), set())

    return own


def must_pairs(instance: Instance) -> set[tuple[int, int]]:
    """Every unordered pair that a must_meet request names, either side asking.

    The models have their own (solver/rules.py): the checker shares no code with what it checks.
    """
    pairs: set[tuple[int, int]] = set()
    for i, person in enumerate(instance.attendees):
        for email in person.must_meet:
            j = instance.index.get(email)
            if j is not None and j != i:
                pairs.add((min(i, j), max(i, j)))
    return pairs
