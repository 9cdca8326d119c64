"""Building meeting rounds: candidate pruning, a fast construction and CP-SAT neighbourhoods.

A plain CP-SAT model over every (pair, round) does not scale (400 attendees already mean
640,000 booleans), so the solve is decomposed:

1. **Candidates.** Each attendee keeps their best-scoring allowed partners (top k); must-meet
   and pinned pairs are always kept. The bound (solver/bound.py) still prices every pair.
2. **Bound.** The LP relaxation of degree-constrained pair selection, corrected over all pairs.
3. **Construction.** Pairs in order of the LP's value, then score, are placed in a round both
   people are free (round = edge colour); when no common free round exists an alternating
   (Kempe) path of two rounds is swapped to free one. Must-meet pairs go first, then people
   short of their minimum are topped up.
4. **Large-neighbourhood search.** Repeatedly free every meeting of a cluster of attendees
   (neighbours in the candidate graph) in some rounds and let CP-SAT re-solve that part exactly,
   all hard rules as constraints, seeded with the current meetings as a hint. Missing minimums
   and must-meets are penalised heavily, so the search first repairs, then improves.
   Neighbourhood size adapts so each sub-solve proves optimality in a fraction of a second.
   When the whole instance fits one neighbourhood, CP-SAT solves it outright and its proof
   closes the gap.

Infeasibility is a result with reasons, never an exception (see ``precheck`` and
``explain_infeasible``).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from solver.bound import meeting_capacity, upper_bound
from solver.schema import Instance, Meeting, Progress, SolveResult
from solver.score import Scorer
from solver.validate import must_pairs, validate

ProgressFn = Callable[[Progress], None]
SCALE = 100  # scores are cents; CP-SAT works in integers
EXPLAIN_LIMIT = 400  # attendees up to which an infeasible core is searched over all pairs


@dataclass
class Candidates:
    """Candidate pairs (u < v) with integer scores, growable as the search needs new pairs."""

    u: list[int]
    v: list[int]
    w: list[int]  # score * SCALE
    must: list[bool]
    adj: list[list[int]]  # candidate pair ids per attendee
    index: dict[tuple[int, int], int]
    simple_bound: float
    complete: bool = False  # every allowed pair is a candidate

    def add(self, a: int, b: int, w: int, must: bool = False) -> int:
        """Add pair (a, b) unless present; return its id."""
        key = (a, b) if a < b else (b, a)
        e = self.index.get(key)
        if e is not None:
            self.must[e] = self.must[e] or must
            return e
        e = len(self.u)
        self.u.append(key[0])
        self.v.append(key[1])
        self.w.append(w)
        self.must.append(must)
        self.adj[key[0]].append(e)
        self.adj[key[1]].append(e)
        self.index[key] = e
        return e


def candidate_pairs(scorer: Scorer, k: int, cap: np.ndarray, forced: set[tuple[int, int]]):
    """Each attendee's k best allowed partners, plus forced pairs, plus a simple bound."""
    n = scorer.n
    cand = Candidates([], [], [], [], [[] for _ in range(n)], {}, 0.0)
    simple = 0.0
    k = min(k, n - 1)
    for rows in scorer.row_blocks(512):
        scores = scorer.block(rows)
        masked = np.where(scorer.allowed(rows), scores, -1.0)
        if k <= 0:
            continue
        top = np.argpartition(-masked, k - 1, axis=1)[:, :k]
        top_scores = np.take_along_axis(masked, top, axis=1)
        order = np.argsort(-top_scores, axis=1)
        top = np.take_along_axis(top, order, axis=1)
        top_scores = np.take_along_axis(top_scores, order, axis=1)
        for r_k, i in enumerate(rows.tolist()):
            valid = top_scores[r_k] >= 0
            best = top_scores[r_k][valid]
            simple += float(best[: int(cap[i])].sum())
            for j, s in zip(top[r_k][valid].tolist(), best.tolist(), strict=True):
                cand.add(i, j, int(round(s * SCALE)))
    for a, b in sorted(forced):
        cand.add(a, b, int(round(scorer.pair(a, b) * SCALE)), must=True)
    cand.simple_bound = simple / 2
    cand.complete = k >= n - 1
    return cand


