"""Realistic agreed-meeting events for tests and benchmarks (FORMATS.md section 6).

Modelled on the business forums of the B2B meeting scheduling literature (Bofill et al., JAIR
74, 2022: 42-78 participants, 125-302 meetings, 8-22 slots): a morning and an afternoon session,
people who attend only one of them or miss a few slots (forbidden slots), a few very popular
vendors with 15-20 requests, most people with a handful, some meetings limited to a session and
a few fixed to a round. Every event generated can be placed: each meeting is given a round while
it is drawn (and its limits always include that round), so a benchmark measures the search,
never an accident of the generator.
"""

from __future__ import annotations

import csv
import io
import itertools
import math
import random
from dataclasses import dataclass

from solver.io import format_rounds
from solver.schema import Agreed, Attendee, Instance, Rules


@dataclass
class AgreedEvent:
    instance: Instance
    agreed: list[Agreed]

    def attendees_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["email", "name", "company", "kind", "region", "available_rounds"])
        for a in self.instance.attendees:
            rounds = format_rounds(a.available_rounds) if a.available_rounds is not None else ""
            writer.writerow([a.email, a.name, a.company, a.kind, a.region, rounds])
        return out.getvalue()

    def meetings_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["email_a", "email_b", "rounds", "round"])
        people = self.instance.attendees
        for m in self.agreed:
            writer.writerow(
                [
                    people[m.a].email,
                    people[m.b].email,
                    format_rounds(m.rounds) if m.rounds is not None else "",
                    m.round or "",
                ]
            )
        return out.getvalue()


def agreed_event(
    participants: int,
    meetings: int,
    rounds: int,
    seed: int = 0,
    tables: int | None = None,
    popular: int = 3,
    sessions: bool = True,
) -> AgreedEvent:
    """An event of ``participants`` people and about ``meetings`` agreed meetings (fewer when
    people's rounds run out) over ``rounds`` slots, morning and afternoon when ``sessions``."""
    rng = random.Random(seed)
    if tables is None:
        tables = max(2, math.ceil(1.25 * meetings / rounds))
    morning = frozenset(range(1, rounds // 2 + 1)) if sessions else frozenset()
    afternoon = frozenset(range(rounds // 2 + 1, rounds + 1)) if sessions else frozenset()
    everyone = frozenset(range(1, rounds + 1))
    vendors = max(popular + 1, participants // 4)
    people: list[Attendee] = []
    for i in range(participants):
        kind = "vendor" if i < vendors else "partner"
        chance = rng.random()
        if sessions and chance < 0.12:
            attends: frozenset[int] | None = morning
        elif sessions and chance < 0.22:
            attends = afternoon
        elif chance < 0.45:
            missed = rng.sample(sorted(everyone), rng.randint(1, max(1, rounds // 8)))
            attends = everyone - frozenset(missed)
        else:
            attends = None
        people.append(
            Attendee(
                email=f"{kind[0]}{i:04d}@forum{i % 97}.example",
                name=f"{kind.title()} {i}",
                company=f"Company {i}",
                kind=kind,
                region=rng.choice(["EMEA", "NA", "APAC", "LATAM"]),
                available_rounds=attends,
            )
        )
    instance = Instance(people, Rules(rounds, tables))
    open_rounds = [a.rounds(rounds) for a in people]
    # Requests go to vendors by popularity (a few stars, a long tail), and some between partners.
    weight = [
        (rng.uniform(15, 20) if i < popular else rng.paretovariate(1.6)) if i < vendors else 0.6
        for i in range(participants)
    ]
    people_range = range(participants)
    cumulative = list(itertools.accumulate(weight))
    cap = [max(0, len(r) - 1) for r in open_rounds]  # nobody fully booked: room for a coffee
    busy: list[set[int]] = [set() for _ in people]
    load = [0] * (rounds + 1)
    pairs: set[tuple[int, int]] = set()
    agreed: list[Agreed] = []
    attempts = 0
    while len(agreed) < meetings and attempts < 30 * meetings:
        attempts += 1
        b = rng.choices(people_range, cum_weights=cumulative)[0]
        a = rng.randrange(vendors, participants) if b < vendors else rng.randrange(participants)
        pair = (min(a, b), max(a, b))
        if a == b or pair in pairs or len(busy[a]) >= cap[a] or len(busy[b]) >= cap[b]:
            continue
        free = sorted(
            r
            for r in open_rounds[a] & open_rounds[b]
            if r not in busy[a] and r not in busy[b] and load[r] < tables
        )
        if not free:
            continue
        r = rng.choice(free)
        busy[a].add(r)
        busy[b].add(r)
        load[r] += 1
        pairs.add(pair)
        chance = rng.random()
        limit: frozenset[int] | None = None
        fixed = None
        if chance < 0.02:
            fixed = r
        elif sessions and chance < 0.12:
            limit = morning if r in morning else afternoon
        agreed.append(Agreed(pair[0], pair[1], limit, fixed, row=len(agreed) + 2))
    return AgreedEvent(instance, agreed)
