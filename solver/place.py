"""Placing agreed meetings (FORMATS.md section 6): every meeting in a round, the fewest breaks.

The meetings are given (both sides agreed to them); what is chosen is the round of each, so
that people's days are compact. The model is the one of solver/rules.py: one boolean per
meeting and round it may take, one meeting per person and round, at most T per round, and
``rules.breaks`` for each person's gaps, with ``rules.fairness`` when a spread is asked for.

What makes it fast:

* ``check`` finds the reasons it cannot work before any search (a person with more meetings
  than rounds, meetings that need more tables than a round has), with Hall's theorem on a
  bipartite matching, so an infeasible file gets a reason in milliseconds.
* Each person's breaks have a lower bound of their own (``rules.fewest_breaks``: k meetings in
  the runs of rounds their meetings may take): given to CP-SAT as implied constraints, they
  settle small events at once, and their sum is the bound when the search stops early.
* A first solution from ``compact_greedy`` (each meeting, hardest first, in the round that
  adds the fewest breaks), then simulated annealing with Kempe-chain moves
  (solver/place_search.py), hundreds of thousands of moves in seconds, which also completes a
  greedy placement that left meetings out.
* CP-SAT last, from that placement hinted in full (``rules.complete_hint``): it keeps or
  improves it, repairs fairness, and proves what bound it can.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ortools.graph.python import max_flow
from ortools.sat.python import cp_model

from solver import rules
from solver.io import format_rounds
from solver.place_search import anneal
from solver.schema import Agreed, Instance, Meeting


@dataclass
class PlaceResult:
    """What ``place`` returns; ``summary`` is the JSON line of the command line."""

    status: str  # optimal (breaks = bound), feasible, infeasible, unknown (none found in time)
    meetings: list[Meeting] = field(default_factory=list)
    per_person: list[int] = field(default_factory=list)  # breaks of each attendee
    breaks_bound: int = 0
    seconds: float = 0.0
    reasons: list[str] = field(default_factory=list)

    @property
    def breaks(self) -> int:
        return sum(self.per_person)

    def summary(self) -> dict[str, float | int | str]:
        return {
            "status": self.status,
            "breaks": self.breaks,
            "breaks_bound": self.breaks_bound,
            "max_breaks": max(self.per_person, default=0),
            "min_breaks": min(self.per_person, default=0),
            "meetings": len(self.meetings),
            "seconds": round(self.seconds, 3),
        }


def open_rounds(instance: Instance) -> list[frozenset[int]]:
    """The rounds each attendee attends, clipped to the event."""
    total = instance.rules.rounds
    return [a.rounds(total) for a in instance.attendees]


def allowed_rounds(instance: Instance, agreed: list[Agreed]) -> list[frozenset[int]]:
    """The rounds each meeting may take: its own limits and both people's rounds."""
    attends = open_rounds(instance)
    return [m.allowed(attends[m.a], attends[m.b]) for m in agreed]


def meeting_breaks(instance: Instance, meetings: list[Meeting]) -> list[int]:
    """Breaks of every attendee in a schedule (0 for those without meetings)."""
    return rules.schedule_breaks(len(instance.attendees), meetings)


def alone(instance: Instance, agreed: list[Agreed]) -> list[int]:
    """A lower bound on each attendee's breaks, whatever the others do: their meetings in the
    runs of consecutive rounds those meetings may take (``rules.fewest_breaks``)."""
    allowed = allowed_rounds(instance, agreed)
    count = [0] * len(instance.attendees)
    union: list[set[int]] = [set() for _ in instance.attendees]
    for m, rounds in zip(agreed, allowed, strict=True):
        for p in (m.a, m.b):
            count[p] += 1
            union[p] |= rounds
    return [rules.fewest_breaks(count[p], union[p]) or 0 for p in range(len(count))]


# -- reasons it cannot work ------------------------------------------------------------------


