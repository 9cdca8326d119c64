"""Text on the way in is cleaned and bounded; every exported cell is neutralised (issue 11).

Item 6: a follow-up "why" holding a vertical tab (``\\x0b``) made every XLSX export answer
500 from then on (openpyxl refuses the character), and NUL in a comment is refused by
PostgreSQL. Item 7: an e-mail such as ``=hyperlink(...)`` was written raw into schedule.csv.
Item 8: a rating of "²" or a recommendation of "①" passed ``str.isdigit`` and crashed ``int``.
"""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.extensions import db
from app.models import Attendee, Event, FollowUp
from app.services.followups.answers import record_followup
from app.services.messages.sponsors import SponsorRefused, add_sponsor_contact
from solver.io import parse_attendees
from solver.text import FORMULA_START, clean_text, email_problem, safe_cell
from tests.attendee_helpers import Forum, local_start, make_forum
from tests.conftest import post_form

EVIL = '=HYPERLINK("http://evil.test/x","click")'
CONTROL = "".join(chr(c) for c in range(32) if chr(c) not in "\t\n\r") + "\x7f"


@pytest.fixture
def live(make_organiser, make_event, make_attendee, make_version) -> Forum:
    """The forum started 2 hours ago, owned by an organiser: its follow-ups are open."""
    organiser = make_organiser()
    return make_forum(
        lambda **kw: make_event(organiser, **kw),
        make_attendee,
        make_version,
        starts_at=local_start(120),
    )


def _answer(forum: Forum, **fields: str) -> FollowUp:
    answers = {"held": "yes", "rating": "4", "recommend": "9", **fields}
    return record_followup(forum.ann_bo, forum.ann, answers)


def _cells_of_csv(body: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(body.lstrip("\ufeff"))) for cell in row]


def _cells_of_xlsx(body: bytes) -> list[object]:
    book = load_workbook(io.BytesIO(body), read_only=True)
    return [cell for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
            for cell in row]  # fmt: skip


def test_clean_text_drops_control_characters_and_keeps_what_people_write() -> None:
    """NUL, vertical tab, escape and DEL go; accents, emoji and (in comments) lines stay."""
    assert clean_text(f"Zo{CONTROL}ë  Łukasiewicz 🎉") == "Zoë Łukasiewicz 🎉"
    assert clean_text("one\r\ntwo\u2028three") == "one two three"
    assert clean_text("one\r\ntwo\x0b", multiline=True) == "one\ntwo"
    assert clean_text("e\u0301") == "é"  # NFC: one character, as the database compares it
    assert clean_text(None) == ""


@pytest.mark.parametrize("start", FORMULA_START)
def test_safe_cell_neutralises_every_formula_start(start: str) -> None:
    """A cell that a spreadsheet would run is shown as text; numbers pass unchanged."""
    assert safe_cell(f"{start}1+1") == f"'{start}1+1"
    assert str(safe_cell(f"{start}1+1")).startswith("'")
    assert safe_cell(-5) == -5 and safe_cell(None) is None


def test_control_characters_in_answers_are_cleaned_and_every_export_still_opens(
    live: Forum, login_as
) -> None:
    """The answer that broke every XLSX export is stored clean; the exports open and are clean."""
    followup = _answer(live, why=f"Good\x0bmeeting{CONTROL}", comment="Call\x00 booked\nTuesday")
    assert followup.why == "Goodmeeting"
    assert followup.comment == "Call booked\nTuesday"
    client = login_as(live.event.organiser)
    slug = live.event.slug
    for url in (f"/organiser/events/{slug}/report.xlsx", f"/organiser/events/{slug}/report.csv"):
        response = client.get(url)
        assert response.status_code == 200, url
        cells = (
            _cells_of_xlsx(response.data)
            if url.endswith(".xlsx")
            else _cells_of_csv(response.get_data(as_text=True))
        )
        assert "Goodmeeting" in cells
        assert not any(isinstance(c, str) and set(c) & set(CONTROL) for c in cells)


