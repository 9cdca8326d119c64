"""Pages for organisers, under /organiser: one module per area, an event's pages on ``event_bp``.

Importing the area modules here is what adds their routes to the blueprints (app/organiser/
blueprint.py), so ``app.create_app`` registers the whole audience with ``bp`` alone.
"""

from app.organiser import (  # noqa: F401  (each module adds its routes)
    agreed,
    attendees,
    auth,
    board,
    events,
    followups,
    messages,
    printing,
    replan,
    reports,
    schedule,
    series,
    sponsors,
    team,
)
from app.organiser.blueprint import bp, event_bp

bp.register_blueprint(event_bp)

__all__ = ["bp"]
