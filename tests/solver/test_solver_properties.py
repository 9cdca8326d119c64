"""Property tests on random small instances, checked against an exhaustive search."""

from __future__ import annotations

from itertools import combinations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solver.model import solve
from solver.schema import Instance
from solver.score import Scorer
from solver.validate import must_pairs, validate
from tests.solver.solver_factories import instance, person

TAGS = ["erp", "crm", "security", "cloud"]
REGIONS = ["EMEA", "NA", "APAC"]


@st.composite
def small_instances(draw) -> Instance:
    n = draw(st.integers(2, 5))
    rounds = draw(st.integers(1, 3))
    tables = draw(st.integers(1, 3))
    emails = [f"p{i}@x.io" for i in range(n)]
    people = []
    for i, email in enumerate(emails):
        others = [e for e in emails if e != email]
        avail = draw(st.sets(st.integers(1, rounds), min_size=1) | st.none())
        people.append(
            person(
                email,
                company=f"c{draw(st.integers(0, n - 1)) if i % 2 else i}",
                kind=draw(st.sampled_from(["partner", "vendor", "distributor"])),
                region=draw(st.sampled_from(REGIONS)),
                offers=";".join(draw(st.sets(st.sampled_from(TAGS), max_size=2))),
                seeks=";".join(draw(st.sets(st.sampled_from(TAGS), max_size=2))),
                targets=";".join(draw(st.sets(st.sampled_from(REGIONS), max_size=1))),
                rounds=avail,
                must=";".join(draw(st.sets(st.sampled_from(others), max_size=1)))
                if draw(st.integers(0, 4)) == 0
                else "",
                avoid=";".join(draw(st.sets(st.sampled_from(others), max_size=1))),
            )
        )
    return instance(people, rounds, tables, min_meetings=draw(st.integers(0, 2)))


def brute_force(inst: Instance) -> float | None:
    """The best total score over every schedule holding the rules, or None when none does."""
    scorer = Scorer(inst)
    rules = inst.rules
    n = len(inst.attendees)
    need = [rules.minimum_for(a) for a in inst.attendees]
    must = must_pairs(inst)
    avail = [a.rounds(rules.rounds) for a in inst.attendees]
    allowed = [(a, b) for a, b in combinations(range(n), 2) if scorer.may_meet(a, b)]
    best: list[float | None] = [None]

    def matchings(r: int, used: frozenset, free: list[int], limit: int):
        yield []
        if limit == 0:
            return
        for k, a in enumerate(free):
            for b in free[k + 1 :]:
                if (a, b) in allowed_set and (a, b) not in used and r in avail[a] & avail[b]:
                    rest = [x for x in free[k + 1 :] if x != b]
                    for m in matchings(r, used, rest, limit - 1):
                        yield [(a, b), *m]

    allowed_set = set(allowed)

    def go(r: int, used: frozenset, degree: tuple, total: float) -> None:
        if r > rules.rounds:
            holds = all(d >= k for d, k in zip(degree, need, strict=True)) and must <= used
            if holds and (best[0] is None or total > best[0] + 1e-9):
                best[0] = total
            return
        for m in matchings(r, used, list(range(n)), rules.tables):
            deg = list(degree)
            for a, b in m:
                deg[a] += 1
                deg[b] += 1
            gain = sum(scorer.pair(a, b) for a, b in m)
            go(r + 1, used | frozenset(m), tuple(deg), total + gain)

    go(1, frozenset(), (0,) * n, 0.0)
    return best[0]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
@given(small_instances())
def test_solver_matches_exhaustive_search(inst: Instance):
    result = solve(inst, time_limit=10, seed=0)
    best = brute_force(inst)
    if best is None:
        assert result.status == "infeasible"
        assert result.reasons
        return
    assert result.status == "optimal", result.reasons
    report = validate(inst, result.meetings)
    assert report.ok, report.violations
    assert result.objective <= result.bound + 1e-6
    assert abs(result.objective - best) < 1e-6


@st.composite
def medium_instances(draw) -> Instance:
    n = draw(st.integers(8, 40))
    rounds = draw(st.integers(2, 5))
    people = [
        person(
            f"m{i}@x.io",
            company=f"c{i // draw(st.integers(1, 3))}",
            kind=draw(st.sampled_from(["partner", "partner", "vendor", "distributor"])),
            region=draw(st.sampled_from(REGIONS)),
            offers=";".join(draw(st.sets(st.sampled_from(TAGS), max_size=3))),
            seeks=";".join(draw(st.sets(st.sampled_from(TAGS), max_size=3))),
            targets=";".join(draw(st.sets(st.sampled_from(REGIONS), max_size=2))),
            goals=draw(st.sampled_from(["", "meet_vendors", "find_partners", "expand_regions"])),
            rounds=draw(st.sets(st.integers(1, rounds), min_size=1) | st.none()),
        )
        for i in range(n)
    ]
    return instance(people, rounds, draw(st.integers(2, n // 2)), min_meetings=1)


@settings(max_examples=25, deadline=None, derandomize=True)
@given(medium_instances())
def test_every_schedule_is_valid_and_never_beats_its_bound(inst: Instance):
    result = solve(inst, time_limit=2, seed=0)
    if result.status in ("infeasible", "unknown"):
        assert result.reasons
        return
    report = validate(inst, result.meetings)
    assert report.ok, report.violations
    assert report.objective <= result.bound + 1e-6


@settings(max_examples=10, deadline=None, derandomize=True)
@given(medium_instances())
def test_progress_never_reports_a_score_above_the_bound(inst: Instance):
    reports = []
    solve(inst, time_limit=2, seed=0, progress=reports.append)
    assert all(p.objective <= p.bound + 1e-6 for p in reports)
