"""``python -m bench --sizes place`` on a small event: the table, the baseline and the check."""

from __future__ import annotations

from pathlib import Path

from bench import __main__ as bench_main
from bench import place
from bench.runner import Spec
from solver.place import first_free, seat_rounds
from solver.place import place as place_meetings
from solver.synthetic_agreed import agreed_event

SMALL = (place.PlaceSpec("tiny forum", 30, 80, 10, 3.0, proof=True),)


def test_the_place_table_compares_with_the_first_free_slot(tmp_path: Path) -> None:
    out = tmp_path / "results.md"
    code = bench_main.main(
        ["--sizes", "place", "--out", str(out)], bench_main.Setup(place_specs=SMALL)
    )
    markdown = out.read_text()
    assert code == 0
    assert "## Agreed meetings placed" in markdown and "## Solver" not in markdown
    rows = [line for line in markdown.splitlines() if line.startswith("| tiny forum")]
    assert [row.split(" | ")[2] for row in rows] == ["first free slot", "place"]
    placed = rows[1].split(" | ")
    assert placed[3] == "80" and placed[10] == "0"  # every meeting, no rule broken


def test_the_independent_check_catches_a_broken_placement() -> None:
    event = agreed_event(20, 40, 8, seed=2)
    meetings = place_meetings(event.instance, event.agreed, time_limit=5).meetings
    assert len(meetings) == len(event.agreed)
    assert place.check(event.instance, event.agreed, meetings) == []
    problems = place.check(event.instance, event.agreed, [meetings[0], *meetings])
    assert any("twice in round" in p for p in problems)
    assert any("placed 2 times" in p for p in problems)
    dropped = next(m for m in event.agreed if (m.a, m.b) == meetings[0].pair)
    assert place.check(event.instance, event.agreed, meetings[1:]) == [
        f"row {dropped.row} not placed"
    ]
    # The spreadsheet way leaves meetings out on this event; the check says which.
    greedy = seat_rounds(event.agreed, first_free(event.instance, event.agreed))
    assert all(p.endswith("not placed") for p in place.check(event.instance, event.agreed, greedy))


def test_the_compact_table_compares_with_a_plain_solve(tmp_path: Path) -> None:
    out = tmp_path / "results.md"
    setup = bench_main.Setup(compact_spec=Spec(30, 4, 12, 4.0, min_ratio=None, max_gib=None))
    bench_main.main(["--sizes", "compact", "--out", str(out)], setup)
    markdown = out.read_text()
    assert "## Compact agendas" in markdown and "## Solver" not in markdown
    rows = [line.split(" | ") for line in markdown.splitlines() if line.startswith("| 30 / 4 / 12")]
    assert [row[1] for row in rows] == ["plain", "--compact"]
    plain, compact = (int(row[2].replace(",", "")) for row in rows)
    assert compact <= plain
    assert rows[0][8] == rows[1][8] == "0", "no rule broken either way"
