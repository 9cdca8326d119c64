"""A proven upper bound on the total pair score, so every schedule reports its optimality gap.

Relaxation: forget rounds and tables except through their totals. Every schedule then gives a
pair selection x (x_e in {0, 1}) with

    lo_v <= sum_{e at v} x_e <= b_v      b_v = rounds v attends, lo_v = v's minimum meetings
    sum_e x_e <= K                       K = sum over rounds of min(tables, attendees present / 2)
    x_e = 1 for must-meet and pinned pairs

so the maximum of sum_e w_e x_e over that set bounds every schedule. Weak duality gives, for any
vertex prices p (any sign) and any z >= 0:

    UB(p, z) = sum_v max(p_v b_v, p_v lo_v) + K z
             + sum_{forced e} (w_e - p_u - p_v - z)
             + sum_{other allowed e} max(0, w_e - p_u - p_v - z)

(each x_e (w_e - p_u - p_v - z) is at most the term shown, and sum_e x_e (p_u + p_v + z) is at
most the first two terms). We solve the LP relaxation with GLOP on the candidate pairs only,
take its duals as p and z, and then evaluate UB over *all* allowed pairs block by block, so
pairs the solver pruned are still paid for. The bound is valid whatever the LP returns; a good
LP only makes it tight. A second, cruder bound (half the sum of each attendee's b_v best
scores) is kept too, and the smaller of the two is reported.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from ortools.linear_solver import pywraplp

from solver.score import Scorer


@dataclass
class BoundResult:
    """The bound and the LP's fractional pair selection (used to order the heuristic)."""

    value: float
    lp_value: float
    x: dict[tuple[int, int], float]  # LP value of each pair the LP selected (fractionally)
    seconds: float
    added: list[tuple[int, int, float]]  # pairs the LP priced in beyond the candidates


def meeting_capacity(available: np.ndarray, tables: int) -> int:
    """K: meetings that fit the event, round by round (tables, and people present / 2)."""
    present = available.sum(axis=0)
    return int(np.minimum(tables, present // 2).sum())


def upper_bound(
    scorer: Scorer,
    u: np.ndarray,
    v: np.ndarray,
    w: np.ndarray,
    forced_mask: np.ndarray,
    minimum: np.ndarray,
    maximum: np.ndarray,
    capacity: int,
    simple_bound: float,
    time_limit: float = 60.0,
    max_rounds: int = 8,
) -> BoundResult:
    """Solve the LP by column generation, then price every pair with its duals.

    The LP starts on the candidate pairs. Each pass prices all pairs; pairs whose reduced
    score is positive (the LP would like them) join the LP, and it is solved again, warm, until
    no pair prices positive (the LP over all pairs is then solved) or time runs out. The
    bound is valid after any pass; the added pairs are returned so the search can use them.

    Args:
        u, v, w: the LP's first columns (pairs u < v) and their scores; few are enough.
        forced_mask: candidate pairs that must be selected (must-meet, pinned).
        minimum, maximum: per-attendee least and most meetings.
        capacity: K, the total number of meetings that fit.
        simple_bound: an already valid bound to fall back on.
    """
    start = time.perf_counter()
    n = scorer.n
    if len(u) == 0:
        return BoundResult(simple_bound, simple_bound, {}, 0.0, [])
    lp = pywraplp.Solver.CreateSolver("GLOP")
    degree_rows = [lp.Constraint(float(minimum[i]), float(maximum[i]), "") for i in range(n)]
    total_row = lp.Constraint(0.0, float(capacity), "")
    objective = lp.Objective()
    objective.SetMaximization()
    xs: list = []
    columns: list[tuple[int, int]] = []
    known: set[tuple[int, int]] = set()

    def add_column(a: int, b: int, score: float, forced: bool) -> None:
        var = lp.NumVar(1.0 if forced else 0.0, 1.0, "")
        degree_rows[a].SetCoefficient(var, 1.0)
        degree_rows[b].SetCoefficient(var, 1.0)
        total_row.SetCoefficient(var, 1.0)
        objective.SetCoefficient(var, float(score))
        xs.append(var)
        columns.append((a, b))
        known.add((a, b))

    for a, b, score, f in zip(
        u.tolist(), v.tolist(), w.tolist(), forced_mask.tolist(), strict=True
    ):
        add_column(a, b, score, f)
    forced = [
        (a, b) for a, b, f in zip(u.tolist(), v.tolist(), forced_mask.tolist(), strict=True) if f
    ]
    added: list[tuple[int, int, float]] = []
    x: dict[tuple[int, int], float] = {}
    best = simple_bound
    lp_value = simple_bound
    for _ in range(max_rounds):
        remaining = time_limit - (time.perf_counter() - start)
        if remaining <= 0:
            break
        lp.SetTimeLimit(int(remaining * 1000))
        if lp.Solve() not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
            break
        lp_value = objective.Value()
        x = {pair: var.solution_value() for pair, var in zip(columns, xs, strict=True)}
        x = {pair: value for pair, value in x.items() if value > 1e-9}
        # For a maximisation GLOP reports a positive dual on a binding upper side and a
        # negative one on a binding lower side, exactly the prices p of the module docstring.
        p = np.array([row.dual_value() for row in degree_rows])
        z = max(0.0, total_row.dual_value())
        value, entering = _price(
            scorer, p, z, minimum, maximum, capacity, forced, known, limit=4 * n
        )
        best = min(best, value)
        if not entering or best <= lp_value + 1e-6:
            break
        for a, b, score in entering:
            add_column(a, b, score, False)
        added.extend(entering)
    return BoundResult(best, lp_value, x, time.perf_counter() - start, added)


def _price(
    scorer: Scorer,
    p: np.ndarray,
    z: float,
    minimum: np.ndarray,
    maximum: np.ndarray,
    capacity: int,
    forced: list[tuple[int, int]],
    known: set[tuple[int, int]],
    limit: int,
) -> tuple[float, list[tuple[int, int, float]]]:
    """UB(p, z) over every allowed pair, and the best-priced pairs not yet in the LP."""
    total = float(np.maximum(p * maximum, p * minimum).sum()) + capacity * z
    pool: list[tuple[float, int, int, float]] = []
    for rows in scorer.row_blocks(384):
        scores = scorer.block(rows)
        reduced = scores - p[rows][:, None] - p[None, :] - z
        keep = scorer.allowed(rows) & (np.arange(scorer.n)[None, :] > rows[:, None])
        positive = np.where(keep, reduced, 0.0)
        total += float(np.maximum(positive, 0.0).sum())
        r_idx, c_idx = np.nonzero(positive > 1e-6)
        if len(r_idx):
            gains = positive[r_idx, c_idx]
            top = np.argsort(-gains)[:limit]
            for k in top.tolist():
                a, b = int(rows[r_idx[k]]), int(c_idx[k])
                if (a, b) not in known:
                    pool.append((float(gains[k]), a, b, float(scores[r_idx[k], c_idx[k]])))
    for i, j in forced:  # exact term instead of the max(0, .) counted above
        reduced = scorer.pair(i, j) - p[i] - p[j] - z
        total += reduced - max(0.0, reduced)
    pool.sort(reverse=True)
    return total, [(a, b, score) for _, a, b, score in pool[:limit]]
