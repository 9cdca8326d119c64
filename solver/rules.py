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

Booths (``Rules.table_owners``): ``owner_tables`` caps an owner's meetings per round at its
tables and ``seat`` puts them there; others get a booth only when its owner leaves it empty.

Colleagues never meeting, avoid requests and availability are rules about which meetings may
exist at all: callers only create variables for meetings ``may_meet`` and ``both_available``
allow (the Scorer's vectorised ``allowed`` applies the same rules to whole rows at once).
The independent checker, solver/validate.py, shares none of this code on purpose.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field, replace
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
    ends: list[tuple[int, int, int]] = field(default_factory=list)  # (u, v, round) per variable
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
        self.ends.append((u, v, r))
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


@dataclass(frozen=True)
class Owners:
    """Booths: the groups of people who own tables (a company, or one person) and their tables.

    A person belongs to the group of the tables given to them by e-mail, else to their
    company's when it owns some, else to none (-1).
    """

    of: list[int]  # person -> group, -1 when they own no table
    tables: list[tuple[int, ...]] = field(default_factory=list)  # group -> its tables
    names: list[str] = field(default_factory=list)  # group -> how a message names it
    unknown: list[tuple[int, str]] = field(default_factory=list)  # (table, owner) naming nobody
    count: int = 0  # tables of the event
    by_table: dict[int, int] = field(default_factory=dict)  # owned table -> its group

    def groups(self, u: int, v: int) -> list[int]:
        """The groups whose tables a meeting of ``u`` and ``v`` may use (none: any table)."""
        return [g for g in dict.fromkeys((self.of[u], self.of[v])) if g >= 0]

    def taking(self, m: Meeting) -> list[int]:
        """The groups a meeting that cannot move counts against: its owners', or, for a meeting
        of others at a booth (lent), the booth's owner, whose room it takes."""
        groups = self.groups(m.a, m.b)
        if not groups and m.table in self.by_table:
            return [self.by_table[m.table]]
        return groups


def table_owners(instance: Instance) -> Owners:
    """Resolve ``Rules.table_owners``: an owner is an attendee's e-mail, else a company name."""
    people = instance.attendees
    company_of = [p.company.strip().lower() for p in people]
    companies = set(company_of)
    key_of: dict[tuple[str, Hashable], int] = {}
    tables: list[list[int]] = []
    names: list[str] = []
    unknown: list[tuple[int, str]] = []
    for table, owner in sorted(instance.rules.table_owners.items()):
        text = owner.strip()
        person = instance.index.get(text.lower())
        if person is not None:
            key: tuple[str, Hashable] = ("person", person)
            name = f"{people[person].name} ({people[person].email})"
        elif text.lower() in companies:
            key = ("company", text.lower())
            name = people[company_of.index(text.lower())].company.strip()
        else:
            unknown.append((table, owner))
            continue
        if key not in key_of:
            key_of[key] = len(tables)
            tables.append([])
            names.append(name)
        tables[key_of[key]].append(table)
    of = [
        key_of.get(("person", i), key_of.get(("company", company_of[i]), -1))
        for i in range(len(people))
    ]
    by_table = {t: g for g, owned in enumerate(tables) for t in owned}
    return Owners(of, [tuple(t) for t in tables], names, unknown, instance.rules.tables, by_table)


def owner_tables(
    choices: Choices,
    owners: Owners,
    used: Callable[[int, int], int] = lambda g, r: 0,
    mode: str = HARD,
) -> None:
    """Owners meet at their own tables: per round, a table owner's meetings fit its tables.

    ``used(group, round)`` counts the group's meetings outside the model. A meeting between
    two owners counts for both (it takes one of their tables; so a booth always has room for
    its owner). Switched: one assumption per owner names it ("Northwind Cloud owns 1 table").
    """
    if not owners.tables:
        return
    grouped: dict[tuple[int, int], list] = {}
    for x, (u, v, r) in zip(choices.variables, choices.ends, strict=True):
        for g in owners.groups(u, v):
            grouped.setdefault((g, r), []).append(x)
    switch: dict[int, Any] = {}
    for (g, r), xs in grouped.items():
        room = len(owners.tables[g]) - used(g, r)
        if len(xs) <= room:
            continue
        constraint = choices.model.add(cp_model.LinearExpr.sum(xs) <= room)
        if mode == SWITCHED:
            if g not in switch:
                count = len(owners.tables[g])
                switch[g] = choices.model.new_bool_var("")
                choices.switches[switch[g].index] = (
                    f"{owners.names[g]} owns {count} table{'s' if count != 1 else ''}, so at "
                    f"most {count} of its people can meet in one round"
                )
                choices.model.add_assumption(switch[g])
            constraint.only_enforce_if(switch[g])


# -- rules on a whole schedule, outside CP-SAT -------------------------------------------------


def seat(
    seated: Iterable[Meeting],
    unseated: Iterable[tuple[int, int, int]],
    owners: Owners | None = None,
    fixed: int = 0,
) -> list[Meeting]:
    """Number the tables: seated meetings keep theirs, the others (``(a, b, round)``, in the
    order given) each take the lowest table of their round nobody sits at yet.

    With booths (``owners``): an owner's meeting takes the lowest free table of its owner
    (first ``a``'s), moving a seated meeting of other people off it if need be (never one of
    the first ``fixed`` seated meetings, which stay where they are); the others take
    the lowest free table nobody owns, then a booth left free that round. ``owner_tables``
    makes sure there is room. One numbering for the solve and the re-plan, so a table printed
    on an agenda means the same.
    """
    out = list(seated)
    taken = {(m.round, m.table): i for i, m in enumerate(out)}
    todo = list(unseated)
    owned: dict[int, int] = {}
    if owners is not None and owners.tables:
        owned = {t: g for g, tables in enumerate(owners.tables) for t in tables}
        todo.sort(key=lambda k: not owners.groups(k[0], k[1]))  # owners' meetings first

    def groups(a: int, b: int) -> list[int]:
        return owners.groups(a, b) if owners is not None and owned else []

    def lowest_free(r: int) -> int:
        """The lowest free table nobody owns, else the lowest free booth."""
        table = 1
        while (r, table) in taken or table in owned:
            table += 1
        if owners is not None and table > owners.count:
            table = min([table, *(t for t in sorted(owned) if (r, t) not in taken)])
        return table

    for a, b, r in todo:
        mine = [t for g in groups(a, b) for t in owners.tables[g]] if owners else []
        free = [t for t in mine if (r, t) not in taken]
        if free:
            table = free[0]
        elif mine:  # the booth is lent to a meeting of others: it moves to a free table
            table = next(
                (
                    t
                    for t in mine
                    if taken[(r, t)] >= fixed and not groups(*out[taken[(r, t)]].pair)
                ),
                mine[0],
            )
            moved = taken.pop((r, table))
            elsewhere = lowest_free(r)
            out[moved] = replace(out[moved], table=elsewhere)
            taken[(r, elsewhere)] = moved
        else:
            table = lowest_free(r)
        taken[(r, table)] = len(out)
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


# -- compact agendas: breaks and fairness (FORMATS.md section 6) --------------------------------


def count_breaks(rounds: Iterable[int]) -> int:
    """Gaps between one person's consecutive meetings: rounds 1, 2, 5, 6 have one; 1, 3, 5 two.

    A round the person does not attend inside the day is a gap like any other.
    """
    ordered = sorted(set(rounds))
    return sum(1 for x, y in zip(ordered, ordered[1:], strict=False) if y > x + 1)


def schedule_breaks(people: int, meetings: Iterable[Meeting]) -> list[int]:
    """Breaks of each of ``people`` attendees in a schedule (0 for those without meetings)."""
    rounds: list[list[int]] = [[] for _ in range(people)]
    for m in meetings:
        rounds[m.a].append(m.round)
        rounds[m.b].append(m.round)
    return [count_breaks(r) for r in rounds]


def fewest_breaks(meetings: int, open_rounds: Iterable[int]) -> int | None:
    """The fewest breaks one person alone can have with ``meetings`` meetings in these rounds:
    the fewest runs of consecutive open rounds that hold them all, less one (None: they do not
    fit). A lower bound whatever everyone else does."""
    runs: list[int] = []
    previous = None
    for r in sorted(set(open_rounds)):
        if previous is not None and r == previous + 1:
            runs[-1] += 1
        else:
            runs.append(1)
        previous = r
    if meetings <= 0:
        return 0
    held = 0
    for used, length in enumerate(sorted(runs, reverse=True), start=1):
        held += length
        if held >= meetings:
            return used - 1
    return None


def breaks(
    choices: Choices,
    people: Iterable[int],
    rounds: int,
    busy: Callable[[int, int], bool] = lambda p, r: False,
    least: Callable[[int], int] = lambda p: 0,
) -> dict[int, Any]:
    """Each person's number of breaks, as a CP-SAT integer equal to it (not only above it, so a
    fairness rule cannot be met by pretending someone has more).

    Rounds are 1-based; a person is in round ``r`` when one of their variables of that round is
    chosen or ``busy(person, r)`` (a meeting outside the model). A break starts where a run of
    meetings starts after the first; ``least(person)`` is a known lower bound (an implied
    constraint that helps the proof).
    """
    model = choices.model
    out: dict[int, Any] = {}
    for person in people:
        occupied: list[Any] = []  # per round: 0, 1 or a 0/1 linear expression
        for r in range(1, rounds + 1):
            xs = choices.by_slot.get((person, r), [])
            occupied.append(1 if busy(person, r) else (cp_model.LinearExpr.sum(xs) if xs else 0))
        if all(isinstance(o, int) and o == 0 for o in occupied):
            out[person] = 0
            continue
        starts: list[Any] = []
        for k, here in enumerate(occupied):
            before = occupied[k - 1] if k else 0
            if isinstance(here, int) and here == 0:
                continue
            if isinstance(before, int) and before == 1:
                continue
            if isinstance(here, int) and isinstance(before, int):
                starts.append(1)  # here busy, before free: a run starts for certain
                continue
            start = model.new_bool_var("")
            model.add(start >= here - before)
            model.add(start <= here)
            if not isinstance(before, int):
                model.add(start <= 1 - before)
            starts.append(start)
        fixed = [o for o in occupied if isinstance(o, int) and o == 1]
        met = model.new_bool_var("")  # the person has at least one meeting
        variable = [o for o in occupied if not isinstance(o, int)]
        if fixed:
            model.add(met == 1)
        else:
            for o in variable:
                model.add(met >= o)
            model.add(met <= cp_model.LinearExpr.sum(variable))
        count = model.new_int_var(max(0, least(person)), rounds, "")
        model.add(count == cp_model.LinearExpr.sum(starts) - met)
        out[person] = count
    return out


def fairness(choices: Choices, counts: Iterable[Any], spread: int, rounds: int) -> None:
    """No two people's breaks differ by more than ``spread``: all lie in [low, low + spread]."""
    values = list(counts)
    if not values:
        return
    low = choices.model.new_int_var(0, rounds, "")
    for value in values:
        choices.model.add(value >= low)
        choices.model.add(value <= low + spread)


def complete_hint(model: cp_model.CpModel, seconds: float = 5.0) -> bool:
    """Extend a hint on the choice variables to every variable of ``model`` (the breaks'
    auxiliary ones included): CP-SAT solves with the hinted values fixed, then hints its whole
    solution. A partial hint CP-SAT must complete itself can cost it the whole time limit on a
    large model. False (hints left as they were) when the hint does not hold."""
    check = cp_model.CpSolver()
    check.parameters.fix_variables_to_their_hinted_value = True
    check.parameters.max_time_in_seconds = seconds
    check.parameters.num_workers = 1
    if check.solve(model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return False
    values = [
        check.value(model.get_int_var_from_proto_index(i))
        for i in range(len(model.proto.variables))
    ]
    model.clear_hints()
    for i, value in enumerate(values):
        model.add_hint(model.get_int_var_from_proto_index(i), value)
    return True
