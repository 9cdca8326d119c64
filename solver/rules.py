"""The hard rules and the objective, each written once for every CP-SAT model of the solver.

The main search (``Search.resolve``), the infeasibility explanation (``explain_infeasible``)
and the re-plan (``solver/replan_phases.py``) all build their model from a ``Choices``: one
boolean per possible meeting (a pair in a round), indexed by person and round, by pair, by
round and by person. Each rule below adds its constraints to it in one of three ways:

* ``HARD``: the rule must hold;
* ``SOFT``: breaking it costs a penalty (``Choices.penalties``) that ``maximize_score`` prices
  above any score, so a search can start from a schedule that does not hold it yet (repair);
* ``SWITCHED``: the rule holds when an assumption literal is true, so CP-SAT can name the
  rules that conflict (an infeasible core).

Colleagues never meeting, avoid requests and availability are rules about which meetings may
exist at all: callers only create variables for meetings ``may_meet`` and ``both_available``
allow (the Scorer's vectorised ``allowed`` applies the same rules to whole rows at once).
The independent checker, solver/validate.py, shares none of this code on purpose.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any

from ortools.sat.python import cp_model

from solver.schema import Attendee, Instance, Meeting

HARD, SOFT, SWITCHED = "hard", "soft", "switched"

Pair = tuple[int, int]


@dataclass
class Choices:
    """The possible meetings of one CP-SAT model, indexed the way the rules need them."""

    model: cp_model.CpModel = field(default_factory=cp_model.CpModel)
    variables: list[Any] = field(default_factory=list)
    by_slot: dict[tuple[int, int], list] = field(default_factory=dict)  # (person, round)
    by_pair: dict[Hashable, list] = field(default_factory=dict)
    by_round: dict[int, list] = field(default_factory=dict)
    by_person: dict[int, list] = field(default_factory=dict)
    penalties: list[Any] = field(default_factory=list)  # SOFT rules broken, one unit each
    switches: dict[int, str] = field(default_factory=dict)  # SWITCHED literal index -> rule

    def add(self, pair: Hashable, u: int, v: int, r: int) -> Any:
        """A boolean for "``u`` and ``v`` (known as ``pair``) meet in round ``r``"."""
        x = self.model.new_bool_var("")
        self.variables.append(x)
        self.by_slot.setdefault((u, r), []).append(x)
        self.by_slot.setdefault((v, r), []).append(x)
        self.by_pair.setdefault(pair, []).append(x)
        self.by_round.setdefault(r, []).append(x)
        self.by_person.setdefault(u, []).append(x)
        self.by_person.setdefault(v, []).append(x)
        return x

    def _require(self, expression: Any, bound: int, mode: str, rule: str) -> None:
        """``expression >= bound`` as a hard, soft or switched rule."""
        if mode == HARD:
            self.model.add(expression >= bound)
        elif mode == SOFT:
            short = self.model.new_int_var(0, bound, "")
            self.model.add(expression + short >= bound)
            self.penalties.append(short)
        else:
            switch = self.model.new_bool_var("")
            self.model.add(expression >= bound).only_enforce_if(switch)
            self.switches[switch.index] = rule
            self.model.add_assumption(switch)


# -- rules on which meetings may exist ---------------------------------------------------------


def colleagues(a: Attendee, b: Attendee) -> bool:
    """Colleagues never meet: the event is for meeting other companies."""
    return a.company.strip().lower() == b.company.strip().lower()


def avoided(a: Attendee, b: Attendee) -> bool:
    """Either side asked not to meet the other."""
    return b.email in a.avoid or a.email in b.avoid


def both_available(available: Any, u: int, v: int, r: int) -> bool:
    """Both attend round ``r`` (a 0-based column of the Scorer's availability matrix)."""
    return bool(available[u][r] and available[v][r])


# -- rules on the chosen meetings --------------------------------------------------------------


def one_meeting_per_round(choices: Choices) -> None:
    """Nobody is at two tables at once: at most one meeting per person and round."""
    for xs in choices.by_slot.values():
        if len(xs) > 1:
            choices.model.add_at_most_one(xs)


def pair_meets_once(choices: Choices, exempt: Iterable[Hashable] = ()) -> None:
    """Two people meet at most once (``exempt``: pairs whose must-meet rule says exactly once)."""
    skip = set(exempt)
    for pair, xs in choices.by_pair.items():
        if pair not in skip and len(xs) > 1:
            choices.model.add_at_most_one(xs)


def table_capacity(choices: Choices, free_tables: Callable[[int], int]) -> None:
    """A round holds at most as many meetings as it has free tables."""
    for r, xs in choices.by_round.items():
        choices.model.add(cp_model.LinearExpr.sum(xs) <= free_tables(r))


def must_meet(
    choices: Choices, pairs: Iterable[Hashable], mode: str, names: Callable[[Any], str] = str
) -> None:
    """A pair someone asked to meet meets exactly once (at least once when switched).

    Soft: a missed request costs one penalty. Switched: an assumption names the request
    (``names(pair)`` words it) and ``pair_meets_once`` must still cover the pair.
    """
    for pair in pairs:
        xs = choices.by_pair.get(pair, [])
        if mode == SWITCHED:
            choices._require(cp_model.LinearExpr.sum(xs), 1, mode, names(pair))
        elif mode == SOFT:
            miss = choices.model.new_bool_var("")
            choices.model.add(cp_model.LinearExpr.sum(xs) + miss == 1)
            choices.penalties.append(miss)
        else:
            choices.model.add(cp_model.LinearExpr.sum(xs) == 1)


def minimum_meetings(
    choices: Choices,
    need: Callable[[int], int],
    mode: str,
    people: Iterable[int] | None = None,
    names: Callable[[int, int], str] | None = None,
) -> None:
    """Everyone gets their minimum: the event's, or their sponsor tier's guarantee if higher.

    ``need(person)`` is what is still missing (``Rules.minimum_for`` less meetings outside the
    model); ``people`` defaults to everyone with a variable. A soft shortfall costs one
    penalty per missing meeting.
    """
    for person in choices.by_person if people is None else people:
        missing = need(person)
        if missing > 0:
            rule = names(person, missing) if names else ""
            xs = choices.by_person.get(person, [])
            choices._require(cp_model.LinearExpr.sum(xs), missing, mode, rule)


def maximize_score(choices: Choices, gains: list[int], penalty: int) -> None:
    """The objective: total score (in hundredths) less ``penalty`` per soft rule broken."""
    choices.model.maximize(
        cp_model.LinearExpr.weighted_sum(choices.variables, gains)
        - penalty * cp_model.LinearExpr.sum(choices.penalties)
    )


# -- rules on a whole schedule, outside CP-SAT -------------------------------------------------


def seat(seated: Iterable[Meeting], unseated: Iterable[tuple[int, int, int]]) -> list[Meeting]:
    """Number the tables: seated meetings keep theirs, the others (``(a, b, round)``, in the
    order given) each take the lowest table of their round nobody sits at yet.

    One numbering for the solve and the re-plan, so a table printed on an agenda means the same.
    """
    out = list(seated)
    taken = {(m.round, m.table) for m in out}
    for a, b, r in unseated:
        table = 1
        while (r, table) in taken:
            table += 1
        taken.add((r, table))
        out.append(Meeting(r, table, a, b))
    return out


def must_pairs(instance: Instance) -> set[Pair]:
    """Every unordered pair that a must_meet request names, either side asking."""
    pairs: set[Pair] = set()
    for i, person in enumerate(instance.attendees):
        for email in person.must_meet:
            j = instance.index.get(email)
            if j is not None and j != i:
                pairs.add((min(i, j), max(i, j)))
    return pairs


def minimums(instance: Instance) -> list[int]:
    """Meetings each attendee must get (event minimum, tier guarantee, capped by rounds)."""
    return [instance.rules.minimum_for(a) for a in instance.attendees]


def shortfall(minimum: list[int], degree: Any, missing_must: int) -> int:
    """Missing minimum meetings plus missing must-meet pairs: 0 when all hard rules hold."""
    short = sum(max(0, least - degree[i]) for i, least in enumerate(minimum))
    return short + missing_must
