"""Benchmark the solver against the baselines on synthetic events: ``python -m bench``.

For every size it generates the event, runs the solver, greedy and round robin each in its own
process (wall time and peak memory per run), checks every schedule with ``solver.validate`` and
prints a table per size, then one markdown table for the README, also written to
``bench/results.md``. Exit status: 1 when a solver schedule breaks a hard rule, scores above
its own bound, or the solver fails to return a schedule; with ``--strict`` also when a target
is missed; 0 otherwise.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bench.runner import Run, Spec, build_instance, measure
from solver.score import Scorer
from solver.validate import Report, validate

SPECS = (
    Spec(120, 6, 40, 20.0, min_ratio=0.99, max_gib=None),
    Spec(400, 8, 200, 30.0, min_ratio=0.98, max_gib=None),
    Spec(2000, 10, 1000, 120.0, min_ratio=0.97, max_gib=2.0),
    Spec(10000, 10, 5000, 600.0, min_ratio=None, max_gib=8.0),
)
QUICK = {120: 5.0, 400: 8.0, 2000: 30.0, 10000: 120.0}  # --quick time limits, seconds
SLACK = 1.1  # the solver may overrun its time limit by 10% (plus 5 s) and still meet its target
NAMES = {"solver": "solver (CP-SAT)", "greedy": "greedy by score", "round_robin": "round robin"}


@dataclass
class Row:
    """One line of the results: a method's run on a size, with its check."""

    spec: Spec
    limit: float
    run: Run
    report: Report | None
    bound: float | None  # the solver's proven bound on this size, shared by all rows
    solver_objective: float | None  # for the "solver / this" ratio of baseline rows

    @property
    def ratio(self) -> float | None:
        if self.report is None or not self.bound:
            return None
        return self.report.objective / self.bound

    @property
    def violations(self) -> str:
        if self.report is None:
            return "-"
        counts = self.report.counts()
        if not counts:
            return "0"
        detail = ", ".join(f"{rule} {k}" for rule, k in sorted(counts.items()))
        return f"{sum(counts.values())} ({detail})"

    @property
    def target(self) -> str:
        if self.run.method != "solver":
            return "-"
        parts = ["all hard rules"]
        if self.spec.min_ratio is not None:
            parts.append(f"obj/bound >= {self.spec.min_ratio:g}")
        else:
            parts.append("gap reported")
        parts.append(f"<= {self.limit:g} s")
        if self.spec.max_gib is not None:
            parts.append(f"< {self.spec.max_gib:g} GiB")
        return ", ".join(parts)

    def misses(self) -> list[str]:
        """Why the solver row misses its target (empty when met)."""
        if self.run.method != "solver":
            return []
        if self.run.error or self.report is None:
            return [self.run.error or "no schedule"]
        out = []
        if self.run.status not in ("optimal", "feasible"):
            out.append(f"status {self.run.status}: {'; '.join(self.run.reasons)}")
        if not self.report.ok:
            out.append(f"hard rules broken: {self.violations}")
        if self.bound is not None and self.report.objective > self.bound + 0.01:
            out.append(f"objective {self.report.objective} above its bound {self.bound}")
        ratio = self.ratio
        if self.spec.min_ratio is not None and (ratio is None or ratio < self.spec.min_ratio):
            out.append(f"obj/bound {_num(ratio, '.4f')} < {self.spec.min_ratio:g}")
        if self.spec.min_ratio is None and not self.bound:
            out.append("no bound reported")
        if self.run.seconds > SLACK * self.limit + 5:
            out.append(f"took {self.run.seconds:.0f} s for a {self.limit:g} s limit")
        if self.spec.max_gib is not None and self.run.peak_mib > self.spec.max_gib * 1024:
            out.append(f"peak {self.run.peak_mib:,.0f} MiB > {self.spec.max_gib:g} GiB")
        return out

    @property
    def met(self) -> str:
        if self.run.method != "solver":
            return "-"
        return "no" if self.misses() else "yes"

    def cells(self) -> list[str]:
        """The row's table cells, in HEADER order."""
        rep = self.report
        versus = "-"
        baseline = self.run.method != "solver" and rep is not None and rep.objective > 0
        if baseline and rep is not None and self.solver_objective is not None:
            versus = f"{self.solver_objective / rep.objective:.2f}x"
        return [
            self.spec.label,
            str(self.spec.min_meetings),
            NAMES[self.run.method],
            _num(rep.objective if rep else None, ",.1f"),
            _num(self.bound, ",.1f"),
            _num(self.ratio, ".4f"),
            self.violations,
            str(rep.meetings) if rep else "-",
            f"{self.run.seconds:.1f}" if not self.run.error else "-",
            f"{self.run.peak_mib:,.0f}",
            versus,
            self.target,
            self.met,
        ]


HEADER = [
    "attendees / rounds / tables",
    "min meetings",
    "method",
    "objective",
    "bound",
    "obj/bound",
    "rule violations",
    "meetings",
    "wall s",
    "peak MiB",
    "solver / this",
    "target",
    "met",
]


def _num(value: float | None, fmt: str) -> str:
    return "-" if value is None else format(value, fmt)


