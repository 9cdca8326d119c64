"""The organiser manages sponsor contacts: add, list with links, re-issue, remove."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import SponsorContact
from tests.conftest import post_form
from tests.report_helpers import build


@pytest.fixture
def cast(event, make_attendee, make_version):
    """The hand-built event of ``report_helpers.build``."""
    return build(event, make_attendee, make_version)


def test_organiser_adds_reissues_and_removes_a_contact(event, cast, login_as, client) -> None:
    staff = login_as(event.organiser)
    url = f"/organiser/events/{event.slug}/sponsors"
    post_form(staff, url, {"email": "Boss@Acme.example", "name": "Boss", "company": "Acme"})
    contact = db.session.query(SponsorContact).one()
    assert (contact.email, contact.company) == ("boss@acme.example", "Acme")
    assert f"/s/{contact.token}" in staff.get(url).get_data(as_text=True)
    assert client.get(f"/s/{contact.token}").status_code == 200

    old = contact.token
    post_form(staff, f"{url}/{contact.id}/reissue-link")
    db.session.refresh(contact)
    assert contact.token != old
    assert client.get(f"/s/{old}").status_code == 404

    token = contact.token
    post_form(staff, f"{url}/{contact.id}/remove")
    assert db.session.query(SponsorContact).count() == 0
    assert client.get(f"/s/{token}").status_code == 404


def test_only_vendor_companies_can_have_contacts(event, cast, login_as) -> None:
    staff = login_as(event.organiser)
    url = f"/organiser/events/{event.slug}/sponsors"
    company = cast.p[1].company  # a partner's company
    post_form(staff, url, {"email": "x@example.org", "company": company})
    assert db.session.query(SponsorContact).count() == 0


def test_another_organiser_gets_404(event, cast, login_as, make_organiser) -> None:
    stranger = login_as(make_organiser())
    assert stranger.get(f"/organiser/events/{event.slug}/sponsors").status_code == 404


def test_event_report_page_shows_sponsors_and_p2p(event, cast, login_as) -> None:
    staff = login_as(event.organiser)
    html = staff.get(f"/organiser/events/{event.slug}/report").get_data(as_text=True)
    assert "Partner-to-partner" in html and "joint deal" in html
    assert "EUR 3,000" in html and "USD 500" in html


def test_event_report_is_404_for_another_organiser(event, cast, login_as, make_organiser) -> None:
    stranger = login_as(make_organiser())
    assert stranger.get(f"/organiser/events/{event.slug}/report").status_code == 404
