"""What organisers do today, for side-by-side comparison with the solver.

Two baselines, both deliberately simple and both honest about what they are:

* ``round_robin``: the rotating "speed dating" circle that event staff run with a whistle.
  Everybody sits in a random order and the circle turns one seat per round, so everyone meets
  a new face each round. It ignores who should meet whom and every rule beyond "one meeting at
  a time": colleagues meet each other, avoid and must-meet requests are ignored, and whoever is
  absent simply leaves their partner waiting.
* ``greedy``: the spreadsheet approach of a diligent organiser who does have a score: sort the
  pairs best first and put each into the first round where both people and a table are free.
  It respects the rules that are easy to see (same company, avoid, availability, tables) but
  it commits early, so it can neither trade one good meeting for two better ones nor
  guarantee anyone their minimum number of meetings.

The solver must beat both clearly for its extra machinery to be worth it; ``python -m bench``
prints the ratios.
"""

from __future__ import annotations

import random

import numpy as np

from solver.rules import must_pairs
from solver.schema import Instance, Meeting
from solver.score import Scorer

PARTNERS_KEPT = 30  # best allowed partners kept per attendee by greedy


def round_robin(instance: Instance, seed: int = 0) -> list[Meeting]:
    """Speed-dating circle with random seating: in each round the circle turns by one seat.

    The circle method (one seat fixed, everyone else rotating) gives every attendee a new partner
    each round and never repeats a pair; with an odd head count one seat is empty (a bye). A pair
    only meets if both are present that round; the first ``tables`` present pairs in seating
    order get tables 1.., the rest wait. Company, avoid, must-meet and minimum-meeting rules are
    not looked at: that is what organisers get today without a solver.
    """
    rules = instance.rules
    seats: list[int | None] = list(range(len(instance.attendees)))
    random.Random(seed).shuffle(seats)
    if len(seats) % 2:
        seats.append(None)  # the bye
    available = [a.rounds(rules.rounds) for a in instance.attendees]
    meetings: list[Meeting] = []
    size = len(seats)
    # A circle of `size` seats has size - 1 distinct rotations; later rounds would repeat pairs.
    for r in range(1, min(rules.rounds, size - 1) + 1):
        table = 0
        for k in range(size // 2):
            a, b = seats[k], seats[size - 1 - k]
            if a is None or b is None or table >= rules.tables:
                continue
            if r in available[a] and r in available[b]:
                table += 1
                meetings.append(Meeting(r, table, min(a, b), max(a, b)))
        # Keep seat 0, rotate the rest one seat clockwise.
        seats = [seats[0], seats[-1], *seats[1:-1]]
    return meetings


def greedy(instance: Instance, keep: int = PARTNERS_KEPT) -> list[Meeting]:
    """Best pairs first, each in the first round where both people and a table are free.

    Pinned meetings stay where they are; must-meet pairs go next (hardest first), then the ``keep``
    best allowed partners of every attendee, by score. Only allowed pairs (other company, no
    avoid, a shared round) are considered. Scores are read block by block so that 10,000
    attendees fit in bounded memory.

    Args:
        instance: the event.
        keep: partners kept per attendee; more makes the baseline slower, not much better.

    Returns:
        Meetings honouring company, avoid, availability, tables, one-per-round and pair-once
        rules; must-meet and minimum meetings are honoured only when the greedy order allows.
    """
    scorer = Scorer(instance)
    rules = instance.rules
    # Rounds as bit masks: bit r-1 is set while the attendee attends round r and is still free.
    free = [sum(1 << (r - 1) for r in a.rounds(rules.rounds)) for a in instance.attendees]
    taken: list[set[int]] = [set() for _ in range(rules.rounds + 1)]  # tables in use per round
    next_table = [1] * (rules.rounds + 1)  # lowest table not in use, per round
    full = 0  # bit mask of rounds whose tables are all in use
    met: set[tuple[int, int]] = set()
    meetings: list[Meeting] = []

    def book(m: Meeting) -> None:
        nonlocal full
        bit = 1 << (m.round - 1)
        meetings.append(m)
        met.add(m.pair)
        free[m.a] &= ~bit
        free[m.b] &= ~bit
        taken[m.round].add(m.table)
        while next_table[m.round] in taken[m.round]:
            next_table[m.round] += 1
        if next_table[m.round] > rules.tables:
            full |= bit

    def place(i: int, j: int) -> None:
        common = free[i] & free[j] & ~full
        if common and (min(i, j), max(i, j)) not in met:
            r = (common & -common).bit_length()  # lowest set bit: the earliest round that works
            book(Meeting(r, next_table[r], min(i, j), max(i, j)))

    for m in instance.pinned:
        if 1 <= m.round <= rules.rounds:
            book(m)

    # Hardest must-meet pairs first (fewest shared free rounds), so easy ones do not block them.
    must = sorted(must_pairs(instance), key=lambda p: ((free[p[0]] & free[p[1]]).bit_count(), p))
    for i, j in must:
        if scorer.may_meet(i, j):
            place(i, j)

    for i, j in _top_pairs(scorer, keep):
        place(i, j)
    return meetings


def _top_pairs(scorer: Scorer, keep: int) -> list[tuple[int, int]]:
    """Each attendee's ``keep`` best allowed partners, as unique pairs sorted best first."""
    best: dict[tuple[int, int], float] = {}
    for rows in scorer.row_blocks(256):
        scores = scorer.block(rows)
        scores[~scorer.allowed(rows)] = -np.inf
        scores[np.arange(len(rows)), rows] = -np.inf
        k = min(keep, scorer.n - 1)
        if k <= 0:
            break
        top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
        for r_k, i in enumerate(rows.tolist()):
            for j in top[r_k].tolist():
                value = scores[r_k, j]
                if value != -np.inf:
                    best[(min(i, j), max(i, j))] = float(value)
    return sorted(best, key=lambda p: (-best[p], p))
