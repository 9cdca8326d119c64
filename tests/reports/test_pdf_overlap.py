"""Every PDF Mingle prints keeps its text apart: no two text runs overlap, none leaves the page.

Each PDF is rendered from one event whose companies and people have very long names (the
hand-built event of ``report_helpers.build``, renamed), and read back with pdfplumber
(``tests/pdf_layout_helpers.py``): every run of text with its box on every page.

``PDFS`` is the list every PDF joins: a name and a function of the event giving the PDF's
bytes. A new PDF adds one line there.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Event, Series
from app.services.printing.agendas import render_agendas
from app.services.printing.badges import LAYOUTS, render_badges
from app.services.printing.data import agenda_data, badge_data, table_sign_data
from app.services.printing.signs import render_table_signs
from app.services.printing.text import HYPHEN_BREAK
from app.services.reports.figures import SPONSOR_KINDS, event_report, sponsor_report
from app.services.reports.pdf import (
    render_event_report,
    render_series_report,
    render_sponsor_report,
)
from app.services.reports.series import series_report
from tests.pdf_layout_helpers import Run, layout_faults, overlapping, page_runs
from tests.report_helpers import build

LONG_VENDOR = "Północnoeuropejskie Przedsiębiorstwo Dystrybucji Oprogramowania Sp. z o.o."
LONG_OTHER = "Internationale Gesellschaft für Cloud-Sicherheitsdienstleistungen und Beratung GmbH"
LONG_PARTNERS = (
    "Konstantinopoulou & Wolfeschlegelsteinhausenbergerdorff Integrated Systems Ltd.",
    "Société Générale d'Ingénierie Informatique et de Télécommunications SAS",
    "Nguyễn Thị Ánh Tuyết Công ty Trách nhiệm Hữu hạn Giải pháp Phần mềm",
    "Brzęczyszczykiewicz Rozwiązania Informatyczne dla Przedsiębiorstw S.A.",
    "Åkesson-Kierkegård Nordic Enterprise Software Distribution AB",
)
LONG_PERSON = "Maximiliane Alexandra Konstantinopoulou-Wolfeschlegelsteinhausenbergerdorff"


@pytest.fixture
def long_names(event, make_attendee, make_version) -> Event:
    """The hand-built report event, every company and some people renamed to long names."""
    cast = build(event, make_attendee, make_version)
    cast.v1.company = cast.v2.company = LONG_VENDOR
    cast.g1.company = LONG_OTHER
    cast.v2.name = LONG_PERSON
    cast.v2.title = "Senior Vice President, Strategic Alliances and Channel Partnerships EMEA"
    for partner, company in zip(cast.p[1:], LONG_PARTNERS, strict=True):
        partner.company = company
    cast.p[3].name = "Trần Văn Đức Nguyễn Hoàng Phương Thảo"
    db.session.commit()
    return event


def series_of(event: Event) -> Series:
    """The event's series, made for it (with a long name) when it is in none."""
    if event.series is None:
        event.series = Series(
            name="Northwind Cloud Partner Summit of the Americas, Europe and Asia-Pacific",
            organiser_id=event.organiser_id,
        )
        db.session.commit()
    return event.series


# Every PDF Mingle prints: (name, the PDF of an event). New PDFs join here.
PDFS: list[tuple[str, Callable[[Event], bytes]]] = [
    ("sponsor report", lambda e: render_sponsor_report(sponsor_report(e, LONG_VENDOR))),
    ("sponsor report, one rep", lambda e: render_sponsor_report(sponsor_report(e, LONG_OTHER))),
    ("event report", lambda e: render_event_report(event_report(e))),
    *(
        (f"badges {layout}", lambda e, layout=layout: render_badges(badge_data(e), layout))
        for layout in LAYOUTS
    ),
    (
        "badges with backs",
        lambda e: render_badges(badge_data(e, with_agenda=True), "a4-2x4", duplex=True),
    ),
    ("agendas", lambda e: render_agendas(agenda_data(e))),
    ("table signs", lambda e: render_table_signs(table_sign_data(e))),
    ("series report", lambda e: render_series_report(series_report(series_of(e)))),
]


@pytest.mark.parametrize("render", [r for _, r in PDFS], ids=[name for name, _ in PDFS])
def test_no_text_overlaps_or_leaves_the_page(long_names: Event, render) -> None:
    pdf = render(long_names)
    pages = page_runs(pdf)
    assert sum(len(runs) for _, _, runs in pages) > 10  # the checker does read the text
    assert layout_faults(pdf) == []


@pytest.mark.slow
def test_the_past_demo_prints_without_overlaps(runner, app_ctx) -> None:
    """``flask demo --past`` (30 attendees), its two biggest sponsors renamed to long names:
    every PDF of a realistic event, the per-sponsor table and charts full, prints clean."""
    result = runner.invoke(args=["demo", "--past", "--attendees", "30", "--time-limit", "2"])
    assert result.exit_code == 0, result.output
    event = db.session.scalars(select(Event).order_by(Event.id.desc())).first()
    assert event is not None
    sponsors = Counter(a.company for a in event.attendees if a.kind in SPONSOR_KINDS)
    (first, _), (second, _) = sponsors.most_common(2)
    for person in event.attendees:
        person.company = {first: LONG_VENDOR, second: LONG_OTHER}.get(
            person.company, person.company
        )
    db.session.commit()
    faults = {name: layout_faults(render(event)) for name, render in PDFS}
    assert faults == {name: [] for name, _ in PDFS}


@pytest.mark.parametrize(
    ("pdf", "companies"),
    [
        ("sponsor report", (LONG_VENDOR,)),
        ("event report", (LONG_VENDOR, LONG_OTHER)),
        *((f"badges {layout}", (LONG_VENDOR, LONG_OTHER, *LONG_PARTNERS)) for layout in LAYOUTS),
        ("table signs", (LONG_VENDOR, LONG_OTHER, *LONG_PARTNERS)),
    ],
)
def test_long_company_names_wrap_whole(long_names: Event, pdf: str, companies) -> None:
    """Wrapped or shrunk, never cut: every word of every long company name is printed."""
    render = dict(PDFS)[pdf]
    runs = {r.text for _, _, page in page_runs(render(long_names)) for r in page}
    printed = {p for run in runs for word in run.split() for p in HYPHEN_BREAK.findall(word)}
    for company in companies:
        for word in company.split():
            assert set(HYPHEN_BREAK.findall(word)) <= printed, (company, word)


def test_the_checker_sees_an_overlap() -> None:
    """Runs on one line sharing a few points, or touching, are a fault; a clear gap is not."""
    a = Run("Held", 10, 30, 100, 110)
    assert overlapping([a, Run("Answered", 28, 60, 100, 110)]) == [
        (a, Run("Answered", 28, 60, 100, 110))
    ]
    assert overlapping([a, Run("Answered", 30.05, 60, 100, 110)]) != []  # "HeldAnswered"
    assert overlapping([a, Run("Answered", 32, 60, 100, 110)]) == []
    assert overlapping([a, Run("below", 10, 60, 110, 120)]) == []  # the next line
    assert overlapping([a, Run("ascender", 10, 60, 109, 119)]) != []
