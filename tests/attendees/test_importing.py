"""The attendee import service (FORMATS.md section 1): preview, all-or-nothing apply, staging."""

from __future__ import annotations

import io

import pytest
from flask import Flask
from openpyxl import Workbook
from sqlalchemy import func, select

from app.extensions import db
from app.models import Attendee, Meeting
from app.services.attendees.importing import (
    ImportRefused,
    UploadExpired,
    apply_import,
    commit_import,
    preview_import,
    stage_import,
)

HEADER = "email,name,company,kind,region,offers,seeks,must_meet,avoid,available_rounds,tier"
ANN = "ann@example.org,Ann Lee,Acme,partner,EMEA,cloud;security,ai,,,,"
BOB = "bob@example.org,Bob Ray,Beta,vendor,APAC,ai,cloud,,,1-4,gold"
CID = "cid@example.org,Cid Oz,Gamma,distributor,NA,,,ann@example.org,,,"


def csv_bytes(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


def count_attendees(event) -> int:
    query = select(func.count()).select_from(Attendee).where(Attendee.event_id == event.id)
    return db.session.scalar(query)


def attendee(event, email: str) -> Attendee:
    query = select(Attendee).where(Attendee.event_id == event.id, Attendee.email == email)
    return db.session.scalar(query)


def import_file(event, data: bytes, filename: str = "attendees.csv"):
    preview = preview_import(event, data, filename)
    assert preview.ok, [str(p) for p in preview.problems]
    return apply_import(event, preview)


# Preview and apply


def test_preview_writes_nothing_and_apply_creates(make_event) -> None:
    """The preview counts rows to create; only apply writes them, with every field."""
    event = make_event()
    preview = preview_import(event, csv_bytes(HEADER, ANN, BOB, CID), "a.csv")
    assert preview.ok and preview.counts() == "3 to create, 0 to update, 0 unchanged"
    assert count_attendees(event) == 0
    result = apply_import(event, preview)
    assert result.summary() == "3 created, 0 updated, 0 unchanged"
    bob = attendee(event, "bob@example.org")
    assert (bob.name, bob.company, bob.kind, bob.region, bob.tier) == (
        "Bob Ray",
        "Beta",
        "vendor",
        "APAC",
        "gold",
    )
    assert bob.offers == ["ai"] and bob.seeks == ["cloud"] and bob.available_rounds == "1-4"
    assert attendee(event, "cid@example.org").must_meet == ["ann@example.org"]
    assert attendee(event, "ann@example.org").offers == ["cloud", "security"]


def test_reimport_upserts_by_email_case_insensitively(make_event) -> None:
    """Importing again updates changed rows, leaves others alone and never duplicates."""
    event = make_event()
    import_file(event, csv_bytes(HEADER, ANN, BOB))
    token = attendee(event, "ann@example.org").token
    changed_bob = BOB.replace("bob@example.org", "BOB@Example.ORG").replace("Beta", "Beta Ltd")
    preview = preview_import(event, csv_bytes(HEADER, ANN, changed_bob, CID), "b.csv")
    assert preview.counts() == "1 to create, 1 to update, 1 unchanged"
    assert preview.updates[0].values == {"company": "Beta Ltd"}
    apply_import(event, preview)
    assert count_attendees(event) == 3
    assert attendee(event, "bob@example.org").company == "Beta Ltd"
    assert attendee(event, "ann@example.org").token == token  # links keep working
    assert preview_import(event, csv_bytes(HEADER, ANN, changed_bob, CID), "c.csv").counts() == (
        "0 to create, 0 to update, 3 unchanged"
    )


def test_a_bad_row_means_nothing_is_written(make_event) -> None:
    """One bad row: every problem names row (header = 1), column and value; apply refuses."""
    event = make_event()
    bad = "dan@example.org,Dan,Delta,robot,EMEA,,,,,,"
    preview = preview_import(event, csv_bytes(HEADER, ANN, bad, BOB), "bad.csv")
    assert not preview.ok
    assert [(p.row, p.column, p.value) for p in preview.problems] == [(3, "kind", "robot")]
    assert str(preview.problems[0]) == (
        "row 3, column 'kind', value 'robot': must be one of partner, vendor, distributor"
    )
    with pytest.raises(ImportRefused):
        apply_import(event, preview)
    assert count_attendees(event) == 0


def test_must_meet_an_unknown_email_is_an_error_on_that_row(make_event, make_attendee) -> None:
    """must_meet/avoid may name attendees in the file or already in the event, nobody else."""
    event = make_event()
    make_attendee(event, email="old@example.org")
    rows = [
        HEADER,
        "dan@example.org,Dan,Delta,partner,EMEA,,,old@example.org,,,",
        "eve@example.org,Eve,Echo,partner,EMEA,,,ghost@example.org,,,",
        "fay@example.org,Fay,Foxtrot,partner,EMEA,,,,dan@example.org,,",
    ]
    preview = preview_import(event, csv_bytes(*rows), "m.csv")
    assert [(p.row, p.column, p.value) for p in preview.problems] == [
        (3, "must_meet", "ghost@example.org")
    ]
    assert "not in the file" in preview.problems[0].message


def test_semicolon_csv_with_bom_and_crlf(make_event) -> None:
    """Excel's European CSV: UTF-8 BOM, semicolons, Windows line ends, any header case."""
    event = make_event()
    data = (
        "\ufeffE-Mail;Name;Company;Kind;Region\r\n".replace("E-Mail", "EMAIL")
        + "zoe@example.org;Zoë Ångström;Ærø AS;Partner;EMEA\r\n"
        + "yan@example.org;Yan;Yokai;VENDOR;APAC\r\n"
    ).encode("utf-8")
    result = import_file(event, data, "excel.csv")
    assert result.created == 2
    zoe = attendee(event, "zoe@example.org")
    assert (zoe.name, zoe.company, zoe.kind) == ("Zoë Ångström", "Ærø AS", "partner")
    assert attendee(event, "yan@example.org").kind == "vendor"


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_xlsx_first_sheet(make_event) -> None:
    """An XLSX file imports from its first sheet; numbers in cells become text."""
    event = make_event()
    data = xlsx_bytes(
        [
            ["Email", "Name", "Company", "Kind", "Region", "Phone", "available_rounds"],
            ["ann@example.org", "Ann", "Acme", "partner", "EMEA", 4712345678, 3],
        ]
    )
    import_file(event, data, "people.xlsx")
    ann = attendee(event, "ann@example.org")
    assert ann.phone == "4712345678" and ann.available_rounds == "3"


def test_unknown_columns_are_kept_as_custom_fields(make_event) -> None:
    """Columns Mingle does not know are stored per attendee, not dropped."""
    event = make_event()
    import_file(
        event,
        csv_bytes(
            "email,name,company,kind,region,Booth,Dietary needs",
            "ann@example.org,Ann,Acme,partner,EMEA,B12,vegan",
            "bob@example.org,Bob,Beta,vendor,APAC,,",
        ),
    )
    assert attendee(event, "ann@example.org").custom == {"booth": "B12", "dietary needs": "vegan"}
    assert attendee(event, "bob@example.org").custom == {}


def test_reimport_of_a_narrower_file_keeps_other_fields(make_event) -> None:
    """A later file without some columns leaves those fields as they were."""
    event = make_event()
    import_file(
        event,
        csv_bytes(
            "email,name,company,kind,region,offers,phone,booth",
            "ann@example.org,Ann,Acme,partner,EMEA,cloud,+47 1234,B12",
        ),
    )
    preview = preview_import(
        event,
        csv_bytes("email,name,company,kind,region", "ann@example.org,Ann,Acme,partner,EMEA"),
        "x",
    )
    assert preview.counts() == "0 to create, 0 to update, 1 unchanged"
    import_file(
        event,
        csv_bytes(
            "email,name,company,kind,region,phone,booth",
            "ann@example.org,Ann,Acme,partner,EMEA,,C3",
        ),
    )
    ann = attendee(event, "ann@example.org")
    assert ann.offers == ["cloud"] and ann.phone is None and ann.custom == {"booth": "C3"}


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "empty"),
        (b"name,company\nAnn,Acme\n", "required column 'email' is missing"),
        (b"\xff\xfe\x00bad", "cannot read"),
        ("email,name\nZo\u00eb".encode("latin-1"), "not UTF-8 text"),
    ],
)
def test_unreadable_files_are_problems(make_event, data: bytes, expected: str) -> None:
    """Empty, header-less or undecodable files give a problem, not a crash."""
    preview = preview_import(make_event(), data, "f.csv")
    assert not preview.ok and expected in str(preview.problems[0])


