"""Schedules, and the one adapter between the app and the solver package.

Only this package imports ``solver`` (the import-linter contract in pyproject.toml): it turns
an event's rows into a solver instance once per request (``instance``), runs builds
(``builds``), checks, numbers and publishes versions (``versions``), hand edits, reviews and
re-plans them, and scores matches for attendees (``matches``). The solver's words the rest of
the app speaks (text rules, kinds, the attendees file) come from ``vocabulary``.
"""
