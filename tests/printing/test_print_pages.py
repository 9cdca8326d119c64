"""The organiser's print page and its PDF downloads: badges, agendas and table signs."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime

import pytest
from flask.testing import FlaskClient
from pypdf import PdfReader

from app.extensions import db
from app.models import Attendee, Event, Organiser, ScheduleVersion
from tests.conftest import post_form

Made = tuple[Event, list[Attendee], FlaskClient]


@pytest.fixture
def printed(
    make_organiser: Callable[..., Organiser],
    make_event: Callable[..., Event],
    make_attendee: Callable[..., Attendee],
    login_as: Callable[[Organiser], FlaskClient],
) -> Made:
    """An event of 9 attendees, its organiser logged in, nothing published yet."""
    owner = make_organiser()
    event = make_event(owner, rounds=2, tables=4)
    people = [make_attendee(event, name=f"Zoë Ångström {i}") for i in range(9)]
    return event, people, login_as(owner)


def publish_two_tables(
    event: Event, people: list[Attendee], make_version: Callable[..., ScheduleVersion]
) -> None:
    """Publish a version using tables 1 and 2."""
    a, b, c, d = people[:4]
    make_version(event, [(1, 1, a, b), (1, 2, c, d), (2, 1, a, c)], published=True)


def pages(data: bytes) -> int:
    """The number of pages of a PDF."""
    return len(PdfReader(io.BytesIO(data)).pages)


def assert_pdf(response, name_part: str) -> bytes:
    """The response is a PDF download whose file name contains ``name_part``."""
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert name_part in response.headers["Content-Disposition"]
    assert response.data.startswith(b"%PDF")
    return response.data


def test_print_page_offers_the_layouts(printed: Made) -> None:
    """The page lists each sheet layout and says agendas need a published schedule."""
    event, _, client = printed
    html = client.get(f"/organiser/events/{event.slug}/print").get_data(as_text=True)
    for text in ("A6 card", "2 x 4 labels", "US Letter", "Download 9 badges"):
        assert text in html
    assert "build and publish one first" in html


def test_event_nav_links_to_print(printed: Made) -> None:
    """The event nav leads to the print page."""
    event, _, client = printed
    html = client.get(f"/organiser/events/{event.slug}").get_data(as_text=True)
    assert f'href="/organiser/events/{event.slug}/print"' in html


@pytest.mark.parametrize(("layout", "sheets"), [("a6", 9), ("a4-2x4", 2), ("letter-2x3", 2)])
def test_printing_badges_per_layout_marks_them_printed(
    printed: Made, layout: str, sheets: int
) -> None:
    """The print page's form POSTs: one page per sheet, and the event records the print run."""
    event, _, client = printed
    assert event.badges_printed_at is None
    url = f"/organiser/events/{event.slug}/print/badges.pdf"
    response = post_form(client, url, {"layout": layout})
    assert pages(assert_pdf(response, f"badges-{layout}")) == sheets
    db.session.refresh(event)
    assert event.badges_printed_at is not None
    page = client.get(f"/organiser/events/{event.slug}/print").get_data(as_text=True)
    assert "Last printed on" in page and 'method="post"' in page


def test_a_get_download_of_badges_changes_nothing(printed: Made) -> None:
    """GET is safe: the same PDF, and the dashboard still says the badges were not printed."""
    event, _, client = printed
    response = client.get(f"/organiser/events/{event.slug}/print/badges.pdf?layout=a6")
    assert pages(assert_pdf(response, "badges-a6")) == 9
    db.session.refresh(event)
    assert event.badges_printed_at is None


def test_duplex_badges_need_a_published_schedule(
    printed: Made, make_version: Callable[..., ScheduleVersion]
) -> None:
    """Duplex badges redirect with a message before publishing, and double the pages after."""
    event, people, client = printed
    url = f"/organiser/events/{event.slug}/print/badges.pdf?layout=a4-2x4&duplex=1"
    response = client.get(url, follow_redirects=True)
    assert "no published schedule" in response.get_data(as_text=True)
    db.session.refresh(event)
    assert event.badges_printed_at is None
    publish_two_tables(event, people, make_version)
    assert pages(assert_pdf(client.get(url), "duplex")) == 4


