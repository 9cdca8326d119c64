"""Printed badges, agendas and table signs: pages, text, fitting, and QR codes that decode.

QR codes are checked the way a phone sees them: each page (or one badge's cell of a sheet) is
rasterised with poppler's ``pdftoppm -r 200`` and read with zbar's ``zbarimg``. Without those
tools the QR tests skip, except under CI (``CI=true``), where they fail: ``make tools``
installs them.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from pypdf import PdfReader
from reportlab.lib.units import mm

from app.extensions import db
from app.models import Attendee, Event, ScheduleVersion
from app.services.followups.references import code_of
from app.services.printing import text as toolkit
from app.services.printing.agendas import AgendaData, AgendaSlot, render_agendas
from app.services.printing.badges import LAYOUTS, BadgeData, render_badges
from app.services.printing.data import (
    NothingPublished,
    agenda_data,
    badge_data,
    table_sign_data,
)
from app.services.printing.signs import render_table_signs
from app.services.printing.text import BOLD, MAX_PRINTED, REGULAR, clean, fit, width

NAMES = [
    "Łukasz Żółkiewski",
    "Nguyễn Thị Ánh Tuyết",
    "Zoë Ångström",
    "François Dupont-Lefèvre",
    "Małgorzata Brzęczyszczykiewicz",
    "Trần Văn Đức",
    "Søren Kierkegård",
    "Ewa",
    "José María Núñez",
    "Grzegorz Świątek",
]
LONG_NAME = (
    "Maximiliane Alexandra Konstantinopoulou-Wolfeschlegelsteinhausenbergerdorff "
    "von Habsburg-Lothringen"
)
BASE = "https://mingle.example.org"
DPI = 200
EXPECTED_PAGES = {"a6": 10, "a4-2x4": 2, "letter-2x3": 2}  # for 10 badges


def badges(names: list[str] = NAMES) -> list[BadgeData]:
    """One badge per name, each with its own agenda link."""
    kinds = ("partner", "vendor", "distributor")
    tiers = ("platinum", "gold", "silver", None)
    return [
        BadgeData(
            name=name,
            company=f"Firma {i} Sp. z o.o.",
            kind=kinds[i % 3],
            region="EMEA",
            url=f"{BASE}/a/token-{i:02d}-{'x' * 34}",
            title="Channel Manager" if i % 2 else "",
            country="Poland",
            tier=tiers[i % 4],
            event_name="Warsaw Partner Summit",
        )
        for i, name in enumerate(names)
    ]


def one_line(text: str) -> str:
    """Extracted text with every run of whitespace as one space."""
    return re.sub(r"\s+", " ", text)


def pdf_text(data: bytes) -> list[str]:
    """Each page's text, whitespace collapsed."""
    return [one_line(page.extract_text()) for page in PdfReader(io.BytesIO(data)).pages]


# -- the QR tools -----------------------------------------------------------------------------


def _on_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


@pytest.fixture(scope="session")
def qr_tools() -> None:
    """Skip (fail under CI) when poppler's pdftoppm or zbar's zbarimg is missing."""
    missing = [t for t in ("pdftoppm", "pdftotext", "zbarimg") if shutil.which(t) is None]
    if missing:
        reason = (
            f"QR checks need {' and '.join(missing)}: `make tools` as root "
            "(or `apt-get install poppler-utils zbar-tools`) installs them"
        )
        if _on_ci():
            pytest.fail(f"CI=true and {reason}", pytrace=False)
        pytest.skip(reason)


def decode_qr(
    pdf: Path, page: int, box_mm: tuple[float, float, float, float] | None = None
) -> list[str]:
    """The QR codes zbar reads on ``page`` (1-based) at 200 dpi, or in ``box_mm`` of it.

    ``box_mm`` is (left, top, width, height) from the page's top-left corner.
    """
    png = pdf.with_name(f"{pdf.stem}-{page}")
    command = ["pdftoppm", "-png", "-singlefile", "-f", str(page), "-l", str(page)]
    command += _crop(box_mm) if box_mm is not None else ["-r", str(DPI)]
    subprocess.run([*command, str(pdf), str(png)], check=True, capture_output=True)
    found = subprocess.run(
        ["zbarimg", "--raw", "-q", "-Sdisable", "-Sqrcode.enable", f"{png}.png"],
        capture_output=True,
        text=True,
    )
    return sorted(line for line in found.stdout.splitlines() if line)


