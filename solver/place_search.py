"""Local search for ``place``: simulated annealing with Kempe-chain moves on rounds.

A move takes one meeting and another round it may take, and swaps the two rounds along its
Kempe chain: the meetings of those two rounds connected to it through shared people (if Ana's
meeting moves from round 3 to round 5 and Ana already meets Ben in round 5, that meeting moves
to round 3, and so on). A chain never puts anybody in two meetings at once, so every move keeps
the rules, provided each meeting of the chain may take the other round and both rounds keep
within the tables. Its cost is the change in breaks of the people on the chain, counted
directly, so a move costs microseconds and a few seconds try hundreds of thousands. Moves that
add breaks are taken with a probability that falls as the search cools (annealing), so it
leaves local optima; the best placement seen is returned.
"""

from __future__ import annotations

import math
import random
import time

from solver.rules import count_breaks
from solver.schema import Agreed

MAX_CHAIN = 60  # meetings in one chain: longer ones are rarely worth their cost
UNFAIR = 5  # cost of each break of spread beyond --fairness, in breaks
MISSING = 4  # cost of a meeting not placed yet, in breaks (an incomplete start is completed)
HOT, COLD = 0.7, 0.05  # temperatures at the start and the end, in breaks (tuned on forums)


def anneal(
    agreed: list[Agreed],
    allowed: list[frozenset[int]],
    people: int,
    tables: int,
    start: dict[int, int],
    deadline: float,
    seed: int = 0,
    floor: int = 0,
    fairness: int | None = None,
    steps: int | None = None,
) -> dict[int, int]:
    """The placement with the fewest breaks found from ``start`` (meeting -> round) until
    ``deadline``, or until it reaches ``floor`` (a lower bound). Meetings ``start`` leaves out
    are put in by moves that take a round from the meetings in their way (which then wait
    for a round of their own), each meeting left out costing ``MISSING`` breaks. With
    ``fairness``, each break by which the spread of breaks exceeds it costs ``UNFAIR`` breaks.
    The best placement is the best complete and fair one seen. ``steps``: at most this many
    moves tried (default: 20,000 per meeting), so a small event does not anneal all the time."""
    rng = random.Random(seed)
    ends = [(m.a, m.b) for m in agreed]
    options = [sorted(r) for r in allowed]
    movable = [k for k in range(len(agreed)) if len(options[k]) > 1 or k not in start]
    at = dict(start)
    unplaced = {k for k in range(len(agreed)) if k not in at and options[k]}
    if not movable:
        return dict(start)
    busy: list[dict[int, int]] = [{} for _ in range(people)]  # person -> round -> meeting
    load: dict[int, int] = {}
    for k, r in at.items():
        a, b = ends[k]
        busy[a][r] = k
        busy[b][r] = k
        load[r] = load.get(r, 0) + 1
    breaks = [count_breaks(busy[p]) for p in range(people)]
    histogram: dict[int, int] = {}
    for value in breaks:
        histogram[value] = histogram.get(value, 0) + 1

    def excess() -> int:
        if fairness is None:
            return 0
        present = [v for v, n in histogram.items() if n]
        return max(0, max(present) - min(present) - fairness)

    total = sum(breaks)
    unfair = excess()
    complete = not unplaced and unfair == 0
    best, best_total = (dict(at), total) if complete else ({}, 1 << 30)
    began = time.perf_counter()
    span = max(1e-3, deadline - began)
    budget = steps if steps is not None else 20000 * len(agreed)
    hot, cold = HOT, COLD
    step = 0
    temperature = hot
    while True:
        step += 1
        if step % 256 == 0:
            now = time.perf_counter()
            if now >= deadline or best_total <= floor or step >= budget:
                break
            done = max((now - began) / span, step / budget)
            temperature = hot * (cold / hot) ** done
        if unplaced and rng.random() < 0.5:
            k = rng.choice(tuple(unplaced))
            y = options[k][rng.randrange(len(options[k]))]
            a, b = ends[k]
            ejected = [m for m in dict.fromkeys((busy[a].get(y), busy[b].get(y))) if m is not None]
            if load.get(y, 0) - len(ejected) + 1 > tables:
                continue
            touched = {p for m in ejected for p in ends[m]} | {a, b}
            before = sum(breaks[p] for p in touched)
            for m in ejected:
                _lift(m, at, ends, busy)
            _put(k, y, at, ends, busy)
            missing = len(ejected) - 1
            chain: list[int] = []
        else:
            k = movable[rng.randrange(len(movable))]
            if k not in at:
                continue
            x = at[k]
            y = options[k][rng.randrange(len(options[k]))]
            if y == x:
                continue
            found = _chain(k, x, y, at, ends, busy)
            if found is None:
                continue
            chain = found
            moved_to_y = sum(1 for m in chain if at[m] == x)
            moved_to_x = len(chain) - moved_to_y
            if load.get(y, 0) + moved_to_y - moved_to_x > tables:
                continue
            if load.get(x, 0) + moved_to_x - moved_to_y > tables:
                continue
            if any((y if at[m] == x else x) not in allowed[m] for m in chain):
                continue
            touched = {p for m in chain for p in ends[m]}
            before = sum(breaks[p] for p in touched)
            _swap(chain, x, y, at, ends, busy)
            missing = 0
        after = {p: count_breaks(busy[p]) for p in touched}
        change = sum(after.values()) - before
        if fairness is not None:
            _shift(histogram, breaks, after)
        new_unfair = excess()
        delta = change + UNFAIR * (new_unfair - unfair) + MISSING * missing
        if delta <= 0 or rng.random() < math.exp(-delta / temperature):
            for p, value in after.items():
                breaks[p] = value
            total += change
            unfair = new_unfair
            if chain:
                load[y] = load.get(y, 0) + moved_to_y - moved_to_x
                load[x] = load.get(x, 0) + moved_to_x - moved_to_y
            else:
                load[y] = load.get(y, 0) + 1 - len(ejected)
                unplaced.discard(k)
                unplaced.update(ejected)
            if not unplaced and unfair == 0 and total < best_total:
                best, best_total = dict(at), total
        else:
            if fairness is not None:
                _shift(histogram, after, {p: breaks[p] for p in after})
            if chain:
                _swap(chain, y, x, at, ends, busy)  # undo: every meeting back to its round
            else:
                _lift(k, at, ends, busy)
                for m in ejected:
                    _put(m, y, at, ends, busy)
    if best:
        return best
    return at  # nothing complete and fair seen: the caller sees what is missing


