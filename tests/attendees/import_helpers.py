"""The web import as a browser drives it: upload a file, then confirm the staged preview."""

from __future__ import annotations

import io
from typing import NamedTuple

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from app.models import Event
from tests.conftest import post_form

TOKEN_INPUT = 'name="token" type="hidden" value="'


class Staged(NamedTuple):
    """A preview the import staged: its page, and the token its confirm button posts."""

    page: str
    token: str


def upload(
    client: FlaskClient, slug: str, data: bytes, filename: str = "people.csv"
) -> TestResponse:
    """Post ``data`` to the event's import form as an uploaded file."""
    url = f"/organiser/events/{slug}/import"
    return post_form(
        client, url, {"file": (io.BytesIO(data), filename)}, content_type="multipart/form-data"
    )


def stage(client: FlaskClient, event: Event, data: bytes) -> Staged:
    """Upload ``data`` as people.csv; the preview must offer to import it (a confirm token)."""
    page = upload(client, event.slug, data).get_data(as_text=True)
    assert TOKEN_INPUT in page, "the preview offers no import"
    return Staged(page, page.split(TOKEN_INPUT)[1].split('"')[0])


def confirm(client: FlaskClient, event: Event, token: str) -> TestResponse:
    """Press the preview's confirm button."""
    return post_form(client, f"/organiser/events/{event.slug}/import/confirm", {"token": token})