def _crop(box_mm: tuple[float, float, float, float]) -> list[str]:
    """poppler's crop options for a box in mm at ``DPI``."""
    x, y, w, h = (str(round(v / 25.4 * DPI)) for v in box_mm)
    return ["-r", str(DPI), "-x", x, "-y", y, "-W", w, "-H", h]


def text_in_box(pdf: Path, page: int, box_mm: tuple[float, float, float, float]) -> str:
    """The text poppler finds inside ``box_mm`` of ``page``, whitespace collapsed."""
    pages = ["-f", str(page), "-l", str(page)]
    command = ["pdftotext", *pages, *_crop(box_mm), str(pdf), "-"]
    return one_line(subprocess.run(command, capture_output=True, text=True, check=True).stdout)


def cell_box(layout: str, slot: int) -> tuple[float, float, float, float]:
    """(left, top, width, height) in mm of a badge's cell, from the page's top-left corner."""
    sheet = LAYOUTS[layout]
    x, y = sheet.origin(slot)
    top = sheet.page_height - y - sheet.badge_height
    return x, top, sheet.badge_width, sheet.badge_height


# -- badges: pure rendering -------------------------------------------------------------------


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_layouts_fit_their_sheet_without_overlapping(layout: str) -> None:
    sheet = LAYOUTS[layout]
    cells = [sheet.origin(k) for k in range(sheet.per_page)]
    for x, y in cells:
        assert x >= 0 and x + sheet.badge_width <= sheet.page_width + 1e-6
        assert y >= 0 and y + sheet.badge_height <= sheet.page_height + 1e-6
    for i, (x1, y1) in enumerate(cells):
        for x2, y2 in cells[i + 1 :]:
            apart_x = abs(x1 - x2) >= sheet.badge_width - 1e-6
            apart_y = abs(y1 - y2) >= sheet.badge_height - 1e-6
            assert apart_x or apart_y


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_page_count_and_size_per_layout(layout: str) -> None:
    reader = PdfReader(io.BytesIO(render_badges(badges(), layout)))
    assert len(reader.pages) == EXPECTED_PAGES[layout] == LAYOUTS[layout].pages(len(NAMES))
    box = reader.pages[0].mediabox
    assert float(box.width) == pytest.approx(LAYOUTS[layout].page_width * mm, abs=0.01)
    assert float(box.height) == pytest.approx(LAYOUTS[layout].page_height * mm, abs=0.01)


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_every_name_is_printed_as_text_with_its_diacritics(layout: str) -> None:
    text = " ".join(pdf_text(render_badges(badges(), layout)))
    for badge in badges():
        assert badge.name in text
        assert badge.company in text


def test_a6_badge_shows_first_name_kind_region_and_tier_in_words() -> None:
    pages = pdf_text(render_badges(badges(), "a6"))
    assert pages[0].startswith("PARTNER") or "PARTNER" in pages[0]
    assert "Łukasz" in pages[0] and "EMEA · Poland" in pages[0]
    assert "VENDOR" in pages[1] and "GOLD SPONSOR" in pages[1]  # a vendor's tier is marked
    assert "DISTRIBUTOR" in pages[2] and "SPONSOR" not in pages[2]  # only vendors have tiers
    assert "VENDOR" in pages[4] and "PLATINUM SPONSOR" in pages[4]


def test_the_font_is_embedded() -> None:
    reader = PdfReader(io.BytesIO(render_badges(badges()[:1], "a6")))
    fonts = reader.pages[0]["/Resources"]["/Font"]
    names = sorted(str(f.get_object()["/BaseFont"]).split("+")[-1] for f in fonts.values())
    assert names == ["DejaVuSans", "DejaVuSans-Bold"]  # no other font, not even Helvetica
    for font in fonts.values():
        assert "/FontFile2" in font.get_object()["/FontDescriptor"]  # the TrueType is embedded


