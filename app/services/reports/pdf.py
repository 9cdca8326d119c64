"""Sponsor, event and series reports as PDFs: pure render functions, text figures, vector charts.

Every table goes through ``_table`` (``app/services/printing/tables.py``), which measures its
cells and wraps or shrinks them to the text width, so no text overlaps.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from xml.sax.saxutils import escape

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table

from app.services.printing.tables import layout_table
from app.services.printing.text import BOLD, REGULAR, register_fonts
from app.services.reports.anonymity import quotes
from app.services.reports.figures import EVENT_GROUPS, GROUPS_NOTE, EventReport, SponsorReport
from app.services.reports.loyalty_pdf import loyalty_story
from app.services.reports.measures import COUNTED_STEPS, SMALL_SAMPLE, STEP_LABELS, Measures
from app.services.reports.series import EVERYONE, Return, SeriesReport

BLUE = colors.HexColor("#1d4ed8")

# The look both reports share; register_fonts() must run before the first Paragraph is made.
BODY = ParagraphStyle("body", fontName=REGULAR, fontSize=10, leading=13)
H1 = ParagraphStyle("h1", parent=BODY, fontName=BOLD, fontSize=16, leading=20)
H2 = ParagraphStyle(
    "h2", parent=BODY, fontName=BOLD, fontSize=12, leading=16, spaceBefore=8, keepWithNext=1
)  # a heading never ends a page without what it heads
MARGIN = 18 * mm  # left and right of the page
FRAME_PADDING = 6  # points reportlab's frame keeps inside the margins
TEXT_WIDTH = A4[0] - 2 * MARGIN - 2 * FRAME_PADDING  # the room a table may take


def _table(rows: Sequence[Sequence[str]], header: bool = True) -> Table:
    """A table of the reports, laid out to the text width (``printing/tables.py``)."""
    return layout_table(rows, TEXT_WIDTH, header=header)


def _fmt(value: float | None, spec: str = "{:.1f}") -> str:
    """A figure as printed, a dash when there is none (no answers behind it)."""
    return "—" if value is None else spec.format(value)


def _withheld(m: Measures) -> str:
    """What a withheld score reads (app/services/reports/anonymity.py)."""
    return f"fewer than {m.withheld} answers"


def _score(m: Measures, value: float | None, spec: str = "{:.1f}") -> str:
    """A score of ``m``, or what it reads when withheld."""
    return _withheld(m) if m.withheld else _fmt(value, spec)


def _nps(m: Measures) -> str:
    """The NPS, marked when it rests on fewer than SMALL_SAMPLE answers (or withheld)."""
    if m.withheld:
        return _withheld(m)
    if m.nps is None:
        return "—"
    return f"{m.nps:+.0f}" + (" (small sample)" if m.small_sample else "")


def _pipeline(m: Measures) -> str:
    """Pipeline per currency, one line each, never summed across currencies."""
    return "\n".join(f"{c} {t:,.0f}" for c, t in sorted(m.pipeline.items())) or "—"


def _chart(
    labels: Sequence[str],
    values: Sequence[float | None],
    label_format: str = "%d",
    value_max: float | None = None,
) -> Drawing:
    """A vertical bar chart readable in black and white; a None value is labelled "—"."""
    drawing = Drawing(170 * mm, 55 * mm)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 12 * mm, 10 * mm, 150 * mm, 38 * mm
    chart.data = [[0 if v is None else v for v in values] or [0]]
    chart.categoryAxis.categoryNames = list(labels) or [""]
    chart.categoryAxis.labels.fontName = REGULAR
    chart.valueAxis.labels.fontName = REGULAR
    chart.valueAxis.valueMin = 0
    if value_max is not None:
        chart.valueAxis.valueMax = value_max
    chart.bars[0].fillColor = BLUE
    chart.barLabels.fontName = REGULAR
    chart.barLabels.nudge = 6  # above the bar, not across its top edge
    chart.barLabelFormat = "values"
    chart.barLabelArray = [["—" if v is None else label_format % v for v in values] or [""]]
    drawing.add(chart)
    return drawing


def _comparison_chart(columns: Sequence[tuple[str, Measures]]) -> Drawing:
    """NPS and average rating side by side, each on its own full scale, one bar per column."""
    drawing = Drawing(170 * mm, 66 * mm)
    # One word a line ("Partner-to-" over "partner"): the bars are narrower than the names.
    names = [name.replace("-to-", "-to-\n", 1).replace(" ", "\n") for name, _ in columns]
    panels = (
        ("NPS (−100 to +100)", [m.nps for _, m in columns], -100, 100, 50, "%+.0f"),
        ("Average rating (1 to 5)", [m.avg_rating for _, m in columns], 0, 5, 1, "%.1f"),
    )
    for i, (title, values, low, high, step, label_format) in enumerate(panels):
        chart = VerticalBarChart()
        chart.x, chart.y = (14 + 86 * i) * mm, 14 * mm
        chart.width, chart.height = 70 * mm, 42 * mm
        chart.data = [[0 if v is None else v for v in values]]
        chart.categoryAxis.categoryNames = names
        chart.categoryAxis.labelAxisMode = "low"  # below the chart, clear of negative bars
        chart.categoryAxis.labels.fontName = REGULAR
        chart.categoryAxis.labels.fontSize = 8
        chart.categoryAxis.labels.textAnchor = "middle"
        chart.valueAxis.labels.fontName = REGULAR
        chart.valueAxis.valueMin, chart.valueAxis.valueMax = low, high
        chart.valueAxis.valueStep = step
        chart.bars[0].fillColor = BLUE
        chart.barLabels.fontName = REGULAR
        chart.barLabels.fontSize = 8
        chart.barLabels.nudge = 6
        chart.barLabelFormat = "values"
        chart.barLabelArray = [["—" if v is None else label_format % v for v in values]]
        drawing.add(chart)
        drawing.add(
            String(chart.x + chart.width / 2, 60 * mm, title, fontName=BOLD, fontSize=9,
                   textAnchor="middle")
        )  # fmt: skip
    return drawing


def _step_count(step: str) -> Callable[[Measures], str]:
    """A figures-table cell: how many answers named next step ``step``."""
    return lambda m: str(m.next_step_counts[step])


def _pipeline_in(currency: str) -> Callable[[Measures], str]:
    """A figures-table cell: the pipeline in ``currency``, or a dash."""
    return lambda m: _fmt(m.pipeline.get(currency), "{:,.0f}")


def _figures(*columns: Measures, no_meetings: Sequence[Measures] = ()) -> list[list[str]]:
    """The figures table: one row per figure, one column per set of meetings.

    Pipeline is listed per currency, never summed across currencies; a column without that
    currency shows "—". A column in ``no_meetings`` counts answers of meetings another column
    counts: its meeting counts (scheduled, held, no-shows, unanswered) show "—".
    """

    def row(label: str, value: Callable[[Measures], str], meetings: bool = False) -> list[str]:
        """One table row: the label, then the figure for each column's meetings."""
        return [label] + [
            "—" if meetings and any(m is n for n in no_meetings) else value(m) for m in columns
        ]

    rows = [
        row("Meetings scheduled", lambda m: str(m.scheduled), meetings=True),
        row("Meetings held", lambda m: str(m.held), meetings=True),
        row("No-shows", lambda m: str(m.no_shows), meetings=True),
        row("Unanswered", lambda m: str(m.unanswered), meetings=True),
        row("Asked / answered", lambda m: f"{m.asked} / {m.answered}"),
        row(
            "Response rate",
            lambda m: _fmt(None if m.response_rate is None else 100 * m.response_rate, "{:.0f}%"),
        ),
        row("NPS", _nps),
        row(
            "Promoters / detractors",
            lambda m: _withheld(m) if m.withheld else f"{m.promoters} / {m.detractors}",
        ),
        row("Average rating (1-5)", lambda m: _score(m, m.avg_rating)),
    ]
    rows += [row(STEP_LABELS[s], _step_count(s)) for s in COUNTED_STEPS]
    currencies = sorted({c for m in columns for c in m.pipeline})
    rows += [row(f"Pipeline {c}", _pipeline_in(c)) for c in currencies]
    return rows


