"""Candidate pairs: whom each attendee may meet in the search, with integer scores."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from solver.score import Scorer

SCALE = 100  # scores are cents; CP-SAT works in integers


@dataclass
class Candidates:
    """Candidate pairs (first < second) with integer scores, growable as the search needs."""

    first: list[int]
    second: list[int]
    weight: list[int]  # score * SCALE
    must: list[bool]
    adjacent: list[list[int]]  # candidate pair ids per attendee
    index: dict[tuple[int, int], int]
    simple_bound: float
    complete: bool = False  # every allowed pair is a candidate

    @classmethod
    def empty(cls, n: int) -> Candidates:
        """No pairs yet among ``n`` attendees."""
        return cls([], [], [], [], [[] for _ in range(n)], {}, 0.0)

    def add(self, a: int, b: int, weight: int, must: bool = False) -> int:
        """Add pair (a, b) unless present; return its id."""
        key = (a, b) if a < b else (b, a)
        pair = self.index.get(key)
        if pair is not None:
            self.must[pair] = self.must[pair] or must
            return pair
        pair = len(self.first)
        self.first.append(key[0])
        self.second.append(key[1])
        self.weight.append(weight)
        self.must.append(must)
        self.adjacent[key[0]].append(pair)
        self.adjacent[key[1]].append(pair)
        self.index[key] = pair
        return pair

    def other(self, pair: int, person: int) -> int:
        """The other side of ``pair`` from ``person``."""
        return self.first[pair] if self.second[pair] == person else self.second[pair]


def candidate_pairs(
    scorer: Scorer, k: int, slots: np.ndarray, forced: set[tuple[int, int]]
) -> Candidates:
    """Each attendee's k best allowed partners, plus forced pairs, plus a simple bound.

    ``slots[i]``: rounds attendee i attends, so the bound counts their best ``slots[i]`` pairs.
    """
    n = scorer.n
    cand = Candidates.empty(n)
    simple = 0.0
    k = min(k, n - 1)
    for rows in scorer.row_blocks(512):
        scores = scorer.block(rows)
        masked = np.where(scorer.allowed(rows), scores, -1.0)
        if k <= 0:
            continue
        top = np.argpartition(-masked, k - 1, axis=1)[:, :k]
        top_scores = np.take_along_axis(masked, top, axis=1)
        order = np.argsort(-top_scores, axis=1)
        top = np.take_along_axis(top, order, axis=1)
        top_scores = np.take_along_axis(top_scores, order, axis=1)
        for r_k, i in enumerate(rows.tolist()):
            valid = top_scores[r_k] >= 0
            best = top_scores[r_k][valid]
            simple += float(best[: int(slots[i])].sum())
            for j, s in zip(top[r_k][valid].tolist(), best.tolist(), strict=True):
                cand.add(i, j, int(round(s * SCALE)))
    for a, b in sorted(forced):
        cand.add(a, b, int(round(scorer.pair(a, b) * SCALE)), must=True)
    cand.simple_bound = simple / 2
    cand.complete = k >= n - 1
    return cand


def candidate_count(n: int, rounds: int) -> int:
    """How many partners each attendee keeps as candidates: more when the instance is small."""
    if n <= 160:
        return n
    if n <= 1000:
        return 3 * rounds
    if n <= 4000:
        return 2 * rounds + 4
    return 2 * rounds