@pytest.mark.parametrize("data", [b"", b"not a workbook", b"PK\x03\x04broken zip"])
def test_broken_workbooks_are_problems(make_event, data: bytes) -> None:
    """A file named .xlsx that is not a workbook is a problem, not a crash."""
    preview = preview_import(make_event(), data, "people.xlsx")
    assert [p.row for p in preview.problems] == [0]
    assert "people.xlsx is not a readable Excel workbook: " in str(preview.problems[0])


def test_row_limit(app: Flask, make_event) -> None:
    """Files over MAX_IMPORT_ROWS are refused as a whole with a clear message."""
    app.config["MAX_IMPORT_ROWS"] = 2
    preview = preview_import(make_event(), csv_bytes(HEADER, ANN, BOB, CID), "big.csv")
    assert [str(p) for p in preview.problems] == [
        "big.csv has more than 2 attendee rows; at most 2 are allowed"
    ]


# Meetings that a change makes illegal


def test_changes_that_break_meetings_remove_them_from_the_draft(
    make_event, make_attendee, make_version
) -> None:
    """Same company, avoid or lost availability: listed in the preview, removed on apply."""
    event = make_event()
    ann = make_attendee(event, email="ann@example.org", name="Ann", company="Acme")
    bob = make_attendee(event, email="bob@example.org", name="Bob", company="Beta")
    cid = make_attendee(event, email="cid@example.org", name="Cid", company="Gamma")
    dan = make_attendee(event, email="dan@example.org", name="Dan", company="Delta")
    draft = make_version(event, [(1, 1, ann, bob), (2, 1, ann, cid), (3, 1, bob, dan)])
    draft.objective = 3.0
    db.session.commit()
    rows = [
        "email,name,company,kind,region,avoid,available_rounds",
        "ann@example.org,Ann,Acme,partner,EMEA,,",
        "bob@example.org,Bob,ACME ,partner,EMEA,,",  # now Ann's colleague
        "cid@example.org,Cid,Gamma,partner,EMEA,ann@example.org,",  # now avoids Ann
        "dan@example.org,Dan,Delta,partner,EMEA,,1-2",  # gone after round 2
    ]
    preview = preview_import(event, csv_bytes(*rows), "change.csv")
    reasons = sorted(c.reason for c in preview.impact.removed)
    assert reasons == [
        "Cid asks not to meet Ann",
        "Dan is not available in round 3",
        "both work for Acme",
    ]
    assert "version 1, round 1, table 1: Ann <ann@example.org> and Bob <bob@example.org>" in str(
        next(c for c in preview.impact.removed if c.round == 1)
    )
    assert preview.impact.published == []
    apply_import(event, preview)
    assert db.session.scalars(select(Meeting).where(Meeting.version_id == draft.id)).all() == []
    db.session.refresh(draft)
    assert draft.objective == 0.0 and "removed 3 meeting(s)" in draft.note


