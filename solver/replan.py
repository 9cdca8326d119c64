"""Re-planning the rounds that have not started around no-shows: ``replan``.

At the door some attendees do not turn up. Their meetings waste their partners' slots, so the
organiser re-plans rounds ``from_round``..end: every meeting of an earlier round stays exactly
as it is (it has happened), meetings with absent people go, the freed partners and free tables
are filled with the best pairs still available, and as few of the other meetings as possible
change, since present attendees already hold a printed or phone agenda.

**The adjusted instance** (``adjusted_instance``) states these rules so that the ordinary
checker (solver/validate.py) can prove a re-planned schedule valid:

* every meeting of a round before ``from_round`` is pinned, table included;
* an attendee is available in a past round only if they have a meeting in it (so nothing can
  be added to rounds that have already started), and in the rounds from ``from_round`` on as
  before, except absent attendees, who are available in none of them;
* minimums therefore cap themselves: ``Rules.minimum_for`` is bounded by the rounds an
  attendee attends, which is now "meetings already held + rounds still to come". An absent
  attendee's minimum is at most what they already had; a present attendee keeps theirs;
* must-meet requests naming an absent attendee (either side) are removed;
* organiser pins of later rounds stay, unless they involve an absent attendee.

**The model** is lexicographic: (1) every hard rule, including the capped minimums and the
remaining must-meets; (2) break as few of the remaining meetings as possible (a kept meeting is
one of ``current`` from ``from_round`` on without an absent attendee; breaking it, or moving it
to another round, disturbs two agendas), meetings of checked-in attendees last; (3) the largest
total score. Why not "score - BIG * changes" over everything: a filled slot is itself a change
(the freed partner's agenda line is new), and the point of re-planning is to make those, so
the model counts what should not change, kept meetings, and leaves fills to the score. It is
solved over the rounds ``from_round``..end only, in one or two phases:

1. **Fill.** Every kept meeting stays where it is; variables are the pairs of attendees who
   are both free in a round (not met before, allowed by every rule, scoring above zero unless
   someone needs the meeting; at most ``FILL_PARTNERS`` best partners per attendee and round).
   The greedy fill (short people first, then by score) is the hint. Up to ``EXACT_FILL``
   variables (10% no-shows at 400 attendees: about 4,000) it is one CP-SAT model, typically
   proved optimal in one to two seconds; larger fills (many no-shows, early rounds) are
   improved by the solver's own large-neighbourhood search (``Search.resolve`` of
   solver/model.py, kept meetings pinned) until 60% of the time is spent. A fill proved
   optimal that leaves nobody short is the lexicographic optimum: every schedule breaking no
   kept meeting lies in its search space, and every schedule breaking one loses in (2).
2. **Repair** (only when the fill cannot satisfy a minimum or a must-meet: a freed partner has
   nobody left to meet in their free rounds). Kept meetings become variables too, each with a
   reward for staying in place of ``BIG * (1 + number of checked-in attendees in it)``, where
   ``BIG`` exceeds any achievable total score: no score gain ever pays for breaking one, a
   meeting of two checked-in attendees is the last to go and, when ``present`` is given, one of
   two people who have not checked in the first. Missing minimums and must-meets cost more than
   all of that. Up to ``EXACT_REPAIR`` attendees the model holds every allowed pair in every
   later round (exact: optimal or proved infeasible). Larger events re-solve clusters of
   attendees around whoever is still short (everyone else stays as they are), over each
   attendee's best-scoring partners, the kept and filled pairs and every allowed partner of
   the short, until nobody is short or time runs out.

Kept meetings keep their tables; new meetings take the lowest free table of their round. The
result is checked with ``validate`` against the adjusted instance and against ``current``
(past rounds identical); a failing check is reported, never returned as a schedule.

**What the figures mean** (rounds ``from_round``..end only): ``dropped``: meetings of
``current`` that are not in the result (same pair, same round); ``added``: meetings of the
result that were not in ``current``; ``changed``: meetings of the result that involve a present
attendee (checked in, or when ``present`` is None anyone not absent) and were not in
``current``, i.e. agenda lines present people must notice; ``disturbed``: dropped meetings
without an absent attendee (what the model minimises, 0 unless a rule forced it);
``affected``: the attendees, absent ones excluded, whose agenda changed (to notify).
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

import numpy as np
from ortools.sat.python import cp_model

from solver.model import SCALE, Candidates, Search, candidate_count, candidate_pairs, precheck
from solver.schema import Instance, Meeting
from solver.score import Scorer
from solver.validate import must_pairs, validate

FILL_PARTNERS = 40  # best free partners per attendee and round offered to the fill model
EXACT_FILL = 5000  # fills up to this many variables are one CP-SAT model, larger ones a search
EXACT_REPAIR = 60  # up to this many attendees the repair model holds every allowed pair
MARGIN = 0.3  # seconds kept back from the time limit for tables and the final checks

Key = tuple[int, int, int]  # (u, v, round) with u < v: one possible meeting


@dataclass
class ReplanResult:
    """What a re-plan returns.

    ``status``: optimal (the lexicographic optimum of the module docstring is proved), feasible
    (a valid schedule, not proved best), infeasible (proved: ``reasons`` say which rules cannot
    hold any more) or unknown (no valid schedule found in time). Only optimal and feasible
    carry ``meetings``: the whole event, past rounds included, ready to store as a new version.
    """

    status: str
    meetings: list[Meeting] = field(default_factory=list)
    objective: float = 0.0  # total score of ``meetings``
    changed: int = 0
    dropped: int = 0
    added: int = 0
    seconds: float = 0.0
    reasons: list[str] = field(default_factory=list)
    objective_before: float = 0.0  # total score of ``current``, no-show meetings included
    disturbed: int = 0
    affected: list[int] = field(default_factory=list)
    stats: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Whether ``meetings`` is a valid re-planned schedule."""
        return self.status in ("optimal", "feasible")

    def summary(self) -> dict[str, float | int | str]:
        """A JSON-friendly summary, for logs and the CLI."""
        return {
            "status": self.status,
            "objective_before": round(self.objective_before, 2),
            "objective": round(self.objective, 2),
            "changed": self.changed,
            "dropped": self.dropped,
            "added": self.added,
            "disturbed": self.disturbed,
            "affected": len(self.affected),
            "seconds": round(self.seconds, 3),
            **self.stats,
        }