def _lift(
    m: int, at: dict[int, int], ends: list[tuple[int, int]], busy: list[dict[int, int]]
) -> None:
    """Take meeting ``m`` out of its round."""
    for p in ends[m]:
        del busy[p][at[m]]
    del at[m]


def _put(
    m: int, r: int, at: dict[int, int], ends: list[tuple[int, int]], busy: list[dict[int, int]]
) -> None:
    """Put meeting ``m`` in round ``r`` (both people free there)."""
    at[m] = r
    for p in ends[m]:
        busy[p][r] = m


def _shift(histogram: dict[int, int], old: list[int] | dict[int, int], new: dict[int, int]) -> None:
    """Move the people of ``new`` from their ``old`` break counts to the new ones."""
    for p, value in new.items():
        histogram[old[p]] -= 1
        histogram[value] = histogram.get(value, 0) + 1


def _chain(
    k: int,
    x: int,
    y: int,
    at: dict[int, int],
    ends: list[tuple[int, int]],
    busy: list[dict[int, int]],
) -> list[int] | None:
    """Meetings of rounds ``x`` and ``y`` connected to meeting ``k`` (in ``x``) through shared
    people; None when the chain is longer than MAX_CHAIN."""
    chain = [k]
    seen = {k}
    i = 0
    while i < len(chain):
        m = chain[i]
        i += 1
        other = y if at[m] == x else x
        for p in ends[m]:
            n = busy[p].get(other)
            if n is not None and n not in seen:
                seen.add(n)
                chain.append(n)
                if len(chain) > MAX_CHAIN:
                    return None
    return chain


def _swap(
    chain: list[int],
    x: int,
    y: int,
    at: dict[int, int],
    ends: list[tuple[int, int]],
    busy: list[dict[int, int]],
) -> None:
    """Swap rounds ``x`` and ``y`` of every meeting of the chain."""
    for m in chain:
        for p in ends[m]:
            del busy[p][at[m]]
    for m in chain:
        at[m] = y if at[m] == x else x
        for p in ends[m]:
            busy[p][at[m]] = m