def _pdf(story: list, title: str) -> bytes:
    """The story as A4 PDF bytes."""
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4, title=title, leftMargin=MARGIN, rightMargin=MARGIN).build(
        story
    )
    return out.getvalue()


def render_sponsor_report(report: SponsorReport) -> bytes:
    """The sponsor report as PDF bytes (A4), set in DejaVu Sans so every name prints."""
    register_fonts()  # before the first Paragraph, which looks its font up
    m, e = report.measures, report.event_measures
    story: list = [
        Paragraph(escape(f"{report.company} at {report.event.name}"), H1),
        Paragraph(
            "Figures from every meeting of the published schedule; nothing is extrapolated. "
            "NPS = % promoters (9-10) minus % detractors (0-6) among those who met "
            f"{escape(report.company)}'s people.",
            BODY,
        ),
        Paragraph(escape(report.collection.summary(report.event.timezone)), BODY),
    ]
    story.append(
        Paragraph(
            "Answers are anonymous: totals only, never who gave which score. A score resting "
            f"on fewer than {report.min_answers} answers reads “fewer than "
            f"{report.min_answers} answers”; partners' words are quoted only when they allowed "
            "it.",
            BODY,
        )
    )
    if m.small_sample and not m.withheld:
        story.append(
            Paragraph(
                f"Small sample: the NPS rests on {m.answered} answers (fewer than {SMALL_SAMPLE}).",
                BODY,
            )
        )
    story += [Paragraph("Figures", H2), _table(_figures(m), header=False)]
    if not m.withheld:
        story += [
            Paragraph("Answers by score (0-10)", H2),
            _chart([str(i) for i in range(11)], m.distribution),
        ]
    story += [
        Paragraph("People met, by region", H2),
        _chart(list(m.regions), list(m.regions.values())),
    ]
    if len(report.reps) > 1:
        rows = [["Rep", "Scheduled", "Held", "Answered", "NPS", "Avg rating"]]
        rows += [
            [
                r.attendee.name,
                str(r.measures.scheduled),
                str(r.measures.held),
                str(r.measures.answered),
                _score(r.measures, r.measures.nps, "{:+.0f}"),
                _score(r.measures, r.measures.avg_rating),
            ]
            for r in report.reps
        ]
        story += [Paragraph("Per sales rep", H2), _table(rows)]
    story += loyalty_story(report.loyalty, report.company, H2, BODY, TEXT_WIDTH)
    story += [
        Paragraph("Compared with the whole event", H2),
        _table(
            [
                ["", report.company, "All meetings"],
                ["Average rating", _score(m, m.avg_rating), _score(e, e.avg_rating)],
                ["NPS", _score(m, m.nps, "{:+.0f}"), _score(e, e.nps, "{:+.0f}")],
            ]
        ),
        Paragraph("What partners said", H2),
    ]
    story += [
        Paragraph(escape(f"“{q.text}”" + (f" ({q.name})" if q.name else "")), BODY)
        for q in quotes(m.why)
    ] or [Paragraph("No comments to quote.", BODY)]
    story.append(Spacer(1, 4 * mm))
    return _pdf(story, f"{report.company} report")