def test_a_stored_control_character_cannot_break_an_export(live: Forum, login_as) -> None:
    """Rows written before the cleaning existed (or by hand) are cleaned on the way out too."""
    followup = _answer(live)
    followup.why = "Vertical\x0btab"
    live.bo.name = "Bo\x1bEscape"
    db.session.commit()
    client = login_as(live.event.organiser)
    slug = live.event.slug
    urls = [
        f"/organiser/events/{slug}/report.xlsx",
        f"/organiser/events/{slug}/schedule/versions/{live.version.number}/schedule.xlsx",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        cells = [c for c in _cells_of_xlsx(response.data) if isinstance(c, str)]
        assert "Verticaltab" in cells or "BoEscape" in cells


def test_formula_e_mails_and_names_are_neutralised_in_every_export(live: Forum, login_as) -> None:
    """An e-mail or name that a spreadsheet would run, however it got in, is exported as text."""
    live.bo.email = f"{EVIL}@b.co".lower()
    live.bo.name = "@SUM(A1:A9)"
    live.bo.company = "+cmd|' /C calc'!A0"
    db.session.commit()
    _answer(live, why="-2+3")
    add_sponsor_contact(live.event, "boss@gamma.example", "Gia", "Gamma Software")
    client = login_as(live.event.organiser)
    slug = live.event.slug
    number = live.version.number
    exports = [
        f"/organiser/events/{slug}/schedule/versions/{number}/schedule.csv",
        f"/organiser/events/{slug}/schedule/versions/{number}/schedule.xlsx",
        f"/organiser/events/{slug}/links.csv",
        f"/organiser/events/{slug}/report.csv",
        f"/organiser/events/{slug}/report.xlsx",
        f"/organiser/events/{slug}/sponsor-report.csv?company=Gamma+Software",
        f"/organiser/events/{slug}/sponsor-report.xlsx?company=Gamma+Software",
    ]
    seen_evil = 0
    for url in exports:
        response = client.get(url)
        assert response.status_code == 200, url
        if url.split("?")[0].endswith(".xlsx"):
            cells = [c for c in _cells_of_xlsx(response.data) if isinstance(c, str)]
        else:
            cells = _cells_of_csv(response.get_data(as_text=True))
        assert not [c for c in cells if c.startswith(FORMULA_START)], url
        seen_evil += sum(c.startswith(("'=", "'@", "'+", "'-")) for c in cells)
    assert seen_evil >= len(exports)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("rating", "²", "Rate the meeting from 1"),
        ("rating", "٤", "Rate the meeting from 1"),
        ("recommend", "①", "how likely you are to recommend"),
        ("recommend", "1" + "0" * 23, "how likely you are to recommend"),
        ("pipeline_value", "１２", "Write the estimated value as a number"),
        ("pipeline_value", "1e9", "Write the estimated value as a number"),
    ],
)
def test_odd_digits_in_a_follow_up_are_a_message_not_a_500(
    live: Forum, client, field: str, value: str, message: str
) -> None:
    """The attendee sees what to fix; nothing is stored."""
    url = f"/a/{live.ann.token}/followup/{live.ann_bo.id}"
    client.get(url)
    answers = {"held": "yes", "rating": "4", "recommend": "9", "currency": "EUR", field: value}
    response = post_form(client, url, answers, headers={"Referer": f"http://localhost{url}"})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(FollowUp)) is None


def test_paper_search_by_an_odd_meeting_number_finds_nobody(live: Forum, login_as) -> None:
    """ "meeting ²" or a 24-digit number is a search that finds nobody, not a 500."""
    client = login_as(live.event.organiser)
    for q in ("²", "meeting ①", "1" + "0" * 23, f"meeting {live.ann_bo.id}"):
        response = client.get(f"/organiser/events/{live.event.slug}/paper", query_string={"q": q})
        assert response.status_code in (200, 302), q


def test_an_event_name_longer_than_the_column_is_refused_from_the_command_line(
    app, runner, make_organiser
) -> None:
    """`flask events create` names the problem instead of storing (or crashing on) 3,000 chars."""
    make_organiser()
    result = runner.invoke(args=["events", "create", "--name", "N" * 3000, "--rounds", "4",
                                 "--tables", "4"])  # fmt: skip
    assert result.exit_code != 0
    assert "3,000 characters long; at most 200" in result.output
    assert db.session.scalar(select(Event)) is None


