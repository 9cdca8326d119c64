"""Command line of the solver (FORMATS.md sections 4 and 6): ``solve``, ``check``, ``place``.

Exit codes: 0 success (``check``: the schedule holds every rule), 1 bad input files or, for
``check``, a schedule that breaks a rule, 2 the hard rules cannot all hold.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

from solver.io import (
    Problem,
    parse_agreed,
    parse_attendees,
    parse_pair_scores,
    parse_schedule,
    parse_table_owners,
    write_schedule,
)
from solver.model import solve
from solver.place import place
from solver.schema import TIERS, Instance, Progress, Rules
from solver.score import Scorer
from solver.validate import validate


def _rules(args: argparse.Namespace) -> Rules:
    tiers = {}
    for item in args.tier_min or []:
        tier, _, value = item.partition("=")
        if tier not in TIERS or not value.isdigit():
            raise SystemExit(f"--tier-min {item!r}: expected TIER=N with TIER in {TIERS}")
        tiers[tier] = int(value)
    if args.rounds < 1 or args.tables < 1:
        raise SystemExit("--rounds and --tables must be at least 1")
    return Rules(args.rounds, args.tables, args.min_meetings, tiers)


def _fail(problems: list[Problem], what: str) -> None:
    print(f"{what} has {len(problems)} problem(s):", file=sys.stderr)
    for p in problems:
        print(f"  {p}", file=sys.stderr)
    raise SystemExit(1)


def load_instance(args: argparse.Namespace) -> Instance:
    """Read the attendees (and scores) files named on the command line into an instance."""
    path = Path(args.attendees)
    rows, problems = parse_attendees(path.read_bytes(), path.name, rounds=args.rounds)
    if problems:
        _fail(problems, str(path))
    instance = Instance([r.attendee for r in rows], _rules(args))
    if args.scores:
        scores, problems = parse_pair_scores(Path(args.scores).read_bytes(), instance.index)
        if problems:
            _fail(problems, args.scores)
        instance = replace(instance, pair_scores=scores)
    if args.table_owners:
        companies = {a.company.strip().lower() for a in instance.attendees}
        data = Path(args.table_owners).read_bytes()
        owners, problems = parse_table_owners(data, instance.index, companies, args.tables)
        if problems:
            _fail(problems, args.table_owners)
        instance = replace(instance, rules=replace(instance.rules, table_owners=owners))
    return instance


def cmd_solve(args: argparse.Namespace) -> int:
    """Solve and write the schedule; print a summary and the JSON line."""
    instance = load_instance(args)

    def show(p: Progress) -> None:
        if not args.quiet:
            print(
                f"  {p.seconds:7.1f}s  {p.phase:<12} objective {p.objective:12.2f}"
                f"  bound {p.bound:12.2f}  gap {100 * p.gap:6.2f}%",
                file=sys.stderr,
            )

    if args.compact_tolerance is not None and not 0 <= args.compact_tolerance < 1:
        raise SystemExit("--compact-tolerance must be at least 0 and below 1, e.g. 0.005")
    tolerance = (args.compact_tolerance or 0.005) if args.compact else None
    result = solve(instance, args.time_limit, args.seed, args.workers, show, compact=tolerance)
    if result.status in ("infeasible", "unknown"):
        if result.status == "infeasible":
            print("No schedule can hold every hard rule:")
        else:
            print("No schedule holding every hard rule was found:")
        for reason in result.reasons:
            print(f"  - {reason}")
        print(json.dumps(result.summary()))
        return 2
    scorer = Scorer(instance)
    people = instance.attendees
    rows = [
        (
            m.round,
            m.table,
            people[m.a].email,
            people[m.b].email,
            scorer.pair(m.a, m.b),
            scorer.reasons(m.a, m.b),
        )
        for m in sorted(result.meetings, key=lambda m: (m.round, m.table))
    ]
    Path(args.out).write_text(write_schedule(rows), encoding="utf-8")
    print(
        f"{len(result.meetings)} meetings for {len(people)} attendees over "
        f"{instance.rules.rounds} rounds written to {args.out}; objective {result.objective:g}, "
        f"bound {result.bound:.2f}, gap {100 * result.gap:.2f}% ({result.status}, "
        f"{result.seconds:.1f} s)"
    )
    print(json.dumps(result.summary()))
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    """Validate a schedule file against the hard rules and print its objective."""
    instance = load_instance(args)
    meetings, problems = parse_schedule(Path(args.schedule).read_bytes(), instance.index)
    if problems:
        _fail(problems, args.schedule)
    report = validate(instance, meetings)
    for v in report.violations:
        print(f"violation ({v.rule}): {v.message}")
    verdict = "valid" if report.ok else f"INVALID: {len(report.violations)} violation(s)"
    print(f"{len(meetings)} meetings, objective {report.objective:g}: {verdict}")
    print(
        json.dumps(
            {
                "valid": report.ok,
                "objective": report.objective,
                "meetings": len(meetings),
                "violations": report.counts(),
            }
        )
    )
    return 0 if report.ok else 1


def cmd_place(args: argparse.Namespace) -> int:
    """Place the agreed meetings with the fewest breaks; write the schedule and the JSON line."""
    instance = load_instance(args)
    path = Path(args.meetings)
    agreed, problems = parse_agreed(
        path.read_bytes(), path.name, instance.index, instance.rules.rounds
    )
    if problems:
        _fail(problems, str(path))
    if args.fairness is not None and args.fairness < 0:
        raise SystemExit("--fairness must be 0 or more")

    def show(seconds: float, breaks: int, bound: int) -> None:
        if not args.quiet:
            print(f"  {seconds:7.1f}s  breaks {breaks:6d}  bound {bound:6d}", file=sys.stderr)

    result = place(instance, agreed, args.fairness, args.time_limit, args.seed, args.workers, show)
    if result.status in ("infeasible", "unknown"):
        print("The agreed meetings cannot all be placed:")
        for reason in result.reasons:
            print(f"  - {reason}")
        print(json.dumps(result.summary()))
        return 2
    people = instance.attendees
    rows = [(m.round, m.table, people[m.a].email, people[m.b].email) for m in result.meetings]
    Path(args.out).write_text(write_schedule([(*row, None, "") for row in rows]), encoding="utf-8")
    print(
        f"{len(result.meetings)} agreed meetings placed over {instance.rules.rounds} rounds, "
        f"written to {args.out}; {result.breaks} breaks in all (bound {result.breaks_bound}), "
        f"{min(result.per_person, default=0)} to {max(result.per_person, default=0)} per "
        f"attendee ({result.status}, {result.seconds:.1f} s)"
    )
    print(json.dumps(result.summary()))
    return 0


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--attendees", required=True, help="attendees CSV or XLSX (FORMATS.md 1)")
    p.add_argument("--scores", help="optional pair scores CSV (FORMATS.md 2)")
    p.add_argument(
        "--table-owners",
        help="optional booths CSV table,owner: the owner (e-mail or company) meets there",
    )
    p.add_argument("--rounds", type=int, required=True)
    p.add_argument("--tables", type=int, required=True)
    p.add_argument("--min-meetings", type=int, default=0)
    p.add_argument(
        "--tier-min",
        action="append",
        metavar="TIER=N",
        help="meetings guaranteed to vendors of a sponsor tier, e.g. platinum=6 (repeatable)",
    )


def main(argv: list[str] | None = None) -> int:
    """Parse arguments and run a sub-command."""
    parser = argparse.ArgumentParser(prog="python -m solver", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p_solve = sub.add_parser("solve", help="build a schedule")
    _common(p_solve)
    p_solve.add_argument("--time-limit", type=float, default=30.0, help="seconds (default 30)")
    p_solve.add_argument("--seed", type=int, default=0)
    p_solve.add_argument("--workers", type=int, default=2, help="CP-SAT workers (default 2)")
    p_solve.add_argument("--out", required=True, help="schedule CSV to write (FORMATS.md 3)")
    p_solve.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    p_solve.add_argument(
        "--compact",
        action="store_true",
        help="keep agendas compact: the fewest breaks within --compact-tolerance of the score",
    )
    p_solve.add_argument(
        "--compact-tolerance",
        type=float,
        metavar="SHARE",
        help="score given up at most for fewer breaks (default 0.005, half a percent)",
    )
    p_check = sub.add_parser("check", help="validate a schedule file")
    _common(p_check)
    p_check.add_argument("schedule", help="schedule CSV")
    p_place = sub.add_parser("place", help="place agreed meetings with the fewest breaks")
    _common(p_place)
    p_place.add_argument(
        "--meetings", required=True, help="agreed meetings CSV email_a,email_b[,rounds][,round]"
    )
    p_place.add_argument(
        "--fairness",
        type=int,
        metavar="D",
        help="no two attendees' breaks differ by more than D",
    )
    p_place.add_argument("--time-limit", type=float, default=30.0, help="seconds (default 30)")
    p_place.add_argument("--seed", type=int, default=0)
    p_place.add_argument("--workers", type=int, default=2, help="CP-SAT workers (default 2)")
    p_place.add_argument("--out", required=True, help="schedule CSV to write (FORMATS.md 3)")
    p_place.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    args = parser.parse_args(argv)
    commands = {"solve": cmd_solve, "check": cmd_check, "place": cmd_place}
    return commands[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