def text_runs(data: bytes, page: int = 0) -> list[tuple[str, float, float]]:
    """(text, left x, right x) in points of every text run on a page, measured in its font."""
    runs: list[tuple[str, float, float]] = []

    def visit(text: str, cm: list[float], tm: list[float], font: dict, size: float) -> None:
        text = text.rstrip("\n")
        if not text.strip():
            return
        face = BOLD if str(font["/BaseFont"]).endswith("-Bold") else REGULAR
        left = tm[4] * cm[0] + cm[4]
        runs.append((text, left, left + width(text, face, size * tm[0] * cm[0])))

    PdfReader(io.BytesIO(data)).pages[page].extract_text(visitor_text=visit)
    return runs


def font_sizes(data: bytes) -> dict[str, float]:
    """The font size of each line of text in the document (the first, when a line repeats)."""
    sizes: dict[str, float] = {}

    def visit(text: str, cm: list[float], tm: list[float], font: dict, size: float) -> None:
        if text.strip():
            sizes.setdefault(text.strip(), size * tm[0] * cm[0])

    for page in PdfReader(io.BytesIO(data)).pages:
        page.extract_text(visitor_text=visit)
    return sizes


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_a_very_long_name_shrinks_and_stays_on_the_badge(layout: str) -> None:
    sheet = LAYOUTS[layout]
    data = render_badges(badges([LONG_NAME, "Zoë Ångström"]), layout)
    text = one_line(" ".join(pdf_text(data)))
    assert LONG_NAME in text.replace("- ", "-")  # the whole name, on two or three lines
    left_edge = sheet.origin(0)[0] * mm
    right_edge = left_edge + sheet.badge_width * mm
    runs = [r for r in text_runs(data) if r[1] < right_edge]  # the first badge's column
    assert any("Konstantinopoulou" in r[0] for r in runs)
    for text_run, left, right in runs:
        assert left_edge <= left and right <= right_edge + 0.01, text_run
    sizes = font_sizes(data)
    long_lines = [size for line, size in sizes.items() if "Wolfeschlegel" in line]
    assert long_lines and long_lines[0] < sizes["Zoë Ångström"] * 0.8  # shrunk to fit


def test_fit_never_exceeds_its_room() -> None:
    for text in [LONG_NAME, "W" * 80, "Ewa", " ".join(NAMES), "Ｗｉｄｅ " * 20]:
        for room in (40.0, 120.0, 260.0):
            fitted = fit(text, BOLD, room, 30, 6, max_lines=2)
            assert 6 <= fitted.size <= 30 and 1 <= len(fitted.lines) <= 2
            assert all(width(line, BOLD, fitted.size) <= room + 1e-6 for line in fitted.lines)


def test_duplex_adds_a_back_after_each_sheet_with_the_columns_mirrored() -> None:
    start = datetime(2030, 3, 4, 9, 0)
    slot = AgendaSlot(1, start, start, table="Tulip", other_name="Bo Beta")
    backed = [replace(b, agenda=(slot,)) for b in badges()]
    data = render_badges(backed, "a4-2x4", duplex=True)
    pages = pdf_text(data)
    assert len(pages) == 4
    assert "Your meetings · Łukasz Żółkiewski" in pages[1] and "Bo Beta" in pages[1]
    sheet = LAYOUTS["a4-2x4"]
    front = {t: x for t, x, _ in text_runs(data, 0)}
    back = {t: x for t, x, _ in text_runs(data, 1)}
    right_column = sheet.origin(1)[0] * mm
    assert front["Łukasz"] < right_column <= back["Your meetings · Łukasz Żółkiewski"]


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_each_qr_code_decodes_to_its_own_badges_agenda(
    layout: str, tmp_path: Path, qr_tools: None
) -> None:
    made = badges()
    pdf = tmp_path / f"badges-{layout}.pdf"
    pdf.write_bytes(render_badges(made, layout))
    per_page = LAYOUTS[layout].per_page
    for k, badge in enumerate(made):
        page, slot = divmod(k, per_page)
        box = cell_box(layout, slot)
        assert decode_qr(pdf, page + 1, box) == [badge.url], badge.name
        assert badge.name in text_in_box(pdf, page + 1, box)  # the code is on its owner's badge