def test_control_characters_in_an_event_name_are_cleaned(app, runner, make_organiser) -> None:
    """A NUL in a name (a 500 on PostgreSQL) is dropped before the event is stored."""
    make_organiser()
    result = runner.invoke(args=["events", "create", "--name", "Forum\x00 2030\x0b", "--rounds",
                                 "4", "--tables", "4"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(Event.name)) == "Forum 2030"


def test_odd_digits_in_the_event_form_are_refused_with_a_message(live: Forum, login_as) -> None:
    """WTForms' IntegerField took "١٢" as 12; the event form asks for the digits 0-9."""
    client = login_as(live.event.organiser)
    url = f"/organiser/events/{live.event.slug}/edit"
    form = {
        "name": "Forum", "timezone": "UTC", "starts_at": "2030-03-04T09:00", "rounds": "١٢",
        "round_minutes": "10", "break_minutes": "5", "tables": "4", "min_meetings": "0",
        "p2p_weight": "１", "p2v_weight": "1", "solve_time_limit": "30", "reminder_minutes": "5",
    }  # fmt: skip
    response = post_form(client, url, form)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Write a whole number with the digits 0-9." in body
    assert "Write a number such as 1 or 0.75" in body
    db.session.refresh(live.event)
    assert live.event.rounds == 4


def test_a_table_name_too_long_for_its_sign_is_refused(live: Forum, login_as) -> None:
    """Table names are bounded too, with a message naming the table."""
    client = login_as(live.event.organiser)
    url = f"/organiser/events/{live.event.slug}/edit"
    form = {
        "name": "Forum", "timezone": "UTC", "starts_at": "2030-03-04T09:00", "rounds": "4",
        "round_minutes": "10", "break_minutes": "5", "tables": "4", "min_meetings": "0",
        "p2p_weight": "1", "p2v_weight": "1", "solve_time_limit": "30", "reminder_minutes": "5",
        "table_names": "Tulip\n" + "R" * 150,
    }  # fmt: skip
    body = post_form(client, url, form).get_data(as_text=True)
    assert "The name of table 2 is 150 characters long; at most 100 are allowed." in body
    db.session.refresh(live.event)
    assert live.event.table_names == ["Tulip"]


def test_a_sponsor_contact_name_too_long_is_refused(live: Forum) -> None:
    """A 300-character name would pass SQLite and fail PostgreSQL: refused for both."""
    with pytest.raises(SponsorRefused, match="300 characters long; at most 200"):
        add_sponsor_contact(live.event, "boss@gamma.example", "G" * 300, "Gamma Software")
    contact = add_sponsor_contact(live.event, "BOSS@gamma.example\x00", "Gia\x0b", "Gamma Software")
    assert (contact.email, contact.name) == ("boss@gamma.example", "Gia")


def test_search_boxes_take_nul_and_control_characters(live: Forum, login_as) -> None:
    """A NUL in a search is dropped (PostgreSQL refuses it in a query)."""
    client = login_as(live.event.organiser)
    slug = live.event.slug
    for url in (f"/organiser/events/{slug}/attendees", f"/checkin/{slug}",
                f"/organiser/events/{slug}/paper"):  # fmt: skip
        response = client.get(url, query_string={"q": "An\x00n"})
        assert response.status_code in (200, 302), url
    assert db.session.scalar(select(Attendee).where(Attendee.name == "Ann Alpha")) is not None


@pytest.mark.parametrize(
    "address",
    [
        '=hyperlink("http://evil.test/x","a@b.co")',
        '=HYPERLINK("http://evil.test/x")@b.co',
        "a,b@c.co",
        "name@exa mple.org",
    ],
)
def test_a_formula_is_not_an_e_mail_address(address: str) -> None:
    """The import, the organiser accounts and the sponsor contacts refuse such addresses."""
    header = "email,name,company,kind,region\r\n"
    row = f'"{address.replace(chr(34), chr(34) * 2)}",Ann,Alpha,partner,EMEA\r\n'
    rows, problems = parse_attendees((header + row).encode(), "people.csv")
    assert not rows
    assert [(p.row, p.column, p.value) for p in problems] == [(2, "email", address)]
    assert "not a valid e-mail address" in problems[0].message
    assert email_problem(address)


def test_ordinary_addresses_pass_the_stricter_check() -> None:
    """International, plus-tagged and reserved test domains stay valid."""
    for address in ("zoë@exämple.org", "a.b+c@d.co", "demo@mingle.test", "o'neil@x.example"):
        assert email_problem(address) is None, address
