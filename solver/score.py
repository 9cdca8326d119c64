"""The built-in complementarity score of a pair of attendees.

Matching is about complementarity, not similarity. For attendees A and B the raw score is

    raw = offer_seek  * (|offers_A & seeks_B| + |offers_B & seeks_A|)
        + region_reach * ([region_B in targets_A] + [region_A in targets_B])
        + p2p_region_diversity * [both partners and regions differ]      (teaming across regions)
        - competitor_penalty * |offers_A & offers_B| * [both partners, same region]
        + goal_match * ([B serves one of A's goals] + [A serves one of B's goals])

and the score is

    score = round(max(0, raw) * kind_weight * goal_mismatch_factor ** misses, 2)

where ``kind_weight`` is ``p2p_weight`` for partner-partner, ``p2v_weight`` for a partner with a
vendor or distributor and ``v2v_weight`` otherwise, and ``misses`` (0, 1 or 2) counts the sides
that stated goals none of which this meeting serves. Goals are served as follows:
``find_partners`` and ``recruit_partners`` by a partner, ``meet_vendors`` by a vendor,
``meet_distributors`` by a distributor, ``expand_regions`` by anyone from another region.
So someone who only wants to meet vendors gets vendor meetings, and two partners selling the
same thing in the same region (competitors) score low.

Tags compare case-insensitively; regions compare upper-cased. Scores are rounded to cents so
the solver (which works in integer hundredths) and the checker agree exactly.

Everything is computed on numpy blocks of rows so that all pairs of 10,000 attendees can be
scanned in bounded memory (see ``Scorer.block``).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from solver.schema import GOALS, KINDS, Attendee, Instance

PARTNER, VENDOR, DISTRIBUTOR = (KINDS.index(k) for k in KINDS)
GOAL = {g: i for i, g in enumerate(GOALS)}


def first_name(attendee: Attendee) -> str:
    """The first word of the attendee's name, for short explanations."""
    return attendee.name.split()[0] if attendee.name.strip() else attendee.email


def _vocabulary(sets: list[frozenset[str]]) -> dict[str, int]:
    vocab: dict[str, int] = {}
    for s in sets:
        for tag in sorted(s):
            vocab.setdefault(tag, len(vocab))
    return vocab


def _incidence(sets: list[frozenset[str]], vocab: dict[str, int]) -> np.ndarray:
    m = np.zeros((len(sets), max(1, len(vocab))), dtype=np.float32)
    for i, s in enumerate(sets):
        for tag in s:
            if tag in vocab:
                m[i, vocab[tag]] = 1.0
    return m


def _layout(outer: bool):
    """Index helpers: broadcast rows against columns (outer) or keep pairs aligned."""
    if outer:
        return (lambda v: v[:, None]), (lambda v: v[None, :])
    return (lambda v: v), (lambda v: v)