def test_a_whole_sheet_decodes_every_code_on_it(tmp_path: Path, qr_tools: None) -> None:
    made = badges()
    pdf = tmp_path / "sheet.pdf"
    pdf.write_bytes(render_badges(made, "a4-2x4"))
    assert decode_qr(pdf, 1) == sorted(b.url for b in made[:8])
    assert decode_qr(pdf, 2) == sorted(b.url for b in made[8:])


# -- from the database ------------------------------------------------------------------------


@pytest.fixture
def summit(
    make_event: Callable[..., Event],
    make_attendee: Callable[..., Attendee],
    make_version: Callable[..., ScheduleVersion],
) -> tuple[Event, list[Attendee], ScheduleVersion]:
    """Six attendees (Polish, Vietnamese, accented names), three rounds on four tables.

    Tables 1 to 4 each hold a meeting in the published version; table 5 stays empty.
    """
    event = make_event(
        name="Warsaw Partner Summit",
        venue="EXPO XXI, Hall A",
        timezone="Europe/Warsaw",
        starts_at=datetime(2030, 5, 6, 9, 0),
        rounds=3,
        tables=5,
        table_names=["Wisła"],
    )
    people = [
        make_attendee(
            event,
            f"p{i}@firm{i}.example",
            name=name,
            company=f"Firma {i}",
            kind=("partner", "vendor", "distributor")[i % 3],
            region="EMEA",
            tier="gold" if i % 3 == 1 else None,
            country="Poland",
            title="CEO" if i == 0 else None,
        )
        for i, name in enumerate(NAMES[:6])
    ]
    a = people
    version = make_version(
        event,
        [(1, 1, a[0], a[1]), (1, 2, a[2], a[3]), (2, 1, a[0], a[2]), (2, 3, a[1], a[3])]
        + [(3, 4, a[4], a[5]), (3, 1, a[0], a[3])],
        published=True,
    )
    make_version(event, [(1, 5, a[4], a[5])])  # a later draft: never printed
    return event, people, version


def test_badge_data_links_each_attendee_to_their_agenda(
    app: Flask, summit: tuple[Event, list[Attendee], ScheduleVersion]
) -> None:
    event, people, _ = summit
    people[5].custom = {"first_name": "Ðức"}
    db.session.commit()
    made = badge_data(event)
    base = app.config["PUBLIC_URL"]
    assert [b.name for b in made] == sorted(NAMES[:6], key=str.casefold)
    by_name = {b.name: b for b in made}
    for person in people:
        assert by_name[person.name].url == f"{base}/a/{person.token}"
    assert by_name[NAMES[5]].first_name == "Ðức"
    assert by_name[NAMES[1]].tier == "gold" and by_name[NAMES[1]].event_name == event.name


def test_agenda_pdf_has_one_page_per_attendee_and_follow_up_codes(
    app: Flask,
    summit: tuple[Event, list[Attendee], ScheduleVersion],
    tmp_path: Path,
    qr_tools: None,
) -> None:
    event, people, version = summit
    agendas = agenda_data(event)
    assert [a.name for a in agendas] == sorted(NAMES[:6], key=str.casefold)
    pdf = tmp_path / "agendas.pdf"
    pdf.write_bytes(render_agendas(agendas))
    pages = pdf_text(pdf.read_bytes())
    assert len(pages) == len(people)
    base = app.config["PUBLIC_URL"]
    for number, agenda in enumerate(agendas, start=1):
        person = next(p for p in people if p.name == agenda.name)
        text = pages[number - 1]
        assert person.name in text and event.name in text
        mine = [m for m in version.meetings if person.id in (m.attendee_a_id, m.attendee_b_id)]
        expected = [f"{base}/a/{person.token}"] + [
            f"{base}/a/{person.token}/followup/{code_of(m)}?v={version.number}" for m in mine
        ]
        assert decode_qr(pdf, number) == sorted(expected)
        for meeting in mine:
            assert f"meeting {code_of(meeting)}" in text  # the reference staff key in
            other = meeting.attendee_b if meeting.attendee_a_id == person.id else meeting.attendee_a
            assert other.name in text and f"Round {meeting.round}" in text
            assert event.table_label(meeting.table) in text
        assert "Why:" in text and "Recommend" in text and "Deal registered" in text


