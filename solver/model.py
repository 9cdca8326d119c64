"""Building meeting rounds: candidate pruning, a fast construction and CP-SAT neighbourhoods.

A plain CP-SAT model over every (pair, round) does not scale (400 attendees already mean
640,000 booleans), so the solve is decomposed:

1. **Candidates** (solver/candidates.py). Each attendee keeps their best-scoring allowed
   partners (top k); must-meet and pinned pairs are always kept. The bound (solver/bound.py)
   still prices every pair.
2. **Bound.** The LP relaxation of degree-constrained pair selection, corrected over all pairs.
3. **Construction.** Pairs in order of the LP's value, then score, are placed in a round both
   people are free (round = edge colour); when no common free round exists an alternating
   (Kempe) path of two rounds is swapped to free one. Must-meet pairs go first, then people
   short of their minimum are topped up (``Search.construct``, solver/search.py).
4. **Large-neighbourhood search** (``lns.improve``, solver/lns.py, shared with the re-plan).
   Repeatedly free every meeting of a cluster of attendees (neighbours in the candidate graph)
   in some rounds and let CP-SAT re-solve that part exactly, every hard rule of
   solver/rules.py as a constraint, seeded with the current meetings as a hint. Missing minimums
   and must-meets are penalised heavily, so the search first repairs, then improves.
   Neighbourhood size adapts so each sub-solve proves optimality in a fraction of a second.
   When the whole instance fits one neighbourhood, CP-SAT solves it outright and its proof
   closes the gap.

Infeasibility is a result with reasons, never an exception (see ``precheck`` and
``explain_infeasible``, whose core is found with the same rules, switched); so is a schedule
that fails the final independent check ("unknown", with the violations as reasons).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
from ortools.sat.python import cp_model

from solver import lns, rules
from solver.bound import meeting_capacity, upper_bound
from solver.candidates import SCALE, candidate_count, candidate_pairs
from solver.compact import compact as compact_schedule
from solver.compact import replace_rounds
from solver.schema import Instance, Progress, SolveResult
from solver.score import Scorer
from solver.search import Search
from solver.validate import validate

ProgressFn = Callable[[Progress], None]
EXPLAIN_LIMIT = 400  # attendees up to which an infeasible core is searched over all pairs


# -- feasibility ------------------------------------------------------------------------------


def precheck(instance: Instance, scorer: Scorer) -> list[str]:
    """Reasons the hard rules cannot all hold that are visible without searching."""
    people = instance.attendees
    event = instance.rules
    reasons: list[str] = []
    must = rules.must_pairs(instance)
    must_count = [0] * len(people)
    for a, b in sorted(must):
        must_count[a] += 1
        must_count[b] += 1
        ea, eb = people[a].email, people[b].email
        prefix = f"must_meet between {ea} and {eb} is impossible:"
        if rules.colleagues(people[a], people[b]):
            reasons.append(f"{prefix} they both work for {people[a].company}")
        elif rules.avoided(people[a], people[b]):
            reasons.append(f"{prefix} one of them asked to avoid the other")
        elif not (people[a].rounds(event.rounds) & people[b].rounds(event.rounds)):
            reasons.append(f"{prefix} they share no available round")
    for i, person in enumerate(people):
        attends = len(person.rounds(event.rounds))
        if must_count[i] > attends:
            reasons.append(
                f"{person.email} has {must_count[i]} must-meet requests but attends only "
                f"{attends} rounds"
            )
    allowed_partners = np.zeros(len(people), dtype=int)
    for rows in scorer.row_blocks(512):
        allowed_partners[rows] = scorer.allowed(rows).sum(axis=1)
    for i, person in enumerate(people):
        need = event.minimum_for(person)
        if need > allowed_partners[i]:
            reasons.append(
                f"min_meetings: {person.email} needs {need} meetings but only "
                f"{allowed_partners[i]} attendees may meet them (other company, no avoid, "
                f"a shared round)"
            )
    capacity = meeting_capacity(scorer.available, event.tables)
    needed = sum(event.minimum_for(p) for p in people)
    if needed > 2 * capacity:
        reasons.append(
            f"tables: the minimum meetings add up to {(needed + 1) // 2} meetings but "
            f"{event.tables} tables over {event.rounds} rounds hold only {capacity}"
        )
    seats: set[tuple[int, int]] = set()
    busy: set[tuple[int, int]] = set()
    pinned_pairs: set[tuple[int, int]] = set()
    for p in instance.pinned:
        ea, eb = people[p.a].email, people[p.b].email
        what = f"pinned meeting of {ea} and {eb} in round {p.round}"
        if not (1 <= p.round <= event.rounds and 1 <= p.table <= event.tables):
            reasons.append(f"{what} is at table {p.table}, outside the event's rounds or tables")
            continue
        if not scorer.may_meet(p.a, p.b) or any(
            p.round not in people[x].rounds(event.rounds) for x in (p.a, p.b)
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
    return reasons + booth_reasons(instance)


def booth_reasons(instance: Instance) -> list[str]:
    """Table owners that name nobody, booths outside the event, pins off their owner's booth."""
    people, event = instance.attendees, instance.rules
    owners = rules.table_owners(instance)
    reasons = [
        f"the owner of {event.table_label(table)}, {owner!r}, is neither an attendee's e-mail "
        "nor a company"
        for table, owner in owners.unknown
    ]
    reasons += [
        f"table {table} has an owner but the event has {event.tables} tables"
        for table in sorted(event.table_owners)
        if not 1 <= table <= event.tables
    ]
    for g, tables in enumerate(owners.tables):
        members = [i for i, group in enumerate(owners.of) if group == g]
        need = sum(event.minimum_for(people[i]) for i in members)
        rounds = set().union(*(people[i].rounds(event.rounds) for i in members))
        if need > len(tables) * len(rounds):
            reasons.append(
                f"{owners.names[g]}: {len(members)} people need {need} meetings but "
                f"{len(tables)} table{'s' if len(tables) != 1 else ''} over {len(rounds)} "
                f"rounds hold {len(tables) * len(rounds)}"
            )
    load: dict[tuple[int, int], int] = {}
    for p in instance.pinned:
        what = f"pinned meeting of {people[p.a].email} and {people[p.b].email} in round {p.round}"
        groups = owners.groups(p.a, p.b)
        if groups and p.table not in {t for g in groups for t in owners.tables[g]}:
            names = " or ".join(owners.names[g] for g in groups)
            where = event.table_label(p.table)
            reasons.append(f"{what} is at {where}, not at a table of {names}")
        for g in owners.taking(p):
            load[(g, p.round)] = load.get((g, p.round), 0) + 1
    for (g, r), count in sorted(load.items()):
        if count > len(owners.tables[g]):
            has = len(owners.tables[g])
            reasons.append(
                f"{owners.names[g]} has {count} people meeting in round {r} (pinned) but owns "
                f"{has} table{'s' if has != 1 else ''}"
            )
    return reasons


