"""Benchmark the import, the agenda under load, badges, then the solver: ``python -m bench``.

First (``--sizes import``, a few seconds) a 5,000-row attendees CSV is previewed and applied on a
throwaway SQLite database against the 10 s target (``bench/importing.py``). Then (``--sizes
load``, about ten minutes) every phone opening its agenda at once, against gunicorn on SQLite and
PostgreSQL: a static file, the agenda without and with its cache, the cached agenda within 1.5x
of the static file and no errors being the goal (``bench/load.py``). Then (``--sizes badges``,
under a minute) 2,000 attendees' badges rendered on each sheet layout against the 30 s target
(``bench/printing.py``). Then (``--sizes replan``, about half a minute) a solved 400-attendee
event re-planned from round 3 around 10% no-shows against the 10 s target (``bench/replan.py``).
Then (``--sizes reports``, about two minutes) the sponsor and event reports of a 2,000- and a
10,000-attendee event with every follow-up answered, as pages and downloads, against 2 s per
page and 10 s per download (``bench/reports.py``). Then (``--sizes hostile``, about half a
minute) hostile attendee files (zip bombs, XML entities, cut archives, CSV traps) each parsed
in a child process, against refusal in 2 s and 100 MB (``bench/hostile.py``). Then, for every
size, it generates the event, runs the solver, greedy and round robin each in its own process
(wall time and peak memory per run), checks every schedule with ``solver.validate`` and prints
a table per size, then markdown tables for the README, also written to ``bench/results.md``.
Exit status: 1 when a solver schedule breaks a hard rule, scores above its own bound, or the
solver fails to return a schedule, or an import fails, or a hostile file is not refused (or
crashes the parser), or the load test cannot run, or badges fail to render, or a re-plan fails
or breaks a rule, or a report fails; with ``--strict`` also when a target is missed; 0
otherwise.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import hostile, importing, load, place, printing, replan, reports
from bench.hostile import HostileRun
from bench.importing import ImportRun
from bench.load import LoadRun
from bench.printing import BadgeRun
from bench.replan import ReplanRun
from bench.reports import ReportRun
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


@dataclass(frozen=True)
class Setup:
    """The sizes and targets of every benchmark: the real ones, or a test's small ones."""

    specs: tuple[Spec, ...] = SPECS
    import_rows: int = importing.ROWS
    import_seconds: float = importing.TARGET_SECONDS
    hostile_files: Mapping[str, tuple[str, Callable[[], bytes]]] = field(
        default_factory=lambda: hostile.FILES
    )
    hostile_seconds: float = hostile.TARGET_SECONDS
    badges: int = printing.ATTENDEES
    badge_seconds: float = printing.TARGET_SECONDS
    replan_attendees: int = replan.ATTENDEES
    replan_tables: int = replan.TABLES
    replan_quick_seconds: float = replan.QUICK_SOLVE_SECONDS  # solve time with --quick
    replan_seconds: float = replan.TARGET_SECONDS
    report_sizes: tuple[int, ...] = reports.SIZES
    report_repeats: int = reports.REPEATS
    report_page_seconds: float = reports.PAGE_SECONDS
    place_specs: tuple[place.PlaceSpec, ...] = place.SPECS
    compact_spec: Spec = SPECS[0]  # the 120 / 6 / 40 forum of issue 15


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