def adjusted_instance(
    instance: Instance, current: list[Meeting], absent: Iterable[int], from_round: int
) -> Instance:
    """The instance whose hard rules a re-planned schedule must hold (see the module docstring).

    Scores, weights, companies and avoid lists are unchanged, so the scores of the original and
    the adjusted instance agree pair for pair.
    """
    absent = set(absent)
    total = instance.rules.rounds
    held: dict[int, set[int]] = {}
    for m in current:
        if m.round < from_round:
            held.setdefault(m.a, set()).add(m.round)
            held.setdefault(m.b, set()).add(m.round)
    people = []
    for i, person in enumerate(instance.attendees):
        later = set() if i in absent else {r for r in person.rounds(total) if r >= from_round}
        must = frozenset(
            email
            for email in person.must_meet
            if i not in absent and instance.index.get(email) not in absent
        )
        rounds = frozenset(held.get(i, set()) | later)
        people.append(replace(person, available_rounds=rounds, must_meet=must))
    pinned = [m for m in current if m.round < from_round]
    pinned += [
        p
        for p in instance.pinned
        if p.round >= from_round and p.a not in absent and p.b not in absent
    ]
    return Instance(
        people,
        instance.rules,
        instance.weights,
        instance.pair_scores,
        dict(instance.pair_bonus),
        pinned,
    )


def _key(m: Meeting) -> Key:
    a, b = m.pair
    return (a, b, m.round)


def _check_arguments(
    instance: Instance, current: list[Meeting], absent: set[int], present: set[int] | None
) -> None:
    """Refuse indices that name no attendee: a caller's bug, not an infeasible event."""
    n = len(instance.attendees)
    bad = sorted(i for i in absent | (present or set()) if not 0 <= i < n)
    if bad:
        raise ValueError(f"attendee indices {bad[:5]} are outside 0..{n - 1}")
    if present is not None and present & absent:
        raise ValueError(f"attendees {sorted(present & absent)[:5]} are both present and absent")
    for m in current:
        if not (0 <= m.a < n and 0 <= m.b < n) or m.a == m.b:
            raise ValueError(f"meeting {m} does not name two attendees")


