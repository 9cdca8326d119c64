"""The re-plan moves its new meetings to where they leave fewer breaks, and nothing else."""

from __future__ import annotations

import random

import pytest

import solver.replan as replanning
from solver.model import solve
from solver.replan import replan
from solver.replan_phases import Plan, meeting_key
from solver.rules import schedule_breaks
from solver.schema import Instance, Meeting, Rules
from solver.score import Scorer
from solver.synthetic import generate_event
from solver.validate import validate
from tests.solver.solver_factories import person


@pytest.fixture(scope="module")
def solved() -> tuple[Instance, list]:
    inst = Instance(generate_event(60, 8, seed=3), Rules(8, 30, min_meetings=4))
    result = solve(inst, time_limit=6, seed=1)
    assert result.status in ("optimal", "feasible")
    return inst, result.meetings


def test_the_re_plan_with_the_step_is_no_worse_and_changes_nothing_else(
    solved, monkeypatch
) -> None:
    inst, current = solved
    absent = set(random.Random(4).sample(range(len(inst.attendees)), 8))
    plain_calls: list[int] = []

    def unchanged(*args, **kwargs):
        plain_calls.append(1)
        return None

    with monkeypatch.context() as patch:
        patch.setattr(replanning, "fewer_breaks", unchanged)
        plain = replan(inst, current, absent, 3, time_limit=6, seed=2)
    assert plain_calls, "the step ran (and was skipped)"
    compact = replan(inst, current, absent, 3, time_limit=6, seed=2)
    n = len(inst.attendees)
    assert validate(replanning.adjusted_instance(inst, current, absent, 3), compact.meetings).ok
    assert sum(schedule_breaks(n, compact.meetings)) <= sum(schedule_breaks(n, plain.meetings))
    assert compact.stats["breaks"] == sum(schedule_breaks(n, compact.meetings))
    # The same meetings changed for present people, the same number of them told.
    assert (compact.changed, compact.disturbed) == (plain.changed, plain.disturbed)
    assert len(compact.affected) <= len(plain.affected) + compact.added
    pairs = lambda ms: sorted(m.pair for m in ms)  # noqa: E731
    assert pairs(compact.meetings) == pairs(plain.meetings), "same pairs, so the same score"


def test_a_new_meeting_moves_next_to_the_others_and_kept_ones_stay() -> None:
    # Ana (0) met Ben and Cara in rounds 1-2; from round 3 the fill gives her Dan in round 6.
    # Eve (4) keeps her meeting with Ben (1) in round 5: it is kept, so it stays.
    people = [person(f"{name}@x.io") for name in ("ana", "ben", "cara", "dan", "eve")]
    inst = Instance(people, Rules(6, 3))
    current = [Meeting(1, 1, 0, 1), Meeting(2, 1, 0, 2), Meeting(5, 1, 1, 4)]
    adjusted = replanning.adjusted_instance(inst, current, set(), 3)
    plan = Plan(adjusted, Scorer(adjusted), current, 3, set())
    chosen = {meeting_key(m) for m in plan.kept} | {(0, 3, 6)}
    moved = replanning._fewer_breaks(plan, chosen, 1.0, seed=0)
    assert (0, 3, 3) in moved, moved
    assert {meeting_key(m) for m in plan.kept} <= moved
