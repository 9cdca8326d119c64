"""A schedule under construction and the moves on it: greedy placement and exact re-solves.

``Search`` holds the state; the large-neighbourhood loop that drives it lives in solver/lns.py
and the hard rules of its CP-SAT sub-models in solver/rules.py.
"""

from __future__ import annotations

import random

import numpy as np
from ortools.sat.python import cp_model

from solver import rules
from solver.candidates import SCALE, Candidates
from solver.schema import Instance, Meeting
from solver.score import Scorer


class State:
    """Who meets whom in which round (0-based), with the counts the rules need."""

    def __init__(
        self,
        n: int,
        rounds: int,
        tables: int,
        available: np.ndarray,
        weight: list[int],
        owners: rules.Owners | None = None,
    ) -> None:
        self.owners = owners or rules.Owners([-1] * n)
        # meetings per booth owner and round: at most its tables (rules.owner_tables)
        self.load = [[0] * rounds for _ in self.owners.tables]
        self.rounds = rounds
        self.tables = tables
        self.weight = weight  # score of each candidate pair (shared, grows with it)
        self.objective = 0
        self.partner = [[-1] * rounds for _ in range(n)]
        self.available = available.tolist()
        self.count = [0] * rounds  # meetings per round
        self.met: dict[int, int] = {}  # pair id -> round
        self.degree = [0] * n
        self.pinned: set[int] = set()

    def place(self, pair: int, a: int, b: int, r: int) -> None:
        for g in self.owners.groups(a, b) if self.load else ():
            self.load[g][r] += 1
        self.partner[a][r] = b
        self.partner[b][r] = a
        self.count[r] += 1
        self.met[pair] = r
        self.degree[a] += 1
        self.degree[b] += 1
        self.objective += self.weight[pair]

    def remove(self, pair: int, a: int, b: int) -> int:
        r = self.met.pop(pair)
        for g in self.owners.groups(a, b) if self.load else ():
            self.load[g][r] -= 1
        self.partner[a][r] = -1
        self.partner[b][r] = -1
        self.count[r] -= 1
        self.degree[a] -= 1
        self.degree[b] -= 1
        self.objective -= self.weight[pair]
        return r

    def free_rounds(self, a: int, b: int) -> list[int]:
        partner_a, partner_b = self.partner[a], self.partner[b]
        return [
            r
            for r in range(self.rounds)
            if partner_a[r] < 0
            and partner_b[r] < 0
            and rules.both_available(self.available, a, b, r)
            and self.count[r] < self.tables
            and self.booth_free(a, b, r)
        ]

    def booth_free(self, a: int, b: int, r: int) -> bool:
        """Whether the booth owners among ``a`` and ``b`` have a table left in round ``r``."""
        if not self.load:
            return True
        tables = self.owners.tables
        return all(self.load[g][r] < len(tables[g]) for g in self.owners.groups(a, b))

    def booths_hold(self, r: int) -> bool:
        """Whether every booth owner's meetings of round ``r`` fit its tables."""
        return all(load[r] <= len(t) for load, t in zip(self.load, self.owners.tables, strict=True))


