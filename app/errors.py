"""Mingle's own error pages: every HTTP error as a page of the site, or as JSON for scripts.

The page says what happened and what to do next, in the words of the audience the URL names:
an attendee's or sponsor's link (``/a/``, ``/s/``) that no longer works, an organiser's page
(back to your events), the door (``/checkin/``), or anyone else. URLs ending in ``.json`` (and
scripts that ask for JSON) get ``{"ok": false, "error": ...}`` instead. The status code and the
exception's own headers (``Allow`` on a 405) are kept; the site-wide security headers are added
after, as on every response.

Nothing here reads the database, the logged-in user or the exception's text, so the 500 page
works while the database is down and never shows a traceback or a detail of the failure
(Flask has already logged it). The CSRF and log-in rate-limit pages live in ``app/security.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, Response, current_app, jsonify, render_template, request, url_for
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from app.security import wants_json


@dataclass(frozen=True)
class Explanation:
    """What an error page says: a heading, what happened, and what to do next."""

    heading: str
    happened: str
    next_step: str


# What anyone is told, by status; the audiences below override some of them.
GENERAL = {
    400: Explanation(
        "That request could not be understood",
        "Something in the address or in the form was not as Mingle expects, so nothing was "
        "changed.",
        "Go back, reload the page and try again.",
    ),
    403: Explanation(
        "This page is not open to you",
        "You do not have access to this page.",
        "If you think you should, ask the organiser of the event.",
    ),
    404: Explanation(
        "Page not found",
        "There is no page at this address: it may be mistyped, or the page was removed.",
        "Check the address, or start again from the home page.",
    ),
    405: Explanation(
        "This page cannot be used like that",
        "This address does not take this kind of request. It happens when a form is sent "
        "again from the browser's history, or a page is opened from an old bookmark.",
        "Open the page again from its link and use the buttons on it.",
    ),
    429: Explanation(
        "Too many requests",
        "Mingle received too many requests from you in a short time.",
        "Wait a minute, then try again.",
    ),
    500: Explanation(
        "Something went wrong on our side",
        "Mingle could not show this page because of an error of its own. Nothing you did "
        "caused it, and the error has been recorded.",
        "Try again in a minute. If it keeps happening, tell the organiser of the event.",
    ),
    503: Explanation(
        "Mingle is not available just now",
        "Mingle cannot answer at the moment, usually while it is being updated.",
        "Try again in a few minutes.",
    ),
}
LINK_GONE = (403, 404, 410)  # what an unknown, mistyped or re-issued link answers
ATTENDEE_LINK = Explanation(
    "This link does not work",
    "This link is not valid any more, or it was mistyped: when the organiser sends you a new "
    "link, the old one stops working at once.",
    "Ask the organiser for your current link, or use the one in their latest e-mail or the QR "
    "code on your badge.",
)
SPONSOR_LINK = Explanation(
    "This link does not work",
    "This report link is not valid any more, or it was mistyped: when the organiser sends your "
    "company a new link, the old one stops working at once.",
    "Ask the organiser for your current link.",
)
BOARD_LINK = Explanation(
    "This board link does not work",
    "This link to the live board is not valid any more, or it was mistyped: when the organiser "
    "revokes the board link or makes a new one, the old one stops working at once.",
    "Ask the organiser for the current board link.",
)
ORGANISER_NOT_FOUND = Explanation(
    "Page not found",
    "There is no such page, or it belongs to an event that is not yours.",
    "Go back to your events and open the page from there.",
)
# What one audience is told instead, by (audience, status); see ``audience()``.
BY_AUDIENCE = {
    **{("attendee", status): ATTENDEE_LINK for status in LINK_GONE},
    **{("sponsor", status): SPONSOR_LINK for status in LINK_GONE},
    **{("board", status): BOARD_LINK for status in LINK_GONE},
    ("organiser", 404): ORGANISER_NOT_FOUND,
    ("organiser", 410): ORGANISER_NOT_FOUND,
    ("organiser", 403): Explanation(
        "This page is not open to you",
        "Your account does not have access to this page.",
        "Go back to your events, or ask the event's organiser to give you access.",
    ),
    ("organiser", 500): Explanation(
        GENERAL[500].heading,
        GENERAL[500].happened,
        "Try again in a minute. If it keeps happening, tell whoever runs Mingle for you, with "
        "the time it happened.",
    ),
    ("door", 404): Explanation(
        "Page not found",
        "There is no such page at the door, or the event is not yours.",
        "Open the door page again from the link you were given, or ask the organiser.",
    ),
    ("door", 410): Explanation(
        "This door link does not work any more",
        "Door links stop working after the event, or as soon as the organiser revokes them.",
        "Ask the organiser for a new link.",
    ),
}


def install_error_pages(app: Flask) -> None:
    """Answer every HTTP error, and every crash as a 500, with Mingle's own page or JSON."""
    app.register_error_handler(RequestEntityTooLarge, too_large)
    app.register_error_handler(HTTPException, error_page)


def audience() -> str:
    """Whose page the URL is: ``attendee``, ``sponsor``, ``organiser``, ``door``, ``board``
    (the live board) or ``visitor``."""
    path = request.path
    if path.startswith("/a/"):
        return "attendee"
    if path.startswith("/s/"):
        return "sponsor"
    if path.startswith(("/checkin/", "/door/")):
        return "door"
    if path.startswith("/board/"):
        return "board"
    if path == "/organiser" or path.startswith("/organiser/"):
        return "organiser"
    return "visitor"


def explain(status: int, name: str, who: str) -> Explanation:
    """What to tell ``who`` about an error of ``status`` (``name``: the status's own words)."""
    fallback = Explanation(name, "The page could not be shown.", "Go back and try again.")
    return BY_AUDIENCE.get((who, status)) or GENERAL.get(status, fallback)


def way_back(who: str) -> tuple[str, str] | None:
    """The link an error page offers ``who`` (label, URL), or None where none would help.

    Attendees and sponsors have no page without a valid link, and door staff come from one.
    """
    if who == "organiser":
        return "Back to your events", url_for("organiser.events")
    if who == "visitor":
        return "Go to the home page", url_for("main.home")
    return None


def respond(error: HTTPException, body: Response | str, status: int) -> Response:
    """``body`` with ``status`` and the headers the error itself carries (``Allow``...)."""
    response = current_app.make_response((body, status))
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def answers_json() -> bool:
    """Whether the error goes to a script: a ``.json`` URL, or a request asking for JSON."""
    return request.path.endswith(".json") or wants_json()


def error_page(error: HTTPException) -> Response:
    """The page (or JSON) for an HTTP error; a crash reaches here as a 500 without details."""
    status = error.code or 500
    who = audience()
    explanation = explain(status, error.name, who)
    if answers_json():
        advice = explanation.next_step
        body = jsonify(ok=False, status=status, error=explanation.heading, advice=advice)
        return respond(error, body, status)
    page = render_template(
        "errors/page.html", status=status, explanation=explanation, back=way_back(who)
    )
    return respond(error, page, status)


def too_large(error: RequestEntityTooLarge) -> Response:
    """The 413 page (or JSON): the size limit, and how an organiser's file fits under it."""
    limit_mb = (current_app.config.get("MAX_CONTENT_LENGTH") or 0) / (1024 * 1024)
    limit = f"{limit_mb:.1f}".removesuffix(".0") + " MB"
    who = audience()
    if answers_json():
        advice = f"Send at most {limit} at a time."
        return respond(error, jsonify(ok=False, status=413, error="Too large", advice=advice), 413)
    page = render_template("errors/too_large.html", limit=limit, who=who, back=way_back(who))
    return respond(error, page, 413)
