"""The baselines: round robin keeps the mechanics of a speed-dating circle, greedy the rules."""

from __future__ import annotations

from collections import Counter
from itertools import combinations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solver.baselines import greedy, round_robin
from solver.schema import Attendee, Instance, Meeting, Rules
from solver.synthetic import generate_event
from solver.validate import validate

# Rules a speed-dating circle keeps by construction; greedy also keeps company and avoid.
MECHANICS = {
    "round",
    "table",
    "table_shared",
    "tables",
    "one_per_round",
    "pair_once",
    "availability",
}
GREEDY_RULES = MECHANICS | {"same_company", "avoid", "attendee"}


def person(k: int, company: str | None = None, **fields: object) -> Attendee:
    """A small attendee; each in their own company unless told."""
    return Attendee(
        email=f"p{k}@x{k}.com",
        name=f"Person {k}",
        company=company or f"Company {k}",
        kind="partner",
        region="EMEA",
        **fields,  # type: ignore[arg-type]
    )


def broken(instance: Instance, meetings: list[Meeting], rules: set[str]) -> dict[str, int]:
    """Violations of the given rules, per rule."""
    return {r: k for r, k in validate(instance, meetings).counts().items() if r in rules}


# -- round robin ----------------------------------------------------------------------------


@pytest.mark.parametrize("n", [2, 7, 8, 13])
def test_round_robin_meets_everyone_once_over_a_full_circle(n: int) -> None:
    """With enough rounds and tables, the circle pairs everybody with everybody exactly once."""
    rounds = n - 1 if n % 2 == 0 else n
    instance = Instance([person(k) for k in range(n)], Rules(rounds, n))
    meetings = round_robin(instance, seed=1)
    assert Counter(m.pair for m in meetings) == Counter(combinations(range(n), 2))
    assert broken(instance, meetings, MECHANICS) == {}


def test_round_robin_gives_a_bye_with_an_odd_count() -> None:
    """Seven people: three meetings per round, a different person sitting out each round."""
    instance = Instance([person(k) for k in range(7)], Rules(7, 10))
    meetings = round_robin(instance)
    per_round = Counter(m.round for m in meetings)
    assert set(per_round.values()) == {3}
    sitting_out = [
        set(range(7)) - {x for m in meetings if m.round == r for x in m.pair} for r in range(1, 8)
    ]
    assert all(len(s) == 1 for s in sitting_out)
    assert len(set.union(*sitting_out)) == 7


def test_round_robin_fills_only_the_tables_there_are() -> None:
    """Twenty people, three tables: three meetings per round at tables 1-3, the rest wait."""
    instance = Instance([person(k) for k in range(20)], Rules(5, 3))
    meetings = round_robin(instance, seed=4)
    assert Counter(m.round for m in meetings) == {r: 3 for r in range(1, 6)}
    assert {m.table for m in meetings} == {1, 2, 3}
    assert broken(instance, meetings, MECHANICS) == {}


def test_round_robin_skips_pairs_with_someone_absent() -> None:
    """Absent people do not show up: no meeting of theirs in rounds they miss."""
    people = [person(k, available_rounds=frozenset({1, 2}) if k < 3 else None) for k in range(10)]
    instance = Instance(people, Rules(6, 10))
    meetings = round_robin(instance, seed=2)
    assert all(m.round <= 2 for m in meetings if m.a < 3 or m.b < 3)
    assert broken(instance, meetings, MECHANICS) == {}


def test_round_robin_stops_before_repeating_pairs() -> None:
    """Four people have only three distinct rotations, however many rounds the event has."""
    instance = Instance([person(k) for k in range(4)], Rules(10, 5))
    meetings = round_robin(instance)
    assert max(m.round for m in meetings) == 3
    assert broken(instance, meetings, MECHANICS) == {}


def test_round_robin_seating_depends_on_the_seed_only() -> None:
    instance = Instance([person(k) for k in range(30)], Rules(4, 15))
    assert round_robin(instance, seed=5) == round_robin(instance, seed=5)
    assert round_robin(instance, seed=5) != round_robin(instance, seed=6)


