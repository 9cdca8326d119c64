"""Guard against a CPython 3.11 crash that SQLAlchemy's weakref callbacks can trigger.

On Python 3.11, setting a new attribute on an object whose attributes still live in the
shared-key "values" array makes CPython allocate the object's ``__dict__``. That allocation can
start the cyclic garbage collector. If the collector then frees the mapped object an
``InstanceState`` tracks, SQLAlchemy's weakref callback (``InstanceState._cleanup``) sets
attributes on that same state, in the middle of the first assignment, and CPython goes on with
a values array it has just freed: the server dies with a segmentation fault. Closing a session
(``_detach_states`` sets ``state._strong_obj``) while mapped objects wait in reference cycles
hits this after a few requests of a page that renders many of them (the sponsor report).

An object whose ``__dict__`` already exists never takes that path: assignments go to the dict
and allocate nothing the collector tracks. So each ``InstanceState`` gets its dict at birth.
Python 3.12 reworked instance attributes: the same requests served by 3.12.1 did not crash. The
guard is installed on 3.11 only.
"""

from __future__ import annotations

import sys
from typing import Any

from sqlalchemy.orm.state import InstanceState

AFFECTED = sys.version_info[:2] == (3, 11)


def install() -> bool:
    """Give every new ``InstanceState`` its ``__dict__`` up front; True when installed here."""
    if not AFFECTED or getattr(InstanceState.__init__, "mingle_guard", False):
        return False
    original = InstanceState.__init__

    def __init__(self: InstanceState[Any], obj: Any, manager: Any) -> None:
        self.__dict__  # noqa: B018  (materialise the dict before any attribute is set)
        original(self, obj, manager)

    __init__.mingle_guard = True  # type: ignore[attr-defined]
    InstanceState.__init__ = __init__  # type: ignore[method-assign]
    return True
