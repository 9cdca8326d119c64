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
   improved by the solver's own large-neighbourhood search (``lns.improve`` of solver/lns.py,
   kept meetings pinned) until 60% of the time is spent. A fill proved
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

import time
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

import numpy as np

from solver.compact import fewer_breaks
from solver.model import precheck
from solver.replan_phases import (
    Key,
    Outcome,
    Plan,
    as_meetings,
    fill_by_search,
    fill_keys,
    greedy_fill,
    meeting_key,
    number_tables,
    repair,
    solve_phase,
)
from solver.rules import schedule_breaks
from solver.schema import Instance, Meeting
from solver.score import Scorer
from solver.validate import validate

EXACT_FILL = 5000  # fills up to this many variables are one CP-SAT model, larger ones a search
EXACT_REPAIR = 60  # up to this many attendees the repair model holds every allowed pair
MARGIN = 0.3  # seconds kept back from the time limit for tables and the final checks


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


def _explain(instance: Instance, outcome: Outcome, from_round: int) -> list[str]:
    """Plain-words reasons for the minimums and must-meets that cannot hold any more."""
    people = instance.attendees
    reasons = [
        f"{people[i].email} would have {d} meetings, fewer than the {required} required: too few "
        f"allowed partners are free in their remaining rounds from round {from_round} on"
        for i, d, required in outcome.short[:20]
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
    *,
    exact_fill: int = EXACT_FILL,
    exact_repair: int = EXACT_REPAIR,
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
        exact_fill: fills of up to this many variables are one CP-SAT model, larger ones a
            neighbourhood search.
        exact_repair: up to this many attendees the repair holds every allowed pair.

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
    plan = Plan(adjusted, scorer, current, from_round, absent)

    # Phase 1: keep every kept meeting, fill the free slots.
    taken = plan.fixed + plan.kept
    keys, complete = fill_keys(plan, taken)
    weights = plan.weight(keys)
    hint = greedy_fill(plan, taken, keys, weights)
    phase_end = time.perf_counter() + 0.6 * max(0.0, deadline - time.perf_counter() - MARGIN)
    if len(keys) <= exact_fill:
        fill = solve_phase(plan, taken, keys, weights, {}, hint, phase_end, seed, workers)
    else:
        fill = fill_by_search(plan, taken, keys, weights, hint, phase_end, seed, workers)
    outcome = fill
    chosen = {meeting_key(m) for m in plan.kept} | fill.chosen
    proved = fill.proved and complete
    phases, repair_variables = 1, 0
    if fill.shortfall:
        # Phase 2: kept meetings may move or go, at a price no score gain can pay.
        phases = 2
        short = sorted({i for i, _, _ in fill.short} | {x for p in fill.missing for x in p})
        outcome, complete, repair_variables = repair(
            plan, chosen, short, checked_in, deadline - MARGIN, seed, workers, exact_repair
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

    left = deadline - MARGIN - time.perf_counter()
    if left > 0.1:
        chosen = _fewer_breaks(plan, chosen, min(2.0, 0.5 * left), seed)
        stats["breaks"] = sum(schedule_breaks(plan.n, as_meetings(chosen) + plan.fixed))
    meetings = number_tables(plan, chosen)
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


def _fewer_breaks(plan: Plan, chosen: set[Key], seconds: float, seed: int) -> set[Key]:
    """The new meetings of the re-plan moved, among the re-planned rounds, to where they give
    everyone fewer breaks (solver/compact.py ``fewer_breaks``); meetings kept from the current
    schedule, past ones and pins stay, so no further meeting of a present attendee changes."""
    kept = {meeting_key(m) for m in plan.kept}
    fixed = [meeting_key(m) for m in plan.fixed]
    keys = sorted(chosen)
    moved = fewer_breaks(
        plan.adjusted,
        fixed + keys,
        [False] * len(fixed) + [k not in kept for k in keys],
        frozenset(plan.rounds),
        plan.owners,
        seconds,
        seed,
    )
    if moved is None:
        return chosen
    return {(a, b, r) for (a, b, _), r in zip(keys, moved[len(fixed) :], strict=True)}


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
    old = {meeting_key(m) for m in current if m.round >= from_round}
    new = {meeting_key(m) for m in result.meetings if m.round >= from_round}
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