class _Plan:
    """The fixed part of the re-plan: past meetings, later pins, and kept meetings."""

    def __init__(
        self,
        adjusted: Instance,
        scorer: Scorer,
        current: list[Meeting],
        start: int,
        absent: set[int],
    ) -> None:
        rules = adjusted.rules
        self.adjusted = adjusted
        self.n = len(adjusted.attendees)
        self.tables = rules.tables
        self.rounds = list(range(max(1, start), rules.rounds + 1))
        self.scorer = scorer
        self.avail = scorer.available  # [i, r - 1]
        self.fixed: list[Meeting] = list(adjusted.pinned)  # never move
        self.kept: list[Meeting] = []  # from current, may move only in the repair
        self.unusable = 0  # later meetings of present people in current that break a rule
        busy: set[tuple[int, int]] = set()
        seats: set[tuple[int, int]] = set()
        pairs: set[tuple[int, int]] = set()
        for m in self.fixed:
            busy.update(((m.a, m.round), (m.b, m.round)))
            seats.add((m.round, m.table))
            pairs.add(m.pair)
        per_round = Counter(m.round for m in self.fixed)
        fixed_keys = {_key(m) for m in self.fixed}
        for m in sorted(current, key=lambda m: (m.round, m.table, m.pair)):
            if m.round < start or _key(m) in fixed_keys:
                continue
            a, b = m.pair
            ok = (
                m.round in self.rounds
                and self.avail[a, m.round - 1]
                and self.avail[b, m.round - 1]
                and scorer.may_meet(a, b)
                and (a, m.round) not in busy
                and (b, m.round) not in busy
                and m.pair not in pairs
                and per_round[m.round] < self.tables
            )
            if not ok:  # absent attendees are unavailable from ``start`` on: theirs land here
                self.unusable += a not in absent and b not in absent
                continue
            if not 1 <= m.table <= self.tables or (m.round, m.table) in seats:
                m = replace(m, table=0)  # its table is taken (by a pin): it gets another one
            self.kept.append(m)
            busy.update(((a, m.round), (b, m.round)))
            seats.add((m.round, m.table))
            pairs.add(m.pair)
            per_round[m.round] += 1
        self.lo = [rules.minimum_for(p) for p in adjusted.attendees]
        self.must = must_pairs(adjusted)
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
class _Outcome:
    """One phase's answer: the chosen meetings (keys), CP-SAT's verdict and what is short."""

    chosen: set[Key]
    proved: bool
    short: list[tuple[int, int, int]]  # (attendee, meetings, minimum)
    missing: list[tuple[int, int]]  # must-meet pairs not met

    @property
    def shortfall(self) -> int:
        return sum(lo - d for _, d, lo in self.short) + len(self.missing)


def _solve_phase(
    plan: _Plan,
    fixed: list[Meeting],
    keys: list[Key],
    weights: list[int],
    reward: dict[Key, int],
    hint: set[Key],
    deadline: float,
    seed: int,
    workers: int,
) -> _Outcome:
    """Choose meetings among ``keys`` around the ``fixed`` ones (the CP-SAT model of a phase).

    Args:
        reward: extra objective for keys that keep a meeting of ``current`` in place.
        hint: keys of a known good answer.
    """
    busy, degree, per_round, met = plan.occupancy(fixed)
    model = cp_model.CpModel()
    x = [model.new_bool_var("") for _ in keys]
    by_slot: dict[tuple[int, int], list] = {}
    by_pair: dict[tuple[int, int], list] = {}
    by_round: dict[int, list] = {}
    by_person: dict[int, list] = {}
    for var, (u, v, r) in zip(x, keys, strict=True):
        by_slot.setdefault((u, r), []).append(var)
        by_slot.setdefault((v, r), []).append(var)
        by_pair.setdefault((u, v), []).append(var)
        by_round.setdefault(r, []).append(var)
        by_person.setdefault(u, []).append(var)
        by_person.setdefault(v, []).append(var)
    # One meeting per attendee and round (keys never touch a fixed meeting's slot).
    for xs in by_slot.values():
        if len(xs) > 1:
            model.add_at_most_one(xs)
    # A pair meets at most once; a must-meet pair not yet met exactly once (soft, see below).
    penalties = []
    for pair, xs in by_pair.items():
        if pair in plan.must and pair not in met:
            miss = model.new_bool_var("")
            model.add(cp_model.LinearExpr.sum(xs) + miss == 1)
            penalties.append(miss)
        elif len(xs) > 1:
            model.add_at_most_one(xs)
    # Tables per round.
    for r, xs in by_round.items():
        model.add(cp_model.LinearExpr.sum(xs) <= plan.tables - per_round[r])
    # Minimum meetings (soft: a shortfall is penalised above everything else, then reported).
    for person, xs in by_person.items():
        need = plan.lo[person] - degree[person]
        if need > 0:
            short = model.new_int_var(0, need, "")
            model.add(cp_model.LinearExpr.sum(xs) + short >= need)
            penalties.append(short)
    gains = [w + reward.get(k, 0) for k, w in zip(keys, weights, strict=True)]
    big = (sum(g for g in gains if g > 0) + 1) if gains else 1
    model.maximize(
        cp_model.LinearExpr.weighted_sum(x, gains) - big * cp_model.LinearExpr.sum(penalties)
    )
    for var, k in zip(x, keys, strict=True):
        model.add_hint(var, k in hint)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.1, deadline - time.perf_counter())
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    status = solver.solve(model)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        chosen = {k for var, k in zip(x, keys, strict=True) if solver.boolean_value(var)}
    else:  # nothing found in time: fall back on the hint when it is consistent
        chosen = set(hint) & set(keys)
    return _judge(plan, fixed, chosen, status == cp_model.OPTIMAL)


