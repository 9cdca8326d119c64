"""The phases of a re-plan (see solver/replan.py): what stays, the fill, the repair, tables.

Every CP-SAT model here is composed from the rules of solver/rules.py; the large fill runs the
solver's own neighbourhood search (solver/lns.py).
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace

import numpy as np
from ortools.sat.python import cp_model

from solver import lns, rules
from solver.candidates import SCALE, Candidates, candidate_count, candidate_pairs
from solver.schema import Instance, Meeting
from solver.score import Scorer
from solver.search import Search

FILL_PARTNERS = 40  # best free partners per attendee and round offered to the fill model

Key = tuple[int, int, int]  # (u, v, round) with u < v: one possible meeting


def meeting_key(m: Meeting) -> Key:
    a, b = m.pair
    return (a, b, m.round)


class Plan:
    """The fixed part of the re-plan: past meetings, later pins, and kept meetings."""

    def __init__(
        self,
        adjusted: Instance,
        scorer: Scorer,
        current: list[Meeting],
        start: int,
        absent: set[int],
    ) -> None:
        event = adjusted.rules
        self.adjusted = adjusted
        self.n = len(adjusted.attendees)
        self.tables = event.tables
        self.rounds = list(range(max(1, start), event.rounds + 1))
        self.scorer = scorer
        self.available = scorer.available  # [i, r - 1]
        self.fixed: list[Meeting] = list(adjusted.pinned)  # never move
        self.kept: list[Meeting] = []  # from current, may move only in the repair
        self.unusable = 0  # later meetings of present people in current that break a rule
        self.owners = rules.table_owners(adjusted)
        load: Counter[tuple[int, int]] = Counter()  # (booth owner, round) -> meetings
        busy: set[tuple[int, int]] = set()
        seats: set[tuple[int, int]] = set()
        pairs: set[tuple[int, int]] = set()
        for m in self.fixed:
            busy.update(((m.a, m.round), (m.b, m.round)))
            seats.add((m.round, m.table))
            pairs.add(m.pair)
            load.update((g, m.round) for g in self.owners.taking(m))
        per_round = Counter(m.round for m in self.fixed)
        fixed_keys = {meeting_key(m) for m in self.fixed}
        for m in sorted(current, key=lambda m: (m.round, m.table, m.pair)):
            if m.round < start or meeting_key(m) in fixed_keys:
                continue
            a, b = m.pair
            ok = (
                m.round in self.rounds
                and self.available[a, m.round - 1]
                and self.available[b, m.round - 1]
                and scorer.may_meet(a, b)
                and (a, m.round) not in busy
                and (b, m.round) not in busy
                and m.pair not in pairs
                and per_round[m.round] < self.tables
                and all(
                    load[(g, m.round)] < len(self.owners.tables[g])
                    for g in self.owners.groups(a, b)
                )
            )
            if not ok:  # absent attendees are unavailable from ``start`` on: theirs land here
                self.unusable += a not in absent and b not in absent
                continue
            booths = [t for g in self.owners.groups(a, b) for t in self.owners.tables[g]]
            if (
                not 1 <= m.table <= self.tables
                or (m.round, m.table) in seats
                or (booths and m.table not in booths)
            ):
                m = replace(m, table=0)  # taken (by a pin) or not its owner's: it gets another
            self.kept.append(m)
            busy.update(((a, m.round), (b, m.round)))
            seats.add((m.round, m.table))
            pairs.add(m.pair)
            per_round[m.round] += 1
            load.update((g, m.round) for g in self.owners.groups(a, b))
        self.minimum = rules.minimums(adjusted)
        self.must = rules.must_pairs(adjusted)
        self._weights: dict[tuple[int, int], int] = {}

    def occupancy(self, meetings: Iterable[Meeting]) -> tuple[set, Counter, Counter, set]:
        """(person, round) busy, degree per person, meetings per round, pairs met."""
        busy: set[tuple[int, int]] = set()
        degree: Counter[int] = Counter()
        per_round: Counter[int] = Counter()
        pairs: set[tuple[int, int]] = set()
        for m in meetings:
            busy.update(((m.a, m.round), (m.b, m.round)))
            degree.update((m.a, m.b))
            per_round[m.round] += 1
            pairs.add(m.pair)
        return busy, degree, per_round, pairs

    def booth_load(self, meetings: Iterable[Meeting]) -> Counter[tuple[int, int]]:
        """Tables taken per (booth owner, round) by ``meetings`` (which stay where they are)."""
        load: Counter[tuple[int, int]] = Counter()
        for m in meetings:
            load.update((g, m.round) for g in self.owners.taking(m))
        return load

    def weight(self, keys: list[Key]) -> list[int]:
        """Integer scores (hundredths) of the pairs of ``keys``, remembered per pair."""
        todo = sorted({(u, v) for u, v, _ in keys} - self._weights.keys())
        if todo:
            u = np.array([p[0] for p in todo])
            v = np.array([p[1] for p in todo])
            scores = self.scorer.pairs(u, v).tolist()
            self._weights.update(
                (p, int(round(s * SCALE))) for p, s in zip(todo, scores, strict=True)
            )
        return [self._weights[(u, v)] for u, v, _ in keys]


@dataclass
class Outcome:
    """One phase's answer: the chosen meetings (keys), CP-SAT's verdict and what is short."""

    chosen: set[Key]
    proved: bool
    short: list[tuple[int, int, int]]  # (attendee, meetings, minimum)
    missing: list[tuple[int, int]]  # must-meet pairs not met

    @property
    def shortfall(self) -> int:
        return sum(required - d for _, d, required in self.short) + len(self.missing)


def solve_phase(
    plan: Plan,
    fixed: list[Meeting],
    keys: list[Key],
    weights: list[int],
    reward: dict[Key, int],
    hint: set[Key],
    deadline: float,
    seed: int,
    workers: int,
) -> Outcome:
    """Choose meetings among ``keys`` around the ``fixed`` ones (the CP-SAT model of a phase).

    Args:
        reward: extra objective for keys that keep a meeting of ``current`` in place.
        hint: keys of a known good answer.
    """
    _, degree, per_round, met = plan.occupancy(fixed)
    choices = rules.Choices()
    variables = [choices.add((u, v), u, v, r) for u, v, r in keys]
    # Every rule, around the fixed meetings (keys never touch a fixed meeting's slot);
    # minimums and must-meets not yet met are soft: a shortfall is penalised above
    # everything else, then reported.
    must = [pair for pair in choices.by_pair if pair in plan.must and pair not in met]
    rules.one_meeting_per_round(choices)
    rules.pair_meets_once(choices, exempt=must)
    rules.must_meet(choices, must, rules.SOFT)
    rules.table_capacity(choices, lambda r: plan.tables - per_round[r])
    booths = plan.booth_load(fixed)
    rules.owner_tables(choices, plan.owners, lambda g, r: booths[(g, r)])
    rules.minimum_meetings(choices, lambda a: plan.minimum[a] - degree[a], rules.SOFT)
    gains = [w + reward.get(k, 0) for k, w in zip(keys, weights, strict=True)]
    rules.maximize_score(choices, gains, (sum(g for g in gains if g > 0) + 1) if gains else 1)
    for var, k in zip(variables, keys, strict=True):
        choices.model.add_hint(var, k in hint)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.1, deadline - time.perf_counter())
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    status = solver.solve(choices.model)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        chosen = {k for var, k in zip(variables, keys, strict=True) if solver.boolean_value(var)}
    else:  # nothing found in time: fall back on the hint when it is consistent
        chosen = set(hint) & set(keys)
    return assess(plan, fixed, chosen, status == cp_model.OPTIMAL)


def assess(plan: Plan, fixed: list[Meeting], chosen: set[Key], proved: bool) -> Outcome:
    """Which minimums and must-meets ``fixed`` plus ``chosen`` leave unmet."""
    _, degree, _, met = plan.occupancy(fixed)
    for u, v, _ in chosen:
        degree.update((u, v))
        met.add((u, v))
    short = [
        (i, degree[i], required) for i, required in enumerate(plan.minimum) if degree[i] < required
    ]
    missing = sorted(plan.must - met)
    return Outcome(chosen, proved, short, missing)


def greedy_fill(plan: Plan, taken: list[Meeting], keys: list[Key], weights: list[int]) -> set[Key]:
    """A quick fill for the hint: pairs helping someone short first, then by score."""
    busy, degree, per_round, met = plan.occupancy(taken)
    load = plan.booth_load(taken)
    need = [required - degree[i] for i, required in enumerate(plan.minimum)]
    must = plan.must - met
    order = sorted(
        range(len(keys)),
        key=lambda k: (
            -((keys[k][0], keys[k][1]) in must),
            -((need[keys[k][0]] > 0) + (need[keys[k][1]] > 0)),
            -weights[k],
        ),
    )
    chosen: set[Key] = set()
    for k in order:
        u, v, r = keys[k]
        if (u, r) in busy or (v, r) in busy or (u, v) in met or per_round[r] >= plan.tables:
            continue
        booths = plan.owners.groups(u, v)
        if any(load[(g, r)] >= len(plan.owners.tables[g]) for g in booths):
            continue
        if weights[k] <= 0 and need[u] <= 0 and need[v] <= 0 and (u, v) not in must:
            continue
        chosen.add(keys[k])
        busy.update(((u, r), (v, r)))
        met.add((u, v))
        per_round[r] += 1
        load.update((g, r) for g in booths)
        need[u] -= 1
        need[v] -= 1
    return chosen


def fill_keys(plan: Plan, taken: list[Meeting]) -> tuple[list[Key], bool]:
    """Pairs both free in a later round around ``taken``; complete unless trimmed to the best.

    A pair enters when it is allowed, has not met, and scores above zero, or one side still
    needs meetings, or it is a must-meet pair. Each attendee offers at most ``FILL_PARTNERS``
    partners per round (the best scoring; everyone when they are short of their minimum).
    """
    scorer = plan.scorer
    busy, degree, _, met = plan.occupancy(taken)
    needy = {i for i, required in enumerate(plan.minimum) if degree[i] < required}
    must_of: dict[int, set[int]] = {}
    for a, b in plan.must - met:
        must_of.setdefault(a, set()).add(b)
        must_of.setdefault(b, set()).add(a)
    keys: set[Key] = set()
    complete = True
    for r in plan.rounds:
        free = np.array(
            [i for i in range(plan.n) if plan.available[i, r - 1] and (i, r) not in busy], dtype=int
        )
        if len(free) < 2:
            continue
        free_set = set(free.tolist())
        for start in range(0, len(free), 512):
            rows = free[start : start + 512]
            scores = scorer.block(rows, free)
            allowed = scorer.allowed(rows, free)
            for k, i in enumerate(rows.tolist()):
                ok = allowed[k] & (free != i)
                wanted = ok if i in needy else ok & (scores[k] > 0)
                cols = [
                    c
                    for c in np.flatnonzero(wanted).tolist()
                    if (min(i, int(free[c])), max(i, int(free[c]))) not in met
                ]
                if len(cols) > FILL_PARTNERS and i not in needy:
                    complete = False
                    cols.sort(key=lambda c: -scores[k, c])
                    cols = cols[:FILL_PARTNERS]
                partners = {int(free[c]) for c in cols}
                partners |= {j for j in must_of.get(i, ()) if j in free_set}
                for j in partners:
                    keys.add((min(i, j), max(i, j), r))
    return sorted(keys), complete


def fill_by_search(
    plan: Plan,
    taken: list[Meeting],
    keys: list[Key],
    weights: list[int],
    hint: set[Key],
    deadline: float,
    seed: int,
    workers: int,
) -> Outcome:
    """The fill of a large event: the solver's own neighbourhood search, kept meetings pinned.

    ``Search`` (solver/search.py) starts from the greedy fill and ``lns.improve`` re-solves
    clusters of the attendees who have free slots exactly, as in ``solve``; rounds before
    ``from_round`` hold no free slot, so only later rounds change.
    """
    cand = Candidates.empty(plan.n)
    for (u, v, _), w in zip(keys, weights, strict=True):
        cand.add(u, v, w, must=(u, v) in plan.must)
    search = Search(plan.adjusted, plan.scorer, cand, seed)
    search.pin(taken)
    for u, v, r in sorted(hint):
        search.place(u, v, r - 1)
    focus = sorted({u for u, _, _ in keys} | {v for _, v, _ in keys})
    # A proof over the whole fill (every key is a candidate) is the fill's optimum.
    proved = lns.improve(search, deadline - 0.05, 0.5, workers, lambda: focus)
    return assess(plan, taken, search.chosen(), proved)


def repair_graph(
    plan: Plan, state: set[Key], short: list[int], exact_repair: int
) -> tuple[dict[int, set[int]], bool]:
    """Whom each attendee may meet in the repair; complete when every allowed pair is in.

    Small events: every allowed pair. Large ones: each attendee's best-scoring partners
    (as in ``solve``), the pairs of ``state`` and of the kept meetings, and every allowed partner
    of the attendees still short.
    """
    scorer, n = plan.scorer, plan.n
    later = [r - 1 for r in plan.rounds]
    active = np.asarray(plan.available[:, later].any(axis=1)) if later else np.zeros(n, bool)
    pairs: set[tuple[int, int]] = {(u, v) for u, v, _ in state} | {m.pair for m in plan.kept}
    complete = n <= exact_repair
    if complete:
        short = list(range(n))
    else:
        slots = plan.available.sum(axis=1).astype(float)
        _, _, _, met = plan.occupancy(plan.fixed)
        count = candidate_count(n, len(plan.rounds))
        cand = candidate_pairs(scorer, count, slots, plan.must - met)
        pairs |= set(zip(cand.first, cand.second, strict=True))
    for i in short:
        for j in np.flatnonzero(scorer.allowed(np.array([i]))[0]).tolist():
            if j != i:
                pairs.add((min(i, j), max(i, j)))
    graph: dict[int, set[int]] = {i: set() for i in range(n)}
    for u, v in pairs:
        if active[u] and active[v]:
            graph[u].add(v)
            graph[v].add(u)
    return graph, complete


def keys_around(
    plan: Plan, graph: dict[int, set[int]], members: set[int], fixed: list[Meeting]
) -> list[Key]:
    """Every pair with a member on one side, in every later round both are free around fixed."""
    busy, _, _, met = plan.occupancy(fixed)
    seen: set[tuple[int, int]] = set()
    keys = []
    for u in sorted(members):
        for v in graph[u]:
            pair = (min(u, v), max(u, v))
            if pair in seen or pair in met:
                continue
            seen.add(pair)
            for r in plan.rounds:
                if (
                    plan.available[u, r - 1]
                    and plan.available[v, r - 1]
                    and (u, r) not in busy
                    and (v, r) not in busy
                ):
                    keys.append((*pair, r))
    return keys


def as_meetings(keys: Iterable[Key]) -> list[Meeting]:
    """Keys as meetings for bookkeeping (tables are assigned at the very end)."""
    return [Meeting(r, 0, u, v) for u, v, r in keys]


def repair(
    plan: Plan,
    state: set[Key],
    short: list[int],
    checked_in: set[int],
    deadline: float,
    seed: int,
    workers: int,
    exact_repair: int,
) -> tuple[Outcome, bool, int]:
    """Phase 2: let kept meetings move or go, at a price no score gain can pay.

    Small events get one exact model over every allowed pair; large ones repeatedly re-solve a
    cluster of attendees around someone still short (everything else stays as it is) until
    nobody is short or time runs out (sized by the search's own ``NeighbourhoodSize``).

    Args:
        exact_repair: up to this many attendees, one exact model over every allowed pair.

    Returns:
        (outcome, complete: the outcome's proof covers every allowed pair, variables used).
    """
    graph, complete = repair_graph(plan, state, short, exact_repair)
    edges = sorted(state) + [(u, v, 0) for u in graph for v in graph[u] if u < v]
    # More than any total score: no score gain pays for breaking a kept meeting.
    stay = (max(plan.weight(edges), default=0) + 1) * (plan.tables * len(plan.rounds) + 1)
    reward = {
        meeting_key(m): stay * (1 + (m.a in checked_in) + (m.b in checked_in)) for m in plan.kept
    }
    if complete:
        keys = keys_around(plan, graph, set(range(plan.n)), plan.fixed)
        outcome = solve_phase(
            plan, plan.fixed, keys, plan.weight(keys), reward, state, deadline, seed, workers
        )
        return outcome, True, len(keys)

    def value(chosen: set[Key], outcome: Outcome) -> tuple[int, int]:
        gains = plan.weight(sorted(chosen))
        return (-outcome.shortfall, sum(gains) + sum(reward.get(k, 0) for k in chosen))

    rng = random.Random(seed)
    best = assess(plan, plan.fixed, state, False)
    best_value = value(state, best)
    size, used = lns.NeighbourhoodSize(target=3000, floor=500, fast=float("inf")), 0
    while best.shortfall and time.perf_counter() < deadline - 0.05:
        lacking = sorted({i for i, _, _ in best.short} | {x for p in best.missing for x in p})
        members: set[int] = set()
        queue = [rng.choice(lacking)]
        estimate = 0
        while queue and estimate < size.target:
            node = queue.pop(0)
            if node in members:
                continue
            members.add(node)
            estimate += len(graph[node]) * len(plan.rounds)
            queue.extend(sorted(graph[node] - members))
        inside = {k for k in best.chosen if k[0] in members or k[1] in members}
        fixed = plan.fixed + as_meetings(best.chosen - inside)
        keys = keys_around(plan, graph, members, fixed)
        used = max(used, len(keys))
        began = time.perf_counter()
        limit = min(deadline, began + 1.0)
        part = solve_phase(
            plan,
            fixed,
            keys,
            plan.weight(keys),
            reward,
            inside,
            limit,
            rng.randrange(1 << 30),
            workers,
        )
        chosen = (best.chosen - inside) | part.chosen
        outcome = assess(plan, plan.fixed, chosen, False)
        if value(chosen, outcome) > best_value:
            best, best_value = outcome, value(chosen, outcome)
        if part.proved and len(members) == plan.n:  # the best over the whole graph: stop
            break
        size.update(part.proved, time.perf_counter() - began)
    return best, False, used


def number_tables(plan: Plan, chosen: set[Key]) -> list[Meeting]:
    """The whole schedule: fixed and kept meetings at their tables, new ones at free tables."""
    kept = {meeting_key(m): m for m in plan.kept}
    seated = list(plan.fixed) + [kept[k] for k in chosen if k in kept and kept[k].table]
    unseated = sorted(k for k in chosen if k not in kept or not kept[k].table)
    met = rules.seat(seated, unseated, plan.owners, fixed=len(plan.fixed))
    return sorted(met, key=lambda m: (m.round, m.table))