class State:
    """A schedule under construction: who meets whom in which round (0-based)."""

    def __init__(
        self, n: int, rounds: int, tables: int, available: np.ndarray, weight: list[int]
    ) -> None:
        self.R = rounds
        self.weight = weight  # score of each candidate pair (shared, grows with it)
        self.objective = 0
        self.T = tables
        self.partner = [[-1] * rounds for _ in range(n)]
        self.avail = available.tolist()
        self.count = [0] * rounds
        self.met: dict[int, int] = {}  # pair id -> round
        self.degree = [0] * n
        self.pinned: set[int] = set()

    def place(self, e: int, a: int, b: int, r: int) -> None:
        self.partner[a][r] = b
        self.partner[b][r] = a
        self.count[r] += 1
        self.met[e] = r
        self.degree[a] += 1
        self.degree[b] += 1
        self.objective += self.weight[e]

    def remove(self, e: int, a: int, b: int) -> int:
        r = self.met.pop(e)
        self.partner[a][r] = -1
        self.partner[b][r] = -1
        self.count[r] -= 1
        self.degree[a] -= 1
        self.degree[b] -= 1
        self.objective -= self.weight[e]
        return r

    def free_rounds(self, a: int, b: int) -> list[int]:
        pa, pb, aa, ab = self.partner[a], self.partner[b], self.avail[a], self.avail[b]
        return [
            r
            for r in range(self.R)
            if pa[r] < 0 and pb[r] < 0 and aa[r] and ab[r] and self.count[r] < self.T
        ]


