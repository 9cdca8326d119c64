"""Every file download names its type once: a CSV says ``charset=utf-8`` exactly once.

A second ``charset`` (``text/csv; charset=utf-8; charset=utf-8``) is what the download view
sent before it passed the export's Content-Type whole; strict clients reject the header.
"""

from __future__ import annotations

import pytest

from tests.report_helpers import add_bosses, build

CSV = "text/csv; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def cast(event, make_attendee, make_version):
    """The hand-built report event, its schedule published as version 1."""
    return build(event, make_attendee, make_version)


def _organiser_downloads(slug: str) -> dict[str, str]:
    """The organiser's downloads, by what they are, without their format."""
    base = f"/organiser/events/{slug}"
    return {
        "event report": f"{base}/report",
        "sponsor report preview": f"{base}/sponsor-report",
        "schedule": f"{base}/schedule/versions/1/schedule",
    }


def _get(client, url: str):
    """``url`` fetched, the sponsor preview's company added."""
    query = {"company": "Acme"} if "sponsor-report" in url else None
    return client.get(url, query_string=query)


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "pdf"])
def test_every_organiser_download_names_its_type_once(event, cast, login_as, fmt) -> None:
    staff = login_as(event.organiser)
    downloads = _organiser_downloads(event.slug)
    if fmt == "csv":
        downloads["attendee links"] = f"/organiser/events/{event.slug}/links"
    for name, url in downloads.items():
        if fmt == "pdf" and name == "schedule":
            continue  # the schedule downloads as CSV or XLSX only
        response = _get(staff, f"{url}.{fmt}")
        assert response.status_code == 200, name
        content_type = response.headers["Content-Type"]
        expected = {"csv": CSV, "xlsx": XLSX, "pdf": "application/pdf"}[fmt]
        assert content_type == expected, name
        assert response.headers["Content-Disposition"].startswith("attachment; filename="), name
        if fmt == "csv":
            response.data.decode("utf-8")  # what the header says the bytes are


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "pdf"])
def test_the_sponsors_downloads_name_their_type_once(client, event, cast, fmt) -> None:
    token = add_bosses(event)["Acme"].token
    response = client.get(f"/s/{token}/report.{fmt}")
    assert response.status_code == 200
    content_type = response.headers["Content-Type"]
    assert content_type.count("charset") == (1 if fmt == "csv" else 0)
    if fmt == "csv":
        assert content_type == CSV
