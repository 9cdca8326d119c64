"""Compact agendas for ``solve --compact`` (FORMATS.md section 6): the score first, then breaks.

After the main search has its best schedule (score S), one more CP-SAT model over every
candidate pair and round keeps every hard rule of the solve (solver/rules.py, all hard), asks
for a total score of at least (1 - tolerance) x S, and minimises the breaks
(``rules.breaks``), starting from the schedule found. Pinned meetings stay where they are and
count as busy rounds. So the score given up is bounded by the tolerance, and whatever CP-SAT
finds in its time is never worse in breaks than the schedule it started from.
"""

from __future__ import annotations

import math
import time
from typing import Any

from ortools.sat.python import cp_model

from solver import rules
from solver.place import allowed_rounds
from solver.place_search import anneal
from solver.schema import Agreed, Instance, Meeting
from solver.search import Search

MAX_VARIABLES = 400_000  # beyond this the model alone would cost more than the time it has


def fewer_breaks(
    instance: Instance,
    meetings: list[tuple[int, int, int]],
    movable: list[bool],
    rounds: frozenset[int] | None,
    owners: rules.Owners,
    seconds: float,
    seed: int = 0,
) -> list[int] | None:
    """New rounds for ``meetings`` ((a, b, round), the same pairs, so the same score) with
    fewer breaks for everyone, by the annealing of ``place``: the meetings not ``movable``
    keep their round, the others may take any round of ``rounds`` (None: any) both attend.
    None when nothing better was found, or when a booth owner's meetings would no longer fit
    its tables in some round."""
    agreed = [
        Agreed(a, b, rounds if move else None, None if move else r)
        for (a, b, r), move in zip(meetings, movable, strict=True)
    ]
    if not any(movable):
        return None
    allowed = allowed_rounds(instance, agreed)
    start = {k: r for k, (_, _, r) in enumerate(meetings)}
    n = len(instance.attendees)
    deadline = time.perf_counter() + seconds
    best = anneal(agreed, allowed, n, instance.rules.tables, start, deadline, seed)
    before = sum(rules.schedule_breaks(n, _meetings(agreed, start)))
    if len(best) < len(agreed) or sum(rules.schedule_breaks(n, _meetings(agreed, best))) >= before:
        return None
    if not _booths_hold(owners, agreed, best):
        return None
    return [best[k] for k in range(len(agreed))]


def replace_rounds(search: Search, seconds: float, seed: int = 0) -> None:
    """Re-place the search's meetings in the rounds that give the fewest breaks
    (``fewer_breaks``); pinned meetings keep their round."""
    s, cand = search.state, search.candidates
    pairs = sorted(s.met)
    meetings = [(cand.first[p], cand.second[p], s.met[p] + 1) for p in pairs]
    moved = fewer_breaks(
        search.instance,
        meetings,
        [p not in s.pinned for p in pairs],
        None,
        search.owners,
        seconds,
        seed,
    )
    if moved is None:
        return
    changed = [(p, r) for p, (_, _, was), r in zip(pairs, meetings, moved, strict=True) if r != was]
    for p, _ in changed:
        s.remove(p, cand.first[p], cand.second[p])
    for p, r in changed:
        s.place(p, cand.first[p], cand.second[p], r - 1)


def _meetings(agreed: list[Agreed], rounds: dict[int, int]) -> list[Meeting]:
    return [Meeting(rounds[k], 0, m.a, m.b) for k, m in enumerate(agreed) if k in rounds]


def _booths_hold(owners: rules.Owners, agreed: list[Agreed], rounds: dict[int, int]) -> bool:
    """Whether every booth owner's meetings of each round fit its tables."""
    if not owners.tables:
        return True
    load: dict[tuple[int, int], int] = {}
    for k, m in enumerate(agreed):
        for g in owners.groups(m.a, m.b):
            load[(g, rounds[k])] = load.get((g, rounds[k]), 0) + 1
    return all(n <= len(owners.tables[g]) for (g, _), n in load.items())


def compact(
    search: Search, tolerance: float, time_limit: float, workers: int, seed: int = 0
) -> tuple[list[tuple[int, int]], int] | None:
    """Meetings (pair id, 0-based round) with the fewest breaks found at a score of at least
    (1 - ``tolerance``) of the search's, and the proven lower bound on breaks; None when the
    model is too large or CP-SAT found nothing in time."""
    s, cand = search.state, search.candidates
    event = search.instance.rules
    pinned = {pair: r for pair, r in s.met.items() if pair in s.pinned}
    busy = {(cand.first[p], r + 1) for p, r in pinned.items()}
    busy |= {(cand.second[p], r + 1) for p, r in pinned.items()}
    load = [0] * event.rounds
    for r in pinned.values():
        load[r] += 1
    owner_load: dict[tuple[int, int], int] = {}
    for pair, r in pinned.items():
        for g in search.owners.groups(cand.first[pair], cand.second[pair]):
            owner_load[(g, r + 1)] = owner_load.get((g, r + 1), 0) + 1
    degree = [0] * search.n
    for pair in pinned:
        degree[cand.first[pair]] += 1
        degree[cand.second[pair]] += 1

    choices = rules.Choices()
    variable: dict[tuple[int, int], Any] = {}
    gains: list[int] = []
    for pair in range(len(cand.first)):
        if pair in pinned:
            continue
        u, v = cand.first[pair], cand.second[pair]
        for r in range(event.rounds):
            if (u, r + 1) in busy or (v, r + 1) in busy:
                continue
            if not rules.both_available(s.available, u, v, r):
                continue
            variable[(pair, r)] = choices.add(pair, u, v, r + 1)
            gains.append(cand.weight[pair])
            if len(variable) > MAX_VARIABLES:
                return None
    must = [pair for pair in choices.by_pair if isinstance(pair, int) and cand.must[pair]]
    rules.one_meeting_per_round(choices)
    rules.pair_meets_once(choices, exempt=must)
    rules.must_meet(choices, must, rules.HARD)
    rules.table_capacity(choices, lambda r: event.tables - load[r - 1])
    rules.owner_tables(choices, search.owners, lambda g, r: owner_load.get((g, r), 0))
    rules.minimum_meetings(
        choices, lambda a: search.minimum[a] - degree[a], rules.HARD, people=range(search.n)
    )
    pinned_score = sum(cand.weight[p] for p in pinned)
    floor = math.ceil((1 - tolerance) * s.objective) - pinned_score
    choices.model.add(cp_model.LinearExpr.weighted_sum(choices.variables, gains) >= floor)
    counts = rules.breaks(choices, range(search.n), event.rounds, busy=lambda p, r: (p, r) in busy)
    choices.model.minimize(cp_model.LinearExpr.sum(list(counts.values())))
    for (pair, r), x in variable.items():
        choices.model.add_hint(x, 1 if s.met.get(pair) == r else 0)
    started = time.perf_counter()
    rules.complete_hint(choices.model, min(5.0, 0.2 * time_limit))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.1, time_limit - (time.perf_counter() - started))
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    status = solver.solve(choices.model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    chosen = [(pair, r) for (pair, r), x in variable.items() if solver.boolean_value(x)]
    return chosen, int(math.ceil(solver.best_objective_bound - 1e-9))