def explain_infeasible(search: Search, time_limit: float, workers: int) -> list[str]:
    """Ask CP-SAT which minimums and must-meet requests conflict (a small infeasible core)."""
    people = search.instance.attendees
    s = search.state
    if search.n > EXPLAIN_LIMIT:  # the full model would not fit; say what is short instead
        return []
    # Rebuild the whole problem on every allowed pair with one switch per request.
    for a in range(search.n):
        for b in np.flatnonzero(search.scorer.allowed(np.array([a]))[0]).tolist():
            if a < b:
                search.pair_id(a, b)
    cand = search.candidates
    choices = rules.Choices()
    for pair in range(len(cand.first)):
        u, v = cand.first[pair], cand.second[pair]
        for r in range(s.rounds):
            if rules.both_available(s.available, u, v, r):
                choices.add(pair, u, v, r)
    rules.one_meeting_per_round(choices)
    rules.pair_meets_once(choices)
    rules.table_capacity(choices, lambda r: s.tables)
    rules.owner_tables(choices, search.owners, mode=rules.SWITCHED)

    def needs(person: int, count: int) -> str:
        return f"{people[person].email} needs at least {count} meetings"

    def meets(pair: int) -> str:
        return f"{people[cand.first[pair]].email} must meet {people[cand.second[pair]].email}"

    minimum = search.minimum
    rules.minimum_meetings(
        choices, lambda a: minimum[a], rules.SWITCHED, people=range(search.n), names=needs
    )
    rules.must_meet(choices, search.must_ids, rules.SWITCHED, names=meets)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = 1  # cores are reported by the sequential search
    status = solver.solve(choices.model)
    if status != cp_model.INFEASIBLE:
        return []
    switches = choices.switches
    core = [switches[i] for i in solver.sufficient_assumptions_for_infeasibility() if i in switches]
    if not core:
        return [f"the {s.tables} tables over {s.rounds} rounds cannot hold the required meetings"]
    return ["these rules cannot all hold together: " + "; ".join(core)]


# -- entry point ------------------------------------------------------------------------------


def _compact(
    search: Search, n: int, tolerance: float, seconds: float, workers: int
) -> dict[str, float | int]:
    """Re-place the search's schedule for the fewest breaks within ``tolerance`` of its score;
    the figures before, for the JSON line."""
    before = {
        "breaks_before_compact": sum(rules.schedule_breaks(n, search.meetings())),
        "objective_before_compact": round(search.objective() / SCALE, 4),
    }
    started = time.perf_counter()
    replace_rounds(search, 0.6 * seconds, search.rng.randrange(1 << 30))
    left = seconds - (time.perf_counter() - started)
    found = compact_schedule(search, tolerance, left, workers, search.rng.randrange(1 << 30))
    if found is None:
        return {**before, "breaks_bound": 0}  # nothing better found in time: no bound either
    chosen, breaks_bound = found
    s, cand = search.state, search.candidates
    for pair in [p for p in list(s.met) if p not in s.pinned]:
        s.remove(pair, cand.first[pair], cand.second[pair])
    for pair, r in chosen:
        s.place(pair, cand.first[pair], cand.second[pair], r)
    return {**before, "breaks_bound": breaks_bound}