class Search:
    """Construction and exact neighbourhood re-solves over one instance."""

    def __init__(self, instance: Instance, scorer: Scorer, cand: Candidates, seed: int) -> None:
        self.instance = instance
        self.scorer = scorer
        self.candidates = cand
        self.n = scorer.n
        event = instance.rules
        self.owners = rules.table_owners(instance)
        self.state = State(
            self.n, event.rounds, event.tables, scorer.available, cand.weight, self.owners
        )
        self.minimum = rules.minimums(instance)
        self.rng = random.Random(seed)
        # A missing minimum or must-meet costs more than any schedule can score.
        self.shortfall_cost = (max(cand.weight, default=0) + 1) * (self.n * event.rounds + 1)
        self.must_ids = [pair for pair, must in enumerate(cand.must) if must]

    # -- bookkeeping ----------------------------------------------------------------------

    def objective(self) -> int:
        return self.state.objective

    def unmet_must(self) -> list[int]:
        """Must-meet pair ids not placed yet."""
        return [pair for pair in self.must_ids if pair not in self.state.met]

    def shortfall(self) -> int:
        """Missing minimum meetings plus missing must-meet pairs: 0 when all hard rules hold."""
        return rules.shortfall(self.minimum, self.state.degree, len(self.unmet_must()))

    def short(self) -> list[int]:
        """Attendees below their minimum, then one side of each unmet must-meet pair."""
        degree = self.state.degree
        lacking = [a for a in range(self.n) if degree[a] < self.minimum[a]]
        return lacking + [self.candidates.first[pair] for pair in self.unmet_must()]

    def value(self) -> int:
        return self.objective() - self.shortfall_cost * self.shortfall()

    def pair_id(self, a: int, b: int) -> int:
        pair = self.candidates.index.get((min(a, b), max(a, b)))
        if pair is None:
            pair = self.candidates.add(a, b, int(round(self.scorer.pair(a, b) * SCALE)))
        return pair

    def chosen(self) -> set[tuple[int, int, int]]:
        """The meetings placed, pins excluded, as (first, second, 1-based round)."""
        cand, pins = self.candidates, self.state.pinned
        return {
            (cand.first[p], cand.second[p], r + 1)
            for p, r in self.state.met.items()
            if p not in pins
        }

    # -- construction ---------------------------------------------------------------------

    def pin(self, meetings: list[Meeting]) -> None:
        for m in meetings:
            pair = self.pair_id(m.a, m.b)
            self.state.place(pair, m.a, m.b, m.round - 1)
            self.state.pinned.add(pair)
            if not self.owners.groups(m.a, m.b):  # a pin of others at a booth takes its room
                for g in self.owners.taking(m):
                    self.state.load[g][m.round - 1] += 1

    def place(self, a: int, b: int, r: int) -> None:
        """Put ``a`` and ``b`` in 0-based round ``r`` (a hint someone else computed)."""
        self.state.place(self.pair_id(a, b), a, b, r)

    def try_place(self, pair: int) -> bool:
        """Put a pair in the least busy common free round, swapping a Kempe path if needed."""
        s = self.state
        a, b = self.candidates.first[pair], self.candidates.second[pair]
        rounds = s.free_rounds(a, b)
        if rounds:
            r = min(rounds, key=lambda r: s.count[r])
            s.place(pair, a, b, r)
            return True
        return self._kempe(pair, a, b) or self._kempe(pair, b, a)

    def _kempe(self, pair: int, a: int, b: int, limit: int = 40) -> bool:
        """Free a round for (a, b): swap rounds x/y along the path starting at b's x meeting."""
        s, cand = self.state, self.candidates
        partner_a, partner_b = s.partner[a], s.partner[b]
        for x in range(s.rounds):
            if (
                partner_a[x] >= 0
                or partner_b[x] < 0
                or not rules.both_available(s.available, a, b, x)
            ):
                continue
            for y in range(s.rounds):
                if y == x or partner_b[y] >= 0 or not s.available[b][y]:
                    continue
                path = self._alternating_path(b, x, y, a, limit)
                if path is None:
                    continue
                in_x = sum(1 for _, _, r in path if r == x)
                in_y = len(path) - in_x
                # after the swap x loses in_x - in_y meetings, y gains them; then (a, b) takes x
                if s.count[y] + in_x - in_y > s.tables or s.count[x] - in_x + in_y + 1 > s.tables:
                    continue
                for step, _, _ in path:
                    s.remove(step, cand.first[step], cand.second[step])
                for step, _, r in path:
                    s.place(step, cand.first[step], cand.second[step], y if r == x else x)
                if s.load and not (s.booths_hold(x) and s.booths_hold(y) and s.booth_free(a, b, x)):
                    for step, _, _ in path:  # a booth would overflow: swap back
                        s.remove(step, cand.first[step], cand.second[step])
                    for step, _, r in path:
                        s.place(step, cand.first[step], cand.second[step], r)
                    continue
                s.place(pair, a, b, x)
                return True
        return False

    def _alternating_path(self, start: int, x: int, y: int, avoid: int, limit: int):
        """Meetings (pair, vertex, round) of the x/y path from ``start``; None if unusable."""
        s = self.state
        path: list[tuple[int, int, int]] = []
        node, r = start, x
        while True:
            other = s.partner[node][r]
            if other < 0:
                return path
            if other == avoid or len(path) >= limit:
                return None
            pair = self.candidates.index.get((min(node, other), max(node, other)))
            swapped = y if r == x else x
            if pair is None or pair in s.pinned:
                return None
            if not rules.both_available(s.available, node, other, swapped):
                return None
            path.append((pair, node, r))
            node, r = other, swapped

    def construct(self, lp_x: dict[tuple[int, int], float]) -> None:
        """Greedy placement: must-meet pairs, then LP order, then top up short attendees."""
        cand = self.candidates
        for pair in [p for p, must in enumerate(cand.must) if must and p not in self.state.met]:
            self.try_place(pair)
        lp = [lp_x.get((a, b), 0.0) for a, b in zip(cand.first, cand.second, strict=True)]
        order = sorted(range(len(cand.first)), key=lambda p: (-round(lp[p], 3), -cand.weight[p]))
        for pair in order:
            if pair not in self.state.met and cand.weight[pair] > 0:
                self.try_place(pair)
        self.top_up()

    def top_up(self) -> None:
        """Give attendees below their minimum meetings with anyone allowed who is free."""
        s, minimum = self.state, self.minimum
        for a in range(self.n):
            if s.degree[a] >= minimum[a]:
                continue
            row = np.array([a])
            partners = np.flatnonzero(self.scorer.allowed(row)[0]).tolist()
            scores = self.scorer.block(row)[0]
            partners.sort(key=lambda b: (-(minimum[b] - s.degree[b]), -scores[b]))
            for b in partners:
                if s.degree[a] >= minimum[a]:
                    break
                pair = self.pair_id(a, b)
                if pair not in s.met:
                    self.try_place(pair)

    # -- neighbourhoods -------------------------------------------------------------------

    def neighbourhood(self, target_vars: int, focus: list[int]) -> tuple[set[int], list[int]]:
        """A cluster of attendees (BFS in the candidate graph) and the rounds to re-solve."""
        s, cand, rng = self.state, self.candidates, self.rng
        rounds = list(range(s.rounds))
        if s.rounds > 3 and rng.random() < 0.3:
            rounds = sorted(rng.sample(rounds, rng.randint(2, max(2, s.rounds // 2))))
        seed = rng.choice(focus) if focus else rng.randrange(self.n)
        chosen: set[int] = set()
        queue = [seed]
        estimate = 0
        while estimate < target_vars:
            if not queue:
                queue = [rng.randrange(self.n)]
            node = queue.pop(rng.randrange(len(queue)) if len(queue) > 8 else 0)
            if node in chosen:
                continue
            chosen.add(node)
            estimate += len(cand.adjacent[node]) * len(rounds)
            if len(chosen) >= self.n:
                break
            for pair in cand.adjacent[node]:
                other = cand.other(pair, node)
                if other not in chosen:
                    queue.append(other)
        return chosen, rounds

    def resolve(
        self, chosen: set[int], rounds: list[int], time_limit: float, workers: int
    ) -> tuple[bool, bool]:
        """Re-solve the meetings of ``chosen`` in ``rounds`` exactly; keep the result if better.

        Returns:
            (improved, proved_optimal) for the neighbourhood.
        """
        s, cand = self.state, self.candidates
        before = self.value()
        removed = []
        for a in chosen:
            for r in rounds:
                b = s.partner[a][r]
                if b >= 0:
                    pair = cand.index[(min(a, b), max(a, b))]
                    if pair not in s.pinned:
                        s.remove(pair, cand.first[pair], cand.second[pair])
                        removed.append((pair, r))
        choices = rules.Choices()
        variable: dict[tuple[int, int], cp_model.IntVar] = {}
        for a in chosen:
            for pair in cand.adjacent[a]:
                if pair in s.met or pair in choices.by_pair:
                    continue
                u, v = cand.first[pair], cand.second[pair]
                for r in rounds:
                    if s.partner[u][r] >= 0 or s.partner[v][r] >= 0:
                        continue
                    if not rules.both_available(s.available, u, v, r):
                        continue
                    variable[(pair, r)] = choices.add(pair, u, v, r)
        # Every rule of the whole problem, restricted to the freed part; minimums and
        # must-meets soft so the search can repair a schedule that does not hold them yet.
        must = [pair for pair in choices.by_pair if isinstance(pair, int) and cand.must[pair]]
        rules.one_meeting_per_round(choices)
        rules.pair_meets_once(choices, exempt=must)
        rules.must_meet(choices, must, rules.SOFT)
        rules.table_capacity(choices, lambda r: s.tables - s.count[r])
        rules.owner_tables(choices, self.owners, lambda g, r: s.load[g][r])
        rules.minimum_meetings(choices, lambda a: self.minimum[a] - s.degree[a], rules.SOFT)
        gains = [cand.weight[pair] for pair, _ in variable]
        rules.maximize_score(choices, gains, self.shortfall_cost)
        for pair, r in removed:
            if (pair, r) in variable:
                choices.model.add_hint(variable[(pair, r)], 1)
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(0.05, time_limit)
        solver.parameters.num_workers = workers
        solver.parameters.random_seed = self.rng.randrange(1 << 30)
        status = solver.solve(choices.model)
        proved = status == cp_model.OPTIMAL
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            placed = [(p, r) for (p, r), x in variable.items() if solver.boolean_value(x)]
            for pair, r in placed:
                s.place(pair, cand.first[pair], cand.second[pair], r)
            if self.value() > before:
                return True, proved
            for pair, _ in placed:
                s.remove(pair, cand.first[pair], cand.second[pair])
        for pair, r in removed:
            s.place(pair, cand.first[pair], cand.second[pair], r)
        return False, proved

    def meetings(self) -> list[Meeting]:
        """The schedule with tables numbered per round (pinned meetings keep their table)."""
        s, cand = self.state, self.candidates
        pinned = {(p.round, *p.pair): p.table for p in self.instance.pinned}
        placed = sorted((r + 1, cand.first[pair], cand.second[pair]) for pair, r in s.met.items())
        seated = [Meeting(r, pinned[(r, a, b)], a, b) for r, a, b in placed if (r, a, b) in pinned]
        unseated = [(a, b, r) for r, a, b in placed if (r, a, b) not in pinned]
        met = rules.seat(seated, unseated, self.owners, fixed=len(seated))
        return sorted(met, key=lambda m: (m.round, m.a))