def _text_table(rows: list[list[str]]) -> str:
    """Rows as aligned plain text under HEADER."""
    widths = [max(len(r[k]) for r in [HEADER, *rows]) for k in range(len(HEADER))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in [HEADER, *rows]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _markdown(rows: list[list[str]]) -> str:
    """Rows as a GitHub markdown table under HEADER."""
    lines = ["| " + " | ".join(HEADER) + " |", "|" + " --- |" * len(HEADER)]
    lines += ["| " + " | ".join(c.replace("|", "/") for c in r) + " |" for r in rows]
    return "\n".join(lines)


def _machine() -> str:
    """CPU, cores and versions, so figures can be compared across machines."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        from ortools import __version__ as ortools_version
    except ImportError:
        ortools_version = "?"
    return (
        f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"OR-Tools {ortools_version}"
    )


def bench_size(spec: Spec, limit: float, seed: int, workers: int) -> list[Row]:
    """Run every method on one size and print its table; returns the rows."""
    instance = build_instance(spec, seed)
    people = instance.attendees
    must = sum(len(a.must_meet) for a in people)
    avoid = sum(len(a.avoid) for a in people)
    partial = sum(a.available_rounds is not None for a in people)
    companies = len({a.company for a in people})
    print(
        f"\n== {spec.attendees} attendees, {spec.rounds} rounds, {spec.tables} tables, "
        f"min meetings {spec.min_meetings}, time limit {limit:g} s, seed {seed}: "
        f"{companies} companies, {must} must-meet and {avoid} avoid requests, "
        f"{partial} people not there every round",
        flush=True,
    )
    scorer = Scorer(instance)
    runs: dict[str, tuple[Run, Report | None]] = {}
    for method in ("solver", "greedy", "round_robin"):
        print(f"  running {NAMES[method]} ...", flush=True)
        run = measure(method, spec, seed, limit, workers)
        if method == "solver" and not run.error and run.status not in ("optimal", "feasible"):
            run.error = f"{run.status}: {'; '.join(run.reasons)}"
        report = None if run.error else validate(instance, run.meetings, scorer)
        runs[method] = (run, report)
        if run.error:
            print(f"  {NAMES[method]} failed: {run.error}", flush=True)
    solver_run, solver_report = runs["solver"]
    bound = solver_run.bound if not solver_run.error else None
    claimed = solver_run.objective
    checked = solver_report.objective if solver_report is not None else None
    if claimed is not None and checked is not None and abs(claimed - checked) > 0.01:
        print(
            f"  warning: the solver reported objective {claimed}, the checker computes {checked}",
            flush=True,
        )
    solver_objective = solver_report.objective if solver_report is not None else None
    rows = [Row(spec, limit, run, rep, bound, solver_objective) for run, rep in runs.values()]
    print(_text_table([r.cells() for r in rows]))
    for r in rows[1:]:
        if r.report is not None and r.report.objective > 0 and solver_objective is not None:
            print(
                f"  solver / {NAMES[r.run.method]}: "
                f"{solver_objective / r.report.objective:.2f}x the total score"
            )
    misses = rows[0].misses()
    print(
        f"  target ({rows[0].target}): "
        + ("met" if not misses else "MISSED: " + "; ".join(misses)),
        flush=True,
    )
    return rows


def main(argv: list[str] | None = None) -> int:
    """Parse flags, run the chosen sizes, print and write the results; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    known = ",".join(str(s.attendees) for s in SPECS)
    parser.add_argument("--sizes", default=known, help=f"comma-separated subset of {known}")
    parser.add_argument("--quick", action="store_true", help="short time limits, for a smoke run")
    parser.add_argument("--seed", type=int, default=0, help="event generator and solver seed")
    parser.add_argument("--workers", type=int, default=2, help="CP-SAT workers (default 2)")
    parser.add_argument("--out", default=str(Path(__file__).with_name("results.md")))
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    by_size = {s.attendees: s for s in SPECS}
    try:
        wanted = [int(x) for x in args.sizes.split(",") if x.strip()]
    except ValueError:
        parser.error(f"--sizes takes numbers from {known}")
    unknown = [n for n in wanted if n not in by_size]
    if unknown or not wanted:
        parser.error(f"unknown size {unknown or args.sizes!r}; choose from {known}")

    started = time.time()
    rows: list[Row] = []
    for n in wanted:
        spec = by_size[n]
        limit = QUICK[n] if args.quick else spec.time_limit
        rows += bench_size(spec, limit, args.seed, args.workers)

    solver_rows = [r for r in rows if r.run.method == "solver"]
    broken = [
        r
        for r in solver_rows
        if r.report is None
        or not r.report.ok
        or (r.bound is not None and r.report.objective > r.bound + 0.01)
    ]
    missed = [r for r in solver_rows if r.misses()]
    table = _markdown([r.cells() for r in rows])
    command = " ".join(["python -m bench", *(argv if argv is not None else sys.argv[1:])])
    note = (
        f"Measured {time.strftime('%Y-%m-%d')} with `{command}`"
        + f" on {_machine()}; solver with {args.workers} workers, seed {args.seed}. "
        "Bound: the solver's proven upper bound, also used for the baselines' obj/bound. "
        "A baseline can score above the bound only by breaking rules (usually leaving people "
        "below their minimum meetings), which the bound respects. "
        "Peak MiB: the whole process (Python, NumPy, OR-Tools included); wall s: the method "
        "alone, without generating the event."
    )
    markdown = f"{table}\n\n{note}\n"
    Path(args.out).write_text("# Benchmark results\n\n" + markdown, encoding="utf-8")
    print(f"\nMarkdown (also in {args.out}):\n\n{markdown}")
    print(f"Total {time.time() - started:.0f} s.")
    if broken:
        print("FAILED: a solver run broke a hard rule, beat its bound or returned no schedule.")
        return 1
    if missed:
        print(f"Targets missed on {', '.join(r.spec.label for r in missed)}.")
        return 1 if args.strict else 0
    print("All targets met.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
