"""The one way a PDF sets a table: measured columns, wrapped cells, headers repeated per page.

Every cell is measured in the font it prints in (``text.width``). Columns get the width their
longest line needs when the table fits the frame; otherwise each column keeps at least its
longest word (a figure keeps its whole line) and the rest of the room goes first to the
columns that need least of it, so only long names wrap, at spaces and after hyphens. When
even that does not fit the font shrinks, down to ``smallest``; past that a word is split
between characters. Cells are then wrapped
with ``text.wrap`` to exactly the width they get, so no text runs into its neighbour or off
the page. A header row is repeated at the top of every page the table runs onto.
"""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.lib import colors
from reportlab.platypus import Table, TableStyle

from app.services.printing.text import BOLD, HYPHEN_BREAK, REGULAR, clean, width, wrap

PADDING = 4.0  # points left and right of a cell's text
LEADING = 1.2  # line height as a multiple of the font size
SIZE_STEP = 0.5  # points the font shrinks by while the longest words do not fit
EPSILON = 0.01  # points: a line measured to fit its column is never wrapped by rounding


def _lines(cell: str) -> list[str]:
    """A cell's lines: its own line breaks kept, each line cleaned."""
    return [clean(line) for line in str(cell).split("\n")]


def _longest_word(line: str, font: str, size: float) -> float:
    """The widest piece of ``line`` that wrapping cannot break (at spaces, after hyphens)."""
    pieces = [p for word in line.split() for p in HYPHEN_BREAK.findall(word)]
    return max((width(p, font, size) for p in pieces), default=0.0)


def _column_needs(
    rows: Sequence[Sequence[str]], header: bool, left_columns: int, size: float
) -> tuple[list[float], list[float]]:
    """Each column's width on one line per cell line, and the least it can be wrapped to.

    Label columns (the first ``left_columns``) and header cells wrap between words; a figure
    ("EUR 3,000", "-40 (small sample)") is never broken, so its whole line is the least.
    """
    columns = max(len(row) for row in rows)
    natural, least = [2 * PADDING] * columns, [2 * PADDING] * columns
    for r, row in enumerate(rows):
        heading = header and r == 0
        font = BOLD if heading else REGULAR
        for c, cell in enumerate(row):
            for line in _lines(cell):
                need = width(line, font, size) + 2 * PADDING + EPSILON
                natural[c] = max(natural[c], need)
                if c >= left_columns and not heading:
                    least[c] = max(least[c], need)
                else:
                    word = _longest_word(line, font, size) + 2 * PADDING + EPSILON
                    least[c] = max(least[c], word)
    return natural, least


def _widths(natural: list[float], least: list[float], room: float) -> list[float]:
    """Column widths within ``room``: natural when all fit, else least plus a fair share.

    The spare room goes first to the columns that need least of it to print on one line, so
    only the widest (long names) wrap; those share what is left in proportion to their need.
    """
    if sum(natural) <= room:
        return natural
    if sum(least) > room:  # only at the smallest size: split long words, in proportion
        return [room * w / sum(least) for w in least]
    widths = list(least)
    spare = room - sum(least)
    wanting = {c for c, (n, w) in enumerate(zip(natural, least, strict=True)) if n > w}
    while wanting:
        share = spare / len(wanting)
        whole = {c for c in wanting if natural[c] - least[c] <= share}
        if not whole:
            total = sum(natural[c] - least[c] for c in wanting)
            for c in wanting:
                widths[c] += spare * (natural[c] - least[c]) / total
            break
        for c in whole:
            spare -= natural[c] - least[c]
            widths[c] = natural[c]
        wanting -= whole
    return widths


def layout_table(
    rows: Sequence[Sequence[str]],
    room: float,
    *,
    header: bool = True,
    left_columns: int = 1,
    size: float = 9.0,
    smallest: float = 7.0,
) -> Table:
    """``rows`` of text as a table at most ``room`` points wide that never overlaps its text.

    Args:
        rows: the cells as text; a newline in a cell starts a new line.
        room: the frame's width in points.
        header: the first row is a bold header, repeated on every page.
        left_columns: how many columns from the left are aligned left (labels, names); the
            others (figures) are aligned right.
        size, smallest: the font size used when the longest words fit, and the floor it may
            shrink to when they do not.
    """
    points = size
    natural, least = _column_needs(rows, header, left_columns, points)
    while sum(least) > room and points - SIZE_STEP >= smallest:
        points -= SIZE_STEP
        natural, least = _column_needs(rows, header, left_columns, points)
    widths = _widths(natural, least, room)
    data = []
    for r, row in enumerate(rows):
        font = BOLD if header and r == 0 else REGULAR
        data.append(
            [
                "\n".join(
                    out
                    for line in _lines(cell)
                    for out in (wrap(line, font, points, widths[c] - 2 * PADDING) or [""])
                )
                for c, cell in enumerate(row)
            ]
        )
    style = [
        ("FONTNAME", (0, 0), (-1, -1), REGULAR),
        ("FONTSIZE", (0, 0), (-1, -1), points),
        ("LEADING", (0, 0), (-1, -1), points * LEADING),
        ("LEFTPADDING", (0, 0), (-1, -1), PADDING),
        ("RIGHTPADDING", (0, 0), (-1, -1), PADDING),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("ALIGN", (left_columns, 0), (-1, -1), "RIGHT"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.grey),
    ]
    if header:
        style.append(("FONTNAME", (0, 0), (-1, 0), BOLD))
    return Table(
        data,
        colWidths=widths,
        style=TableStyle(style),
        repeatRows=1 if header else 0,
        hAlign="LEFT",
    )
