"""``collector_paused``: reports build rows with the cyclic collector held, then restart it."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from app.services.reports.collector import collector_paused


@pytest.fixture(autouse=True)
def collector_running() -> Iterator[None]:
    gc.enable()
    yield
    gc.enable()


def test_the_collector_is_held_while_building_and_running_after() -> None:
    seen = collector_paused(gc.isenabled)()
    assert seen is False
    assert gc.isenabled()


def test_a_failing_build_restarts_the_collector() -> None:
    @collector_paused
    def broken() -> None:
        raise ValueError("bad row")

    with pytest.raises(ValueError, match="bad row"):
        broken()
    assert gc.isenabled()


def test_a_collector_held_by_someone_else_stays_held() -> None:
    gc.disable()
    collector_paused(lambda: None)()
    assert not gc.isenabled()


@contextmanager
def a_slow_build_running() -> Iterator[None]:
    """A report build in another thread that lasts until the ``with`` block ends."""
    started, may_end = threading.Event(), threading.Event()

    @collector_paused
    def slow() -> None:
        started.set()
        may_end.wait(5)

    thread = threading.Thread(target=slow)
    thread.start()
    started.wait(5)
    try:
        yield
    finally:
        may_end.set()
        thread.join(5)


def test_overlapping_builds_in_two_threads_hold_it_until_the_last_ends() -> None:
    with a_slow_build_running():
        # A second, quick build ends while the first is still running: the collector stays held.
        assert collector_paused(gc.isenabled)() is False
        assert not gc.isenabled()
    assert gc.isenabled()


def test_builds_overlapping_too_long_run_a_collection(monkeypatch: pytest.MonkeyPatch) -> None:
    """A busy server whose report builds keep overlapping still collects now and then."""
    collections = []
    monkeypatch.setattr(gc, "collect", lambda *args: collections.append(args) or 0)
    with a_slow_build_running():
        collector_paused(lambda: None, max_pause=0.0)()  # ends while the slow one runs, past it
        assert collections == [()] and not gc.isenabled()
    assert gc.isenabled() and collections == [()]  # the last one to end restarts it instead
