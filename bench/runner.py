"""Run one scheduling method in a fresh child process and measure its wall time and peak memory.

Each run gets its own interpreter (multiprocessing's ``spawn``), rebuilds the event from its
seed and reports its own peak resident set size, so the memory figure belongs to that method
on that size alone and not to whatever ran before it in the benchmark.
"""

from __future__ import annotations

import multiprocessing as mp
import resource
import sys
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection

from solver.schema import Instance, Meeting, Progress, Rules
from solver.synthetic import generate_event

METHODS = ("solver", "greedy", "round_robin")


@dataclass(frozen=True)
class Spec:
    """One benchmark size: the event and what the solver must reach on it."""

    attendees: int
    rounds: int
    tables: int
    time_limit: float  # seconds given to the solver
    min_ratio: float | None  # objective / bound the solver must reach, None: just a valid schedule
    max_gib: float | None  # peak memory the solver must stay under
    min_meetings: int = 3

    @property
    def label(self) -> str:
        return f"{self.attendees} / {self.rounds} / {self.tables}"


@dataclass
class Run:
    """What one method produced on one size, measured in its own process."""

    method: str
    meetings: list[Meeting] = field(default_factory=list)
    seconds: float = 0.0  # wall time of the method alone (not generating the event)
    peak_mib: float = 0.0  # peak resident memory of the whole child process
    status: str = ""
    objective: float | None = None  # as the method reported it (solver only)
    bound: float | None = None
    reasons: list[str] = field(default_factory=list)
    error: str = ""


def build_instance(spec: Spec, seed: int) -> Instance:
    """The benchmark event of one size, the same in the parent and in every child."""
    attendees = generate_event(spec.attendees, spec.rounds, seed=seed)
    return Instance(attendees, Rules(spec.rounds, spec.tables, spec.min_meetings))


def _peak_mib() -> float:
    """Peak resident set size of this process in MiB (ru_maxrss is KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def _child(
    conn: Connection, method: str, spec: Spec, seed: int, limit: float, workers: int
) -> None:
    """Body of the child process: build the event, run the method, send back a Run."""
    run = Run(method)
    try:
        instance = build_instance(spec, seed)
        start = time.perf_counter()
        if method == "solver":
            from solver.model import solve

            last = [0.0]

            def progress(p: Progress) -> None:
                if p.seconds - last[0] >= 15:  # a heartbeat for long solves, on stderr
                    last[0] = p.seconds
                    print(
                        f"    {spec.attendees}: {p.seconds:5.0f} s  {p.phase:<12} "
                        f"objective {p.objective:,.0f}  bound {p.bound:,.0f}  gap {p.gap:.2%}",
                        file=sys.stderr,
                        flush=True,
                    )

            result = solve(
                instance, time_limit=limit, seed=seed, workers=workers, progress=progress
            )
            run.meetings = result.meetings
            run.status = result.status
            run.objective = result.objective
            run.bound = result.bound
            run.reasons = list(result.reasons)
        elif method == "greedy":
            from solver.baselines import greedy

            run.meetings = greedy(instance)
        else:
            from solver.baselines import round_robin

            run.meetings = round_robin(instance, seed=seed)
        run.seconds = time.perf_counter() - start
    except Exception as exc:  # report it in the table instead of losing the other sizes
        run.error = f"{type(exc).__name__}: {exc}"
    run.peak_mib = _peak_mib()
    conn.send(run)
    conn.close()


def measure(method: str, spec: Spec, seed: int, limit: float, workers: int) -> Run:
    """Run ``method`` on ``spec`` in a fresh process; a hung run is killed after a grace period."""
    ctx = mp.get_context("spawn")
    receive, send = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_child, args=(send, method, spec, seed, limit, workers))
    child.start()
    send.close()
    grace = 2 * limit + 300  # event generation, validation and the bound take time too
    answer: Run | None = None
    timed_out = False
    try:
        if receive.poll(grace):
            answer = receive.recv()
        else:
            timed_out = True
    except EOFError:  # the child died before sending, e.g. killed for lack of memory
        pass
    child.join(10)
    if child.is_alive():
        child.kill()
        child.join()
    if answer is not None:
        return answer
    if timed_out:
        return Run(method, error=f"no answer within {grace:.0f} s: killed")
    return Run(method, error=f"the child process died (exit code {child.exitcode})")
