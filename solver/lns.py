"""The large-neighbourhood-search loop shared by the solve and the re-plan's fill.

Each step frees a neighbourhood of a ``Search`` (a cluster of attendees in some rounds) and
re-solves it exactly with CP-SAT; the neighbourhood's size adapts so each sub-solve proves
optimality in a fraction of its time. When one neighbourhood covers the whole instance, its
proof covers the whole problem and the loop stops.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from solver.search import Search


@dataclass
class NeighbourhoodSize:
    """Variables per sub-problem: grows after quick proofs, shrinks after unproved tries."""

    target: int = 2500
    floor: int = 200
    fast: float = 0.2  # seconds under which a proved sub-solve lets the next one grow

    def update(self, proved: bool, took: float) -> None:
        if proved and took < self.fast:
            self.target = int(self.target * 1.25)
        elif not proved:
            self.target = max(self.floor, int(self.target * 0.8))


def improve(
    search: Search,
    deadline: float,
    sub_time: float,
    workers: int,
    focus: Callable[[], list[int]],
    *,
    complete: bool = True,
    whole_gets_rest: bool = False,
    done: Callable[[], bool] = lambda: False,
    after_step: Callable[[bool], None] | None = None,
) -> bool:
    """Re-solve neighbourhoods of ``search`` until ``deadline`` or a proof; True when proved.

    Args:
        focus: attendees a neighbourhood should start from (empty: anyone).
        sub_time: seconds per sub-solve; adapts the size (``fast`` is 40% of it).
        complete: the search's pairs are every allowed pair, so a proof over the whole
            instance is a proof over the whole problem.
        whole_gets_rest: a neighbourhood of the whole instance may use all remaining time.
        done: checked before each step (e.g. the objective reached the bound).
        after_step: called with whether the step improved the schedule.
    """
    size = NeighbourhoodSize(fast=0.4 * sub_time)
    while time.perf_counter() < deadline and not done():
        chosen, rounds = search.neighbourhood(size.target, focus())
        whole = len(chosen) >= search.n and len(rounds) == search.state.rounds
        began = time.perf_counter()
        remaining = deadline - began
        limit = remaining if whole and whole_gets_rest else min(sub_time, remaining)
        improved, proved = search.resolve(chosen, rounds, limit, workers)
        if whole and proved and complete:
            return True
        size.update(proved, time.perf_counter() - began)
        if after_step is not None:
            after_step(improved)
    return False
