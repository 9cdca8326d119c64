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
from typing import Any

from ortools.sat.python import cp_model

from solver import rules
from solver.search import Search

MAX_VARIABLES = 400_000  # beyond this the model alone would cost more than the time it has


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
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.1, time_limit)
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    status = solver.solve(choices.model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    chosen = [(pair, r) for (pair, r), x in variable.items() if solver.boolean_value(x)]
    return chosen, int(math.ceil(solver.best_objective_bound - 1e-9))
