"""The RQ entry point of a schedule build, kept out of the services so they never import the app.

``flask worker`` runs jobs inside its own app; a plain ``rq worker`` has none, so one is made.
"""

from __future__ import annotations

from flask import has_app_context

from app import create_app
from app.services.scheduling.builds import run_build


def run_build_job(job_id: int) -> None:
    """Run the build inside the worker's app (``flask worker``) or a new one."""
    if has_app_context():
        run_build(job_id)
        return
    with create_app().app_context():
        run_build(job_id)