def _judge(plan: _Plan, fixed: list[Meeting], chosen: set[Key], proved: bool) -> _Outcome:
    """Which minimums and must-meets ``fixed`` plus ``chosen`` leave unmet."""
    _, degree, _, met = plan.occupancy(fixed)
    for u, v, _ in chosen:
        degree.update((u, v))
        met.add((u, v))
    short = [(i, degree[i], lo) for i, lo in enumerate(plan.lo) if degree[i] < lo]
    missing = sorted(plan.must - met)
    return _Outcome(chosen, proved, short, missing)


def _greedy(plan: _Plan, taken: list[Meeting], keys: list[Key], weights: list[int]) -> set[Key]:
    """A quick fill for the hint: pairs helping someone short first, then by score."""
    busy, degree, per_round, met = plan.occupancy(taken)
    need = [lo - degree[i] for i, lo in enumerate(plan.lo)]
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
        if weights[k] <= 0 and need[u] <= 0 and need[v] <= 0 and (u, v) not in must:
            continue
        chosen.add(keys[k])
        busy.update(((u, r), (v, r)))
        met.add((u, v))
        per_round[r] += 1
        need[u] -= 1
        need[v] -= 1
    return chosen


def _fill_keys(plan: _Plan, taken: list[Meeting]) -> tuple[list[Key], bool]:
    """Pairs both free in a later round around ``taken``; complete unless trimmed to the best.

    A pair enters when it is allowed, has not met, and scores above zero, or one side still
    needs meetings, or it is a must-meet pair. Each attendee offers at most ``FILL_PARTNERS``
    partners per round (the best scoring; everyone when they are short of their minimum).
    """
    scorer = plan.scorer
    busy, degree, _, met = plan.occupancy(taken)
    needy = {i for i, lo in enumerate(plan.lo) if degree[i] < lo}
    must_of: dict[int, set[int]] = {}
    for a, b in plan.must - met:
        must_of.setdefault(a, set()).add(b)
        must_of.setdefault(b, set()).add(a)
    keys: set[Key] = set()
    complete = True
    for r in plan.rounds:
        free = np.array(
            [i for i in range(plan.n) if plan.avail[i, r - 1] and (i, r) not in busy], dtype=int
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


def _fill_lns(
    plan: _Plan,
    taken: list[Meeting],
    keys: list[Key],
    weights: list[int],
    hint: set[Key],
    deadline: float,
    seed: int,
    workers: int,
) -> _Outcome:
    """The fill of a large event: the solver's own neighbourhood search, kept meetings pinned.

    ``Search`` (solver/model.py) starts from the greedy fill and re-solves clusters of the
    attendees who have free slots exactly, as in ``solve``; rounds before ``from_round`` hold
    no free slot, so only later rounds change.
    """
    cand = Candidates([], [], [], [], [[] for _ in range(plan.n)], {}, 0.0)
    for (u, v, _), w in zip(keys, weights, strict=True):
        cand.add(u, v, w, must=(u, v) in plan.must)
    search = Search(plan.adjusted, plan.scorer, cand, seed)
    search.pin(taken)
    for u, v, r in sorted(hint):
        search.state.place(search.pair_id(u, v), u, v, r - 1)
    focus = sorted({u for u, _, _ in keys} | {v for _, v, _ in keys})
    target, proved = 2500, False
    while time.perf_counter() < deadline - 0.05:
        chosen, rounds = search.neighbourhood(target, focus)
        whole = len(chosen) >= plan.n and len(rounds) == search.state.R
        began = time.perf_counter()
        _, exact = search.resolve(chosen, rounds, min(0.5, deadline - began), workers)
        if whole and exact:  # the whole fill was solved in one go: proved optimal
            proved = True
            break
        if exact and time.perf_counter() - began < 0.2:
            target = int(target * 1.25)
        elif not exact:
            target = max(200, int(target * 0.8))
    state = search.state
    pins = state.pinned
    chosen_keys = {(cand.u[e], cand.v[e], r + 1) for e, r in state.met.items() if e not in pins}
    return _judge(plan, taken, chosen_keys, proved)


def _graph(plan: _Plan, state: set[Key], short: list[int]) -> tuple[dict[int, set[int]], bool]:
    """Whom each attendee may meet in the repair; complete when every allowed pair is in.

    Small events: every allowed pair. Large ones: each attendee's best-scoring partners
    (as in ``solve``), the pairs of ``state`` and of the kept meetings, and every allowed partner
    of the attendees still short.
    """
    scorer, n = plan.scorer, plan.n
    later = [r - 1 for r in plan.rounds]
    active = plan.avail[:, later].any(axis=1) if later else np.zeros(n, dtype=bool)
    pairs: set[tuple[int, int]] = {(u, v) for u, v, _ in state} | {m.pair for m in plan.kept}
    complete = n <= EXACT_REPAIR
    if complete:
        short = list(range(n))
    else:
        cap = plan.avail.sum(axis=1).astype(float)
        _, _, _, met = plan.occupancy(plan.fixed)
        cand = candidate_pairs(scorer, candidate_count(n, len(plan.rounds)), cap, plan.must - met)
        pairs |= set(zip(cand.u, cand.v, strict=True))
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


def _keys_around(
    plan: _Plan, graph: dict[int, set[int]], members: set[int], fixed: list[Meeting]
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
                    plan.avail[u, r - 1]
                    and plan.avail[v, r - 1]
                    and (u, r) not in busy
                    and (v, r) not in busy
                ):
                    keys.append((*pair, r))
    return keys


def _as_meetings(keys: Iterable[Key]) -> list[Meeting]:
    """Keys as meetings for bookkeeping (tables are assigned at the very end)."""
    return [Meeting(r, 0, u, v) for u, v, r in keys]


def _repair(
    plan: _Plan,
    state: set[Key],
    short: list[int],
    checked_in: set[int],
    deadline: float,
    seed: int,
    workers: int,
) -> tuple[_Outcome, bool, int]:
    """Phase 2: let kept meetings move or go, at a price no score gain can pay.

    Small events get one exact model over every allowed pair; large ones repeatedly re-solve a
    cluster of attendees around someone still short (everything else stays as it is) until
    nobody is short or time runs out.

    Returns:
        (outcome, complete: the outcome's proof covers every allowed pair, variables used).
    """
    graph, complete = _graph(plan, state, short)
    edges = sorted(state) + [(u, v, 0) for u in graph for v in graph[u] if u < v]
    big = (max(plan.weight(edges), default=0) + 1) * (plan.tables * len(plan.rounds) + 1)
    reward = {_key(m): big * (1 + (m.a in checked_in) + (m.b in checked_in)) for m in plan.kept}
    if complete:
        keys = _keys_around(plan, graph, set(range(plan.n)), plan.fixed)
        outcome = _solve_phase(
            plan, plan.fixed, keys, plan.weight(keys), reward, state, deadline, seed, workers
        )
        return outcome, True, len(keys)

    def value(chosen: set[Key], outcome: _Outcome) -> tuple[int, int]:
        gains = plan.weight(sorted(chosen))
        return (-outcome.shortfall, sum(gains) + sum(reward.get(k, 0) for k in chosen))

    rng = random.Random(seed)
    best = _judge(plan, plan.fixed, state, False)
    best_value = value(state, best)
    target, used = 3000, 0
    while best.shortfall and time.perf_counter() < deadline - 0.05:
        lacking = sorted({i for i, _, _ in best.short} | {x for p in best.missing for x in p})
        members: set[int] = set()
        queue = [rng.choice(lacking)]
        estimate = 0
        while queue and estimate < target:
            node = queue.pop(0)
            if node in members:
                continue
            members.add(node)
            estimate += len(graph[node]) * len(plan.rounds)
            queue.extend(sorted(graph[node] - members))
        inside = {k for k in best.chosen if k[0] in members or k[1] in members}
        fixed = plan.fixed + _as_meetings(best.chosen - inside)
        keys = _keys_around(plan, graph, members, fixed)
        used = max(used, len(keys))
        began = time.perf_counter()
        limit = min(deadline, began + 1.0)
        part = _solve_phase(
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
        outcome = _judge(plan, plan.fixed, chosen, False)
        if value(chosen, outcome) > best_value:
            best, best_value = outcome, value(chosen, outcome)
        if part.proved and len(members) == plan.n:  # the best over the whole graph: stop
            break
        target = int(target * 1.25) if part.proved else max(500, int(target * 0.8))
    return best, False, used


def _tables(plan: _Plan, chosen: set[Key]) -> list[Meeting]:
    """The whole schedule: fixed and kept meetings at their tables, new ones at free tables."""
    kept = {_key(m): m for m in plan.kept}
    out = list(plan.fixed) + [kept[k] for k in chosen if k in kept and kept[k].table]
    seats = {(m.round, m.table) for m in out}
    for u, v, r in sorted(k for k in chosen if k not in kept or not kept[k].table):
        table = 1
        while (r, table) in seats:
            table += 1
        seats.add((r, table))
        out.append(Meeting(r, table, u, v))
    return sorted(out, key=lambda m: (m.round, m.table))


def _explain(instance: Instance, outcome: _Outcome, from_round: int) -> list[str]:
    """Plain-words reasons for the minimums and must-meets that cannot hold any more."""
    people = instance.attendees
    reasons = [
        f"{people[i].email} would have {d} meetings, fewer than the {lo} required: too few "
        f"allowed partners are free in their remaining rounds from round {from_round} on"
        for i, d, lo in outcome.short[:20]
    ]
    reasons += [
        f"{people[a].email} must meet {people[b].email} but no round from {from_round} on "
        "has both free"
        for a, b in outcome.missing[:20]
    ]
    return reasons


def replan(
    instance: Instance,
    current: list[Meeting],
    absent: set[int],
    from_round: int,
    present: set[int] | None = None,
    time_limit: float = 8.0,
    seed: int = 0,
    workers: int = 2,
) -> ReplanResult:
    """Re-plan rounds ``from_round``..end around absent attendees, changing as little as possible.

    Args:
        instance: the event as it was solved (attendees, rules, scores, organiser pins).
        current: the schedule in force (all rounds); it is not modified.
        absent: attendees who will not attend any round from ``from_round`` on.
        from_round: the first round that has not started (1-based); earlier rounds stay exactly.
            Beyond the last round nothing can change.
        present: checked-in attendees, when known: their meetings with each other are kept
            first. None: everyone not absent counts as present.
        time_limit: wall-clock seconds for the whole re-plan.
        seed: CP-SAT's random seed (results repeat given equal timing).
        workers: CP-SAT search workers.

    Returns:
        A ``ReplanResult``; see the module docstring for the model and the figures.

    Raises:
        ValueError: an index in ``absent``, ``present`` or ``current`` names no attendee, or
            someone is both present and absent.
    """
    started = time.perf_counter()
    deadline = started + time_limit
    absent = set(absent)
    _check_arguments(instance, current, absent, present)
    from_round = max(1, from_round)
    n = len(instance.attendees)
    checked_in = set(range(n)) - absent if present is None else set(present)

    def elapsed() -> float:
        return time.perf_counter() - started

    adjusted = adjusted_instance(instance, current, absent, from_round)
    scorer = Scorer(adjusted)
    before = _score(scorer, current)
    reasons = precheck(adjusted, scorer)
    if reasons:
        return ReplanResult(
            "infeasible", seconds=elapsed(), reasons=reasons, objective_before=before
        )
    plan = _Plan(adjusted, scorer, current, from_round, absent)

    # Phase 1: keep every kept meeting, fill the free slots.
    taken = plan.fixed + plan.kept
    keys, complete = _fill_keys(plan, taken)
    weights = plan.weight(keys)
    hint = _greedy(plan, taken, keys, weights)
    phase_end = time.perf_counter() + 0.6 * max(0.0, deadline - time.perf_counter() - MARGIN)
    if len(keys) <= EXACT_FILL:
        fill = _solve_phase(plan, taken, keys, weights, {}, hint, phase_end, seed, workers)
    else:
        fill = _fill_lns(plan, taken, keys, weights, hint, phase_end, seed, workers)
    outcome = fill
    chosen = {_key(m) for m in plan.kept} | fill.chosen
    proved = fill.proved and complete
    phases, repair_variables = 1, 0
    if fill.shortfall:
        # Phase 2: kept meetings may move or go, at a price no score gain can pay.
        phases = 2
        short = sorted({i for i, _, _ in fill.short} | {x for p in fill.missing for x in p})
        outcome, complete, repair_variables = _repair(
            plan, chosen, short, checked_in, deadline - MARGIN, seed, workers
        )
        chosen = outcome.chosen
        proved = outcome.proved and complete
    stats: dict[str, float] = {
        "phases": phases,
        "fill_variables": len(keys),
        "repair_variables": repair_variables,
        "kept_candidates": len(plan.kept),
        "unusable": plan.unusable,
    }
    if outcome.shortfall:
        status = "infeasible" if proved else "unknown"
        why = _explain(instance, outcome, from_round)
        if not proved:
            why.insert(0, "no re-planned schedule holding every rule was found in time")
        return ReplanResult(
            status, seconds=elapsed(), reasons=why, objective_before=before, stats=stats
        )

    meetings = _tables(plan, chosen)
    report = validate(adjusted, meetings, scorer)
    past_before = sorted((m for m in current if m.round < from_round), key=_order)
    past_after = sorted((m for m in meetings if m.round < from_round), key=_order)
    problems = [str(v.message) for v in report.violations[:5]]
    if past_before != past_after:
        problems.append("a meeting of a round that has started changed")
    if problems:  # never hand out a schedule that breaks a rule
        return ReplanResult(
            "unknown",
            seconds=elapsed(),
            reasons=["internal error: the re-planned schedule breaks a rule", *problems],
            objective_before=before,
            stats=stats,
        )
    result = ReplanResult(
        "optimal" if proved else "feasible",
        meetings=meetings,
        objective=report.objective,
        objective_before=before,
        stats=stats,
    )
    _count_changes(result, current, from_round, absent, checked_in)
    result.seconds = elapsed()
    return result


def _order(m: Meeting) -> tuple[int, int, int, int]:
    return (m.round, m.table, *m.pair)


def _score(scorer: Scorer, meetings: list[Meeting]) -> float:
    """Total score of a schedule, as the checker computes it."""
    if not meetings:
        return 0.0
    pairs = [m.pair for m in meetings]
    a = np.array([p[0] for p in pairs])
    b = np.array([p[1] for p in pairs])
    return round(float(scorer.pairs(a, b).sum()), 2)


def _count_changes(
    result: ReplanResult,
    current: list[Meeting],
    from_round: int,
    absent: set[int],
    checked_in: set[int],
) -> None:
    """Fill in changed, dropped, added, disturbed and affected (module docstring)."""
    old = {_key(m) for m in current if m.round >= from_round}
    new = {_key(m) for m in result.meetings if m.round >= from_round}
    gone, came = old - new, new - old
    result.dropped = len(gone)
    result.added = len(came)
    result.changed = sum(1 for u, v, _ in came if u in checked_in or v in checked_in)
    result.disturbed = sum(1 for u, v, _ in gone if u not in absent and v not in absent)

    def agenda(meetings: list[Meeting]) -> set[tuple[int, int, int, int]]:
        lines = set()
        for m in meetings:
            if m.round >= from_round:
                lines.add((m.a, m.round, m.b, m.table))
                lines.add((m.b, m.round, m.a, m.table))
        return lines

    differ = agenda(current) ^ agenda(result.meetings)
    result.affected = sorted({line[0] for line in differ} - absent)
