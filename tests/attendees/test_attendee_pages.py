"""Attendee pages: list with search and filters, add, edit and remove one attendee."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models import Attendee, Meeting
from tests.conftest import post_form

FORM = {
    "email": "zed@example.org",
    "name": "Zed Zulu",
    "company": "Zeta",
    "kind": "vendor",
    "region": "APAC",
    "offers": "cloud; ai",
    "seeks": "security",
    "target_regions": "EMEA",
    "goals": ["recruit_partners", "expand_regions"],
    "available_rounds": "1-3",
    "must_meet": "",
    "avoid": "",
    "tier": "gold",
    "phone": "+47 555",
    "country": "Norway",
    "title": "CTO",
    "language": "nb",
    "custom": "Booth: B7\nDiet: vegan",
}


def meetings_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Meeting))


def test_list_searches_and_filters(login_as, make_organiser, make_event, make_attendee) -> None:
    """Search by name, e-mail or company; filter by region, kind, company; counts shown."""
    organiser = make_organiser()
    event = make_event(organiser)
    make_attendee(event, name="Ann Lee", company="Acme", region="EMEA", kind="partner")
    make_attendee(event, name="Bob Ray", company="Beta", region="APAC", kind="vendor")
    make_attendee(event, name="Cid Oz", company="acme", region="APAC", kind="partner")
    client = login_as(organiser)
    url = f"/organiser/events/{event.slug}/attendees"

    def names(**query: str) -> list[str]:
        html = client.get(url, query_string=query).get_data(as_text=True)
        return [n for n in ("Ann Lee", "Bob Ray", "Cid Oz") if n in html]

    assert names() == ["Ann Lee", "Bob Ray", "Cid Oz"]
    assert "3 attendees." in client.get(url).get_data(as_text=True)
    assert names(q="ray") == ["Bob Ray"]
    assert names(q="ACME") == ["Ann Lee", "Cid Oz"]
    assert names(region="APAC") == ["Bob Ray", "Cid Oz"]
    assert names(kind="partner", region="APAC") == ["Cid Oz"]
    assert names(company="Acme") == ["Ann Lee", "Cid Oz"]
    assert "1 of 3 attendees match." in client.get(url, query_string={"q": "oz"}).get_data(
        as_text=True
    )
    assert names(q="100%_") == []


def test_list_pages_through_many_attendees(
    login_as, make_organiser, make_event, make_attendee
) -> None:
    """Long lists are split into pages of 100."""
    organiser = make_organiser()
    event = make_event(organiser)
    for i in range(105):
        make_attendee(event, name=f"Person {i:03d}")
    client = login_as(organiser)
    url = f"/organiser/events/{event.slug}/attendees"
    first = client.get(url).get_data(as_text=True)
    assert "Page 1 of 2" in first and "Person 099" in first and "Person 100" not in first
    second = client.get(url, query_string={"page": 2}).get_data(as_text=True)
    assert "Person 104" in second and "Person 000" not in second


def test_add_an_attendee(login_as, make_organiser, make_event) -> None:
    """The form saves every column, custom fields included."""
    organiser = make_organiser()
    event = make_event(organiser)
    client = login_as(organiser)
    assert client.get(f"/organiser/events/{event.slug}/attendees/new").status_code == 200
    response = post_form(client, f"/organiser/events/{event.slug}/attendees/new", FORM)
    assert response.status_code == 302
    zed = db.session.scalars(select(Attendee)).one()
    assert (zed.email, zed.name, zed.kind, zed.tier) == (
        "zed@example.org",
        "Zed Zulu",
        "vendor",
        "gold",
    )
    assert zed.offers == ["ai", "cloud"] and zed.goals == ["expand_regions", "recruit_partners"]
    assert zed.available_rounds == "1-3" and zed.phone == "+47 555" and zed.title == "CTO"
    assert zed.custom == {"booth": "B7", "diet": "vegan"}


def test_add_uses_the_import_rules(login_as, make_organiser, make_event, make_attendee) -> None:
    """Duplicate e-mails, unknown must-meet e-mails and bad rounds are refused with reasons."""
    organiser = make_organiser()
    event = make_event(organiser)
    make_attendee(event, email="zed@example.org")
    client = login_as(organiser)
    data = FORM | {"must_meet": "ghost@example.org", "available_rounds": "3-1"}
    html = post_form(client, f"/organiser/events/{event.slug}/attendees/new", data).get_data(
        as_text=True
    )
    assert "another attendee already has this e-mail" in html
    assert "no attendee has this e-mail" in html and "ghost@example.org" in html
    assert "not a valid range" in html
    assert db.session.scalar(select(func.count()).select_from(Attendee)) == 1


def test_edit_shows_and_saves_an_attendee(
    login_as, make_organiser, make_event, make_attendee
) -> None:
    """The edit form is filled in; saving changes the attendee."""
    organiser = make_organiser()
    event = make_event(organiser)
    zed = make_attendee(
        event, email="zed@example.org", name="Zed", offers=["cloud"], custom={"booth": "B7"}
    )
    client = login_as(organiser)
    url = f"/organiser/events/{event.slug}/attendees/{zed.id}"
    page = client.get(url).get_data(as_text=True)
    assert 'value="zed@example.org"' in page and "booth: B7" in page
    assert post_form(client, url, FORM | {"name": "Zed Z."}).status_code == 302
    db.session.refresh(zed)
    assert zed.name == "Zed Z." and zed.company == "Zeta"


def test_edit_removes_draft_meetings_it_breaks(
    login_as, make_organiser, make_event, make_attendee, make_version
) -> None:
    """Moving someone into their partner's company removes that draft meeting, and says so."""
    organiser = make_organiser()
    event = make_event(organiser)
    ann = make_attendee(event, email="ann@example.org", name="Ann", company="Acme")
    zed = make_attendee(event, email="zed@example.org", name="Zed", company="Zeta")
    make_version(event, [(1, 1, ann, zed)])
    client = login_as(organiser)
    response = post_form(
        client, f"/organiser/events/{event.slug}/attendees/{zed.id}", FORM | {"company": "Acme"}
    )
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Removed from the draft schedule" in html and "both work for Acme" in html
    assert meetings_count() == 0


