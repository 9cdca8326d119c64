"""Benchmarks of the scheduler on realistic synthetic events (``python -m bench``)."""
