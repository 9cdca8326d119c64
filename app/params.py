"""Numbers from URLs and forms: ASCII digits only, and never more than a database column holds.

``str.isdigit`` and Python's ``int`` accept "²", "①" and Arabic-Indic digits, and an id of
10^23 overflows SQLite and PostgreSQL integers; both used to end as 500s. Every number a
request carries goes through ``whole`` (as werkzeug's ``type=`` for ``request.args``/``form``)
or the ``int`` URL converter below, so an odd value is a 400 or 404, never a 500.
"""

from __future__ import annotations

import re

from werkzeug.routing import IntegerConverter, Map

MAX_ID = 2**31 - 1  # PostgreSQL's INTEGER, the type of every id and count column
_DIGITS = re.compile(r"[0-9]{1,10}")


def whole(value: object) -> int:
    """``value`` as a whole number from 0 to ``MAX_ID``, written in ASCII digits.

    Raises:
        ValueError: anything else (werkzeug's ``get(..., type=whole)`` then gives the default).
    """
    text = str(value).strip()
    if not _DIGITS.fullmatch(text):
        raise ValueError(f"{text[:20]!r} is not a whole number")
    number = int(text)
    if number > MAX_ID:
        raise ValueError(f"{number} is too large")
    return number


class IdConverter(IntegerConverter):
    """The app's ``<int:...>``: ASCII digits only, at most ``MAX_ID``; anything else is 404."""

    regex = r"[0-9]{1,10}"

    def __init__(
        self,
        map: Map,
        fixed_digits: int = 0,
        min: int | None = None,
        max: int | None = MAX_ID,
        signed: bool = False,
    ) -> None:
        super().__init__(map, fixed_digits, min, max, signed)