def test_agenda_of_one_attendee(summit: tuple[Event, list[Attendee], ScheduleVersion]) -> None:
    event, people, _ = summit
    ann = people[0]  # rounds 1, 2 and 3, the first and last at table 1 ("Wisła")
    (agenda,) = agenda_data(event, ann)
    assert [s.round for s in agenda.slots if s.kind == "meeting"] == [1, 2, 3]
    assert agenda.slots[0].table == "Wisła" and agenda.currency == "PLN"
    text = pdf_text(render_agendas([agenda]))
    assert len(text) == 1
    assert "Round 1 · 09:00–09:10 · Wisła" in text[0]
    assert "times in Europe/Warsaw" in text[0] and "CEO · Firma 0" in text[0]


def test_table_signs_one_page_per_table_in_use(
    summit: tuple[Event, list[Attendee], ScheduleVersion],
) -> None:
    event, people, _ = summit
    signs = table_sign_data(event)
    assert [s.table for s in signs] == [1, 2, 3, 4]  # table 5 is only in the unpublished draft
    pages = pdf_text(render_table_signs(signs))
    assert len(pages) == 4
    assert pages[0].startswith("Warsaw Partner Summit") and "Wisła" in pages[0]
    for name in (NAMES[0], NAMES[1], NAMES[2], NAMES[3]):
        assert name in pages[0]  # table 1: rounds 1, 2 and 3
    assert "Round 2" in pages[1] and "free" in pages[1]  # table 2 holds round 1 only
    assert NAMES[4] in pages[3] and NAMES[5] in pages[3]


def test_agendas_and_signs_need_a_published_schedule(
    make_event: Callable[..., Event], make_attendee: Callable[..., Attendee]
) -> None:
    event = make_event()
    make_attendee(event)
    with pytest.raises(NothingPublished):
        agenda_data(event)
    with pytest.raises(NothingPublished):
        table_sign_data(event)
    assert len(badge_data(event)) == 1  # badges can be printed before any schedule


# -- the command line -------------------------------------------------------------------------


def test_cli_badges_writes_the_sheets_and_records_the_print(
    runner: FlaskCliRunner,
    summit: tuple[Event, list[Attendee], ScheduleVersion],
    tmp_path: Path,
    app: Flask,
) -> None:
    event, people, _ = summit
    out = tmp_path / "badges.pdf"
    result = runner.invoke(args=["badges", event.slug, "--out", str(out), "--layout", "a6"])
    assert result.exit_code == 0, result.output
    assert "6 badge(s) on 6 a6 page(s)" in result.output
    pages = pdf_text(out.read_bytes())
    assert len(pages) == 6
    assert all(any(p.name in page for page in pages) for p in people)
    db.session.refresh(event)
    assert event.badges_printed_at is not None


def test_cli_badges_defaults_to_a4_sheets_and_reprints_one(
    runner: FlaskCliRunner, summit: tuple[Event, list[Attendee], ScheduleVersion], tmp_path: Path
) -> None:
    event, people, _ = summit
    out = tmp_path / "all.pdf"
    assert runner.invoke(args=["badges", event.slug, "--out", str(out)]).exit_code == 0
    assert len(PdfReader(out).pages) == 1  # six labels on one A4 sheet
    one = tmp_path / "one.pdf"
    event.badges_printed_at = None
    db.session.commit()
    result = runner.invoke(
        args=["badges", event.slug, "--out", str(one), "--attendee", people[1].email.upper()]
    )
    assert result.exit_code == 0, result.output
    (page,) = pdf_text(one.read_bytes())
    assert NAMES[1] in page and NAMES[0] not in page
    db.session.refresh(event)
    assert event.badges_printed_at is None  # a reprint is not the event's print run


def test_cli_badges_refuses_unknown_slug_attendee_and_layout(
    runner: FlaskCliRunner, summit: tuple[Event, list[Attendee], ScheduleVersion], tmp_path: Path
) -> None:
    event, _, _ = summit
    out = str(tmp_path / "x.pdf")
    result = runner.invoke(args=["badges", "no-such-event", "--out", out])
    assert result.exit_code == 1 and "no event has the slug" in result.output
    result = runner.invoke(args=["badges", event.slug, "--out", out, "--attendee", "x@y.z"])
    assert result.exit_code == 1 and "x@y.z" in result.output
    result = runner.invoke(args=["badges", event.slug, "--out", out, "--layout", "a3"])
    assert result.exit_code == 2
    assert not Path(out).exists()


