"""The organiser's series page: one recurring event's editions side by side."""

from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue

from app.access import organiser_series
from app.organiser.blueprint import bp
from app.report_views import download
from app.services.reports.measures import SMALL_SAMPLE
from app.services.reports.pdf import render_series_report
from app.services.reports.series import EVERYONE, KINDS, series_report
from app.services.scheduling.exports import PDF, Export


@bp.get("/series/<int:series_id>")
def series_page(series_id: int) -> ResponseReturnValue:
    """Who came back, each sponsor's NPS and the teaming share, for each event of a series."""
    series = organiser_series(series_id)
    return render_template(
        "organiser/series.html",
        report=series_report(series),
        kinds=(*KINDS, EVERYONE),
        small_sample=SMALL_SAMPLE,
    )


@bp.get("/series/<int:series_id>.pdf")
def series_pdf(series_id: int) -> ResponseReturnValue:
    """The series page as a PDF to print or send on."""
    series = organiser_series(series_id)
    body = render_series_report(series_report(series))
    return download(Export(body, PDF, f"series-{series.id}-report.pdf"))