class Scorer:
    """Scores and hard-rule masks for all pairs of an instance, computed block-wise."""

    def __init__(self, instance: Instance) -> None:
        self.instance = instance
        people = instance.attendees
        w = instance.weights
        self.n = len(people)
        rounds = instance.rules.rounds
        offers = [frozenset(t.lower() for t in a.offers) for a in people]
        seeks = [frozenset(t.lower() for t in a.seeks) for a in people]
        tags = _vocabulary(offers + seeks)
        self.offers = _incidence(offers, tags)
        self.seeks = _incidence(seeks, tags)
        regions = [a.region.upper() for a in people]
        targets = [frozenset(t.upper() for t in a.target_regions) for a in people]
        region_ids = _vocabulary([frozenset(regions)] + targets)
        self.region = np.array([region_ids[r] for r in regions], dtype=np.int32)
        self.targets = _incidence(targets, region_ids).astype(bool)
        self.kind = np.array([KINDS.index(a.kind) for a in people], dtype=np.int8)
        companies = _vocabulary([frozenset(a.company.strip().lower() for a in people)])
        self.company = np.array([companies[a.company.strip().lower()] for a in people])
        self.goals = np.zeros((self.n, len(GOALS)), dtype=bool)
        for i, a in enumerate(people):
            for g in a.goals:
                self.goals[i, GOAL[g]] = True
        self.available = np.zeros((self.n, rounds), dtype=bool)
        for i, a in enumerate(people):
            for r in a.rounds(rounds):
                self.available[i, r - 1] = True
        # avoid is symmetric: either side asking is enough
        self.avoid: dict[int, set[int]] = {}
        for i, a in enumerate(people):
            for email in a.avoid:
                j = instance.index.get(email)
                if j is not None and j != i:
                    self.avoid.setdefault(i, set()).add(j)
                    self.avoid.setdefault(j, set()).add(i)
        kind_w = np.array(
            [
                [w.p2p_weight, w.p2v_weight, w.p2v_weight],
                [w.p2v_weight, w.v2v_weight, w.v2v_weight],
                [w.p2v_weight, w.v2v_weight, w.v2v_weight],
            ]
        )
        self.kind_weight = kind_w
        self.pair_scores = instance.pair_scores
        # Extra points for pairs someone asked to meet (soft requests from attendees).
        self.bonus = {(min(i, j), max(i, j)): b for (i, j), b in instance.pair_bonus.items()}
        self.bonus_of: dict[int, dict[int, float]] = {}
        for (i, j), extra in self.bonus.items():
            self.bonus_of.setdefault(i, {})[j] = extra
            self.bonus_of.setdefault(j, {})[i] = extra

    # -- scores ---------------------------------------------------------------------------

    def _serves(self, rows: np.ndarray, cols: np.ndarray, outer: bool) -> np.ndarray:
        """Whether attendee cols[j] serves one of the goals of attendee rows[i].

        ``outer``: for every (i, j), shape (len(rows), len(cols)); else for aligned pairs i = j.
        """
        r, c = _layout(outer)
        g = self.goals[rows]
        kind = self.kind[cols]
        wants_partner = g[:, GOAL["find_partners"]] | g[:, GOAL["recruit_partners"]]
        serves = r(wants_partner) & c(kind == PARTNER)
        serves |= r(g[:, GOAL["meet_vendors"]]) & c(kind == VENDOR)
        serves |= r(g[:, GOAL["meet_distributors"]]) & c(kind == DISTRIBUTOR)
        other_region = r(self.region[rows]) != c(self.region[cols])
        serves |= r(g[:, GOAL["expand_regions"]]) & other_region
        return serves

    def _builtin(self, rows: np.ndarray, cols: np.ndarray, outer: bool = True) -> np.ndarray:
        """The formula of the module docstring, for rows x cols or for aligned pairs."""
        w = self.instance.weights
        r, c = _layout(outer)

        def dot(x: np.ndarray, y: np.ndarray) -> np.ndarray:
            return x[rows] @ y[cols].T if outer else (x[rows] * y[cols]).sum(axis=1)

        def flip(m: np.ndarray) -> np.ndarray:
            return m.T if outer else m

        def targets(owner: np.ndarray, other: np.ndarray) -> np.ndarray:
            t = self.targets
            return t[owner][:, self.region[other]] if outer else t[owner, self.region[other]]

        offer_seek = dot(self.offers, self.seeks) + dot(self.seeks, self.offers)
        reach = targets(rows, cols).astype(np.float32) + flip(targets(cols, rows))
        both_partners = r(self.kind[rows] == PARTNER) & c(self.kind[cols] == PARTNER)
        same_region = r(self.region[rows]) == c(self.region[cols])
        competitors = dot(self.offers, self.offers) * (both_partners & same_region)
        serves_r = self._serves(rows, cols, outer)
        serves_c = flip(self._serves(cols, rows, outer))
        has_goals_r = r(self.goals[rows].any(axis=1))
        has_goals_c = c(self.goals[cols].any(axis=1))
        raw = (
            w.offer_seek * offer_seek
            + w.region_reach * reach
            + w.p2p_region_diversity * (both_partners & ~same_region)
            - w.competitor_penalty * competitors
            + w.goal_match * (serves_r.astype(np.float32) + serves_c)
        )
        misses = (has_goals_r & ~serves_r).astype(np.int8) + (has_goals_c & ~serves_c)
        factor = self.kind_weight[r(self.kind[rows]), c(self.kind[cols])]
        factor = factor * np.power(w.goal_mismatch_factor, misses)
        return np.round(np.maximum(raw, 0.0) * factor, 2)

    def block(self, rows: np.ndarray, cols: np.ndarray | None = None) -> np.ndarray:
        """Scores of rows x cols (all attendees when cols is None), float64, rounded to cents."""
        cols = np.arange(self.n) if cols is None else cols
        if self.pair_scores is None:
            out = self._builtin(rows, cols)
        else:
            out = np.zeros((len(rows), len(cols)))
            pos = {c: k for k, c in enumerate(cols.tolist())}
            for r_k, i in enumerate(rows.tolist()):
                for j, k in pos.items():
                    out[r_k, k] = self.pair_scores.get((i, j) if i < j else (j, i), 0.0)
        if self.bonus:
            pos = {c: k for k, c in enumerate(cols.tolist())}
            for r_k, i in enumerate(rows.tolist()):
                for j, extra in self.bonus_of.get(i, {}).items():
                    if j in pos:
                        out[r_k, pos[j]] += extra
        return out

    def pairs(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Scores of the aligned pairs (a[k], b[k]), in one vectorised pass."""
        keys = list(zip(a.tolist(), b.tolist(), strict=True))
        if self.pair_scores is not None:
            out = np.array([self.pair_scores.get((min(i, j), max(i, j)), 0.0) for i, j in keys])
        elif len(a) == 0:
            return np.zeros(0)
        else:
            out = self._builtin(np.asarray(a), np.asarray(b), outer=False)
        if self.bonus:
            out = out + np.array([self.bonus.get((min(i, j), max(i, j)), 0.0) for i, j in keys])
        return out

    def pair(self, i: int, j: int) -> float:
        """Score of one pair."""
        return float(self.pairs(np.array([i]), np.array([j]))[0])

    # -- hard-rule masks ------------------------------------------------------------------

    def allowed(self, rows: np.ndarray, cols: np.ndarray | None = None) -> np.ndarray:
        """[i, j]: rows[i] and cols[j] may meet (other company, no avoid, a shared round)."""
        cols = np.arange(self.n) if cols is None else cols
        ok = self.company[rows][:, None] != self.company[cols][None, :]
        shared = self.available[rows].astype(np.int32) @ self.available[cols].T.astype(np.int32)
        ok &= shared > 0
        if self.avoid:
            pos = {c: k for k, c in enumerate(cols.tolist())}
            for r_k, i in enumerate(rows.tolist()):
                for j in self.avoid.get(i, ()):
                    if j in pos:
                        ok[r_k, pos[j]] = False
        return ok

    def may_meet(self, i: int, j: int) -> bool:
        """One pair's ``allowed``."""
        return i != j and bool(self.allowed(np.array([i]), np.array([j]))[0, 0])

    def row_blocks(self, size: int = 512) -> Iterator[np.ndarray]:
        """Row index blocks covering every attendee."""
        for start in range(0, self.n, size):
            yield np.arange(start, min(self.n, start + size))

    def _goal_served(self, goal: str, x: int, y: int) -> bool:
        kind = self.kind[y]
        if goal in ("find_partners", "recruit_partners"):
            return kind == PARTNER
        if goal == "meet_vendors":
            return kind == VENDOR
        if goal == "meet_distributors":
            return kind == DISTRIBUTOR
        return bool(self.region[x] != self.region[y])

    # -- explanations ---------------------------------------------------------------------

    def reasons(self, i: int, j: int, limit: int = 3) -> str:
        """A short human explanation of why i and j should meet (built-in score only)."""
        if self.pair_scores is not None:
            return ""
        people = self.instance.attendees
        a, b = people[i], people[j]
        na, nb = first_name(a), first_name(b)
        parts: list[str] = []
        # Tags compare case-insensitively; show each as the offering side spelled it.
        offers_a = {t.lower(): t for t in sorted(a.offers)}
        offers_b = {t.lower(): t for t in sorted(b.offers)}
        ab = sorted(offers_a.keys() & {t.lower() for t in b.seeks})
        ba = sorted(offers_b.keys() & {t.lower() for t in a.seeks})
        if ab:
            parts.append(f"{na} offers {', '.join(offers_a[t] for t in ab[:3])}, which {nb} seeks")
        if ba:
            parts.append(f"{nb} offers {', '.join(offers_b[t] for t in ba[:3])}, which {na} seeks")
        ta = {t.upper() for t in a.target_regions}
        tb = {t.upper() for t in b.target_regions}
        if b.region.upper() in ta:
            parts.append(f"{nb} sells in {b.region}, which {na} targets")
        if a.region.upper() in tb:
            parts.append(f"{na} sells in {a.region}, which {nb} targets")
        if a.kind == b.kind == "partner" and a.region.upper() != b.region.upper():
            parts.append(f"partners in {a.region} and {b.region} can team up")
        for x, y, nx in ((i, j, na), (j, i, nb)):
            served = [g for g in sorted(people[x].goals) if self._goal_served(g, x, y)]
            if served:
                parts.append(f"{nx} wants to {served[0].replace('_', ' ')}")
                break
        return "; ".join(parts[:limit])
