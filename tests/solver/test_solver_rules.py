"""One small test per hard rule of FORMATS.md section 4, each on a case where the rule binds."""

from __future__ import annotations

import pytest

from solver.model import solve
from solver.schema import Instance, SolveResult
from solver.score import Scorer
from solver.validate import validate
from tests.solver.solver_factories import instance, person


def solved(inst: Instance, seconds: float = 10) -> SolveResult:
    """Solve and insist the result holds every rule and respects its bound."""
    result = solve(inst, time_limit=seconds, seed=1)
    assert result.status in ("optimal", "feasible"), result.reasons
    report = validate(inst, result.meetings)
    assert report.ok, report.violations
    assert report.objective == pytest.approx(result.objective)
    assert result.objective <= result.bound + 1e-6
    return result


def pairs(inst: Instance, result: SolveResult) -> set[frozenset[str]]:
    people = inst.attendees
    return {frozenset((people[m.a].email, people[m.b].email)) for m in result.meetings}


def meets(inst: Instance, result: SolveResult, a: str, b: str) -> bool:
    return frozenset((a, b)) in pairs(inst, result)


def rounds_of(inst: Instance, result: SolveResult, email: str) -> list[int]:
    i = inst.index[email]
    return sorted(m.round for m in result.meetings if i in (m.a, m.b))


# A seller of "erp" to three buyers of it: everybody wants the seller.
def hub(n_buyers: int = 3, **kw) -> list:
    return [person("hub@x.io", offers="erp", **kw)] + [
        person(f"b{i}@x.io", seeks="erp") for i in range(n_buyers)
    ]


def test_one_meeting_per_attendee_per_round():
    inst = instance(hub(3), rounds=2, tables=5)
    result = solved(inst)
    hub_rounds = rounds_of(inst, result, "hub@x.io")
    assert hub_rounds == [1, 2]  # the hub is wanted by 3 but can only take one per round


def test_a_pair_meets_at_most_once():
    inst = instance([person("a@x.io", offers="erp"), person("b@y.io", seeks="erp")], 4, 2)
    result = solved(inst)
    assert len(result.meetings) == 1


def test_at_most_t_meetings_per_round():
    people = [person(f"s{i}@x.io", offers="erp") for i in range(4)] + [
        person(f"b{i}@y.io", seeks="erp") for i in range(4)
    ]
    inst = instance(people, rounds=2, tables=1)
    result = solved(inst)
    assert len(result.meetings) == 2
    assert sorted(m.round for m in result.meetings) == [1, 2]


def test_only_in_rounds_both_attend():
    people = [person("late@x.io", offers="erp", rounds={3}), person("b@y.io", seeks="erp")]
    inst = instance(people, rounds=3, tables=3)
    result = solved(inst)
    assert [m.round for m in result.meetings] == [3]


def test_colleagues_never_meet_even_when_perfectly_complementary():
    people = [
        person("a@acme.io", company="Acme", offers="erp", seeks="crm"),
        person("b@acme.io", company="ACME ", offers="crm", seeks="erp"),
        person("c@other.io", offers="web"),
    ]
    inst = instance(people, rounds=2, tables=2)
    result = solved(inst)
    assert not meets(inst, result, "a@acme.io", "b@acme.io")


def test_avoid_is_respected_from_either_side():
    people = [
        person("a@x.io", offers="erp", seeks="crm", avoid="b@y.io"),
        person("b@y.io", offers="crm", seeks="erp"),
        person("c@z.io"),
    ]
    inst = instance(people, rounds=2, tables=2)
    result = solved(inst)
    assert not meets(inst, result, "a@x.io", "b@y.io")


def test_must_meet_is_honoured_even_with_zero_score():
    people = hub(3) + [person("nobody@z.io", must="hub@x.io")]
    inst = instance(people, rounds=2, tables=2)
    result = solved(inst)
    assert meets(inst, result, "hub@x.io", "nobody@z.io")
    assert Scorer(inst).pair(0, inst.index["nobody@z.io"]) == 0


def test_every_attendee_gets_the_minimum_meetings():
    people = hub(3) + [person("loner@z.io", kind="vendor", region="NA")]
    inst = instance(people, rounds=3, tables=3, min_meetings=2)
    result = solved(inst)
    for p in people:
        assert len(rounds_of(inst, result, p.email)) >= 2


def test_minimum_is_capped_by_rounds_available():
    people = hub(3) + [person("brief@z.io", rounds={2})]
    inst = instance(people, rounds=3, tables=3, min_meetings=2)
    result = solved(inst)
    assert rounds_of(inst, result, "brief@z.io") == [2]


def test_sponsor_tier_guarantees_more_meetings():
    people = [person("gold@v.io", kind="vendor", tier="gold")] + [
        person(f"p{i}@p{i}.io", offers="erp", seeks="security", region="NA") for i in range(5)
    ]
    inst = instance(people, rounds=4, tables=3, tier_minimums={"gold": 4})
    result = solved(inst)
    assert len(rounds_of(inst, result, "gold@v.io")) == 4


def test_pinned_meetings_stay_where_they_were_put():
    people = hub(3)
    inst = instance(people, rounds=3, tables=3, pinned=[(2, 3, "hub@x.io", "b1@x.io")])
    result = solved(inst)
    pinned = [m for m in result.meetings if {m.a, m.b} == {0, inst.index["b1@x.io"]}]
    assert [(m.round, m.table) for m in pinned] == [(2, 3)]


def test_tables_numbered_from_one_and_distinct_per_round():
    people = [person(f"s{i}@x.io", offers="erp") for i in range(6)] + [
        person(f"b{i}@y.io", seeks="erp") for i in range(6)
    ]
    inst = instance(people, rounds=3, tables=4)
    result = solved(inst)
    for r in (1, 2, 3):
        tables = sorted(m.table for m in result.meetings if m.round == r)
        assert tables == list(range(1, len(tables) + 1))


def test_small_instance_is_proved_optimal():
    inst = instance(hub(3) + [person("x@q.io", offers="crm"), person("y@q2.io", seeks="crm")], 2, 3)
    result = solved(inst)
    assert result.status == "optimal"
    assert result.gap == 0


def test_validate_catches_each_broken_rule():
    from solver.schema import Meeting

    people = [
        person("a@acme.io", company="Acme", avoid="c@z.io", must="d@w.io"),
        person("b@acme.io", company="Acme"),
        person("c@z.io", rounds={1}),
        person("d@w.io"),
    ]
    inst = instance(people, rounds=2, tables=1, min_meetings=1)
    bad = [
        Meeting(1, 1, 0, 1),  # colleagues
        Meeting(1, 2, 0, 2),  # avoid, table 2 of 1, a twice in round 1, two meetings round 1
        Meeting(2, 1, 2, 3),  # c absent in round 2
        Meeting(2, 1, 3, 2),  # same pair again, same table twice
        Meeting(3, 1, 1, 3),  # round 3 does not exist
    ]
    rules = validate(inst, bad).counts()
    for rule in (
        "same_company",
        "avoid",
        "table",
        "one_per_round",
        "tables",
        "availability",
        "pair_once",
        "table_shared",
        "round",
        "must_meet",
    ):
        assert rules.get(rule), rule
    assert validate(inst, []).counts()["min_meetings"] == 4