def test_unknown_layout_is_refused(printed: Made) -> None:
    """A layout that is not in the table is a bad request."""
    event, _, client = printed
    response = client.get(f"/organiser/events/{event.slug}/print/badges.pdf?layout=a3")
    assert response.status_code == 400


def test_agendas_and_signs_before_publishing_redirect_with_a_message(printed: Made) -> None:
    """Without a published schedule there is nothing to print: flash and back to the page."""
    event, _, client = printed
    for what in ("agendas", "table-signs"):
        response = client.get(f"/organiser/events/{event.slug}/print/{what}.pdf")
        assert response.status_code == 302
        assert response.headers["Location"].endswith(f"/organiser/events/{event.slug}/print")
    html = client.get(f"/organiser/events/{event.slug}/print").get_data(as_text=True)
    assert "no published schedule yet" in html


def test_agendas_all_and_one(printed: Made, make_version: Callable[..., ScheduleVersion]) -> None:
    """Everyone's agendas (a page each), or one attendee's; another event's attendee is 404."""
    event, people, client = printed
    publish_two_tables(event, people, make_version)
    base = f"/organiser/events/{event.slug}/print/agendas.pdf"
    assert pages(assert_pdf(client.get(base), "agendas")) == 9
    one = assert_pdf(client.get(f"{base}?attendee={people[0].id}"), f"agenda-{people[0].id}")
    assert pages(one) == 1
    assert "Zoë Ångström 0" in PdfReader(io.BytesIO(one)).pages[0].extract_text()
    assert client.get(f"{base}?attendee=999999").status_code == 404


def test_table_signs_one_page_per_table_in_use(
    printed: Made, make_version: Callable[..., ScheduleVersion]
) -> None:
    """Two tables in use: two signs."""
    event, people, client = printed
    publish_two_tables(event, people, make_version)
    response = client.get(f"/organiser/events/{event.slug}/print/table-signs.pdf")
    assert pages(assert_pdf(response, "table-signs")) == 2


def test_stored_times_are_shown_in_the_events_time_zone(
    make_organiser: Callable[..., Organiser],
    make_event: Callable[..., Event],
    make_attendee: Callable[..., Attendee],
    make_version: Callable[..., ScheduleVersion],
    login_as: Callable[[Organiser], FlaskClient],
) -> None:
    """10:00 UTC in Tokyo reads 19:00 on the print, schedule and door pages, which name the
    zone once (in the footer), not after each time."""
    owner = make_organiser()
    event = make_event(owner, timezone="Asia/Tokyo")
    ann, bo = make_attendee(event, name="Ann Tanaka"), make_attendee(event)
    version = make_version(event, [(1, 1, ann, bo)])
    stored = datetime(2030, 3, 1, 10, 0)
    event.badges_printed_at = version.created_at = ann.checked_in_at = stored
    db.session.commit()
    client = login_as(owner)
    pages = {
        "print": f"/organiser/events/{event.slug}/print",
        "schedule": f"/organiser/events/{event.slug}/schedule",
        "door": f"/checkin/{event.slug}?q=Tanaka",
    }
    text = {name: client.get(url).get_data(as_text=True) for name, url in pages.items()}
    assert "Last printed on 01 Mar 2030, 19:00." in text["print"]
    assert "on 01 Mar 2030 19:00." in text["schedule"]
    assert '<td data-label="Made">01 Mar 19:00</td>' in text["schedule"]
    assert "In since 19:00" in text["door"]
    for name, page in text.items():
        assert "UTC" not in page, name
        assert page.count("Asia/Tokyo") == 1 and "Times in Asia/Tokyo." in page, name
