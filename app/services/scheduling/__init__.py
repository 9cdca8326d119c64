"""Schedules, and the one adapter between the app and the solver package.

Only this package imports ``solver``: it turns an event's rows into a solver instance, runs
builds, checks and stores hand edits and re-plans, and publishes versions. Everything else in
the app reaches the solver through it (the import-linter contract in pyproject.toml).
"""