def _text_table(rows: list[list[str]], header: list[str] = HEADER) -> str:
    """Rows as aligned plain text under ``header``."""
    widths = [max(len(r[k]) for r in [header, *rows]) for k in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in [header, *rows]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _markdown(rows: list[list[str]], header: list[str] = HEADER) -> str:
    """Rows as a GitHub markdown table under ``header``."""
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
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


def bench_import(seed: int, setup: Setup) -> list[ImportRun]:
    """Time the import of a synthetic attendees file and print its table; returns the runs."""
    print(
        f"\n== attendee import: a {setup.import_rows:,}-row CSV (synthetic, seed {seed}) previewed "
        "and applied on a temporary SQLite database: new, every name changed, unchanged",
        flush=True,
    )
    runs = importing.bench_import(setup.import_rows, seed, setup.import_seconds)
    _print_runs(
        runs,
        importing.HEADER,
        f"  target (< {setup.import_seconds:g} s each): ",
    )
    return runs


def bench_hostile(setup: Setup) -> list[HostileRun]:
    """Parse each hostile attendee file in a child process and print its table."""
    print(
        f"\n== hostile attendee files: {len(setup.hostile_files)} files made on the spot, each "
        "parsed by parse_attendees in a fresh child process (time to refusal, VmHWM above "
        "baseline)",
        flush=True,
    )
    runs = hostile.bench_hostile(setup.hostile_files, setup.hostile_seconds)
    _print_runs(
        runs,
        hostile.HEADER,
        f"  target (refused, < {setup.hostile_seconds:g} s and < {hostile.TARGET_MIB:g} MB each): ",
    )
    return runs


def bench_load(seed: int) -> list[LoadRun]:
    """Run the agenda load test and print its table; returns the measured scenarios."""
    print(
        f"\n== agenda under load: {load.ATTENDEES:,} attendees reading their own agenda, "
        f"gunicorn ({load.WORKERS} workers x {load.THREADS} threads) on "
        f"{' and '.join(load.DATABASES)}: the static file, the agenda without and with its "
        "cache; the load generator in a second process on loopback; load average before: "
        f"{_load_average()}",
        flush=True,
    )
    runs = load.bench_load(seed)
    _print_runs(
        runs,
        load.HEADER,
        f"  target (cached agenda: req/s and p95 within {load.RATIO_GOAL:g}x of the static "
        "file's, 0 errors): ",
    )
    return runs


def bench_badges(seed: int, setup: Setup) -> list[BadgeRun]:
    """Time rendering the badges of a synthetic event on every layout; returns the runs."""
    print(
        f"\n== badges: {setup.badges:,} synthetic attendees' badges (seed {seed}), each "
        "with its own QR code, rendered to one PDF per sheet layout",
        flush=True,
    )
    runs = printing.bench_badges(setup.badges, seed, setup.badge_seconds)
    _print_runs(
        runs,
        printing.HEADER,
        f"  target (< {setup.badge_seconds:g} s each): ",
    )
    print("\n== badges: one A6 badge whose name is 200 to 20,000 characters long", flush=True)
    long_names = printing.bench_long_names()
    print(_text_table(long_names, printing.LONG_NAME_HEADER), flush=True)
    runs += [
        printing.BadgeRun(f"long name ({row[0]}, {row[1]})", 1, error=f"took {row[2]} s")
        for row in long_names
        if row[-1] == "no"
    ]
    return runs


def bench_replan(seed: int, quick: bool, workers: int, setup: Setup) -> list[ReplanRun]:
    """Solve the 400-attendee event, re-plan it around 10% no-shows; returns the run."""
    solve_seconds = setup.replan_quick_seconds if quick else replan.SOLVE_SECONDS
    print(
        f"\n== no-show re-planning: {setup.replan_attendees} attendees, {replan.ROUNDS} rounds, "
        f"{setup.replan_tables} tables, solved for {solve_seconds:g} s, then "
        f"{replan.NO_SHOWS:.0%} no-shows (seed {seed}) and rounds {replan.FROM_ROUND}.."
        f"{replan.ROUNDS} re-planned",
        flush=True,
    )
    run = replan.bench_replan(
        seed,
        solve_seconds,
        workers,
        setup.replan_attendees,
        setup.replan_tables,
        setup.replan_seconds,
    )
    runs = [run]
    _print_runs(
        runs,
        replan.HEADER,
        f"  target (valid, < {setup.replan_seconds:g} s): ",
    )
    return runs


def bench_reports(seed: int, setup: Setup) -> list[ReportRun]:
    """Time the sponsor and event reports of big answered events; returns the runs."""
    sizes = " and ".join(f"{n:,}" for n in setup.report_sizes)
    print(
        f"\n== reports: events of {sizes} attendees (synthetic, seed {seed}), {reports.ROUNDS} "
        "rounds, every follow-up answered as in the demo; the largest sponsor's report and the "
        f"event report, page, CSV and PDF, best of {setup.report_repeats} whole requests",
        flush=True,
    )
    runs = reports.bench_reports(
        setup.report_sizes, seed, setup.report_repeats, setup.report_page_seconds
    )
    _print_runs(
        runs,
        reports.HEADER,
        f"  target (page < {setup.report_page_seconds:g} s, downloads < "
        f"{reports.DOWNLOAD_SECONDS:g} s): ",
    )
    return runs


def bench_place(seed: int, workers: int, setup: Setup) -> list[place.PlaceRun]:
    """Place the agreed meetings of synthetic forums and a large event; returns the runs."""
    print(
        "\n== place: agreed meetings with the fewest breaks, against the first free slot",
        flush=True,
    )
    runs = place.bench_place(seed, workers, setup.place_specs)
    _print_runs(runs, place.HEADER, "  targets: ")
    return runs


def bench_compact(seed: int, quick: bool, workers: int, setup: Setup) -> list[place.CompactRun]:
    """Solve the compact benchmark event with and without --compact; returns the runs."""
    spec = setup.compact_spec
    seconds = QUICK.get(spec.attendees, spec.time_limit) if quick else spec.time_limit
    print(f"\n== compact: solve with and without --compact, {seconds:g} s each", flush=True)
    runs = place.bench_compact(spec, seconds, seed, workers)
    _print_runs(runs, place.COMPACT_HEADER, "  target: ")
    return runs


def _print_runs(runs: Sequence[Any], header: Sequence[str], target: str) -> None:
    """Print ``runs`` as a table, then ``target`` and whether every run met it, and why not."""
    print(_text_table([r.cells() for r in runs], header))
    misses = [m for r in runs for m in r.misses()]
    print(target + ("met" if not misses else "MISSED: " + "; ".join(misses)), flush=True)


def _load_average() -> str:
    """The 1, 5 and 15 minute load averages: other work on the machine skews latencies."""
    try:
        return " / ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def main(argv: list[str] | None = None, setup: Setup | None = None) -> int:
    """Parse flags, run the chosen sizes, print and write the results; returns the exit code."""
    setup = setup or Setup()
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    extras = ("import", "hostile", "load", "badges", "replan", "reports", "place", "compact")
    known = ",".join([*extras, *(str(s.attendees) for s in setup.specs)])
    parser.add_argument(
        "--sizes",
        default=known,
        help=(
            f"comma-separated subset of {known} (import: the {setup.import_rows:,}-row CSV import; "
            f"hostile: {len(setup.hostile_files)} hostile attendee files refused; "
            f"load: {load.ATTENDEES:,} agenda readers against gunicorn on SQLite and PostgreSQL, "
            "static file vs agenda without and with its cache; "
            f"badges: {setup.badges:,} badges on each sheet layout; "
            # argparse %-formats help text, so the percent sign is doubled.
            f"replan: {setup.replan_attendees} attendees re-planned around "
            f"{replan.NO_SHOWS * 100:.0f}%% "
            "no-shows; reports: the sponsor and event reports of "
            f"{' and '.join(f'{n:,}' for n in setup.report_sizes)} answered attendees; "
            "place: agreed meetings placed with the fewest breaks, against the first free slot; "
            "compact: the 120-attendee event solved with and without --compact)"
        ),
    )
    parser.add_argument("--quick", action="store_true", help="short time limits, for a smoke run")
    parser.add_argument("--seed", type=int, default=0, help="event generator and solver seed")
    parser.add_argument("--workers", type=int, default=2, help="CP-SAT workers (default 2)")
    parser.add_argument("--out", default=str(Path(__file__).with_name("results.md")))
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    by_size = {s.attendees: s for s in setup.specs}
    names = [x.strip() for x in args.sizes.split(",") if x.strip()]
    with_import = "import" in names
    with_hostile = "hostile" in names
    with_load = "load" in names
    with_badges = "badges" in names
    with_replan = "replan" in names
    with_reports = "reports" in names
    with_place = "place" in names
    with_compact = "compact" in names
    try:
        wanted = [int(x) for x in names if x not in extras]
    except ValueError:
        parser.error(f"--sizes takes {', '.join(extras)} and numbers from {known}")
    unknown = [n for n in wanted if n not in by_size]
    if unknown or not (
        wanted
        or with_import
        or with_hostile
        or with_load
        or with_badges
        or with_replan
        or with_reports
        or with_place
        or with_compact
    ):
        parser.error(f"unknown size {unknown or args.sizes!r}; choose from {known}")

    started = time.time()
    imports = bench_import(args.seed, setup) if with_import else []
    hostiles = bench_hostile(setup) if with_hostile else []
    loads = bench_load(args.seed) if with_load else []
    badge_runs = bench_badges(args.seed, setup) if with_badges else []
    replans = bench_replan(args.seed, args.quick, args.workers, setup) if with_replan else []
    report_runs = bench_reports(args.seed, setup) if with_reports else []
    place_runs = bench_place(args.seed, args.workers, setup) if with_place else []
    compact_runs = bench_compact(args.seed, args.quick, args.workers, setup) if with_compact else []
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
    missed = [r.spec.label for r in solver_rows if r.misses()]
    failed_imports = [r for r in imports if r.error]
    missed += [f"import ({r.label})" for r in imports if r.misses() and not r.error]
    failed_hostiles = [r for r in hostiles if r.error]
    missed += [f"hostile ({r.label})" for r in hostiles if r.misses() and not r.error]
    failed_loads = [r for r in loads if r.failure]
    missed += [
        f"load ({r.database}, {r.scenario.label}, {r.page})"
        for r in loads
        if r.misses() and not r.failure
    ]
    failed_badges = [r for r in badge_runs if r.error]
    missed += [f"badges ({r.layout})" for r in badge_runs if r.misses() and not r.error]
    failed_replans = [r for r in replans if r.failure]
    missed += ["replan" for r in replans if r.misses() and not r.failure]
    failed_reports = [r for r in report_runs if r.error]
    missed += [m for r in place_runs for m in r.misses()]
    missed += [m for r in compact_runs for m in r.misses()]
    missed += [
        f"reports ({r.label}, {r.attendees:,})" for r in report_runs if r.misses() and not r.error
    ]
    command = " ".join(["python -m bench", *(argv if argv is not None else sys.argv[1:])])
    measured = f"Measured {time.strftime('%Y-%m-%d')} with `{command}` on {_machine()}"
    sections = []
    if imports:
        import_note = (
            f"{measured}. Seconds from the file's bytes to the committed transaction, through "
            "the service behind the web upload and `flask attendees import` (`preview_import`, "
            f"then `apply_import`), on a fresh SQLite database; target < "
            f"{setup.import_seconds:g} s per import of {setup.import_rows:,} rows."
        )
        table = _markdown([r.cells() for r in imports], importing.HEADER)
        sections.append(f"## Attendee import\n\n{table}\n\n{import_note}\n")
    if hostiles:
        table = _markdown([r.cells() for r in hostiles], hostile.HEADER)
        hostile_note = (
            f"{measured}. Each file is made by `bench/hostile.py` and parsed by `parse_attendees` "
            "(behind the web upload and `flask attendees import`) in a fresh child process at "
            f"the default row limit of {hostile.ROW_LIMIT:,}. Refusal s: from the file's bytes "
            "to the problem; peak MiB: the child's VmHWM above its own baseline after a warm-up "
            f"parse. Target (issue 11): refused in < {setup.hostile_seconds:g} s and "
            f"< {hostile.TARGET_MIB:g} MB, with a message."
        )
        sections.append(f"## Hostile attendee files\n\n{table}\n\n{hostile_note}\n")
    if loads:
        table = _markdown([r.cells() for r in loads], load.HEADER)
        sections.append(f"## Agenda under load\n\n{table}\n\n{_load_note(measured)}\n")
    if badge_runs:
        table = _markdown([r.cells() for r in badge_runs], printing.HEADER)
        badge_note = (
            f"{measured}. Seconds of `render_badges` (behind `flask badges` and the organiser's "
            f"download) from {setup.badges:,} synthetic attendees' badge data to the PDF "
            "bytes, every QR code encoded afresh, fonts embedded; target < "
            f"{setup.badge_seconds:g} s per layout."
        )
        sections.append(f"## Badges\n\n{table}\n\n{badge_note}\n")
    if replans:
        table = _markdown([r.cells() for r in replans], replan.HEADER)
        note = _replan_note(measured, args.workers, setup)
        sections.append(f"## No-show re-planning\n\n{table}\n\n{note}\n")
    if report_runs:
        table = _markdown([r.cells() for r in report_runs], reports.HEADER)
        note = (
            f"{measured}. Seconds per whole request through the Flask test client (database "
            "queries, figures, template or PDF/CSV rendering), best of "
            f"{setup.report_repeats}, on a SQLite database holding the event: a round-robin "
            f"schedule of {reports.ROUNDS} rounds and the demo's made-up answers (about 85% of the "
            "attendees answer). The sponsor is the company with the most people; the event "
            "report covers every meeting. Answers in it: the answer rows behind the report."
        )
        sections.append(f"## Reports\n\n{table}\n\n{note}\n")
    if place_runs:
        table = _markdown([r.cells() for r in place_runs], place.HEADER)
        note = (
            f"{measured}. Events from `solver/synthetic_agreed.py` (seed {args.seed}): morning "
            "and afternoon sessions, forbidden slots, a few vendors with 15-20 requests, some "
            "meetings limited to a session or fixed to a round; every event can be placed. "
            "First free slot: each meeting in file order in the first round both are free with "
            "a table left, as a spreadsheet does (it may leave meetings out). place: "
            "`python -m solver place`'s function at the time limit shown, "
            f"{args.workers} CP-SAT workers. Breaks recounted from the schedule; bound: "
            "`breaks_bound`, proven; the placement checked independently of the solver."
        )
        sections.append(f"## Agreed meetings placed\n\n{table}\n\n{note}\n")
    if compact_runs:
        table = _markdown([r.cells() for r in compact_runs], place.COMPACT_HEADER)
        note = (
            f"{measured}. The solver benchmark's {setup.compact_spec.attendees}-attendee event "
            f"(`bench/runner.py`, seed {args.seed}) solved twice with the same time limit: "
            "plainly, and with `--compact` (tolerance 0.005). Breaks counted from the schedule; "
            "fewer breaks: against the plain solve; the schedules checked by `validate`."
        )
        sections.append(f"## Compact agendas\n\n{table}\n\n{note}\n")
    if rows:
        table = _markdown([r.cells() for r in rows])
        sections.append(f"## Solver\n\n{table}\n\n{_solver_note(measured, args)}\n")
    markdown = "\n".join(sections)
    Path(args.out).write_text("# Benchmark results\n\n" + markdown, encoding="utf-8")
    print(f"\nMarkdown (also in {args.out}):\n\n{markdown}")
    print(f"Total {time.time() - started:.0f} s.")
    if (
        broken
        or failed_imports
        or failed_hostiles
        or failed_loads
        or failed_badges
        or failed_replans
        or failed_reports
    ):
        print(
            "FAILED: a solver run broke a hard rule, beat its bound or returned no schedule, "
            "or an import failed, or a hostile file was accepted or crashed the parser, or the "
            "load test could not run, or badges failed to render, "
            "or a re-plan failed or broke a rule, or a report failed."
        )
        return 1
    if missed:
        print(f"Targets missed on {', '.join(missed)}.")
        return 1 if args.strict else 0
    print("All targets met.")
    return 0


def _replan_note(measured: str, workers: int, setup: Setup) -> str:
    """What the re-planning table's figures mean and how they were measured."""
    return (
        f"{measured}. The solver benchmark's {setup.replan_attendees}-attendee event, solved, then "
        f"{replan.NO_SHOWS:.0%} of the attendees drawn as no-shows and everyone else checked "
        f"in; `solver.replan.replan` re-plans rounds {replan.FROM_ROUND}..{replan.ROUNDS} "
        f"(default 8 s time limit, {workers} workers). Re-plan s: the call alone, scores, model, "
        "solve and its own validation included. Changed (present): new meetings that involve "
        "a checked-in attendee; dropped: meetings of the old schedule from that round on that "
        "are gone (the no-shows', plus any disturbed); added: new meetings; disturbed: "
        "meetings of two attendees who both came that were moved or removed (the model keeps "
        "them unless a rule forces otherwise); attendees affected: people who came whose agenda "
        "changed (the ones to notify). Objectives: total score of the solved "
        "schedule, of it with the no-shows' meetings simply deleted, and of the re-plan. The "
        "bench re-checks every figure and rule itself. Goal (issue 5): < "
        f"{setup.replan_seconds:g} s."
    )


def _load_note(measured: str) -> str:
    """What the load table's figures mean and how they were measured."""
    return (
        f"{measured}. {load.ATTENDEES:,} synthetic attendees imported, with a published "
        f"round-robin schedule of {load.ROUNDS} rounds, on a SQLite file and on PostgreSQL; "
        f"gunicorn with {load.WORKERS} gthread workers x {load.THREADS} threads on 127.0.0.1; "
        "the load generator (`bench/load_client.py`, asyncio) in a second process, one "
        "keep-alive connection per user, each user reading their own `/a/<token>` agenda (an "
        f"answer without their name counts as an error) or `{load.STATIC_PATH}` (13 kB, the "
        "limit: what the same server does without any application code). No cache: "
        "`AGENDA_CACHE=off`, every page drawn. Cached: `AGENDA_CACHE=redis`, after one "
        "unmeasured request per attendee filled it (their first open draws the page). "
        "Latency: from sending the request (or connecting) to the last byte. App CPU: what "
        "gunicorn's processes used per request (the database's and Redis's work not included). "
        "Server, database, Redis and load generator share the machine's cores, and other work "
        "ran on it at the same time; load before: its 1-minute load average as the scenario "
        "started. vs static: the static file's req/s over the page's, and the page's p95 over "
        f"the static file's, same database and scenario. Goal (issue 13): the cached agenda "
        f"within {load.RATIO_GOAL:g}x on both, and 0 errors."
    )


def _solver_note(measured: str, args: argparse.Namespace) -> str:
    """What the solver table's figures mean and how they were measured."""
    return (
        f"{measured}; solver with {args.workers} workers, seed {args.seed}. "
        "Bound: the solver's proven upper bound, also used for the baselines' obj/bound. "
        "A baseline can score above the bound only by breaking rules (usually leaving people "
        "below their minimum meetings), which the bound respects. "
        "Peak MiB: the whole process (Python, NumPy, OR-Tools included); wall s: the method "
        "alone, without generating the event."
    )


if __name__ == "__main__":
    sys.exit(main())
