"""The badge benchmark: 2,000 synthetic attendees' badges rendered on every sheet layout.

Times ``render_badges`` alone (the pure render function behind ``flask badges`` and the
organiser's download) from the badge data to the PDF bytes, each QR code encoded afresh.
The attendees come from the synthetic event generator (names from many regions, so accented
and non-Latin-1 letters are in the fonts' subsets) with realistic agenda links.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

from app.services.printing.badges import LAYOUTS, BadgeData, render_badges
from solver.synthetic import generate_event

ATTENDEES = 2000
TARGET_SECONDS = 30.0
PUBLIC_URL = "https://mingle.example.org"
HEADER = ["badges", "layout", "pages", "PDF MiB", "seconds", "CPU s", "badges / s", "target", "met"]


@dataclass
class BadgeRun:
    """One layout's render of every badge."""

    layout: str
    badges: int
    pages: int = 0
    size_bytes: int = 0
    seconds: float = 0.0  # wall time, which the target is about
    cpu_seconds: float = 0.0  # this process's CPU time: what the render costs on an idle core
    error: str = ""
    target_seconds: float = TARGET_SECONDS

    def misses(self) -> list[str]:
        """Why this run misses its target (empty when met)."""
        if self.error:
            return [f"{self.layout}: {self.error}"]
        if self.seconds >= self.target_seconds:
            return [f"{self.layout} took {self.seconds:.1f} s"]
        return []

    def cells(self) -> list[str]:
        """The run's table cells, in HEADER order."""
        if self.error:
            return [f"{self.badges:,}", f"{self.layout}: {self.error}", *["-"] * 6, "no"]
        return [
            f"{self.badges:,}",
            self.layout,
            f"{self.pages:,}",
            f"{self.size_bytes / 2**20:.1f}",
            f"{self.seconds:.1f}",
            f"{self.cpu_seconds:.1f}",
            f"{self.badges / self.seconds:,.0f}",
            f"< {self.target_seconds:g} s",
            "no" if self.misses() else "yes",
        ]


def synthetic_badges(count: int, seed: int) -> list[BadgeData]:
    """Badges for ``count`` generated attendees, each with its own 43-character agenda token."""
    people = generate_event(count, rounds=8, seed=seed)
    return [
        BadgeData(
            name=p.name,
            company=p.company,
            kind=p.kind,
            region=p.region,
            url=f"{PUBLIC_URL}/a/{secrets.token_urlsafe(32)}",
            tier=p.tier,
            event_name="Benchmark Partner Forum",
        )
        for p in people
    ]


def bench_badges(
    count: int = ATTENDEES, seed: int = 0, target_seconds: float = TARGET_SECONDS
) -> list[BadgeRun]:
    """Render ``count`` badges on each layout, timing each render."""
    badges = synthetic_badges(count, seed)
    runs = []
    for layout in LAYOUTS:
        run = BadgeRun(layout, len(badges), target_seconds=target_seconds)
        try:
            start, cpu = time.perf_counter(), time.process_time()
            data = render_badges(badges, layout)
            run.seconds = time.perf_counter() - start
            run.cpu_seconds = time.process_time() - cpu
            run.size_bytes = len(data)
            run.pages = LAYOUTS[layout].pages(len(badges))
        except Exception as exc:  # report it in the table instead of losing the other benchmarks
            run.error = f"{type(exc).__name__}: {exc}"
        runs.append(run)
    return runs


# A hostile name: SQLite stores any length, and fitting it used to cost cubic time (a
# 20,000-character name kept badges.pdf at 100% CPU for minutes). Fitting is now linear and
# capped at ``MAX_PRINTED`` characters, so one badge costs about the same whatever the name.
LONG_NAME_LENGTHS = (200, 1_600, 20_000)
LONG_NAME_TARGET = 1.0  # seconds for one A6 badge, whatever its name
LONG_NAME_HEADER = [
    "name characters",
    "kind",
    "seconds",
    "x the 200-character name",
    "target",
    "met",
]


def bench_long_names() -> list[list[str]]:
    """Time one A6 badge whose name is one long word, or long words with spaces, per length."""
    rows = []
    try:
        render_badges(synthetic_badges(1, 0), "a6")  # fonts and caches warm, as in a running app
    except Exception as exc:  # the layout runs above report the failure; one row says so here
        return [["-", f"{type(exc).__name__}: {exc}", "-", "-", f"< {LONG_NAME_TARGET:g} s", "no"]]
    for kind, unit in (("one word", "W"), ("words", "Wolfeschlegelstein ")):
        first = None
        for length in LONG_NAME_LENGTHS:
            name = (unit * (length // len(unit) + 1))[:length]
            badge = BadgeData(name=name, company="Acme", kind="partner", region="EMEA",
                              url=f"{PUBLIC_URL}/a/{'x' * 43}")  # fmt: skip
            start = time.perf_counter()
            render_badges([badge], "a6")
            seconds = time.perf_counter() - start
            first = first or seconds
            met = "yes" if seconds < LONG_NAME_TARGET else "no"
            rows.append([f"{length:,}", kind, f"{seconds:.3f}", f"{seconds / first:.1f}",
                         f"< {LONG_NAME_TARGET:g} s", met])  # fmt: skip
    return rows
