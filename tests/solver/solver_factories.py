"""Factories for small solver instances, shared by the solver tests."""

from __future__ import annotations

from collections.abc import Callable
from itertools import count

from solver.schema import Attendee, Instance, Meeting, Rules

_ids = count()


def person(
    email: str | None = None,
    *,
    company: str | None = None,
    kind: str = "partner",
    region: str = "EMEA",
    offers: str = "",
    seeks: str = "",
    targets: str = "",
    goals: str = "",
    rounds: set[int] | None = None,
    must: str = "",
    avoid: str = "",
    tier: str | None = None,
) -> Attendee:
    """An attendee; ``;``-separated strings for the list fields, a company of their own."""
    n = next(_ids)
    email = email or f"p{n}@example.com"

    def tags(s: str) -> frozenset[str]:
        return frozenset(t for t in s.split(";") if t)

    return Attendee(
        email=email,
        name=email.split("@")[0].title() + " Tester",
        company=company or f"{email}-co",
        kind=kind,
        region=region,
        offers=tags(offers),
        seeks=tags(seeks),
        target_regions=tags(targets),
        goals=tags(goals),
        available_rounds=frozenset(rounds) if rounds is not None else None,
        must_meet=tags(must),
        avoid=tags(avoid),
        tier=tier,
    )


def instance(
    people: list[Attendee],
    rounds: int,
    tables: int,
    min_meetings: int = 0,
    tier_minimums: dict[str, int] | None = None,
    pair_scores: dict[tuple[str, str], float] | None = None,
    pinned: list[tuple[int, int, str, str]] | None = None,
) -> Instance:
    """An instance; pair scores and pinned meetings are given by e-mail."""
    index = {p.email: i for i, p in enumerate(people)}
    scores = None
    if pair_scores is not None:
        scores = {tuple(sorted((index[a], index[b]))): s for (a, b), s in pair_scores.items()}
    return Instance(
        people,
        Rules(rounds, tables, min_meetings, tier_minimums or {}),
        pair_scores=scores,
        pinned=[Meeting(r, t, index[a], index[b]) for r, t, a, b in pinned or []],
    )


Factory = Callable[..., Instance]