def _hall(options: list[frozenset[int]], capacity: int) -> tuple[list[int], set[int]] | None:
    """Whether every item gets a round of its options, each round taking ``capacity`` items.

    None when they all fit; else a Hall violator: items (indices) whose rounds together hold
    fewer than there are items, with those rounds.
    """
    rounds = sorted(set().union(*options)) if options else []
    column = {r: k for k, r in enumerate(rounds)}
    flow = max_flow.SimpleMaxFlow()
    source, sink = 0, 1
    item_node = [2 + i for i in range(len(options))]
    round_node = [2 + len(options) + k for k in range(len(rounds))]
    arcs: list[tuple[int, int, int]] = []  # (arc, item, round column)
    for i, allowed in enumerate(options):
        flow.add_arc_with_capacity(source, item_node[i], 1)
        for r in allowed:
            arcs.append((flow.add_arc_with_capacity(item_node[i], round_node[column[r]], 1), i, r))
    for k in range(len(rounds)):
        flow.add_arc_with_capacity(round_node[k], sink, capacity)
    if len(options) == 0 or flow.solve(source, sink) != flow.OPTIMAL:
        return None
    if flow.optimal_flow() == len(options):
        return None
    # Items reachable from the source in the residual graph form the violator.
    used = {i: 0 for i in range(len(options))}
    assigned: dict[int, int] = {}
    for arc, i, r in arcs:
        if flow.flow(arc):
            used[i] = 1
            assigned[i] = r
    holders: dict[int, list[int]] = {}
    for i, r in assigned.items():
        holders.setdefault(r, []).append(i)
    load = {r: len(h) for r, h in holders.items()}
    reached_items = [i for i in range(len(options)) if not used[i]]
    seen_items = set(reached_items)
    seen_rounds: set[int] = set()
    queue = list(reached_items)
    while queue:
        i = queue.pop()
        for r in options[i]:
            if r in seen_rounds:
                continue
            seen_rounds.add(r)
            if load.get(r, 0) < capacity:
                continue  # cannot happen at a maximum flow, kept for safety
            for j in holders.get(r, []):
                if j not in seen_items:
                    seen_items.add(j)
                    queue.append(j)
    return sorted(seen_items), seen_rounds


def check(instance: Instance, agreed: list[Agreed], fairness: int | None = None) -> list[str]:
    """Reasons, in plain words, why the meetings cannot all be placed (empty: no reason found)."""
    people = instance.attendees
    event = instance.rules
    attends = open_rounds(instance)
    allowed = allowed_rounds(instance, agreed)
    reasons: list[str] = []
    for m, rounds in zip(agreed, allowed, strict=True):
        if not rounds:
            limits = [
                f"{people[p].email} attends {format_rounds(attends[p]) or 'no round'}"
                for p in (m.a, m.b)
            ]
            if m.rounds is not None:
                limits.append(f"the meeting may take rounds {format_rounds(m.rounds)}")
            if m.round is not None:
                limits.append(f"it is fixed to round {m.round}")
            reasons.append(
                f"row {m.row}: {people[m.a].email} and {people[m.b].email} have no round to "
                f"meet in ({'; '.join(limits)})"
            )
    if reasons:
        return reasons
    mine: dict[int, list[int]] = {}
    for k, m in enumerate(agreed):
        mine.setdefault(m.a, []).append(k)
        mine.setdefault(m.b, []).append(k)
    for person, ks in sorted(mine.items()):
        email = people[person].email
        union = frozenset().union(*(allowed[k] for k in ks))
        if len(ks) > len(union):
            where = (
                f"attends {len(union)} round{'s' if len(union) != 1 else ''}"
                if union == attends[person]
                else f"their meetings may only take {len(union)} rounds ({format_rounds(union)})"
            )
            reasons.append(f"{email} has {len(ks)} agreed meetings but {where}")
            continue
        violator = _hall([allowed[k] for k in ks], 1)
        if violator:
            items, held = violator
            others = ", ".join(
                people[agreed[ks[i]].b if agreed[ks[i]].a == person else agreed[ks[i]].a].email
                for i in items
            )
            reasons.append(
                f"{email}'s meetings with {others} may only take rounds "
                f"{format_rounds(frozenset(held))}: {len(items)} meetings in "
                f"{len(held)} round{'s' if len(held) != 1 else ''}"
            )
    fixed: dict[int, int] = {}
    for rounds in allowed:
        if len(rounds) == 1:
            (r,) = rounds
            fixed[r] = fixed.get(r, 0) + 1
    for r, count in sorted(fixed.items()):
        if count > event.tables:
            reasons.append(
                f"round {r} would need {count} tables for its fixed meetings (the event has "
                f"{event.tables})"
            )
    if reasons:
        return reasons
    total = len(agreed)
    if total > event.rounds * event.tables:
        return [
            f"{total} agreed meetings need more than {event.rounds} rounds x {event.tables} "
            f"tables = {event.rounds * event.tables} places"
        ]
    violator = _hall(allowed, event.tables)
    if violator:
        items, held = violator
        return [
            f"{len(items)} agreed meetings may only take rounds {format_rounds(frozenset(held))}"
            f", which hold {len(held) * event.tables} meetings at {event.tables} tables"
        ]
    if fairness is not None:
        least = alone(instance, agreed)
        worst = max(range(len(people)), key=lambda p: least[p])
        best = min(range(len(people)), key=lambda p: least[p])
        if least[worst] - least[best] > fairness:
            union = frozenset().union(*(allowed[k] for k in mine[worst]))
            return [
                f"--fairness {fairness} cannot hold: {people[worst].email} has at least "
                f"{least[worst]} break{'s' if least[worst] != 1 else ''} whatever the placement "
                f"(their {len(mine[worst])} meetings may only take rounds "
                f"{format_rounds(union)}), {people[best].email} {least[best]}"
            ]
    return []


