"""The sponsor report as a PDF: a pure render function, figures as text, charts as vectors."""

from __future__ import annotations

import io
from collections.abc import Sequence
from xml.sax.saxutils import escape

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from app.services.printing import BOLD, REGULAR, register_fonts
from app.services.reports import SMALL_SAMPLE, Measures, SponsorReport

STEP_LABELS = {
    "call": "Follow-up call",
    "proposal": "Proposal",
    "joint_deal": "Joint deal",
    "deal_registered": "Deal registered",
}


def _fmt(value: float | None, spec: str = "{:.1f}") -> str:
    return "—" if value is None else spec.format(value)


def _chart(labels: Sequence[str], values: Sequence[int]) -> Drawing:
    """A vertical bar chart readable in black and white."""
    drawing = Drawing(170 * mm, 55 * mm)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 12 * mm, 10 * mm, 150 * mm, 38 * mm
    chart.data = [list(values) or [0]]
    chart.categoryAxis.categoryNames = list(labels) or [""]
    chart.categoryAxis.labels.fontName = REGULAR
    chart.valueAxis.labels.fontName = REGULAR
    chart.valueAxis.valueMin = 0
    chart.bars[0].fillColor = colors.HexColor("#1d4ed8")
    chart.barLabels.fontName = REGULAR
    chart.barLabelFormat = "%d"
    drawing.add(chart)
    return drawing


def _figures(m: Measures) -> list[list[str]]:
    rows = [
        ["Meetings scheduled", str(m.scheduled)],
        ["Meetings held", str(m.held)],
        ["No-shows", str(m.no_shows)],
        ["Asked (everyone met)", str(m.asked)],
        ["Answered", str(m.answered)],
        [
            "Response rate",
            _fmt(None if m.response_rate is None else 100 * m.response_rate, "{:.0f}%"),
        ],
        ["NPS", _fmt(m.nps, "{:+.0f}")],
        ["Promoters / detractors", f"{m.promoters} / {m.detractors}"],
        ["Average rating (1-5)", _fmt(m.avg_rating)],
    ]
    rows += [[STEP_LABELS[s], str(n)] for s, n in m.next_step_counts.items()]
    rows += [[f"Pipeline {c}", f"{total:,.0f}"] for c, total in sorted(m.pipeline.items())]
    return rows


def render_sponsor_report(report: SponsorReport) -> bytes:
    """The report as PDF bytes (A4), set in DejaVu Sans so every name prints."""
    register_fonts()
    body = ParagraphStyle("body", fontName=REGULAR, fontSize=10, leading=13)
    h1 = ParagraphStyle("h1", parent=body, fontName=BOLD, fontSize=16, leading=20)
    h2 = ParagraphStyle("h2", parent=body, fontName=BOLD, fontSize=12, leading=16, spaceBefore=8)
    m, e = report.measures, report.event_measures
    table_style = TableStyle(
        [
            ("FONTNAME", (0, 0), (-1, -1), REGULAR),
            ("FONTSIZE", (0, 0), (-1, -1), 9),
            ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.grey),
        ]
    )
    story: list = [
        Paragraph(escape(f"{report.company} at {report.event.name}"), h1),
        Paragraph(
            "Figures from every meeting of the published schedule; nothing is extrapolated. "
            "NPS = % promoters (9-10) minus % detractors (0-6) among those who met "
            f"{escape(report.company)}'s people.",
            body,
        ),
    ]
    if m.small_sample:
        story.append(
            Paragraph(
                f"Small sample: the NPS rests on {m.answered} answers (fewer than {SMALL_SAMPLE}).",
                body,
            )
        )
    story += [Paragraph("Figures", h2), Table(_figures(m), style=table_style)]
    story += [
        Paragraph("Answers by score (0-10)", h2),
        _chart([str(i) for i in range(11)], m.distribution),
        Paragraph("People met, by region", h2),
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
                _fmt(r.measures.nps, "{:+.0f}"),
                _fmt(r.measures.avg_rating),
            ]
            for r in report.reps
        ]
        story += [Paragraph("Per sales rep", h2), Table(rows, style=table_style)]
    story += [
        Paragraph("Compared with the whole event", h2),
        Table(
            [
                ["", report.company, "All meetings"],
                ["Average rating", _fmt(m.avg_rating), _fmt(e.avg_rating)],
                ["NPS", _fmt(m.nps, "{:+.0f}"), _fmt(e.nps, "{:+.0f}")],
            ],
            style=table_style,
        ),
        Paragraph("What partners said", h2),
    ]
    story += [Paragraph(escape(f"“{a.why}” (answer {a.id})"), body) for a in m.why] or [
        Paragraph("No comments.", body)
    ]
    story.append(Spacer(1, 4 * mm))
    out = io.BytesIO()
    SimpleDocTemplate(
        out, pagesize=A4, title=f"{report.company} report", leftMargin=18 * mm, rightMargin=18 * mm
    ).build(story)
    return out.getvalue()
