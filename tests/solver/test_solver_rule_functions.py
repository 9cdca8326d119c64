"""Each rule of solver/rules.py on a tiny CP-SAT model: hard, soft and switched."""

from __future__ import annotations

from ortools.sat.python import cp_model

from solver import rules
from solver.schema import Meeting
from tests.solver.solver_factories import instance, person


def three_people(rounds: int = 1) -> rules.Choices:
    """a, b and c (0, 1, 2) may meet pairwise in every round."""
    choices = rules.Choices()
    for u, v in ((0, 1), (0, 2), (1, 2)):
        for r in range(rounds):
            choices.add((u, v), u, v, r)
    return choices


def solve(choices: rules.Choices, gains: list[int] | None = None, penalty: int = 100):
    rules.maximize_score(choices, gains or [1] * len(choices.variables), penalty)
    solver = cp_model.CpSolver()
    status = solver.solve(choices.model)
    return solver, status


def test_one_meeting_per_round_leaves_one_pair_of_three():
    choices = three_people()
    rules.one_meeting_per_round(choices)
    solver, status = solve(choices)
    assert status == cp_model.OPTIMAL
    assert solver.objective_value == 1


def test_a_pair_meets_once_over_two_rounds():
    choices = rules.Choices()
    for r in range(2):
        choices.add((0, 1), 0, 1, r)
    rules.pair_meets_once(choices)
    solver, _ = solve(choices)
    assert solver.objective_value == 1


def test_table_capacity_caps_a_round():
    choices = rules.Choices()
    choices.add((0, 1), 0, 1, 0)
    choices.add((2, 3), 2, 3, 0)
    rules.table_capacity(choices, lambda r: 1)
    solver, _ = solve(choices)
    assert solver.objective_value == 1


def test_a_hard_must_meet_beats_the_score():
    choices = three_people()
    rules.one_meeting_per_round(choices)
    rules.must_meet(choices, [(1, 2)], rules.HARD)
    solver, status = solve(choices, gains=[5, 5, 1])
    assert status == cp_model.OPTIMAL
    assert [solver.boolean_value(x) for x in choices.variables] == [False, False, True]


def test_a_hard_must_meet_without_a_slot_is_infeasible():
    choices = three_people()
    rules.must_meet(choices, [(0, 3)], rules.HARD)
    _, status = solve(choices)
    assert status == cp_model.INFEASIBLE


def test_a_soft_must_meet_costs_its_penalty_when_missed():
    choices = three_people()
    rules.must_meet(choices, [(0, 3)], rules.SOFT)
    solver, status = solve(choices, penalty=100)
    assert status == cp_model.OPTIMAL
    assert solver.objective_value == 3 - 100


def test_switched_rules_name_the_conflict():
    choices = three_people()  # one round: nobody can meet two people
    rules.one_meeting_per_round(choices)
    rules.pair_meets_once(choices)
    rules.minimum_meetings(
        choices, lambda a: 2 if a == 0 else 0, rules.SWITCHED, names=lambda a, n: f"{a} needs {n}"
    )
    solver, status = solve(choices)
    assert status == cp_model.INFEASIBLE
    core = solver.sufficient_assumptions_for_infeasibility()
    assert [choices.switches[i] for i in core] == ["0 needs 2"]


def test_a_soft_minimum_counts_each_missing_meeting():
    choices = three_people()
    rules.one_meeting_per_round(choices)
    rules.minimum_meetings(choices, lambda a: 2, rules.SOFT, people=[0])
    solver, _ = solve(choices, penalty=10)
    assert solver.objective_value == 1 - 10  # one meeting, one short


def test_colleagues_avoid_and_availability():
    a, b = person("a@x.io", company=" Acme "), person("b@x.io", company="acme")
    c = person("c@x.io", avoid="a@x.io")
    assert rules.colleagues(a, b) and not rules.colleagues(a, c)
    assert rules.avoided(a, c) and rules.avoided(c, a) and not rules.avoided(a, b)
    assert rules.both_available([[1, 0], [1, 1]], 0, 1, 0)
    assert not rules.both_available([[1, 0], [1, 1]], 0, 1, 1)


def test_must_pairs_minimums_and_shortfall():
    people = [person("a@x.io", must="b@x.io", tier="gold"), person("b@x.io"), person("c@x.io")]
    inst = instance(people, rounds=3, tables=2, min_meetings=1, tier_minimums={"gold": 2})
    assert rules.must_pairs(inst) == {(0, 1)}
    assert rules.minimums(inst) == [2, 1, 1]
    assert rules.shortfall([2, 1, 1], [1, 1, 0], missing_must=1) == 3


def test_seat_keeps_tables_and_gives_new_meetings_the_lowest_free_one():
    pinned = [Meeting(1, 2, 0, 1)]
    seated = rules.seat(pinned, [(2, 3, 1), (4, 5, 1), (2, 4, 2)])
    assert seated == [
        Meeting(1, 2, 0, 1),
        Meeting(1, 1, 2, 3),
        Meeting(1, 3, 4, 5),
        Meeting(2, 1, 2, 4),
    ]