def render_event_report(report: EventReport) -> bytes:
    """The organiser's event report as PDF bytes (A4): sponsors vs partner-to-partner meetings.

    Sponsor meetings are those with a vendor or distributor on either side; in them the partner
    side's answers give the NPS and ratings, and the sponsor side's answers about the partner
    are the Sponsors rating partners group. In partner-to-partner meetings both sides are
    asked. The groups add up to All meetings (``EventReport``), and the PDF says so. Set in
    DejaVu Sans so every name prints.
    """
    register_fonts()  # before the first Paragraph, which looks its font up
    columns = [(name, getattr(report, group)) for group, name in EVENT_GROUPS]
    header = [""] + [name for name, _ in columns]
    figures = _figures(*(m for _, m in columns), no_meetings=[report.rating_partners])
    story: list = [
        Paragraph(escape(f"{report.event.name}: event report"), H1),
        Paragraph(
            "Figures from every meeting of the published schedule; nothing is extrapolated. "
            "NPS = % promoters (9-10) minus % detractors (0-6) among the answers; an NPS resting "
            f"on fewer than {SMALL_SAMPLE} answers is marked “small sample”.",
            BODY,
        ),
        Paragraph(escape(report.collection.summary(report.event.timezone)), BODY),
        Paragraph("Figures", H2),
        _table([header, *figures]),
        Paragraph(escape(GROUPS_NOTE), BODY),
        Paragraph("NPS and average rating", H2),
        _comparison_chart(columns),
    ]
    if report.by_sponsor:
        rows = [["Sponsor", "Scheduled", "Held", "Answered", "NPS", "Avg rating", "Pipeline"]]
        rows += [
            [
                company,
                str(m.scheduled),
                str(m.held),
                str(m.answered),
                _nps(m),
                _fmt(m.avg_rating),
                _pipeline(m),
            ]
            for company, m in report.by_sponsor.items()
        ]
        story += [
            Paragraph("Per sponsor", H2),
            _table(rows),
            Paragraph("A meeting of two sponsors is counted under each of them.", BODY),
        ]
    story.append(Paragraph("Teaming", H2))
    if report.teaming_share is None:
        story.append(Paragraph("No attendees.", BODY))
    else:
        story.append(
            Paragraph(
                f"{100 * report.teaming_share:.0f}% of attendees ({len(report.teaming_ids)}) "
                "named at least one joint deal or proposal next step.",
                BODY,
            )
        )
    regions = report.regions.most_common()
    story += [
        Paragraph("Attendees, by region", H2),
        _chart([r for r, _ in regions], [n for _, n in regions]),
        Paragraph("Planned score vs rating", H2),
        Paragraph(
            "The published meetings split into quarters by the score the planner gave them, "
            "with the average 1-5 rating their attendees gave: does a higher score predict a "
            "better meeting?",
            BODY,
        ),
    ]
    if report.score_bands:
        bands = [["Planned score", "Average rating", "Ratings"]]
        bands += [[label, _fmt(avg), str(n)] for label, avg, n in report.score_bands]
        story += [
            _table(bands),
            _chart(
                [label for label, _, _ in report.score_bands],
                [avg for _, avg, _ in report.score_bands],
                "%.1f",
                value_max=5,
            ),
        ]
    else:
        story.append(Paragraph("No published meetings.", BODY))
    story.append(Spacer(1, 4 * mm))
    return _pdf(story, f"{report.event.name} event report")


