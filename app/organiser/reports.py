"""The organiser's report pages: the event report, its downloads, the answers behind each
figure, and a preview of any sponsor's report as that sponsor sees it.

What the sponsor's own pages render too comes from app/report_views.py, which neither
audience owns.
"""

from __future__ import annotations

from flask import abort, render_template, request, url_for
from flask.typing import ResponseReturnValue

from app.access import current_event
from app.models import Event
from app.organiser.blueprint import event_bp
from app.report_views import download, render_answers, render_figure, render_report
from app.services.leads import leads_export
from app.services.reports.exports import event_report_export, sponsor_report_export
from app.services.reports.figures import (
    EVENT_GROUPS,
    GROUPS_NOTE,
    SponsorReport,
    event_report,
    sponsor_companies,
    sponsor_report,
)
from app.services.reports.measures import SMALL_SAMPLE, STEP_LABELS

GROUPS = {
    "sponsors": "Sponsor meetings",
    "rating_partners": "Sponsor meetings: sponsors rating partners",
    "p2p": "Partner-to-partner meetings",
    "overall": "All meetings",
}


def _sponsor(event: Event) -> SponsorReport:
    """The report of the company named by ``?company=``, which must sponsor ``event``, else 404."""
    company = request.args.get("company", "")
    if company not in sponsor_companies(event):
        abort(404)
    return sponsor_report(event, company)


@event_bp.get("/report")
def event_report_page() -> ResponseReturnValue:
    """The event report: sponsor vs P2P meetings, teaming, planned score vs rating."""
    event = current_event()
    return render_template(
        "organiser/event_report.html",
        event=event,
        report=event_report(event),
        groups=EVENT_GROUPS,
        groups_note=GROUPS_NOTE,
        small_sample=SMALL_SAMPLE,
        step_labels=STEP_LABELS,
    )


@event_bp.get("/report.<fmt>")
def event_report_download(fmt: str) -> ResponseReturnValue:
    """Every answer about the published meetings as CSV or XLSX, or the report as PDF."""
    export = event_report_export(current_event(), fmt)
    if export is None:
        abort(404)
    return download(export)


@event_bp.get("/report/answers/<group>/<figure>")
def event_report_answers(group: str, figure: str) -> ResponseReturnValue:
    """The answers (or unanswered meetings) behind one figure of the event report."""
    event = current_event()
    if group not in GROUPS:
        abort(404)
    measures = getattr(event_report(event), group)
    back = url_for("organiser.event.event_report_page")
    return render_figure(event, measures, figure, GROUPS[group], back, "organiser/layout.html")


def _sponsor_links(company: str) -> dict[str, str]:
    """The preview's download and trace URLs (``FIGURE`` stands for the figure)."""
    return (
        {
            fmt: url_for("organiser.event.sponsor_report_download", fmt=fmt, company=company)
            for fmt in ("csv", "xlsx", "pdf")
        }
        | {
            "answers": url_for(
                "organiser.event.sponsor_report_answers", figure="FIGURE", company=company
            ),
            "note": f"Preview: this is the report {company}'s contacts see through their links.",
        }
        | {
            f"leads_{fmt}": url_for(
                "organiser.event.sponsor_leads_download", fmt=fmt, company=company
            )
            for fmt in ("csv", "xlsx")
        }
    )


@event_bp.get("/sponsor-report")
def sponsor_report_preview() -> ResponseReturnValue:
    """A sponsor's report (``?company=``) exactly as its contacts see it."""
    data = _sponsor(current_event())
    return render_report(data, _sponsor_links(data.company))


@event_bp.get("/sponsor-report/answers/<figure>")
def sponsor_report_answers(figure: str) -> ResponseReturnValue:
    """The answers behind one figure of a sponsor's report."""
    data = _sponsor(current_event())
    back = url_for("organiser.event.sponsor_report_preview", company=data.company)
    return render_answers(data, figure, back, "organiser/layout.html")


@event_bp.get("/sponsor-report.<fmt>")
def sponsor_report_download(fmt: str) -> ResponseReturnValue:
    """A sponsor's answers as CSV or XLSX, or their report as PDF."""
    export = sponsor_report_export(_sponsor(current_event()), fmt)
    if export is None:
        abort(404)
    return download(export)


@event_bp.get("/sponsor-report/leads.<fmt>")
def sponsor_leads_download(fmt: str) -> ResponseReturnValue:
    """A sponsor's standing leads as the CRM import file its contacts download."""
    data = _sponsor(current_event())
    export = leads_export(data.event, data.company, fmt)
    if export is None:
        abort(404)
    return download(export)
