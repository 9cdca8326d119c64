"""The organiser's series page (known numbers of tests/series_helpers.py), the event form's
series box, and who may open a series."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from app.extensions import db
from app.models import Series
from tests.conftest import post_form
from tests.series_helpers import Series2, build_series


@pytest.fixture
def series(make_organiser, make_event, make_attendee, make_version) -> Series2:
    return build_series(make_organiser, make_event, make_attendee, make_version)


def cell(html: str, id_: str) -> str:
    match = re.search(rf'id="{id_}">([^<]*)<', html)
    assert match, f"no {id_} in the page"
    return match.group(1).strip()


def test_the_series_page_shows_who_came_back_nps_and_teaming(login_as, series: Series2) -> None:
    """2025: Acme's rep and p1..p6; 2026: another Acme rep, Globex, p1..p5, p7, p8."""
    url = f"/organiser/series/{series.second.series_id}"
    html = login_as(series.organiser).get(url).get_data(as_text=True)
    assert "Partner Summit" in html
    assert cell(html, "people-partner-1") == "5 of 6 (83%)"
    assert cell(html, "people-vendor-1") == "0 of 1 (0%)"  # Vera did not come back
    assert cell(html, "people-everyone-1") == "5 of 7 (71%)"
    assert cell(html, "companies-vendor-1") == "1 of 1 (100%)"  # "ACMÉ" is Acme
    assert cell(html, "companies-everyone-1") == "6 of 7 (86%)"
    nps = re.search(r'<td class="row-head">(ACMÉ|Acme)</td>(.*?)</tr>', html, re.S)
    assert nps and "+17 (6)" in nps.group(2) and nps.group(2).count("+17 (6)") == 2
    globex = re.search(r'<td class="row-head">Globex</td>(.*?)</tr>', html, re.S)
    assert globex and "not there" in globex.group(1) and "-100 (1)" in globex.group(1)
    assert cell(html, "teaming-1") == "0%"
    assert cell(html, "teaming-2") == "11%"  # p1 of 9 attendees named a joint deal
    assert html.count('<svg class="bars"') == 2


def test_the_events_list_and_dashboard_link_the_series(login_as, series: Series2) -> None:
    client = login_as(series.organiser)
    url = f"/organiser/series/{series.second.series_id}"
    assert url in client.get("/organiser/events").get_data(as_text=True)
    assert url in client.get(f"/organiser/events/{series.second.slug}").get_data(as_text=True)


def test_the_series_pdf_has_the_same_figures(login_as, series: Series2) -> None:
    url = f"/organiser/series/{series.second.series_id}"
    client = login_as(series.organiser)
    assert f'href="{url}.pdf"' in client.get(url).get_data(as_text=True)
    pdf = client.get(f"{url}.pdf")
    assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf"
    assert pdf.headers["Content-Disposition"].endswith('-report.pdf"')
    text = " ".join(
        page.extract_text() for page in PdfReader(io.BytesIO(pdf.get_data())).pages
    ).replace("\n", " ")
    for figure in ("Partner Summit", "5 of 6 (83%)", "5 of 7 (71%)", "6 of 7 (86%)", "+17 (6)"):
        assert figure in text, figure
    assert "-100 (1)" in text and "not there" in text and "11%" in text


def test_another_organiser_gets_404_for_a_series(login_as, make_organiser, series: Series2) -> None:
    url = f"/organiser/series/{series.second.series_id}"
    assert login_as(make_organiser()).get(url).status_code == 404
    assert login_as(make_organiser()).get(f"{url}.pdf").status_code == 404
    assert login_as(series.organiser).get("/organiser/series/999999").status_code == 404


def test_a_co_organiser_sees_no_series_link_and_no_series(
    app, login_as, make_organiser, series: Series2
) -> None:
    """The series is its owner's: a co-organiser of one of its events cannot open it."""
    from app.models.team import CO_ORGANISER
    from app.services.events.team import add_member

    helper = make_organiser()
    with app.test_request_context():
        add_member(series.second, helper.email, CO_ORGANISER, series.organiser)
    client = login_as(helper)
    dashboard = client.get(f"/organiser/events/{series.second.slug}").get_data(as_text=True)
    assert 'id="series-link"' not in dashboard
    assert client.get(f"/organiser/series/{series.second.series_id}").status_code == 404


def test_the_event_form_puts_an_event_in_a_series(login_as, make_organiser, make_event) -> None:
    owner = make_organiser()
    client = login_as(owner)
    first = make_event(owner, name="Summit 2025")
    page = client.get(f"/organiser/events/{first.slug}/edit").get_data(as_text=True)
    assert 'name="series"' in page and 'list="series-names"' in page
    form = {
        "name": "Summit 2025", "timezone": "UTC", "starts_at": "2030-03-04T09:00",
        "rounds": "6", "round_minutes": "10", "break_minutes": "5", "tables": "10",
        "min_meetings": "0", "p2p_weight": "1", "p2v_weight": "1", "solve_time_limit": "30",
        "reminder_minutes": "5", "series": "Partner Summit",
    }  # fmt: skip
    response = post_form(client, f"/organiser/events/{first.slug}/edit", form)
    assert response.status_code == 302
    db.session.refresh(first)
    assert first.series is not None and first.series.name == "Partner Summit"
    assert first.series.organiser_id == owner.id
    new = client.get("/organiser/events/new").get_data(as_text=True)
    assert '<option value="Partner Summit">' in new  # offered for the next event
    form["series"] = "  partner   SUMMIT "
    second = make_event(owner, name="Summit 2026")
    post_form(client, f"/organiser/events/{second.slug}/edit", {**form, "name": "Summit 2026"})
    db.session.refresh(second)
    assert second.series_id == first.series_id  # the same series, however it is typed
    assert db.session.query(Series).count() == 1
    post_form(client, f"/organiser/events/{second.slug}/edit", {**form, "series": ""})
    db.session.refresh(second)
    assert second.series_id is None
