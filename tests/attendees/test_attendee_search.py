"""One attendee search behind every search box: the list, the door and the paper answers."""

from __future__ import annotations

from app.services.attendees.search import find_attendees, search_attendees


def test_a_search_matches_name_company_or_email_whatever_the_case(
    make_event, make_attendee
) -> None:
    event = make_event()
    ann = make_attendee(event, "ann@acme.io", name="Ann Lee", company="Acme")
    bob = make_attendee(event, "bob@ray.io", name="Bob Ray", company="Ray Corp")
    make_attendee(make_event(), "other@acme.io", name="Ann Other", company="Acme")  # elsewhere
    assert find_attendees(event, "ann") == [ann]
    assert find_attendees(event, "ACME") == [ann]
    assert find_attendees(event, "ray.io") == [bob]
    assert find_attendees(event, "  ") == []
    assert search_attendees(event, q="rAy").attendees == [bob]


def test_percent_and_underscore_match_only_themselves(make_event, make_attendee) -> None:
    """Typed ``%`` or ``_`` is not a wildcard: it neither lists everyone nor is dropped."""
    event = make_event()
    odd = make_attendee(event, "odd@x.io", name="Odd 100%_Name", company="X")
    make_attendee(event, "plain@y.io", name="Plain 100 Name", company="Y")
    for typed in ("%", "100%_", "_"):
        assert find_attendees(event, typed) == [odd]
        assert search_attendees(event, q=typed).attendees == [odd]


def test_a_search_lists_at_most_its_limit_by_name(make_event, make_attendee) -> None:
    event = make_event()
    for n in (3, 1, 2):
        make_attendee(event, f"p{n}@c{n}.io", name=f"Person {n}", company=f"C{n}")
    assert [a.name for a in find_attendees(event, "person", limit=2)] == ["Person 1", "Person 2"]


def test_a_search_ignores_accents_and_case_beyond_ascii(make_event, make_attendee) -> None:
    """ "lukasz" finds "Łukasz" and "ŁUKASZ" finds him too (SQLite's lower() is ASCII only)."""
    event = make_event()
    lukasz = make_attendee(
        event, "l.b@firma.pl", name="Łukasz Brzęczyszczykiewicz", company="Żółć Systemy"
    )
    make_attendee(event, "ann@acme.io", name="Ann Lee", company="Acme")
    for typed in ("lukasz", "ŁUKASZ", "łukasz", "brzeczyszczykiewicz", "zolc", "Żółć", "firma.pl"):
        assert find_attendees(event, typed) == [lukasz], typed
        assert search_attendees(event, q=typed).attendees == [lukasz], typed


def test_the_search_follows_a_changed_name(make_event, make_attendee) -> None:
    from app.extensions import db

    event = make_event()
    person = make_attendee(event, "p@x.io", name="Jose Perez", company="X")
    person.name = "José Pérez Núñez"
    db.session.commit()
    assert find_attendees(event, "nunez") == [person]
    assert find_attendees(event, "perez") == [person]


def test_the_door_finds_an_attendee_typed_without_accents(
    login_as, make_organiser, make_event, make_attendee
) -> None:
    organiser = make_organiser()
    event = make_event(organiser)
    make_attendee(event, "l.b@firma.pl", name="Łukasz Brzęczyszczykiewicz", company="Firma")
    make_attendee(event, "ann@acme.io", name="Ann Lee", company="Acme")
    page = login_as(organiser).get(f"/checkin/{event.slug}?q=brzeczyszczykiewicz")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Łukasz Brzęczyszczykiewicz" in text and "Ann Lee" not in text