def test_changes_keep_meetings_that_stay_legal(make_event, make_attendee, make_version) -> None:
    """A new title or offer does not touch anyone's meetings."""
    event = make_event()
    ann = make_attendee(event, email="ann@example.org", company="Acme")
    bob = make_attendee(event, email="bob@example.org", company="Beta")
    make_version(event, [(1, 1, ann, bob)])
    rows = ["email,name,company,kind,region,offers", "ann@example.org,Ann,Acme,vendor,NA,ai"]
    preview = preview_import(event, csv_bytes(*rows), "ok.csv")
    assert len(preview.updates) == 1 and preview.impact.removed == []
    apply_import(event, preview)
    assert db.session.scalar(select(func.count()).select_from(Meeting)) == 1


def test_a_published_schedule_is_reported_not_edited(
    make_event, make_attendee, make_version
) -> None:
    """Broken meetings of the published version stay, and the organiser is told to rebuild."""
    event = make_event()
    ann = make_attendee(event, email="ann@example.org", name="Ann", company="Acme")
    bob = make_attendee(event, email="bob@example.org", name="Bob", company="Beta")
    make_version(event, [(1, 1, ann, bob)], published=True)
    rows = ["email,name,company,kind,region", "bob@example.org,Bob,Acme,partner,EMEA"]
    preview = preview_import(event, csv_bytes(*rows), "p.csv")
    assert preview.impact.removed == []
    assert [c.reason for c in preview.impact.published] == ["both work for Acme"]
    result = apply_import(event, preview)
    assert len(result.published_conflicts) == 1
    assert db.session.scalar(select(func.count()).select_from(Meeting)) == 1


# Staged uploads (the web's preview -> confirm)


def test_staged_uploads_are_bound_to_their_event(make_organiser, make_event) -> None:
    """A token issued for one event cannot import into another; forged tokens are refused."""
    organiser = make_organiser()
    first, second = make_event(organiser), make_event(organiser)
    staged = stage_import(first, csv_bytes(HEADER, ANN), "a.csv")
    assert staged.token
    with pytest.raises(UploadExpired):
        commit_import(second, staged.token)
    with pytest.raises(UploadExpired):
        commit_import(first, staged.token + "x")
    assert commit_import(first, staged.token).created == 1
    with pytest.raises(UploadExpired):  # used once, then the file is gone
        commit_import(first, staged.token)


# Size (its speed is measured by `python -m bench --sizes import`, not timed here: a timed
# unit test fails whenever the shared machine is busy)


def test_five_thousand_rows_preview_and_commit(make_event) -> None:
    """A 5,000-row file is previewed and imported whole; a second import changes nothing."""
    event = make_event()
    rows = [HEADER] + [
        f"p{i}@example.org,Person {i},Company {i % 700},partner,EMEA,cloud;ai,security,,,,"
        for i in range(5000)
    ]
    data = csv_bytes(*rows)
    preview = preview_import(event, data, "big.csv")
    apply_import(event, preview)
    assert count_attendees(event) == 5000
    assert (
        preview_import(event, data, "big.csv").counts()
        == "0 to create, 0 to update, 5000 unchanged"
    )