# -- first solutions --------------------------------------------------------------------------


def first_free(instance: Instance, agreed: list[Agreed]) -> dict[int, int]:
    """The spreadsheet way, the benchmark's baseline: each meeting, in file order, in the first
    round both people are free and a table is left. Meetings that find none are left out."""
    return _greedy(instance, agreed, list(range(len(agreed))), compact=False)


def compact_greedy(instance: Instance, agreed: list[Agreed]) -> dict[int, int]:
    """Each meeting, the hardest first (fewest rounds open, busiest people), in the round that
    adds the fewest breaks to both people, then the one next to their other meetings."""
    allowed = allowed_rounds(instance, agreed)
    degree: dict[int, int] = {}
    for m in agreed:
        degree[m.a] = degree.get(m.a, 0) + 1
        degree[m.b] = degree.get(m.b, 0) + 1
    order = sorted(
        range(len(agreed)),
        key=lambda k: (
            len(allowed[k]),
            -max(degree[agreed[k].a], degree[agreed[k].b]),
            -min(degree[agreed[k].a], degree[agreed[k].b]),
        ),
    )
    # Busiest people first, and each of their meetings one after the other: the first person's
    # day fills as one run, and the next person's runs grow around the meetings already there.
    by_person: dict[int, list[int]] = {}
    for k in order:
        by_person.setdefault(agreed[k].a, []).append(k)
        by_person.setdefault(agreed[k].b, []).append(k)
    seen: set[int] = set()
    grouped: list[int] = []
    for person in sorted(by_person, key=lambda p: -degree[p]):
        for k in by_person[person]:
            if k not in seen:
                seen.add(k)
                grouped.append(k)
    return _greedy(instance, agreed, grouped, compact=True)


def _greedy(
    instance: Instance, agreed: list[Agreed], order: list[int], compact: bool
) -> dict[int, int]:
    allowed = allowed_rounds(instance, agreed)
    tables = instance.rules.tables
    busy: list[set[int]] = [set() for _ in instance.attendees]
    load: dict[int, int] = {}
    placed: dict[int, int] = {}

    def added(person: int, r: int) -> tuple[int, int]:
        rounds = busy[person]
        if not rounds:
            return 0, 0
        before = rules.count_breaks(rounds)
        distance = min(abs(r - other) for other in rounds)
        return rules.count_breaks(rounds | {r}) - before, distance

    for k in order:
        m = agreed[k]
        free = [
            r
            for r in sorted(allowed[k])
            if r not in busy[m.a] and r not in busy[m.b] and load.get(r, 0) < tables
        ]
        if not free:
            continue
        if compact:
            cost = {}
            for r in free:
                da, na = added(m.a, r)
                db, nb = added(m.b, r)
                cost[r] = (da + db, na + nb, load.get(r, 0))
            r = min(free, key=lambda r: cost[r])
        else:
            r = free[0]
        placed[k] = r
        busy[m.a].add(r)
        busy[m.b].add(r)
        load[r] = load.get(r, 0) + 1
    return placed


