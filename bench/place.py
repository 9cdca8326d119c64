"""Benchmark compact agendas (issue 15, FORMATS.md section 6): ``place`` and ``solve --compact``.

Each event comes from ``solver.synthetic_agreed`` (morning and afternoon sessions, forbidden
slots, a few popular vendors with 15-20 requests, some meetings limited to a session or fixed).
Two methods place it: the spreadsheet way (``first_free``: in file order, the first round both
are free with a table left, the baseline) and ``solver.place.place``. The placement is checked
independently of the solver (every meeting once, in a round it may take, one per person and
round, tables within the event) and its breaks recounted from the schedule.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from bench.runner import Spec, build_instance
from solver.model import solve
from solver.place import first_free, place, seat_rounds
from solver.rules import schedule_breaks
from solver.schema import Agreed, Instance, Meeting
from solver.synthetic_agreed import agreed_event
from solver.validate import validate


@dataclass(frozen=True)
class PlaceSpec:
    label: str
    participants: int
    meetings: int
    rounds: int
    seconds: float  # the time limit given to place
    fairness: int | None = None
    proof: bool = False  # target: optimal, with proof, within the time limit
    within: float | None = None  # target: breaks <= (1 + within) x bound


SPECS = (
    PlaceSpec("forum", 80, 300, 22, 10.0, proof=True),
    PlaceSpec("forum, fairness 2", 80, 300, 22, 10.0, fairness=2, proof=True),
    PlaceSpec("large", 2000, 8000, 22, 60.0, within=0.10),
)
HEADER = [
    "event",
    "participants / meetings / slots / tables",
    "method",
    "placed",
    "status",
    "breaks",
    "bound",
    "breaks / bound",
    "max - min",
    "seconds",
    "rule violations",
    "target",
    "met",
]


@dataclass
class PlaceRun:
    spec: PlaceSpec
    method: str
    tables: int
    placed: int = 0
    status: str = ""
    breaks: int = 0
    bound: int = 0
    spread: str = ""
    seconds: float = 0.0
    violations: list[str] = field(default_factory=list)

    @property
    def target(self) -> str:
        if self.method != "place":
            return "-"
        if self.spec.proof:
            return f"optimal, proved, < {self.spec.seconds:g} s"
        return f"valid, breaks <= {1 + (self.spec.within or 0):g} x bound, {self.spec.seconds:g} s"

    def misses(self) -> list[str]:
        if self.method != "place":
            return []
        label = self.spec.label
        if self.violations:
            return [f"{label}: invalid placement: {'; '.join(self.violations[:3])}"]
        if self.status not in ("optimal", "feasible"):
            return [f"{label}: status {self.status}"]
        out = []
        if self.spec.proof and self.status != "optimal":
            out.append(f"{label}: {self.breaks} breaks, bound {self.bound}: not proved optimal")
        if self.spec.within is not None and self.breaks > (1 + self.spec.within) * self.bound:
            out.append(f"{label}: {self.breaks} breaks, bound {self.bound}")
        if self.seconds > self.spec.seconds * 1.1 + 5:
            out.append(f"{label}: {self.seconds:.1f} s")
        return out

    def cells(self) -> list[str]:
        s = self.spec
        ratio = f"{self.breaks / self.bound:.2f}" if self.bound else "-"
        return [
            s.label,
            f"{s.participants:,} / {s.meetings:,} / {s.rounds} / {self.tables}",
            self.method,
            f"{self.placed:,}",
            self.status,
            f"{self.breaks:,}",
            f"{self.bound:,}" if self.method == "place" else "-",
            ratio if self.method == "place" else "-",
            self.spread,
            f"{self.seconds:.2f}",
            str(len(self.violations)),
            self.target,
            "-" if self.method != "place" else ("no" if self.misses() else "yes"),
        ]


def check(instance: Instance, agreed: list[Agreed], meetings: list[Meeting]) -> list[str]:
    """The hard rules of section 6, checked from the schedule alone (not the solver's code)."""
    problems = []
    wanted = {(m.a, m.b): m for m in agreed}
    rounds = instance.rules.rounds
    placed: dict[tuple[int, int], int] = {}
    busy: set[tuple[int, int]] = set()
    tables: set[tuple[int, int]] = set()
    for m in meetings:
        pair = m.pair
        if pair not in wanted:
            problems.append(f"meeting {pair} was not agreed")
            continue
        placed[pair] = placed.get(pair, 0) + 1
        limit = wanted[pair]
        for p in pair:
            if m.round not in instance.attendees[p].rounds(rounds):
                problems.append(f"{instance.attendees[p].email} is away in round {m.round}")
            if (p, m.round) in busy:
                problems.append(f"{instance.attendees[p].email} twice in round {m.round}")
            busy.add((p, m.round))
        if limit.rounds is not None and m.round not in limit.rounds:
            problems.append(f"row {limit.row} outside its rounds")
        if limit.round is not None and m.round != limit.round:
            problems.append(f"row {limit.row} not in its fixed round")
        if not 1 <= m.table <= instance.rules.tables or (m.round, m.table) in tables:
            problems.append(f"table {m.table} of round {m.round}")
        tables.add((m.round, m.table))
    problems += [f"{pair} placed {n} times" for pair, n in placed.items() if n != 1]
    missing = [m for m in agreed if (m.a, m.b) not in placed]
    return problems + [f"row {m.row} not placed" for m in missing]


def bench_place(seed: int = 0, workers: int = 2, specs: tuple[PlaceSpec, ...] = SPECS):
    runs = []
    for spec in specs:
        event = agreed_event(spec.participants, spec.meetings, spec.rounds, seed=seed)
        instance, agreed = event.instance, event.agreed
        n = len(instance.attendees)
        started = time.perf_counter()
        spread_sheet = seat_rounds(agreed, first_free(instance, agreed))
        baseline = PlaceRun(spec, "first free slot", instance.rules.tables)
        baseline.seconds = time.perf_counter() - started
        baseline.placed = len(spread_sheet)
        baseline.status = "all placed" if len(spread_sheet) == len(agreed) else "some left out"
        per = schedule_breaks(n, spread_sheet)
        baseline.breaks = sum(per)
        baseline.spread = f"{max(per) - min(per)}"
        runs.append(baseline)
        print(f"  {spec.label}: place ({spec.seconds:g} s) ...", flush=True)
        started = time.perf_counter()
        result = place(instance, agreed, spec.fairness, spec.seconds, seed, workers)
        run = PlaceRun(spec, "place", instance.rules.tables, status=result.status)
        run.seconds = time.perf_counter() - started
        run.placed = len(result.meetings)
        per = schedule_breaks(n, result.meetings)
        run.breaks = sum(per)
        run.bound = result.breaks_bound
        run.spread = f"{max(per) - min(per)}" if per else "-"
        if result.meetings:
            run.violations = check(instance, agreed, result.meetings)
            if run.breaks != result.breaks:
                run.violations.append(f"reported {result.breaks} breaks, counted {run.breaks}")
            if result.breaks_bound > run.breaks:
                run.violations.append("bound above the breaks found")
        runs.append(run)
    return runs


COMPACT_HEADER = [
    "event",
    "solve",
    "breaks",
    "fewer breaks",
    "objective",
    "bound",
    "objective / bound",
    "seconds",
    "rule violations",
    "target",
    "met",
]
COMPACT_FEWER = 0.80  # issue 15: at least 80% fewer breaks than without --compact
COMPACT_RATIO = 0.99  # ... at >= 0.99 of the proven bound


@dataclass
class CompactRun:
    label: str
    compact: bool
    breaks: int = 0
    without: int = 0  # breaks of the same event solved without --compact
    objective: float = 0.0
    bound: float = 0.0
    seconds: float = 0.0
    violations: int = 0

    @property
    def fewer(self) -> float:
        return 1 - self.breaks / self.without if self.without else 0.0

    def misses(self) -> list[str]:
        if not self.compact:
            return []
        out = []
        if self.violations:
            out.append(f"compact ({self.label}): {self.violations} rule violations")
        if self.fewer < COMPACT_FEWER:
            out.append(f"compact ({self.label}): {self.fewer:.0%} fewer breaks")
        if self.bound and self.objective / self.bound < COMPACT_RATIO:
            out.append(
                f"compact ({self.label}): objective / bound {self.objective / self.bound:.4f}"
            )
        return out

    def cells(self) -> list[str]:
        return [
            self.label,
            "--compact" if self.compact else "plain",
            f"{self.breaks:,}",
            f"{self.fewer:.0%}" if self.compact else "-",
            f"{self.objective:,.1f}",
            f"{self.bound:,.1f}",
            f"{self.objective / self.bound:.4f}" if self.bound else "-",
            f"{self.seconds:.1f}",
            str(self.violations),
            f">= {COMPACT_FEWER:.0%} fewer breaks, >= {COMPACT_RATIO} of bound"
            if self.compact
            else "-",
            ("no" if self.misses() else "yes") if self.compact else "-",
        ]


def bench_compact(spec: Spec, seconds: float, seed: int = 0, workers: int = 2) -> list[CompactRun]:
    """Solve the benchmark event without and with --compact, same time limit and seed."""
    instance = build_instance(spec, seed)
    label = f"{spec.attendees} / {spec.rounds} / {spec.tables}"
    runs: list[CompactRun] = []
    for compact in (False, True):
        print(f"  {label}: solve{' --compact' if compact else ''} ({seconds:g} s) ...", flush=True)
        started = time.perf_counter()
        result = solve(instance, seconds, seed, workers, compact=0.005 if compact else None)
        run = CompactRun(label, compact, seconds=time.perf_counter() - started)
        run.breaks = sum(schedule_breaks(len(instance.attendees), result.meetings))
        run.objective = result.objective
        run.bound = result.bound
        run.violations = len(validate(instance, result.meetings).violations)
        run.without = runs[0].breaks if runs else run.breaks
        runs.append(run)
    return runs
