"""The live board's link on the dashboard: create or re-issue it, and revoke it."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask.typing import ResponseReturnValue

from app.access import current_event
from app.organiser.blueprint import event_bp
from app.services.events.board import issue_board_link, revoke_board_link


@event_bp.post("/board/link")
def board_link() -> ResponseReturnValue:
    """Make a new board link; a link made before stops working at once."""
    event = current_event()
    had_one = event.board_token is not None
    issue_board_link(event)
    if had_one:
        flash("New board link made: the old one no longer works.", "success")
    else:
        flash("Board link made: open it on the projector and on your phone.", "success")
    return redirect(url_for("organiser.event.dashboard", _anchor="board"))


@event_bp.post("/board/revoke")
def board_revoke() -> ResponseReturnValue:
    """Remove the board link: every screen showing it stops updating."""
    revoke_board_link(current_event())
    flash("Board link removed: screens showing it no longer update.", "success")
    return redirect(url_for("organiser.event.dashboard", _anchor="board"))