def seat_rounds(agreed: list[Agreed], rounds: dict[int, int]) -> list[Meeting]:
    """Meetings with tables numbered 1.. in each round, in the file's order."""
    next_table: dict[int, int] = {}
    out = []
    for k in sorted(rounds, key=lambda k: (rounds[k], agreed[k].row)):
        r = rounds[k]
        next_table[r] = next_table.get(r, 0) + 1
        out.append(Meeting(r, next_table[r], agreed[k].a, agreed[k].b))
    return out


# -- the search -------------------------------------------------------------------------------


def _model(
    instance: Instance,
    agreed: list[Agreed],
    allowed: list[frozenset[int]],
    least: list[int],
    fairness: int | None,
) -> tuple[rules.Choices, dict[tuple[int, int], Any]]:
    """The CP-SAT model placing every agreed meeting with the fewest breaks in total."""
    event = instance.rules
    choices = rules.Choices()
    variable: dict[tuple[int, int], Any] = {}
    people: set[int] = set()
    for k, m in enumerate(agreed):
        people |= {m.a, m.b}
        for r in sorted(allowed[k]):
            variable[(k, r)] = choices.add(k, m.a, m.b, r)
    rules.one_meeting_per_round(choices)
    for xs in choices.by_pair.values():  # every agreed meeting exactly once
        choices.model.add_exactly_one(xs)
    rules.table_capacity(choices, lambda r: event.tables)
    counts = rules.breaks(choices, sorted(people), event.rounds, least=lambda p: least[p])
    if fairness is not None:
        everyone = [counts.get(p, 0) for p in range(len(instance.attendees))]
        rules.fairness(choices, everyone, fairness, event.rounds)
    choices.model.minimize(cp_model.LinearExpr.sum(list(counts.values())))
    return choices, variable


def _solve(
    choices: rules.Choices,
    variable: dict[tuple[int, int], Any],
    hint: dict[int, int],
    seconds: float,
    seed: int,
    workers: int,
) -> tuple[Any, cp_model.CpSolver]:
    """Solve the model from ``hint`` (meeting -> round), replacing any earlier hint."""
    choices.model.clear_hints()
    for (k, r), x in variable.items():
        choices.model.add_hint(x, 1 if hint.get(k) == r else 0)
    started = time.perf_counter()
    if len(hint) == len(choices.by_pair):  # a whole placement: hint every variable
        rules.complete_hint(choices.model, min(5.0, 0.2 * seconds))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.05, seconds - (time.perf_counter() - started))
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    return solver.solve(choices.model), solver


