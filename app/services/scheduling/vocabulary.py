"""The solver's words that the rest of the app speaks too, handed on by the one adapter.

Only ``app/services/scheduling/`` may import ``solver`` (the import-linter contract in
pyproject.toml). The text rules, the attendee kinds, tiers and goals, the attendees file's
columns and parsing, the demo's synthetic attendees and a build's progress reports (the
command line prints them) are the solver's, and the app must use the very same ones (an
imported file and the solver must agree on what a cell means), so this module re-exports them
instead of the app copying them or importing the solver directly.
"""

from solver.io import (
    EXTRA_COLUMNS,
    LIST_COLUMNS,
    OPTIONAL,
    REQUIRED,
    AttendeeRow,
    Problem,
    format_rounds,
    parse_attendee_record,
    parse_attendees,
    parse_rounds,
    split_list,
)
from solver.schema import GOALS, KINDS, TIERS, Progress
from solver.schema import Attendee as SolverAttendee
from solver.synthetic import generate_event, write_attendees_csv
from solver.text import clean_text, email_problem, safe_cell, too_long

__all__ = [
    "EXTRA_COLUMNS",
    "GOALS",
    "KINDS",
    "LIST_COLUMNS",
    "OPTIONAL",
    "REQUIRED",
    "TIERS",
    "AttendeeRow",
    "Problem",
    "Progress",
    "SolverAttendee",
    "clean_text",
    "email_problem",
    "format_rounds",
    "generate_event",
    "parse_attendee_record",
    "parse_attendees",
    "parse_rounds",
    "safe_cell",
    "split_list",
    "too_long",
    "write_attendees_csv",
]