def test_round_robin_makes_colleagues_meet() -> None:
    """Why it is a poor baseline: it seats colleagues together and ignores must-meet."""
    people = [person(k, company="Acme" if k < 4 else "Globex") for k in range(8)]
    people[0] = person(0, company="Acme", avoid=frozenset({"p4@x4.com"}))
    instance = Instance(people, Rules(7, 4))
    counts = validate(instance, round_robin(instance)).counts()
    assert counts["same_company"] == 12  # every colleague pair of both companies
    assert counts["avoid"] == 1


# -- greedy ---------------------------------------------------------------------------------


def test_greedy_takes_the_best_pair_first() -> None:
    """Three people, one round: the pair with the most offer/seek overlap gets the table."""
    people = [
        person(0, offers=frozenset({"erp"}), seeks=frozenset({"security"})),
        person(1, offers=frozenset({"security"}), seeks=frozenset({"erp"})),
        person(2, offers=frozenset({"erp"})),
    ]
    instance = Instance(people, Rules(1, 1))
    assert greedy(instance) == [Meeting(1, 1, 0, 1)]


def test_greedy_puts_must_meet_pairs_first() -> None:
    """A must-meet pair with no score still gets the only table before a well-matched pair."""
    people = [
        person(0, offers=frozenset({"erp"}), seeks=frozenset({"security"})),
        person(1, offers=frozenset({"security"}), seeks=frozenset({"erp"})),
        person(2, must_meet=frozenset({"p3@x3.com"})),
        person(3),
    ]
    instance = Instance(people, Rules(1, 1))
    assert greedy(instance) == [Meeting(1, 1, 2, 3)]


def test_greedy_keeps_pinned_meetings_and_their_tables() -> None:
    instance = Instance([person(k) for k in range(6)], Rules(2, 2), pinned=[Meeting(1, 1, 4, 5)])
    meetings = greedy(instance)
    assert Meeting(1, 1, 4, 5) in meetings
    assert broken(instance, meetings, GREEDY_RULES) == {}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_greedy_keeps_the_rules_on_realistic_events(seed: int) -> None:
    """On generated events greedy breaks none of its rules and honours every must-meet."""
    n, rounds = 150, 6
    instance = Instance(generate_event(n, rounds, seed=seed), Rules(rounds, n // 3, 3))
    meetings = greedy(instance)
    counts = validate(instance, meetings).counts()
    assert {r: k for r, k in counts.items() if r in GREEDY_RULES | {"must_meet"}} == {}
    assert any(a.must_meet for a in instance.attendees)


@st.composite
def small_events(draw: st.DrawFn) -> Instance:
    """Tiny events with colleagues, partial availability, avoid and must-meet requests."""
    n = draw(st.integers(2, 12))
    rounds = draw(st.integers(1, 4))
    tables = draw(st.integers(1, 4))
    tags = st.frozensets(st.sampled_from(["erp", "security", "iot", "crm"]), max_size=2)
    people = []
    for k in range(n):
        others = st.sampled_from([f"p{j}@x{j}.com" for j in range(n) if j != k])
        people.append(
            person(
                k,
                company=f"C{draw(st.integers(0, 4))}",
                offers=draw(tags),
                seeks=draw(tags),
                available_rounds=draw(
                    st.none() | st.frozensets(st.integers(1, rounds), min_size=1)
                ),
                avoid=draw(st.frozensets(others, max_size=1)),
                must_meet=draw(st.frozensets(others, max_size=1)),
            )
        )
    return Instance(people, Rules(rounds, tables, draw(st.integers(0, 2))))


@settings(max_examples=60, deadline=None)
@given(small_events())
def test_baselines_keep_their_rules_on_any_small_event(instance: Instance) -> None:
    assert broken(instance, greedy(instance), GREEDY_RULES) == {}
    assert broken(instance, round_robin(instance), MECHANICS) == {}