def place(
    instance: Instance,
    agreed: list[Agreed],
    fairness: int | None = None,
    time_limit: float = 30.0,
    seed: int = 0,
    workers: int = 2,
    progress: Callable[[float, int, int], None] | None = None,
) -> PlaceResult:
    """Place every agreed meeting with the fewest breaks in total (at most ``fairness`` apart).

    1. The whole model in CP-SAT from the greedy placement, briefly: small events end here,
       proved optimal.
    2. If the greedy left meetings out, neighbourhoods around them complete it.
    3. Simulated annealing with Kempe-chain moves (solver/place_search.py) lowers the breaks
       (and the spread beyond ``fairness``) fast, by hundreds of thousands of moves.
    4. The whole model again from that placement for the rest of the time: it keeps it or
       improves it, repairs fairness, and proves the bound.

    ``progress(seconds, breaks, bound)`` is called as solutions are found.
    """
    start = time.perf_counter()
    deadline = start + time_limit
    people = instance.attendees
    reasons = check(instance, agreed, fairness)
    if reasons:
        return PlaceResult("infeasible", seconds=time.perf_counter() - start, reasons=reasons)
    allowed = allowed_rounds(instance, agreed)
    least = alone(instance, agreed)
    trivial = sum(least)
    choices, variable = _model(instance, agreed, allowed, least, fairness)

    def breaks_of(rounds: dict[int, int]) -> list[int]:
        return meeting_breaks(instance, seat_rounds(agreed, rounds))

    def fair(rounds: dict[int, int]) -> bool:
        per = breaks_of(rounds)
        return fairness is None or max(per) - min(per) <= fairness

    def solution(solver: cp_model.CpSolver) -> dict[int, int]:
        return {k: r for (k, r), x in variable.items() if solver.boolean_value(x)}

    hint = compact_greedy(instance, agreed)
    quick = min(2.0, 0.1 * time_limit)
    status, solver = _solve(choices, variable, hint, quick, seed, workers)
    if status == cp_model.INFEASIBLE:
        left = max(1.0, deadline - time.perf_counter())
        why = _why(instance, agreed, fairness, left)
        return PlaceResult("infeasible", seconds=time.perf_counter() - start, reasons=why)
    bound = trivial
    proved = status == cp_model.OPTIMAL
    rounds = hint
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        rounds = solution(solver)
        bound = max(trivial, int(-(-solver.best_objective_bound // 1)))
    if progress is not None and len(rounds) == len(agreed):  # called here, never from CP-SAT's
        progress(time.perf_counter() - start, sum(breaks_of(rounds)), bound)  # own threads
    if not proved:
        until = start + (0.7 if fairness is None else 0.4) * time_limit
        annealed = anneal(
            agreed, allowed, len(people), instance.rules.tables, rounds, until, seed,
            floor=bound, fairness=fairness,
        )  # fmt: skip
        if len(annealed) == len(agreed) and fair(annealed):
            better = len(rounds) < len(agreed) or not fair(rounds)
            if better or sum(breaks_of(annealed)) <= sum(breaks_of(rounds)):
                rounds = annealed
        if len(rounds) == len(agreed) and progress is not None:
            progress(time.perf_counter() - start, sum(breaks_of(rounds)), bound)
        left = deadline - time.perf_counter()
        if left > 0.2:
            status, solver = _solve(choices, variable, rounds, left, seed + 1, workers)
            if status == cp_model.INFEASIBLE:
                why = _why(instance, agreed, fairness, max(1.0, deadline - time.perf_counter()))
                return PlaceResult("infeasible", seconds=time.perf_counter() - start, reasons=why)
            if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                bound = max(bound, int(-(-solver.best_objective_bound // 1)))
                proved = status == cp_model.OPTIMAL
                polished = solution(solver)
                if (
                    len(rounds) < len(agreed)
                    or not fair(rounds)
                    or sum(breaks_of(polished)) <= sum(breaks_of(rounds))
                ):
                    rounds = polished
    if len(rounds) < len(agreed) or not fair(rounds):
        return PlaceResult(
            "unknown",
            seconds=time.perf_counter() - start,
            reasons=[
                f"no placement of all {len(agreed)} meetings"
                + ("" if fairness is None else f" within --fairness {fairness}")
                + f" was found in {time_limit:g} s; try a longer --time-limit"
            ],
        )
    meetings = seat_rounds(agreed, rounds)
    per_person = meeting_breaks(instance, meetings)
    found = sum(per_person)
    bound = found if proved else min(found, bound)
    return PlaceResult(
        "optimal" if bound == found else "feasible",
        meetings=meetings,
        per_person=per_person,
        breaks_bound=bound,
        seconds=time.perf_counter() - start,
    )


def _why(
    instance: Instance, agreed: list[Agreed], fairness: int | None, time_limit: float
) -> list[str]:
    """Why CP-SAT proved there is no placement when ``check`` found no reason: the fairness
    rule (when the meetings can be placed without it), or all the rules at once."""
    if fairness is not None:
        without = place(instance, agreed, None, time_limit)
        if without.status in ("optimal", "feasible"):
            spread = without.summary()
            return [
                f"no placement keeps everyone's breaks within {fairness} of each other; without "
                f"--fairness the meetings can be placed (breaks from {spread['min_breaks']} "
                f"to {spread['max_breaks']} per attendee)"
            ]
        return without.reasons
    return [
        "the meetings cannot all be placed together: each person's meetings fit their rounds, "
        "but not all at once with one meeting per person per round and "
        f"{instance.rules.tables} tables per round"
    ]
