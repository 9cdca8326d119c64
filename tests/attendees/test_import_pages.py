"""The web import: upload, preview with problems and meetings to remove, confirm, size limit."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from tests.attendees.import_helpers import confirm, stage, upload
from tests.attendees.test_importing import ANN, BOB, CID, HEADER, count_attendees, csv_bytes


def test_web_upload_preview_then_confirm(app: Flask, login_as, make_organiser, make_event) -> None:
    """Upload shows the preview and an "Import N attendees" button; confirming imports."""
    organiser = make_organiser()
    event = make_event(organiser)
    client = login_as(organiser)
    assert "Check the file" in client.get(f"/organiser/events/{event.slug}/import").get_data(
        as_text=True
    )
    page, token = stage(client, event, csv_bytes(HEADER, ANN, BOB, CID))
    assert "Import 3 attendees" in page and count_attendees(event) == 0
    staged = list(Path(app.config["UPLOAD_FOLDER"]).glob("*.bin"))
    assert len(staged) == 1
    response = confirm(client, event, token)
    assert response.headers["Location"] == f"/organiser/events/{event.slug}/attendees"
    assert count_attendees(event) == 3
    assert not staged[0].exists()
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Imported: 3 created, 0 updated, 0 unchanged." in html
    again = confirm(client, event, token)
    assert again.headers["Location"] == f"/organiser/events/{event.slug}/import"


def test_web_upload_with_a_bad_row_shows_the_problems(login_as, make_organiser, make_event) -> None:
    """A bad row: the problem table names row, column and value; no confirm button."""
    organiser = make_organiser()
    event = make_event(organiser)
    client = login_as(organiser)
    bad = "dan@example.org,Dan,Delta,robot,EMEA,,,,,,"
    html = upload(client, event.slug, csv_bytes(HEADER, ANN, bad)).get_data(as_text=True)
    assert "1 problem: nothing was imported" in html
    assert '<td data-label="Row">3</td>' in html and "<code>robot</code>" in html
    assert "Import 2 attendees" not in html and 'name="token"' not in html
    assert count_attendees(event) == 0


def test_web_upload_lists_meetings_that_will_be_removed(
    login_as, make_organiser, make_event, make_attendee, make_version
) -> None:
    """The preview says which draft meetings the changes remove."""
    organiser = make_organiser()
    event = make_event(organiser)
    ann = make_attendee(event, email="ann@example.org", name="Ann", company="Acme")
    bob = make_attendee(event, email="bob@example.org", name="Bob", company="Beta")
    make_version(event, [(1, 1, ann, bob)])
    client = login_as(organiser)
    data = csv_bytes("email,name,company,kind,region", "bob@example.org,Bob,Acme,vendor,NA")
    html = upload(client, event.slug, data).get_data(as_text=True)
    assert "This meeting will be removed" in html
    assert "round 1, table 1: Ann &lt;ann@example.org&gt; and Bob &lt;bob@example.org&gt;" in html
    assert "Both work for Acme." in html


def test_files_over_the_size_limit_get_a_friendly_413(
    app: Flask, login_as, make_organiser, make_event
) -> None:
    """Too large: a page that says the limit, with status 413."""
    app.config["MAX_CONTENT_LENGTH"] = 2048
    organiser = make_organiser()
    event = make_event(organiser)
    client = login_as(organiser)
    data = csv_bytes(HEADER, *[ANN.replace("ann@", f"ann{i}@") for i in range(100)])
    response = upload(client, event.slug, data)
    assert response.status_code == 413
    assert "That file is too large" in response.get_data(as_text=True)
