"""The cyclic garbage collector held while a report builds its rows, safely across threads.

A report allocates tens of thousands of plain rows (``rows.py``) that form no reference cycles;
the collector, started again and again by those allocations, re-scanned the growing heap for a
third of a big report's time. Reference counting still frees everything meanwhile.
"""

from __future__ import annotations

import functools
import gc
import threading
import time
from collections.abc import Callable
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")
_pause_lock = threading.Lock()
_pauses = 0  # reports being built now, in any thread; the collector runs again at 0
_was_enabled = True
_paused_since = 0.0  # time.monotonic() when the collector was last held or run
MAX_PAUSE = 30.0  # seconds: overlapping builds on a busy server collect at least this often


def collector_paused(build: Callable[P, R], max_pause: float = MAX_PAUSE) -> Callable[P, R]:
    """Run ``build`` with the cyclic garbage collector held (reference counting still frees).

    Thread-safe: the collector is held while any thread builds a report and restarted, if it
    was running when the first of them began, when the last one ends. When builds keep
    overlapping for longer than ``max_pause`` seconds, the one ending then runs a collection,
    so other requests' garbage cycles cannot pile up.
    """

    @functools.wraps(build)
    def paused(*args: P.args, **kwargs: P.kwargs) -> R:
        """``build`` itself, the collector held around it."""
        global _pauses, _was_enabled, _paused_since
        with _pause_lock:
            if _pauses == 0:
                _was_enabled = gc.isenabled()
                _paused_since = time.monotonic()
                gc.disable()
            _pauses += 1
        try:
            return build(*args, **kwargs)
        finally:
            overdue = False
            with _pause_lock:
                _pauses -= 1
                if _pauses == 0 and _was_enabled:
                    gc.enable()
                elif _was_enabled and time.monotonic() - _paused_since > max_pause:
                    _paused_since = time.monotonic()
                    overdue = True
            if overdue:
                gc.collect()

    return paused