def _back(r: Return | None) -> str:
    """ "3 of 5 (60%)", or a dash when nobody was there before."""
    if r is None or r.share is None:
        return "—"
    return f"{r.again} of {r.before} ({100 * r.share:.0f}%)"


def render_series_report(report: SeriesReport) -> bytes:
    """The organiser's series report as PDF bytes (A4): who came back, each sponsor's NPS and
    the partner-to-partner teaming share, per event, as on the series page."""
    register_fonts()  # before the first Paragraph, which looks its font up
    events = report.events
    later = events[1:]
    story: list = [
        Paragraph(escape(report.series.name), H1),
        Paragraph(
            "The events of this series side by side, oldest first. Each event is compared with "
            "the one before it: people are recognised by their e-mail address, companies by "
            "their name (without case, accents or extra spaces).",
            BODY,
        ),
        _table(
            [["Event", "Date", "Attendees", "Companies"]]
            + [
                [
                    e.event.name,
                    e.event.starts_at.strftime("%d %b %Y"),
                    str(e.attendees),
                    str(e.companies),
                ]
                for e in events
            ]
        ),
        Paragraph("Who came back", H2),
    ]
    labels = {"vendor": "Vendors", "distributor": "Distributors", "partner": "Partners"}
    labels[EVERYONE] = "Everyone"
    if later:
        for title, attribute in (("People", "people_back"), ("Companies", "companies_back")):
            rows = [[title, *(e.event.name for e in later)]]
            rows += [
                [label, *(_back((getattr(e, attribute) or {}).get(kind)) for e in later)]
                for kind, label in labels.items()
            ]
            story.append(_table(rows))
            story.append(Spacer(1, 4))
        shares = [(e.people_back or {}).get(EVERYONE) for e in later]
        story.append(Paragraph("People back from the event before (%)", BODY))
        story.append(
            _chart(
                [e.event.starts_at.strftime("%b %Y") for e in later],
                [None if r is None or r.share is None else 100 * r.share for r in shares],
                label_format="%.0f",
                value_max=100,
            )
        )
    else:
        story.append(
            Paragraph(
                "One event so far: the next one in this series will be compared with it.", BODY
            )
        )
    story.append(Paragraph("NPS per sponsor", H2))
    if report.sponsors:
        story.append(
            Paragraph(
                f"From each event's report (answers in brackets); an NPS on fewer than "
                f"{SMALL_SAMPLE} answers is a small sample.",
                BODY,
            )
        )
        rows = [["Sponsor", *(e.event.name for e in events)]]
        for s in report.sponsors:
            cells = []
            for cell in s.nps:
                if cell is None:
                    cells.append("not there")
                elif cell[0] is None:
                    cells.append("— (0)")
                else:
                    cells.append(f"{cell[0]:+.0f} ({cell[1]})")
            rows.append([s.company, *cells])
        story.append(_table(rows))
    else:
        story.append(Paragraph("No sponsor meetings yet.", BODY))
    teaming: list = [
        Paragraph("Partner-to-partner teaming", H2),
        Paragraph(
            "Share of each event's attendees who named a joint deal or a proposal as the next "
            "step of a meeting.",
            BODY,
        ),
    ]
    teaming.append(
        _table(
            [["Event", "Teaming share", "Attendees"]]
            + [
                [
                    e.event.name,
                    "—" if e.teaming_share is None else f"{100 * e.teaming_share:.0f}%",
                    f"{e.teaming} of {e.attendees}",
                ]
                for e in events
            ]
        )
    )
    story.append(KeepTogether(teaming))  # the heading never apart from its table
    story.append(
        _chart(
            [e.event.starts_at.strftime("%b %Y") for e in events],
            [None if e.teaming_share is None else 100 * e.teaming_share for e in events],
            label_format="%.0f",
            value_max=100,
        )
    )
    return _pdf(story, report.series.name)
