"""The load generator of ``bench/load.py``: many agenda readers at once, in a process of its own.

``python -m bench.load_client --port P --paths FILE --users 500 --requests 5`` opens one
keep-alive HTTP/1.1 connection per virtual user on 127.0.0.1 (standard library asyncio, so
500 users cost one thread and little CPU), and each user GETs its own path ``--requests``
times, after a random start within ``--ramp`` seconds and ``--think`` seconds of reading
between requests. A request counts as an error unless it answers 200 with the user's marker
in the body (their name on their agenda), within ``--timeout`` seconds. Latency runs from
sending the request (or from connecting, when the connection has to be opened for it) to the
last byte of the body.

Prints one JSON object: latencies in milliseconds, errors with their first reasons, and the
wall time of the whole run. Every loop is bounded by the counts and by ``--deadline``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Results:
    """What all users measured together."""

    latencies_ms: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    finished_requests: int = 0  # answered, failed or timed out
    started: float = 0.0
    finished: float = 0.0


class Connection:
    """One user's keep-alive connection, opened again when the server closes it."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str) -> tuple[int, bytes]:
        """GET ``path``; returns the status and the body.

        Like a browser, a request on a kept-alive connection that the server has meanwhile
        closed (no answer at all) is sent again once on a new connection.
        """
        reused = self.writer is not None
        try:
            return await self._get(path)
        except (asyncio.IncompleteReadError, ConnectionResetError, BrokenPipeError) as exc:
            stale = not isinstance(exc, asyncio.IncompleteReadError) or not exc.partial
            if not (reused and stale):
                raise
            await self.close()
            return await self._get(path)

    async def _get(self, path: str) -> tuple[int, bytes]:
        """One GET on the open connection (opened first when there is none)."""
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        request = (
            f"GET {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            "User-Agent: mingle-bench\r\nAccept: text/html\r\nConnection: keep-alive\r\n\r\n"
        )
        self.writer.write(request.encode("ascii"))
        await self.writer.drain()
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip().lower()
        if headers.get("transfer-encoding") == "chunked":
            body = await self._chunks()
        else:
            body = await self.reader.readexactly(int(headers.get("content-length", "0")))
        if headers.get("connection") == "close":
            await self.close()
        return status, body

    async def _chunks(self) -> bytes:
        """A chunked body, reassembled."""
        assert self.reader is not None
        parts = []
        while True:
            size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await self.reader.readuntil(b"\r\n")
                return b"".join(parts)
            parts.append(await self.reader.readexactly(size))
            await self.reader.readexactly(2)

    async def close(self) -> None:
        """Drop the connection (the next request opens a new one)."""
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None


async def user(
    number: int, target: tuple[str, int], path: str, marker: bytes, args: argparse.Namespace,
    go: asyncio.Event, results: Results,
) -> None:  # fmt: skip
    """One attendee: wait for the start, then read their agenda ``args.requests`` times."""
    rng = random.Random(number)
    connection = Connection(*target)
    await go.wait()
    await asyncio.sleep(rng.uniform(0, args.ramp))
    for k in range(args.requests):
        if k and args.think:
            await asyncio.sleep(rng.uniform(0.5 * args.think, 1.5 * args.think))
        start = time.perf_counter()
        try:
            status, body = await asyncio.wait_for(connection.get(path), args.timeout)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as exc:
            results.finished_requests += 1
            results.errors[f"{type(exc).__name__}: {exc}"[:120]] += 1
            await connection.close()
            continue
        except TimeoutError:
            results.finished_requests += 1
            results.errors[f"no answer within {args.timeout:g} s"] += 1
            await connection.close()
            continue
        results.finished_requests += 1
        results.latencies_ms.append(1000 * (time.perf_counter() - start))
        if status != 200:
            results.errors[f"HTTP {status}"] += 1
        elif marker not in body:
            results.errors["200 without the attendee's own agenda"] += 1
    await connection.close()


async def run(args: argparse.Namespace, paths: list[tuple[str, bytes]]) -> Results:
    """Start every user at once and wait for all of them (at most ``args.deadline`` seconds)."""
    results = Results()
    go = asyncio.Event()
    target = (args.host, args.port)
    tasks = [
        asyncio.create_task(user(n, target, *paths[n % len(paths)], args, go, results))
        for n in range(args.users)
    ]
    await asyncio.sleep(0)  # every user is waiting on ``go``
    results.started = time.perf_counter()
    go.set()
    done, pending = await asyncio.wait(tasks, timeout=args.deadline)
    for task in pending:
        task.cancel()
    if pending:  # every request not answered by the deadline is an error
        unanswered = args.users * args.requests - results.finished_requests
        results.errors[f"not answered by the {args.deadline:g} s deadline"] += unanswered
    for task in done:
        if task.exception() is not None:
            results.errors[f"user crashed: {task.exception()!r}"[:120]] += 1
    results.finished = time.perf_counter()
    return results


def main(argv: list[str] | None = None) -> int:
    """Run the users and print the results as JSON."""
    parser = argparse.ArgumentParser(prog="python -m bench.load_client", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--paths", type=Path, required=True, help="lines of PATH<TAB>MARKER")
    parser.add_argument("--users", type=int, default=500)
    parser.add_argument("--requests", type=int, default=5, help="requests per user")
    parser.add_argument("--ramp", type=float, default=0.0, help="users start within this (s)")
    parser.add_argument("--think", type=float, default=0.0, help="mean pause between requests")
    parser.add_argument("--timeout", type=float, default=30.0, help="per request (s)")
    parser.add_argument("--deadline", type=float, default=300.0, help="for the whole run (s)")
    args = parser.parse_args(argv)
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        parser.error("the load generator only targets the loopback interface")
    paths = []
    for line in args.paths.read_text(encoding="utf-8").splitlines():
        path, _, marker = line.partition("\t")
        paths.append((path, marker.encode("utf-8")))
    results = asyncio.run(run(args, paths))
    json.dump(
        {
            "latencies_ms": [round(x, 3) for x in results.latencies_ms],
            "errors": sum(results.errors.values()),
            "error_reasons": results.errors.most_common(5),
            "seconds": results.finished - results.started,
        },
        sys.stdout,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
