"""The loyalty section of the sponsor report PDF: the page's chart and figures, in reportlab."""

from __future__ import annotations

from xml.sax.saxutils import escape

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer

from app.services.printing.tables import layout_table
from app.services.printing.text import REGULAR
from app.services.reports.loyalty import Loyalty

MET = colors.HexColor("#2f6fde")  # the page's .bar
AGAIN = colors.HexColor("#8fa9d6")  # the page's .bar-2


def loyalty_chart(loyalty: Loyalty) -> Drawing:
    """Partners met per event, beside how many of them were met at the event before."""
    drawing = Drawing(170 * mm, 62 * mm)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 14 * mm, 16 * mm, 150 * mm, 38 * mm
    editions = loyalty.editions
    chart.data = [
        [e.partners_met for e in editions],
        [e.met_before or 0 for e in editions],
    ]
    chart.categoryAxis.categoryNames = [
        e.event.name if len(e.event.name) <= 40 else e.event.name[:39] + "…" for e in editions
    ]
    chart.categoryAxis.labels.fontName = REGULAR
    chart.categoryAxis.labels.fontSize = 8
    chart.valueAxis.labels.fontName = REGULAR
    chart.valueAxis.valueMin = 0
    chart.bars[0].fillColor = MET
    chart.bars[1].fillColor = AGAIN
    chart.barLabels.fontName = REGULAR
    chart.barLabels.fontSize = 8
    chart.barLabels.nudge = 6
    chart.barLabelFormat = "values"
    chart.barLabelArray = [
        [str(e.partners_met) for e in editions],
        ["" if e.met_before is None else str(e.met_before) for e in editions],
    ]
    drawing.add(chart)
    legend = Legend()
    legend.x, legend.y = 14 * mm, 4 * mm
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.fontName, legend.fontSize = REGULAR, 8
    legend.colorNamePairs = [(MET, "partners met"), (AGAIN, "of them met at the event before")]
    drawing.add(legend)
    return drawing


def loyalty_story(
    loyalty: Loyalty | None,
    company: str,
    heading: ParagraphStyle,
    body: ParagraphStyle,
    room: float,
) -> list[Flowable]:
    """The section's flowables (none without an earlier event), in the report's styles;
    ``room``: the text width in points, for the table."""
    if loyalty is None:
        return []
    previous = escape(loyalty.previous.name)
    retention = "—" if loyalty.retention is None else f"{100 * loyalty.retention:.0f}%"
    if loyalty.paired_withheld:
        paired = f"Not shown: fewer than {loyalty.threshold} partners answered at both events."
    else:
        p = loyalty.paired
        paired = (
            f"NPS of the {p.people} partners who answered at both events: {p.before:+.0f} at "
            f"{previous}, {p.now:+.0f} now ({p.change:+.0f} points)."
        )
    rows = [
        ["Event", "Partners met", "Met at the event before", "NPS (answers)", "Pipeline (answers)"]
    ]
    for e in loyalty.editions:
        if e.nps_withheld:
            nps = f"fewer than {loyalty.threshold} answers"
        else:
            nps = "—" if e.nps is None else f"{e.nps:+.0f} ({e.answered})"
        pipeline = "\n".join(
            f"{c} {total:,.0f} ({e.pipeline_answers[c]})" for c, total in e.pipeline.items()
        )
        met_before = "—" if e.met_before is None else str(e.met_before)
        rows.append([e.event.name, str(e.partners_met), met_before, nps, pipeline or "—"])
    return [
        Paragraph("Loyalty", heading),
        Paragraph(
            f"Compared with {previous}, the last earlier event of the series where "
            f"{escape(company)} had people; partners are recognised by their e-mail address. "
            f"{loyalty.met_now} partners met, {loyalty.met_again} of the "
            f"{loyalty.met_previous} met at {previous} met again (retention {retention}), "
            f"{loyalty.new} new.",
            body,
        ),
        Paragraph(escape(paired), body),
        loyalty_chart(loyalty),
        Spacer(1, 3 * mm),
        layout_table(rows, room),  # the reports' one table layout: nothing overlaps
    ]
