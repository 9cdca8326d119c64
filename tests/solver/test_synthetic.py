"""The synthetic event generator: deterministic, realistic, and readable by the importer."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from solver.io import parse_attendees
from solver.schema import KINDS, Attendee
from solver.synthetic import generate_event, write_attendees_csv


@pytest.fixture(scope="module")
def event() -> list[Attendee]:
    return generate_event(1000, 8, seed=7)


def test_same_seed_same_event_other_seed_other_event() -> None:
    assert generate_event(200, 6, seed=3) == generate_event(200, 6, seed=3)
    assert generate_event(200, 6, seed=3) != generate_event(200, 6, seed=4)


@pytest.mark.parametrize("n", [1, 2, 7, 120])
def test_exactly_n_attendees_with_unique_lower_case_emails(n: int) -> None:
    people = generate_event(n, 6, seed=n)
    assert len(people) == n
    assert len({a.email for a in people}) == n
    assert all(a.email == a.email.lower() and "@" in a.email for a in people)


def test_mix_of_kinds_regions_and_companies(event: list[Attendee]) -> None:
    kinds = Counter(a.kind for a in event)
    assert set(kinds) == set(KINDS)
    assert 0.6 < kinds["partner"] / len(event) < 0.8
    assert 0.1 < kinds["vendor"] / len(event) < 0.3
    assert 0.04 < kinds["distributor"] / len(event) < 0.16
    assert {a.region for a in event} == {"EMEA", "NA", "APAC", "LATAM"}
    reps = Counter(a.company for a in event)
    vendor_companies = {a.company for a in event if a.kind == "vendor"}
    assert sum(reps[c] >= 2 for c in vendor_companies) > len(vendor_companies) / 2
    assert any(reps[a.company] == 2 for a in event if a.kind == "partner")
    assert {a.tier for a in event if a.kind == "vendor"} >= {"platinum", "gold", "silver", None}
    assert all(a.tier is None for a in event if a.kind != "vendor")
    assert any(not a.name.isascii() for a in event)


def test_popular_topics_are_sought_by_many(event: list[Attendee]) -> None:
    """Zipf popularity: the most sought tag is wanted far more often than a typical one."""
    sought = Counter(t for a in event for t in a.seeks)
    counts = sorted(sought.values(), reverse=True)
    assert counts[0] > 4 * counts[len(counts) // 2]
    assert all(not (a.offers & a.seeks) for a in event if a.kind == "partner")


def test_some_people_come_late_or_leave_early(event: list[Attendee]) -> None:
    partial = [a for a in event if a.available_rounds is not None]
    assert 0.05 * len(event) < len(partial) < 0.2 * len(event)
    assert any(1 in a.available_rounds for a in partial)  # type: ignore[operator]
    assert any(8 in a.available_rounds for a in partial)  # type: ignore[operator]
    assert all(a.available_rounds and a.available_rounds < set(range(1, 9)) for a in partial)


def test_requests_name_real_people_and_can_all_hold(event: list[Attendee]) -> None:
    """Must-meet pairs: two companies, a shared round, no more requests than rounds attended."""
    by_email = {a.email: a for a in event}
    must: dict[str, set[str]] = {a.email: set() for a in event}
    avoid: set[frozenset[str]] = set()
    for a in event:
        for e in a.must_meet:
            must[a.email].add(e)
            must[e].add(a.email)
        avoid |= {frozenset((a.email, e)) for e in a.avoid}
        assert (a.must_meet | a.avoid) <= by_email.keys() - {a.email}
    pairs = {frozenset((x, y)) for x, ys in must.items() for y in ys}
    assert 10 <= len(pairs) <= 40
    assert 10 <= len(avoid) <= 40
    assert not pairs & avoid
    for pair in pairs:
        x, y = (by_email[e] for e in pair)
        assert x.company != y.company
        assert x.rounds(8) & y.rounds(8)
    assert all(len(must[a.email]) <= len(a.rounds(8)) for a in event)


def test_csv_parses_back_without_problems(event: list[Attendee], tmp_path: Path) -> None:
    path = tmp_path / "attendees.csv"
    write_attendees_csv(event, path)
    rows, problems = parse_attendees(path.read_bytes(), path.name)
    assert problems == []
    assert [r.attendee for r in rows] == event


def test_tiny_csv_parses_back(tmp_path: Path) -> None:
    """A few rows full of ';' lists must still be read as comma-separated."""
    people = generate_event(3, 4, seed=11)
    path = tmp_path / "tiny.csv"
    write_attendees_csv(people, path)
    rows, problems = parse_attendees(path.read_bytes(), path.name)
    assert problems == []
    assert [r.attendee for r in rows] == people
