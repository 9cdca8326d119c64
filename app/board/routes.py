"""The live board, under /board/<token>: a page for the projector and the JSON it polls.

Nobody logs in: the board's secret link is its only credential. ``board_event(token)``
answers 404 (Mingle's page: "ask the organiser") for an unknown, re-issued or revoked link;
the event shown is always the link's own, never taken from the URL otherwise.
"""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, render_template, url_for
from flask.typing import ResponseReturnValue

from app.models import Event
from app.services.events.board import POLL_SECONDS, board, event_by_board_token

bp = Blueprint("board", __name__, url_prefix="/board")


def board_event(token: str) -> Event:
    """The event whose current board link carries ``token``, else 404."""
    event = event_by_board_token(token)
    if event is None:
        abort(404)
    return event


@bp.get("/<token>")
def page(token: str) -> ResponseReturnValue:
    """The board: the round on and its countdown, the tables, the door's counts, the clock."""
    event = board_event(token)
    return render_template(
        "board/board.html",
        event=event,
        board=board(event),
        state_url=url_for("board.state", token=token),
        poll_seconds=POLL_SECONDS,
    )


@bp.get("/<token>/state.json")
def state(token: str) -> ResponseReturnValue:
    """The board as JSON, polled by the page every few seconds."""
    return jsonify(board(board_event(token)).as_dict())
