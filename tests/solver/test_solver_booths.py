"""Booths: tables owned by a company or a person (``Rules.table_owners``).

The owner's meetings take place at the owner's tables, in the solve, the infeasibility
explanation and the re-plan, and the independent checker catches a meeting off its booth.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from solver import rules
from solver.model import solve
from solver.replan import replan
from solver.schema import Instance, Meeting
from solver.validate import validate
from tests.solver.solver_factories import instance, person

NORTHWIND = "Northwind Cloud"


def booth_event(
    owners: dict[int, str], rounds: int = 3, tables: int = 4, min_meetings: int = 2, **kw
) -> Instance:
    """Two Northwind reps selling erp, eight partners seeking it, a few selling to each other."""
    people = [
        person("nina@northwind.io", company=NORTHWIND, kind="vendor", offers="erp;crm"),
        person("nick@northwind.io", company=NORTHWIND, kind="vendor", offers="erp;crm"),
    ] + [person(f"p{i}@x{i}.io", seeks="erp;crm", offers=f"t{i}", **kw) for i in range(8)]
    inst = instance(people, rounds, tables, min_meetings=min_meetings)
    return replace(inst, rules=replace(inst.rules, table_owners=owners))


def at(inst: Instance, meetings: list[Meeting], email: str) -> set[int]:
    """The tables ``email`` meets at."""
    i = inst.index[email]
    return {m.table for m in meetings if i in (m.a, m.b)}


def test_a_company_meets_only_at_its_booth_and_others_only_use_it_when_free() -> None:
    inst = booth_event({2: NORTHWIND}, min_meetings=1)
    result = solve(inst, time_limit=10, seed=1)
    assert result.status in ("optimal", "feasible"), result.reasons
    assert validate(inst, result.meetings).ok
    northwind = {inst.index["nina@northwind.io"], inst.index["nick@northwind.io"]}
    theirs = [m for m in result.meetings if {m.a, m.b} & northwind]
    assert theirs and {m.table for m in theirs} == {2}
    # one table: never both reps in one round; table 2 lent only in a round without them
    assert len({m.round for m in theirs}) == len(theirs)
    busy_rounds = {m.round for m in theirs}
    lent = [m for m in result.meetings if m.table == 2 and not {m.a, m.b} & northwind]
    assert all(m.round not in busy_rounds for m in lent)


def test_two_booths_of_one_company_hold_both_reps_in_one_round() -> None:
    inst = booth_event({1: NORTHWIND, 3: NORTHWIND}, rounds=2, min_meetings=0)
    result = solve(inst, time_limit=10, seed=1)
    assert validate(inst, result.meetings).ok
    assert at(inst, result.meetings, "nina@northwind.io") | at(
        inst, result.meetings, "nick@northwind.io"
    ) <= {1, 3}
    per_round = [
        sum(1 for m in result.meetings if m.round == r and m.table in (1, 3)) for r in (1, 2)
    ]
    assert per_round == [2, 2]  # both reps meet every round: erp buyers want them


def test_a_person_given_a_table_meets_there_and_a_meeting_of_two_owners_uses_one() -> None:
    inst = booth_event({4: "p0@x0.io", 1: NORTHWIND}, min_meetings=1)
    result = solve(inst, time_limit=10, seed=2)
    assert validate(inst, result.meetings).ok
    assert at(inst, result.meetings, "p0@x0.io") <= {1, 4}
    assert at(inst, result.meetings, "nina@northwind.io") <= {1, 4}
    mine = [m for m in result.meetings if inst.index["p0@x0.io"] in (m.a, m.b)]
    northwind = {inst.index["nina@northwind.io"], inst.index["nick@northwind.io"]}
    for m in mine:
        if not {m.a, m.b} & northwind:
            assert m.table == 4


def test_the_checker_catches_a_meeting_off_its_booth_and_an_owner_naming_nobody() -> None:
    inst = booth_event({2: NORTHWIND}, min_meetings=0)
    nina, p1 = inst.index["nina@northwind.io"], inst.index["p1@x1.io"]
    off = [Meeting(1, 1, min(nina, p1), max(nina, p1))]
    violations = validate(inst, off).violations
    assert [v.rule for v in violations if v.rule == "booth"] == ["booth"]
    assert "nina@northwind.io and p1@x1.io meet at table 1" in violations[0].message
    on = [Meeting(1, 2, min(nina, p1), max(nina, p1))]
    assert not [v for v in validate(inst, on).violations if v.rule == "booth"]
    typo = replace(inst, rules=replace(inst.rules, table_owners={2: "Northwnd"}))
    assert any("names nobody" in v.message for v in validate(typo, on).violations)


def test_too_few_booths_for_the_must_meets_is_infeasible_in_words() -> None:
    # the reps must meet two partners each in 3 rounds, but one table: 3 Northwind meetings fit
    inst = booth_event({2: NORTHWIND}, min_meetings=0)
    wants = {"nina@northwind.io": "p1@x1.io;p2@x2.io", "nick@northwind.io": "p3@x3.io;p4@x4.io"}
    people = [
        replace(p, must_meet=frozenset(wants.get(p.email, "").split(";")) - {""})
        for p in inst.attendees
    ]
    inst = replace(inst, attendees=people)
    result = solve(inst, time_limit=10, seed=1)
    assert result.status == "infeasible"
    text = " ".join(result.reasons)
    assert "Northwind Cloud owns 1 table, so at most 1 of its people can meet in one round" in text


def test_minimums_beyond_what_the_booths_hold_are_named_before_any_search() -> None:
    inst = booth_event({2: NORTHWIND}, rounds=3, min_meetings=2)
    result = solve(inst, time_limit=5)
    assert result.status == "infeasible"
    assert result.reasons == [
        "Northwind Cloud: 2 people need 4 meetings but 1 table over 3 rounds hold 3"
    ]


def test_a_pin_of_others_at_a_booth_stays_and_the_owner_meets_elsewhere_in_time() -> None:
    inst = booth_event({1: NORTHWIND}, rounds=3, tables=3, min_meetings=1)
    p5, p6 = inst.index["p5@x5.io"], inst.index["p6@x6.io"]
    pinned = replace(inst, pinned=[Meeting(1, 1, p5, p6)])  # lent in round 1, by hand
    result = solve(pinned, time_limit=10, seed=1)
    assert result.status in ("optimal", "feasible"), result.reasons
    assert validate(pinned, result.meetings).ok
    assert Meeting(1, 1, p5, p6) in result.meetings
    northwind = {inst.index["nina@northwind.io"], inst.index["nick@northwind.io"]}
    assert not [m for m in result.meetings if m.round == 1 and {m.a, m.b} & northwind]


def test_pinned_meetings_beyond_the_booths_and_unknown_owners_are_named() -> None:
    inst = booth_event({2: NORTHWIND, 3: "Nobody Ltd"}, min_meetings=0)
    pins = [
        Meeting(1, 2, *sorted((inst.index["nina@northwind.io"], inst.index["p1@x1.io"]))),
        Meeting(1, 3, *sorted((inst.index["nick@northwind.io"], inst.index["p2@x2.io"]))),
    ]
    result = solve(replace(inst, pinned=pins), time_limit=5)
    assert result.status == "infeasible"
    assert "Northwind Cloud has 2 people meeting in round 1 (pinned) but owns 1 table" in (
        result.reasons
    )
    assert "the owner of table 3, 'Nobody Ltd', is neither an attendee's e-mail nor a company" in (
        result.reasons
    )
    assert any("is at table 3, not at a table of Northwind Cloud" in r for r in result.reasons)
    named = replace(inst, rules=replace(inst.rules, table_names=("A1", "Booth A2", "Window")))
    nina, p1 = inst.index["nina@northwind.io"], inst.index["p1@x1.io"]
    off = validate(named, [Meeting(1, 3, min(nina, p1), max(nina, p1))]).violations
    assert "nina@northwind.io and p1@x1.io meet at Window in round 1; their own: Booth A2" in [
        v.message for v in off
    ]


def test_seating_moves_a_meeting_of_others_off_a_booth_its_owner_needs() -> None:
    inst = booth_event({1: NORTHWIND}, min_meetings=0)
    owners = rules.table_owners(inst)
    nina, p1, p2, p3 = (
        inst.index[e] for e in ("nina@northwind.io", "p1@x1.io", "p2@x2.io", "p3@x3.io")
    )
    lent = Meeting(1, 1, p2, p3)
    seated = rules.seat([lent], [(nina, p1, 1)], owners)
    assert {(m.table, m.a, m.b) for m in seated} == {(1, nina, p1), (2, p2, p3)}
    # others take the tables nobody owns first
    assert [m.table for m in rules.seat([], [(p2, p3, 1)], owners)] == [2]


def test_a_re_plan_after_an_absence_keeps_the_owner_at_the_booth() -> None:
    inst = booth_event({2: NORTHWIND}, min_meetings=1)
    built = solve(inst, time_limit=10, seed=1)
    assert built.status in ("optimal", "feasible")
    northwind = {inst.index["nina@northwind.io"], inst.index["nick@northwind.io"]}
    partners = sorted(
        ({m.a, m.b} - northwind).pop()
        for m in built.meetings
        if {m.a, m.b} & northwind and m.round >= 2
    )
    absent = {partners[0]}
    result = replan(inst, built.meetings, absent, from_round=2, time_limit=5)
    assert result.ok, result.reasons
    assert at(inst, result.meetings, "nina@northwind.io") == {2}
    assert at(inst, result.meetings, "nick@northwind.io") <= {2}


def test_a_re_plan_moves_meetings_built_before_the_booth_was_named_to_it() -> None:
    plain = booth_event({}, min_meetings=1)
    built = solve(plain, time_limit=10, seed=1)
    assert at(plain, built.meetings, "nina@northwind.io") | at(
        plain, built.meetings, "nick@northwind.io"
    ) != {3}  # the solver had no reason to put them all at table 3
    inst = replace(plain, rules=replace(plain.rules, table_owners={3: NORTHWIND}))
    result = replan(inst, built.meetings, set(), from_round=1, time_limit=5)
    assert result.ok, result.reasons
    assert validate(inst, result.meetings).ok
    assert at(inst, result.meetings, "nina@northwind.io") | at(
        inst, result.meetings, "nick@northwind.io"
    ) == {3}


ATTENDEES = (
    "email,name,company,kind,region,offers,seeks\n"
    "nina@northwind.io,Nina,Northwind Cloud,vendor,EMEA,erp,\n"
    "ana@a.io,Ana,A,partner,EMEA,,erp\n"
    "ben@b.io,Ben,B,partner,EMEA,,erp\n"
    "cy@c.io,Cy,C,partner,EMEA,,erp\n"
)


@pytest.mark.parametrize(
    ("owners", "code", "said"),
    [
        ("table,owner\n3,northwind cloud\n", 0, ""),
        ("table,owner\n3,Northwnd\n", 1, "Northwnd"),
        ("table,owner\n9,Northwind Cloud\n", 1, "must be a table from 1 to 3"),
    ],
)
def test_the_command_line_takes_a_table_owners_file(
    tmp_path: Path, owners: str, code: int, said: str
) -> None:
    (tmp_path / "attendees.csv").write_text(ATTENDEES)
    (tmp_path / "owners.csv").write_text(owners)
    common = ["--attendees", "attendees.csv", "--rounds", "3", "--tables", "3"]
    common += ["--table-owners", "owners.csv"]
    done = subprocess.run(
        [sys.executable, "-m", "solver", "solve", *common, "--time-limit", "5", "--out", "s.csv"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == code, done.stderr
    assert said in done.stderr
    if code == 0:
        rows = (tmp_path / "s.csv").read_text().splitlines()[1:]
        assert len(rows) == 3 and all(row.split(",")[1] == "3" for row in rows)
        check = subprocess.run(
            [sys.executable, "-m", "solver", "check", *common, "s.csv"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert check.returncode == 0, check.stdout


@pytest.mark.parametrize("exact", [True, False])
def test_a_100_person_event_with_booths_holds_them_in_the_solve_and_every_re_plan_path(
    exact: bool,
) -> None:
    """Neighbourhood search, Kempe swaps and the large-event fill and repair keep the booths."""
    from solver.synthetic import generate_event

    people = generate_event(100, 6, seed=3)
    reps: dict[str, int] = {}
    for p in people:
        if p.kind == "vendor":
            reps[p.company] = reps.get(p.company, 0) + 1
    vendors = sorted(reps)[:5]
    owners: dict[int, str] = {}
    for company in vendors:  # a booth per rep, one rep of the first sharing it
        for _ in range(max(1, reps[company] - (company == vendors[0]))):
            owners[len(owners) + 1] = company
    inst = instance(people, rounds=6, tables=40, min_meetings=3)
    inst = replace(inst, rules=replace(inst.rules, table_owners=owners))
    result = solve(inst, time_limit=10, seed=1)
    assert result.status in ("optimal", "feasible"), result.reasons
    assert validate(inst, result.meetings).ok
    booths = rules.table_owners(inst)
    owned = [m for m in result.meetings if booths.groups(m.a, m.b)]
    assert owned and all(m.table in owners for m in owned)
    absent = {m.a for m in owned if m.round >= 3}
    limits = {} if exact else {"exact_fill": 0, "exact_repair": 0}
    after = replan(inst, result.meetings, absent, from_round=3, time_limit=4, **limits)
    assert after.ok, after.reasons
    from solver.replan import adjusted_instance

    adjusted = adjusted_instance(inst, result.meetings, absent, 3)
    assert validate(adjusted, after.meetings).ok
