"""When the hard rules cannot all hold, the solver says which rule and which attendees."""

from __future__ import annotations

import solver.model
from solver.model import solve
from solver.schema import Violation
from solver.validate import Report
from tests.solver.solver_factories import instance, person


def reasons(inst) -> str:
    result = solve(inst, time_limit=10, seed=0)
    assert result.status == "infeasible"
    assert result.meetings == []
    return " | ".join(result.reasons)


def test_must_meet_without_a_shared_round():
    people = [
        person("a@x.io", rounds={1}, must="b@y.io"),
        person("b@y.io", rounds={2}),
    ]
    text = reasons(instance(people, rounds=2, tables=2))
    assert (
        "must_meet between a@x.io and b@y.io is impossible: they share no available round" in text
    )


def test_must_meet_with_a_colleague():
    people = [
        person("a@acme.io", company="Acme", must="b@acme.io"),
        person("b@acme.io", company="Acme"),
    ]
    text = reasons(instance(people, rounds=2, tables=2))
    assert "a@acme.io and b@acme.io" in text and "both work for Acme" in text


def test_must_meet_someone_avoided():
    people = [person("a@x.io", must="b@y.io"), person("b@y.io", avoid="a@x.io")]
    text = reasons(instance(people, rounds=2, tables=2))
    assert "asked to avoid" in text


def test_more_must_meets_than_rounds():
    people = [person("a@x.io", must="b@y.io;c@z.io")] + [person(e) for e in ("b@y.io", "c@z.io")]
    text = reasons(instance(people, rounds=1, tables=2))
    assert "a@x.io has 2 must-meet requests but attends only 1 rounds" in text


def test_minimum_beyond_allowed_partners():
    people = [
        person("a@acme.io", company="Acme"),
        person("b@acme.io", company="Acme"),
        person("c@z.io"),
    ]
    text = reasons(instance(people, rounds=3, tables=3, min_meetings=2))
    assert "a@acme.io needs 2 meetings but only 1 attendees may meet them" in text


def test_not_enough_tables_for_the_minimum():
    people = [person(f"p{i}@p{i}.io") for i in range(6)]
    text = reasons(instance(people, rounds=2, tables=1, min_meetings=1))
    assert "tables" in text and "hold only 2" in text


def test_conflict_only_a_search_can_find_is_explained():
    # Three people who must all meet each other need three rounds; two exist. No single
    # request is impossible, so the reason comes from CP-SAT's infeasible core.
    people = [
        person("x@x.io", must="y@y.io;z@z.io"),
        person("y@y.io", must="z@z.io"),
        person("z@z.io"),
        person("u@u.io"),
        person("v@v.io"),
    ]
    text = reasons(instance(people, rounds=2, tables=3))
    assert "cannot all hold together" in text
    assert "must meet" in text


def test_conflicting_pins_are_reported_not_crashed_on():
    people = [person(f"{c}@{c}.io") for c in "abcd"]
    pins = [
        (1, 1, "a@a.io", "b@b.io"),
        (1, 1, "c@c.io", "d@d.io"),  # same table
        (1, 2, "a@a.io", "c@c.io"),  # a twice in round 1
        (2, 1, "a@a.io", "b@b.io"),  # a and b twice
        (2, 9, "c@c.io", "d@d.io"),  # no table 9
    ]
    text = reasons(instance(people, rounds=2, tables=2, pinned=pins))
    assert "already pinned to another meeting" in text
    assert "a@a.io has two pinned meetings in round 1" in text
    assert "pinned to meet twice" in text
    assert "at table 9, outside" in text


def test_a_schedule_failing_the_check_is_a_result_not_a_crash(monkeypatch):
    """Should the search ever break a rule, the caller gets "unknown" with reasons, no trace."""
    broken = Report([Violation("tables", "round 1 has 3 meetings for 2 tables")])
    monkeypatch.setattr(solver.model, "validate", lambda *args: broken)
    people = [person("a@x.io"), person("b@y.io")]
    result = solve(instance(people, rounds=2, tables=2), time_limit=5, seed=0)
    assert result.status == "unknown"
    assert result.meetings == []
    assert "internal error" in result.reasons[0]
    assert "round 1 has 3 meetings for 2 tables" in result.reasons