def solve(
    instance: Instance,
    time_limit: float = 30.0,
    seed: int = 0,
    workers: int = 2,
    progress: ProgressFn | None = None,
    compact: float | None = None,
) -> SolveResult:
    """Build a schedule holding every hard rule with the largest total score found in time.

    Args:
        instance: attendees, rules, scores and pinned meetings.
        time_limit: wall-clock seconds for the whole solve, bound included.
        seed: makes runs reproducible (given equal timing).
        workers: CP-SAT search workers (the machine has 2 cores).
        progress: called with objective and bound as they improve.
        compact: when given (a tolerance such as 0.005), the last 40% of the time keeps
            agendas compact: the fewest breaks at a score of at least (1 - compact) of the
            best found (solver/compact.py).
    """
    start = time.perf_counter()
    deadline = start + time_limit
    event = instance.rules
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
    minimum = np.array(rules.minimums(instance), dtype=float)
    slots = scorer.available.sum(axis=1).astype(float)  # rounds each attendee attends
    forced = rules.must_pairs(instance) | {p.pair for p in instance.pinned}
    cand = candidate_pairs(scorer, candidate_count(n, event.rounds), slots, forced)
    report(None, cand.simple_bound, "candidates")
    capacity = meeting_capacity(scorer.available, event.tables)
    # The LP starts from each attendee's few best pairs; column generation adds the rest.
    start_pairs = {pair for pair, must in enumerate(cand.must) if must}
    for adjacent in cand.adjacent:
        start_pairs.update(sorted(adjacent, key=lambda p: -cand.weight[p])[: event.rounds])
    lp_pairs = sorted(start_pairs)
    bound = upper_bound(
        scorer,
        np.array([cand.first[p] for p in lp_pairs]),
        np.array([cand.second[p] for p in lp_pairs]),
        np.array([cand.weight[p] for p in lp_pairs], dtype=float) / SCALE,
        np.array([cand.must[p] for p in lp_pairs]),
        minimum,
        slots,
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
    margin = 0.05 + 0.01 * time_limit  # for numbering tables and the final check
    last_report = [0.0]

    def reached_bound() -> bool:
        return search.objective() / SCALE >= best_bound - 1e-6 and search.shortfall() == 0

    def after_step(improved: bool) -> None:
        if improved or time.perf_counter() - last_report[0] > 1.0:
            last_report[0] = time.perf_counter()
            report(search, best_bound, "improving")

    score_deadline = deadline - margin
    if compact is not None:
        score_deadline = start + 0.6 * (deadline - margin - start)
    proved = lns.improve(
        search,
        score_deadline,
        0.5 if n > 200 else 1.0,
        workers,
        search.short,
        complete=cand.complete,
        whole_gets_rest=True,
        done=reached_bound,
        after_step=after_step,
    )
    status = "feasible"
    if proved and search.shortfall() == 0:
        # CP-SAT proved this the best schedule over every allowed pair (a proof with a
        # shortfall instead says the rules conflict: explained below).
        best_bound = min(best_bound, search.objective() / SCALE)
    if reached_bound():
        status = "optimal"

    if search.shortfall() > 0:
        reasons = explain_infeasible(search, max(1.0, min(30.0, 0.5 * time_limit)), workers)
        status = "infeasible" if reasons else "unknown"
        if not reasons:
            degree = search.state.degree
            short = [instance.attendees[a].email for a in range(n) if degree[a] < search.minimum[a]]
            reasons = [
                "no schedule holding every rule was found within the time limit; "
                f"short of their minimum meetings: {', '.join(short[:10]) or 'none'}; "
                "try a longer --time-limit or fewer required meetings"
            ]
        return SolveResult(status, seconds=elapsed(), bound=best_bound, reasons=reasons)
    compacted: dict[str, float | int] = {}
    if compact is not None:
        compacted = _compact(search, n, compact, deadline - margin - time.perf_counter(), workers)
        if search.objective() / SCALE < best_bound - 1e-6:
            status = "feasible"
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
            "breaks": sum(rules.schedule_breaks(n, meetings)),
            "candidates": len(cand.first),
            "lp_bound": round(bound.lp_value, 4),
            "bound_seconds": round(bound.seconds, 3),
            **compacted,
        },
    )
    report(search, result.bound, "done")
    return result