class Search:
    """Construction and large-neighbourhood search over one instance."""

    def __init__(self, instance: Instance, scorer: Scorer, cand: Candidates, seed: int) -> None:
        self.instance = instance
        self.scorer = scorer
        self.cand = cand
        rules = instance.rules
        self.n = scorer.n
        self.state = State(self.n, rules.rounds, rules.tables, scorer.available, cand.w)
        self.lo = [rules.minimum_for(a) for a in instance.attendees]
        self.rng = random.Random(seed)
        # A missing minimum or must-meet costs more than any schedule can score.
        self.big = (max(cand.w, default=0) + 1) * (self.n * rules.rounds + 1)
        self.must_ids = [e for e, m in enumerate(cand.must) if m]

    # -- bookkeeping ----------------------------------------------------------------------

    def objective(self) -> int:
        return self.state.objective

    def shortfall(self) -> int:
        """Missing minimum meetings plus missing must-meet pairs: 0 when all hard rules hold."""
        s = self.state
        missing = sum(max(0, lo - d) for lo, d in zip(self.lo, s.degree, strict=True))
        return missing + sum(1 for e in self.must_ids if e not in s.met)

    def value(self) -> int:
        return self.objective() - self.big * self.shortfall()

    def pair_id(self, a: int, b: int) -> int:
        e = self.cand.index.get((min(a, b), max(a, b)))
        if e is None:
            e = self.cand.add(a, b, int(round(self.scorer.pair(a, b) * SCALE)))
        return e

    # -- construction ---------------------------------------------------------------------

    def pin(self, meetings: list[Meeting]) -> None:
        for m in meetings:
            e = self.pair_id(m.a, m.b)
            self.state.place(e, m.a, m.b, m.round - 1)
            self.state.pinned.add(e)

    def try_place(self, e: int) -> bool:
        """Put pair e in the least busy common free round, swapping a Kempe path if needed."""
        s = self.state
        a, b = self.cand.u[e], self.cand.v[e]
        rounds = s.free_rounds(a, b)
        if rounds:
            r = min(rounds, key=lambda r: s.count[r])
            s.place(e, a, b, r)
            return True
        return self._kempe(e, a, b) or self._kempe(e, b, a)

    def _kempe(self, e: int, a: int, b: int, limit: int = 40) -> bool:
        """Free a round for (a, b): swap rounds x/y along the path starting at b's x meeting."""
        s = self.state
        pa, pb = s.partner[a], s.partner[b]
        for x in range(s.R):
            if pa[x] >= 0 or pb[x] < 0 or not s.avail[a][x] or not s.avail[b][x]:
                continue
            for y in range(s.R):
                if y == x or pb[y] >= 0 or not s.avail[b][y]:
                    continue
                path = self._alternating_path(b, x, y, a, limit)
                if path is None:
                    continue
                xs = sum(1 for _, _, r in path if r == x)
                ys = len(path) - xs
                # after the swap x loses xs - ys meetings, y gains them; then (a, b) takes x
                if s.count[y] + xs - ys > s.T or s.count[x] - xs + ys + 1 > s.T:
                    continue
                for pe, _, _ in path:
                    s.remove(pe, self.cand.u[pe], self.cand.v[pe])
                for pe, _, r in path:
                    s.place(pe, self.cand.u[pe], self.cand.v[pe], y if r == x else x)
                s.place(e, a, b, x)
                return True
        return False

    def _alternating_path(self, start: int, x: int, y: int, avoid: int, limit: int):
        """Meetings (pair, vertex, round) of the x/y path from ``start``; None if unusable."""
        s = self.state
        path = []
        node, r = start, x
        while True:
            other = s.partner[node][r]
            if other < 0:
                return path
            if other == avoid or len(path) >= limit:
                return None
            e = self.cand.index.get((min(node, other), max(node, other)))
            swapped = y if r == x else x
            if e is None or e in s.pinned:
                return None
            if not (s.avail[node][swapped] and s.avail[other][swapped]):
                return None
            path.append((e, node, r))
            node, r = other, swapped

    def construct(self, lp_x: dict[tuple[int, int], float]) -> None:
        """Greedy placement: must-meet pairs, then LP order, then top up short attendees."""
        cand = self.cand
        for e in [e for e, m in enumerate(cand.must) if m and e not in self.state.met]:
            self.try_place(e)
        lp = [lp_x.get((a, b), 0.0) for a, b in zip(cand.u, cand.v, strict=True)]
        order = sorted(range(len(cand.u)), key=lambda e: (-round(lp[e], 3), -cand.w[e]))
        for e in order:
            if e not in self.state.met and cand.w[e] > 0:
                self.try_place(e)
        self.top_up()

    def top_up(self) -> None:
        """Give attendees below their minimum meetings with anyone allowed who is free."""
        s = self.state
        for a in range(self.n):
            if s.degree[a] >= self.lo[a]:
                continue
            row = np.array([a])
            partners = np.flatnonzero(self.scorer.allowed(row)[0]).tolist()
            scores = self.scorer.block(row)[0]
            partners.sort(key=lambda b: (-(self.lo[b] - s.degree[b]), -scores[b]))
            for b in partners:
                if s.degree[a] >= self.lo[a]:
                    break
                e = self.pair_id(a, b)
                if e not in s.met:
                    self.try_place(e)

    # -- large-neighbourhood search -------------------------------------------------------

    def neighbourhood(self, target_vars: int, focus: list[int]) -> tuple[set[int], list[int]]:
        """A cluster of attendees (BFS in the candidate graph) and the rounds to re-solve."""
        s, cand = self.state, self.cand
        rounds = list(range(s.R))
        if s.R > 3 and self.rng.random() < 0.3:
            rounds = sorted(self.rng.sample(rounds, self.rng.randint(2, max(2, s.R // 2))))
        seed = self.rng.choice(focus) if focus else self.rng.randrange(self.n)
        chosen: set[int] = set()
        queue = [seed]
        estimate = 0
        while estimate < target_vars:
            if not queue:
                queue = [self.rng.randrange(self.n)]
            node = queue.pop(self.rng.randrange(len(queue)) if len(queue) > 8 else 0)
            if node in chosen:
                continue
            chosen.add(node)
            estimate += len(cand.adj[node]) * len(rounds)
            if len(chosen) >= self.n:
                break
            for e in cand.adj[node]:
                other = cand.u[e] if cand.v[e] == node else cand.v[e]
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
        s, cand = self.state, self.cand
        before = self.value()
        removed = []
        for a in chosen:
            for r in rounds:
                b = s.partner[a][r]
                if b >= 0:
                    e = self.cand.index[(min(a, b), max(a, b))]
                    if e not in s.pinned:
                        s.remove(e, cand.u[e], cand.v[e])
                        removed.append((e, r))
        model = cp_model.CpModel()
        var: dict[tuple[int, int], cp_model.IntVar] = {}
        by_slot: dict[tuple[int, int], list] = {}
        by_pair: dict[int, list] = {}
        by_round: dict[int, list] = {}
        touched: dict[int, list] = {}
        for a in chosen:
            for e in cand.adj[a]:
                if e in s.met or e in by_pair:
                    continue
                u, v = cand.u[e], cand.v[e]
                for r in rounds:
                    if s.partner[u][r] >= 0 or s.partner[v][r] >= 0:
                        continue
                    if not (s.avail[u][r] and s.avail[v][r]):
                        continue
                    x = model.new_bool_var("")
                    var[(e, r)] = x
                    by_slot.setdefault((u, r), []).append(x)
                    by_slot.setdefault((v, r), []).append(x)
                    by_pair.setdefault(e, []).append(x)
                    by_round.setdefault(r, []).append(x)
                    touched.setdefault(u, []).append(x)
                    touched.setdefault(v, []).append(x)
        # One meeting per attendee per round.
        for xs in by_slot.values():
            if len(xs) > 1:
                model.add_at_most_one(xs)
        # A pair meets at most once; must-meet pairs exactly once (soft while being repaired).
        penalties = []
        for e, xs in by_pair.items():
            if cand.must[e]:
                miss = model.new_bool_var("")
                model.add(cp_model.LinearExpr.sum(xs) + miss == 1)
                penalties.append(miss)
            elif len(xs) > 1:
                model.add_at_most_one(xs)
        # At most T meetings per round.
        for r, xs in by_round.items():
            model.add(cp_model.LinearExpr.sum(xs) <= s.T - s.count[r])
        # Minimum meetings per attendee (soft while being repaired).
        for node, xs in touched.items():
            need = self.lo[node] - s.degree[node]
            if need > 0:
                short = model.new_int_var(0, need, "")
                model.add(cp_model.LinearExpr.sum(xs) + short >= need)
                penalties.append(short)
        keys = list(var)
        model.maximize(
            cp_model.LinearExpr.weighted_sum([var[k] for k in keys], [cand.w[e] for e, _ in keys])
            - self.big * cp_model.LinearExpr.sum(penalties)
        )
        for e, r in removed:
            if (e, r) in var:
                model.add_hint(var[(e, r)], 1)
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(0.05, time_limit)
        solver.parameters.num_workers = workers
        solver.parameters.random_seed = self.rng.randrange(1 << 30)
        status = solver.solve(model)
        proved = status == cp_model.OPTIMAL
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            chosen_pairs = [(e, r) for (e, r), x in var.items() if solver.boolean_value(x)]
            for e, r in chosen_pairs:
                s.place(e, cand.u[e], cand.v[e], r)
            if self.value() > before:
                return True, proved
            for e, _ in chosen_pairs:
                s.remove(e, cand.u[e], cand.v[e])
        for e, r in removed:
            s.place(e, cand.u[e], cand.v[e], r)
        return False, proved

    def meetings(self) -> list[Meeting]:
        """The schedule with tables numbered per round (pinned meetings keep their table)."""
        s, cand = self.state, self.cand
        pinned_tables = {(p.round - 1, *p.pair): p.table for p in self.instance.pinned}
        taken = {(r, t) for (r, *_), t in pinned_tables.items()}
        next_table = [1] * s.R
        out = []
        for e, r in sorted(s.met.items(), key=lambda item: (item[1], cand.u[item[0]])):
            a, b = cand.u[e], cand.v[e]
            table = pinned_tables.get((r, a, b))
            if table is None:
                while (r, next_table[r]) in taken:
                    next_table[r] += 1
                table = next_table[r]
                taken.add((r, table))
            out.append(Meeting(r + 1, table, a, b))
        return out


# -- feasibility ------------------------------------------------------------------------------


def precheck(instance: Instance, scorer: Scorer) -> list[str]:
    """Reasons the hard rules cannot all hold that are visible without searching."""
    people = instance.attendees
    rules = instance.rules
    reasons: list[str] = []
    must = must_pairs(instance)
    must_count = [0] * len(people)
    for a, b in sorted(must):
        must_count[a] += 1
        must_count[b] += 1
        ea, eb = people[a].email, people[b].email
        prefix = f"must_meet between {ea} and {eb} is impossible:"
        if people[a].company.strip().lower() == people[b].company.strip().lower():
            reasons.append(f"{prefix} they both work for {people[a].company}")
        elif eb in people[a].avoid or ea in people[b].avoid:
            reasons.append(f"{prefix} one of them asked to avoid the other")
        elif not (people[a].rounds(rules.rounds) & people[b].rounds(rules.rounds)):
            reasons.append(f"{prefix} they share no available round")
    for i, person in enumerate(people):
        attends = len(person.rounds(rules.rounds))
        if must_count[i] > attends:
            reasons.append(
                f"{person.email} has {must_count[i]} must-meet requests but attends only "
                f"{attends} rounds"
            )
    allowed_partners = np.zeros(len(people), dtype=int)
    for rows in scorer.row_blocks(512):
        allowed_partners[rows] = scorer.allowed(rows).sum(axis=1)
    for i, person in enumerate(people):
        need = rules.minimum_for(person)
        if need > allowed_partners[i]:
            reasons.append(
                f"min_meetings: {person.email} needs {need} meetings but only "
                f"{allowed_partners[i]} attendees may meet them (other company, no avoid, "
                f"a shared round)"
            )
    capacity = meeting_capacity(scorer.available, rules.tables)
    needed = sum(rules.minimum_for(p) for p in people)
    if needed > 2 * capacity:
        reasons.append(
            f"tables: the minimum meetings add up to {(needed + 1) // 2} meetings but "
            f"{rules.tables} tables over {rules.rounds} rounds hold only {capacity}"
        )
    seats: set[tuple[int, int]] = set()
    busy: set[tuple[int, int]] = set()
    pinned_pairs: set[tuple[int, int]] = set()
    for p in instance.pinned:
        ea, eb = people[p.a].email, people[p.b].email
        what = f"pinned meeting of {ea} and {eb} in round {p.round}"
        if not (1 <= p.round <= rules.rounds and 1 <= p.table <= rules.tables):
            reasons.append(f"{what} is at table {p.table}, outside the event's rounds or tables")
            continue
        if not scorer.may_meet(p.a, p.b) or any(
            p.round not in people[x].rounds(rules.rounds) for x in (p.a, p.b)
        ):
            reasons.append(f"{what} breaks a rule (company, avoid or availability)")
        if (p.round, p.table) in seats:
            reasons.append(f"{what} takes table {p.table}, already pinned to another meeting")
        seats.add((p.round, p.table))
        for x in (p.a, p.b):
            if (x, p.round) in busy:
                reasons.append(f"{people[x].email} has two pinned meetings in round {p.round}")
            busy.add((x, p.round))
        if p.pair in pinned_pairs:
            reasons.append(f"{ea} and {eb} are pinned to meet twice")
        pinned_pairs.add(p.pair)
    return reasons


def explain_infeasible(search: Search, time_limit: float, workers: int) -> list[str]:
    """Ask CP-SAT which minimums and must-meet requests conflict (a small infeasible core)."""
    people = search.instance.attendees
    s = search.state
    if search.n > EXPLAIN_LIMIT:  # the full model would not fit; say what is short instead
        return []
    # Rebuild the whole problem on every allowed pair with one switch per soft request.
    for a in range(search.n):
        for b in np.flatnonzero(search.scorer.allowed(np.array([a]))[0]).tolist():
            if a < b:
                search.pair_id(a, b)
    cand = search.cand
    model = cp_model.CpModel()
    by_slot: dict[tuple[int, int], list] = {}
    by_pair: dict[int, list] = {}
    by_round: dict[int, list] = {}
    per_node: dict[int, list] = {}
    for e in range(len(cand.u)):
        u, v = cand.u[e], cand.v[e]
        for r in range(s.R):
            if s.avail[u][r] and s.avail[v][r]:
                x = model.new_bool_var("")
                for key in ((u, r), (v, r)):
                    by_slot.setdefault(key, []).append(x)
                by_pair.setdefault(e, []).append(x)
                by_round.setdefault(r, []).append(x)
                per_node.setdefault(u, []).append(x)
                per_node.setdefault(v, []).append(x)
    for xs in by_slot.values():
        model.add_at_most_one(xs)
    for xs in by_pair.values():
        model.add_at_most_one(xs)
    for xs in by_round.values():
        model.add(cp_model.LinearExpr.sum(xs) <= s.T)
    switches: dict[int, str] = {}
    for node in range(search.n):
        if search.lo[node] > 0:
            lit = model.new_bool_var("")
            model.add(
                cp_model.LinearExpr.sum(per_node.get(node, [])) >= search.lo[node]
            ).only_enforce_if(lit)
            switches[lit.index] = f"{people[node].email} needs at least {search.lo[node]} meetings"
            model.add_assumption(lit)
    for e, m in enumerate(cand.must):
        if m:
            lit = model.new_bool_var("")
            model.add(cp_model.LinearExpr.sum(by_pair.get(e, [])) >= 1).only_enforce_if(lit)
            a, b = people[cand.u[e]].email, people[cand.v[e]].email
            switches[lit.index] = f"{a} must meet {b}"
            model.add_assumption(lit)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = 1  # cores are reported by the sequential search
    status = solver.solve(model)
    if status != cp_model.INFEASIBLE:
        return []
    core = [switches[i] for i in solver.sufficient_assumptions_for_infeasibility() if i in switches]
    if not core:
        return [f"the {s.T} tables over {s.R} rounds cannot hold the required meetings"]
    return ["these rules cannot all hold together: " + "; ".join(core)]


# -- entry point ------------------------------------------------------------------------------


def candidate_count(n: int, rounds: int) -> int:
    """How many partners each attendee keeps as candidates: more when the instance is small."""
    if n <= 160:
        return n
    if n <= 1000:
        return 3 * rounds
    if n <= 4000:
        return 2 * rounds + 4
    return 2 * rounds


def solve(
    instance: Instance,
    time_limit: float = 30.0,
    seed: int = 0,
    workers: int = 2,
    progress: ProgressFn | None = None,
) -> SolveResult:
    """Build a schedule holding every hard rule with the largest total score found in time.

    Args:
        instance: attendees, rules, scores and pinned meetings.
        time_limit: wall-clock seconds for the whole solve, bound included.
        seed: makes runs reproducible (given equal timing).
        workers: CP-SAT search workers (the machine has 2 cores).
        progress: called with objective and bound as they improve.
    """
    start = time.perf_counter()
    deadline = start + time_limit
    rules = instance.rules
    scorer = Scorer(instance)
    n = scorer.n

    def elapsed() -> float:
        return time.perf_counter() - start

    def report(search: Search | None, bound: float, phase: str) -> None:
        if progress is None:
            return
        if search is not None and search.shortfall() > 0:
            # Not yet a schedule that holds every rule: its score means nothing (it may even
            # exceed the bound, which holds for valid schedules only).
            progress(Progress(elapsed(), time_limit, 0.0, bound, "repairing"))
            return
        value = search.objective() / SCALE if search else 0.0
        progress(Progress(elapsed(), time_limit, value, bound, phase))

    reasons = precheck(instance, scorer)
    if reasons:
        return SolveResult("infeasible", seconds=elapsed(), reasons=reasons)
    if n < 2:
        return SolveResult("optimal", seconds=elapsed())
    lo = np.array([rules.minimum_for(a) for a in instance.attendees], dtype=float)
    cap = scorer.available.sum(axis=1).astype(float)
    forced = must_pairs(instance) | {p.pair for p in instance.pinned}
    cand = candidate_pairs(scorer, candidate_count(n, rules.rounds), cap, forced)
    report(None, cand.simple_bound, "candidates")
    capacity = meeting_capacity(scorer.available, rules.tables)
    # The LP starts from each attendee's few best pairs; column generation adds the rest.
    first = {e for e, must in enumerate(cand.must) if must}
    for adj in cand.adj:
        first.update(sorted(adj, key=lambda e: -cand.w[e])[: rules.rounds])
    first = sorted(first)
    bound = upper_bound(
        scorer,
        np.array([cand.u[e] for e in first]),
        np.array([cand.v[e] for e in first]),
        np.array([cand.w[e] for e in first], dtype=float) / SCALE,
        np.array([cand.must[e] for e in first]),
        lo,
        cap,
        capacity,
        cand.simple_bound,
        time_limit=max(1.0, 0.4 * time_limit),
    )
    best_bound = bound.value
    for a, b, score in bound.added:  # pairs the LP wanted: the search may use them too
        cand.add(a, b, int(round(score * SCALE)))
    search = Search(instance, scorer, cand, seed)
    search.pin(instance.pinned)
    search.construct(bound.x)
    report(search, best_bound, "construction")

    # Large-neighbourhood search until the deadline or a proof of optimality.
    target = 2500
    sub_time = 0.5 if n > 200 else 1.0
    status = "feasible"
    last_report = 0.0
    margin = 0.05 + 0.01 * time_limit  # for numbering tables and the final check
    while time.perf_counter() < deadline - margin:
        if search.objective() / SCALE >= best_bound - 1e-6 and search.shortfall() == 0:
            status = "optimal"
            break
        short = [a for a in range(n) if search.state.degree[a] < search.lo[a]]
        short += [cand.u[e] for e in search.must_ids if e not in search.state.met]
        chosen, rounds = search.neighbourhood(target, short)
        whole = len(chosen) >= n and len(rounds) == rules.rounds
        remaining = deadline - time.perf_counter()
        limit = remaining if whole else min(sub_time, remaining)
        began = time.perf_counter()
        improved, proved = search.resolve(chosen, rounds, limit, workers)
        took = time.perf_counter() - began
        if whole and proved and cand.complete:
            # CP-SAT proved this the best schedule over every allowed pair (or proved that
            # the shortfall cannot be avoided: the rules conflict).
            if search.shortfall() == 0:
                best_bound = min(best_bound, search.objective() / SCALE)
                status = "optimal"
            break
        if proved and took < 0.4 * sub_time:
            target = int(target * 1.25)
        elif not proved:
            target = max(200, int(target * 0.8))
        if improved or time.perf_counter() - last_report > 1.0:
            last_report = time.perf_counter()
            report(search, best_bound, "improving")

    if search.shortfall() > 0:
        reasons = explain_infeasible(search, max(1.0, min(30.0, 0.5 * time_limit)), workers)
        status = "infeasible" if reasons else "unknown"
        if not reasons:
            short = [
                instance.attendees[a].email
                for a in range(n)
                if search.state.degree[a] < search.lo[a]
            ]
            reasons = [
                "no schedule holding every rule was found within the time limit; "
                f"short of their minimum meetings: {', '.join(short[:10]) or 'none'}; "
                "try a longer --time-limit or fewer required meetings"
            ]
        return SolveResult(status, seconds=elapsed(), bound=best_bound, reasons=reasons)
    meetings = search.meetings()
    check = validate(instance, meetings, scorer)
    if not check.ok:  # never hand out a schedule that breaks a rule: say so, as replan does
        return SolveResult(
            "unknown",
            bound=best_bound,
            seconds=elapsed(),
            reasons=[
                "internal error: the schedule found breaks a rule",
                *(v.message for v in check.violations[:5]),
            ],
        )
    objective = check.objective
    result = SolveResult(
        status,
        meetings=meetings,
        objective=objective,
        bound=best_bound,
        seconds=elapsed(),
        stats={
            "candidates": len(cand.u),
            "lp_bound": round(bound.lp_value, 4),
            "bound_seconds": round(bound.seconds, 3),
        },
    )
    report(search, result.bound, "done")
    return result
