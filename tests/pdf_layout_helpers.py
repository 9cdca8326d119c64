"""Where a PDF's text lands: text runs with their boxes, read back with pdfplumber.

A *run* is text drawn in one go: consecutive characters of the content stream on one baseline,
each starting where the previous one ended (a table cell, a paragraph line, a label). Two runs
that overlap print on top of each other; a run past the page edge is cut off by the printer.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import pdfplumber

TOUCH = 0.05  # points: characters of one run meet exactly; a gap larger than this starts a new run
SLACK = 0.1  # points two runs may share (rounding) before they count as overlapping
GAP = 1.0  # points two runs on one line need between them not to read as one ("HeldAnswered")


@dataclass(frozen=True)
class Run:
    """One run of text on a page and its box, in PDF points from the page's top-left."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float


def _runs(chars: list[dict]) -> list[Run]:
    """The page's characters, in stream order, joined into runs."""
    runs: list[Run] = []
    text, box, last = "", [0.0, 0.0, 0.0, 0.0], None
    for c in chars:
        joins = (
            last is not None
            and abs(c["x0"] - last["x1"]) <= TOUCH
            and abs(c["bottom"] - last["bottom"]) <= TOUCH
            and abs(c["size"] - last["size"]) <= TOUCH
        )
        if joins:
            text += c["text"]
            box = [min(box[0], c["x0"]), max(box[1], c["x1"]), min(box[2], c["top"]), box[3]]
        else:
            if text.strip():
                runs.append(Run(text, *box))
            text, box = c["text"], [c["x0"], c["x1"], c["top"], c["bottom"]]
        last = c
    if text.strip():
        runs.append(Run(text, *box))
    return [_trimmed(r) for r in runs]


def _trimmed(run: Run) -> Run:
    """``run`` without the room its leading and trailing spaces took (roughly, by share)."""
    text = run.text.strip()
    if text == run.text or not run.text:
        return run
    share = (run.x1 - run.x0) / len(run.text)
    lead = len(run.text) - len(run.text.lstrip())
    trail = len(run.text) - len(run.text.rstrip())
    return Run(text, run.x0 + lead * share, run.x1 - trail * share, run.top, run.bottom)


def page_runs(pdf: bytes) -> list[tuple[float, float, list[Run]]]:
    """Each page's width, height and text runs."""
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return [(p.width, p.height, _runs(p.chars)) for p in doc.pages]


def overlapping(runs: list[Run]) -> list[tuple[Run, Run]]:
    """Pairs of runs whose boxes overlap (more than ``SLACK`` up and down), or that sit on one
    line closer than ``GAP`` side by side."""
    pairs = []
    ordered = sorted(runs, key=lambda r: r.top)
    for i, a in enumerate(ordered):
        for b in ordered[i + 1 :]:
            if b.top >= a.bottom - SLACK:
                break  # sorted by top: no later run reaches up into ``a``
            if min(a.x1, b.x1) - max(a.x0, b.x0) > -GAP:
                pairs.append((a, b))
    return pairs


def layout_faults(pdf: bytes) -> list[str]:
    """Every overlap of two runs, and every run past a page edge, in words (empty: none)."""
    faults = []
    for number, (page_w, page_h, runs) in enumerate(page_runs(pdf), start=1):
        faults += [
            f"page {number}: {a.text!r} overlaps or runs into {b.text!r}"
            for a, b in overlapping(runs)
        ]
        faults += [
            f"page {number}: {r.text!r} runs past the page edge ({r.x0:.1f}..{r.x1:.1f} of "
            f"{page_w:.0f} pt)"
            for r in runs
            if r.x0 < -SLACK or r.x1 > page_w + SLACK or r.top < -SLACK or r.bottom > page_h + SLACK
        ]
    return faults