def test_cli_agendas_and_table_signs(
    runner: FlaskCliRunner, summit: tuple[Event, list[Attendee], ScheduleVersion], tmp_path: Path
) -> None:
    event, people, _ = summit
    out = tmp_path / "agendas.pdf"
    result = runner.invoke(args=["agendas", event.slug, "--out", str(out)])
    assert result.exit_code == 0 and "6 agenda(s)" in result.output
    assert len(PdfReader(out).pages) == 6
    result = runner.invoke(
        args=["agendas", event.slug, "--out", str(out), "--attendee", people[2].email]
    )
    assert result.exit_code == 0 and NAMES[2] in pdf_text(out.read_bytes())[0]
    signs = tmp_path / "signs.pdf"
    result = runner.invoke(args=["table-signs", event.slug, "--out", str(signs)])
    assert result.exit_code == 0 and "4 table sign(s)" in result.output
    assert len(PdfReader(signs).pages) == 4


def test_cli_agendas_before_publishing_says_so(
    runner: FlaskCliRunner,
    make_event: Callable[..., Event],
    make_attendee: Callable[..., Attendee],
    tmp_path: Path,
) -> None:
    event = make_event()
    make_attendee(event)
    result = runner.invoke(args=["agendas", event.slug, "--out", str(tmp_path / "a.pdf")])
    assert result.exit_code == 1 and "no published schedule" in result.output


def test_render_functions_are_pure() -> None:
    """Rendering needs no app, request or database: the same input gives the same pages."""
    data = AgendaData(
        event_name="E",
        venue="",
        timezone="UTC",
        starts_at=datetime(2030, 1, 1, 9),
        name="Zoë",
        company="C",
        kind="partner",
        region="NA",
        url=f"{BASE}/a/t",
        slots=(),
    )
    assert "No meetings are scheduled for you." in pdf_text(render_agendas([data]))[0]
    assert len(PdfReader(io.BytesIO(render_table_signs([]))).pages) == 1


# -- bounded text fitting (issue 11, item 9) --------------------------------------------------


def test_fitting_measures_each_character_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fitting a long name cost cubic time (6.2 s for 1,600 characters): widths were measured
    again for every shorter cut and every size tried. Now each character is measured once per
    fit, however many sizes the bisection tries and however the text wraps."""
    toolkit.register_fonts()
    measured: list[str] = []
    real = toolkit._char_width.__wrapped__

    def counting(char: str, font: str) -> float:
        measured.append(char)
        return real(char, font)

    monkeypatch.setattr(toolkit, "_char_width", counting)
    for text in ("W" * 500, "Wolfe-schlegel " * 40, LONG_NAME):
        measured.clear()
        fitted = fit(text, BOLD, 150.0, 30, 6, max_lines=3)
        # Each character once, plus the ellipsis and the last line when it is shortened.
        assert len(measured) <= len(text) + 60, f"{len(measured)} measures for {len(text)}"
        assert all(width(line, BOLD, fitted.size) <= 150.0 + 1e-6 for line in fitted.lines)


def test_a_20000_character_name_prints_a_bounded_badge() -> None:
    """A 20,000-character name (SQLite stores any length) kept badges.pdf busy for minutes.

    Only ``MAX_PRINTED`` characters can reach the fitting; the badge shows the name's start,
    shortened with an ellipsis, inside its box. The thread is a hang guard, not a timing target
    (``make bench --sizes badges`` measures speed).
    """
    name = "Wolfeschlegelsteinhausenbergerdorff" * 572  # 20,020 characters, no space
    result: list[bytes] = []
    worker = threading.Thread(
        target=lambda: result.append(render_badges(badges([name, "Zoë Ångström"]), "a6")),
        daemon=True,
    )
    worker.start()
    worker.join(timeout=60)
    assert result, "rendering a badge with a 20,000-character name did not finish in 60 s"
    first = pdf_text(result[0])[0]
    assert "Wolfeschlegel" in first and "\u2026" in first
    assert clean(name).endswith("\u2026") and len(clean(name)) == MAX_PRINTED