def test_changing_an_email_updates_must_meet_lists(
    login_as, make_organiser, make_event, make_attendee
) -> None:
    """Others' must-meet and avoid lists follow an e-mail change."""
    organiser = make_organiser()
    event = make_event(organiser)
    zed = make_attendee(event, email="old@example.org")
    fan = make_attendee(event, must_meet=["old@example.org"])
    client = login_as(organiser)
    post_form(client, f"/organiser/events/{event.slug}/attendees/{zed.id}", FORM)
    db.session.refresh(fan)
    assert fan.must_meet == ["zed@example.org"]


def test_remove_asks_first_and_names_published_meetings(
    login_as, make_organiser, make_event, make_attendee, make_version
) -> None:
    """The confirmation lists meetings to delete, flags published ones; POST removes."""
    organiser = make_organiser()
    event = make_event(organiser)
    ann = make_attendee(event, email="ann@example.org", name="Ann")
    bob = make_attendee(event, email="bob@example.org", name="Bob", avoid=["ann@example.org"])
    cid = make_attendee(event, email="cid@example.org", name="Cid")
    make_version(event, [(1, 1, ann, cid)], published=True)
    make_version(event, [(2, 1, cid, ann), (2, 2, bob, cid)])
    client = login_as(organiser)
    url = f"/organiser/events/{event.slug}/attendees/{ann.id}/remove"
    page = client.get(url).get_data(as_text=True)
    assert "These 2 meetings will be deleted" in page
    assert "published</strong>" in page and "Cid &lt;cid@example.org&gt;" in page
    assert meetings_count() == 3
    response = post_form(client, url)
    assert response.headers["Location"] == f"/organiser/events/{event.slug}/attendees"
    assert db.session.get(Attendee, ann.id) is None
    assert meetings_count() == 1
    db.session.refresh(bob)
    assert bob.avoid == []


def test_attendees_of_another_event_are_not_found(
    login_as, make_organiser, make_event, make_attendee
) -> None:
    """An attendee id from another event of mine gives 404 under this event."""
    organiser = make_organiser()
    mine, other = make_event(organiser), make_event(organiser)
    stranger = make_attendee(other)
    client = login_as(organiser)
    assert client.get(f"/organiser/events/{mine.slug}/attendees/{stranger.id}").status_code == 404
