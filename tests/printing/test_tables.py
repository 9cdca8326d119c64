"""The shared PDF table layout (app/services/printing/tables.py): fits its room, wraps names,
keeps figures whole, shrinks within its floor, repeats its header on every page."""

from __future__ import annotations

import io

import pdfplumber
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import SimpleDocTemplate

from app.services.printing.tables import layout_table
from app.services.printing.text import register_fonts
from tests.pdf_layout_helpers import layout_faults, page_runs

ROOM = 120 * mm
COMPANY = "Północnoeuropejskie Przedsiębiorstwo Dystrybucji Oprogramowania Sp. z o.o."


def _pdf(table) -> bytes:
    """``table`` alone on A4 pages, its frame ``ROOM`` wide."""
    out = io.BytesIO()
    side = (A4[0] - ROOM) / 2 - 6  # the frame keeps 6 points inside its margins
    SimpleDocTemplate(out, pagesize=A4, leftMargin=side, rightMargin=side).build([table])
    return out.getvalue()


def _widths(table) -> list[float]:
    """The table's column widths in points."""
    return list(table._colWidths)


def test_a_table_that_fits_keeps_every_cell_on_one_line() -> None:
    register_fonts()
    table = layout_table([["Sponsor", "Held"], ["Acme", "4"]], ROOM)
    assert sum(_widths(table)) < ROOM
    assert [row for row in table._cellvalues] == [["Sponsor", "Held"], ["Acme", "4"]]


def test_a_long_name_wraps_between_words_and_figures_stay_whole() -> None:
    register_fonts()
    rows = [
        ["Sponsor", "Scheduled", "NPS", "Pipeline"],
        [COMPANY, "5", "-100 (small sample)", "EUR 3,000\nUSD 500"],
    ]
    table = layout_table(rows, ROOM)
    assert sum(_widths(table)) <= ROOM + 0.01
    name, _, nps, pipeline = table._cellvalues[1]
    assert "\n" in name and name.replace("\n", " ") == COMPANY  # wrapped at spaces, nothing cut
    assert nps == "-100 (small sample)" and pipeline == "EUR 3,000\nUSD 500"
    assert layout_faults(_pdf(table)) == []


def test_too_many_columns_shrink_the_font_but_never_below_the_floor() -> None:
    register_fonts()
    rows = [[f"Heading{i}" for i in range(12)], [f"{1000 * i:,}" for i in range(12)]]
    table = layout_table(rows, ROOM, size=9, smallest=6)
    pdf = _pdf(table)
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        sizes = {round(c["size"], 1) for c in doc.pages[0].chars}
    assert len(sizes) == 1 and 6 <= sizes.pop() < 9
    assert sum(_widths(table)) <= ROOM + 0.01
    assert layout_faults(pdf) == []


def test_past_the_floor_a_word_is_split_rather_than_run_over() -> None:
    register_fonts()
    word = "Wolfeschlegelsteinhausenbergerdorff" * 3
    table = layout_table([[word, word, word]], ROOM, header=False, smallest=7)
    assert sum(_widths(table)) <= ROOM + 0.01
    assert layout_faults(_pdf(table)) == []
    assert "".join(table._cellvalues[0][0].split("\n")) == word


def test_the_header_is_repeated_on_every_page() -> None:
    register_fonts()
    rows = [["Rep", "Held"]] + [[f"Person {i}", str(i)] for i in range(120)]
    pages = page_runs(_pdf(layout_table(rows, ROOM)))
    assert len(pages) >= 2
    for _, _, runs in pages:
        top = sorted(runs, key=lambda r: (r.top, r.x0))[:2]
        assert [r.text for r in top] == ["Rep", "Held"]
