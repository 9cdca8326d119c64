"""The organiser's report pages: the event report, its downloads, the answers behind each
figure, and a preview of any sponsor's report as that sponsor sees it.

Registered on the organiser blueprint (imported by ``app.create_app``), so the access rules of
every organiser page apply: login required, and another organiser's event is 404.
"""

from __future__ import annotations

from flask import abort, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required

from app.access import organiser_event
from app.models import Event
from app.organiser.routes import bp
from app.report_views import XLSX, download, render_answers, render_figure, render_report
from app.services.reports.exports import event_csv, event_xlsx, report_csv, report_xlsx
from app.services.reports.figures import (
    SponsorReport,
    event_report,
    sponsor_companies,
    sponsor_report,
)
from app.services.reports.measures import SMALL_SAMPLE, STEP_LABELS
from app.services.reports.pdf import render_event_report, render_sponsor_report

GROUPS = {
    "sponsors": "Sponsor meetings",
    "p2p": "Partner-to-partner meetings",
    "overall": "All meetings",
}


def _sponsor(event: Event) -> SponsorReport:
    """The report of the company named by ``?company=``, which must sponsor ``event``, else 404."""
    company = request.args.get("company", "")
    if company not in sponsor_companies(event):
        abort(404)
    return sponsor_report(event, company)


@bp.get("/events/<slug>/report")
@login_required
def event_report_page(slug: str) -> ResponseReturnValue:
    """The event report: sponsor vs P2P meetings, teaming, planned score vs rating."""
    event = organiser_event(slug)
    return render_template(
        "organiser/event_report.html",
        event=event,
        report=event_report(event),
        small_sample=SMALL_SAMPLE,
        step_labels=STEP_LABELS,
    )


@bp.get("/events/<slug>/report.csv")
@login_required
def event_report_csv(slug: str) -> ResponseReturnValue:
    """Every answer about the published meetings as CSV, with each meeting's type."""
    event = organiser_event(slug)
    body = event_csv(event).encode("utf-8")
    return download(body, "text/csv; charset=utf-8", f"{event.slug}-report.csv")


@bp.get("/events/<slug>/report.xlsx")
@login_required
def event_report_xlsx(slug: str) -> ResponseReturnValue:
    """Every answer about the published meetings as XLSX."""
    event = organiser_event(slug)
    return download(event_xlsx(event), XLSX, f"{event.slug}-report.xlsx")


@bp.get("/events/<slug>/report.pdf")
@login_required
def event_report_pdf(slug: str) -> ResponseReturnValue:
    """The event report as a PDF with charts."""
    event = organiser_event(slug)
    body = render_event_report(event_report(event))
    return download(body, "application/pdf", f"{event.slug}-report.pdf")


@bp.get("/events/<slug>/report/answers/<group>/<figure>")
@login_required
def event_report_answers(slug: str, group: str, figure: str) -> ResponseReturnValue:
    """The answers (or unanswered meetings) behind one figure of the event report."""
    event = organiser_event(slug)
    if group not in GROUPS:
        abort(404)
    measures = getattr(event_report(event), group)
    back = url_for("organiser.event_report_page", slug=slug)
    return render_figure(event, measures, figure, GROUPS[group], back, "organiser/layout.html")


def _sponsor_links(slug: str, company: str) -> dict[str, str]:
    """The preview's download and trace URLs (``FIGURE`` stands for the figure)."""
    return {
        name: url_for(f"organiser.sponsor_report_{name}", slug=slug, company=company)
        for name in ("csv", "xlsx", "pdf")
    } | {
        "answers": url_for(
            "organiser.sponsor_report_answers", slug=slug, figure="FIGURE", company=company
        ),
        "note": f"Preview: this is the report {company}'s contacts see through their links.",
    }


@bp.get("/events/<slug>/sponsor-report")
@login_required
def sponsor_report_preview(slug: str) -> ResponseReturnValue:
    """A sponsor's report (``?company=``) exactly as its contacts see it."""
    data = _sponsor(organiser_event(slug))
    return render_report(data, _sponsor_links(slug, data.company))


@bp.get("/events/<slug>/sponsor-report/answers/<figure>")
@login_required
def sponsor_report_answers(slug: str, figure: str) -> ResponseReturnValue:
    """The answers behind one figure of a sponsor's report."""
    data = _sponsor(organiser_event(slug))
    back = url_for("organiser.sponsor_report_preview", slug=slug, company=data.company)
    return render_answers(data, figure, back, "organiser/layout.html")


@bp.get("/events/<slug>/sponsor-report.csv")
@login_required
def sponsor_report_csv(slug: str) -> ResponseReturnValue:
    """A sponsor's answers as CSV."""
    data = _sponsor(organiser_event(slug))
    return download(report_csv(data).encode("utf-8"), "text/csv; charset=utf-8", "report.csv")


@bp.get("/events/<slug>/sponsor-report.xlsx")
@login_required
def sponsor_report_xlsx(slug: str) -> ResponseReturnValue:
    """A sponsor's answers as XLSX."""
    return download(report_xlsx(_sponsor(organiser_event(slug))), XLSX, "report.xlsx")


@bp.get("/events/<slug>/sponsor-report.pdf")
@login_required
def sponsor_report_pdf(slug: str) -> ResponseReturnValue:
    """A sponsor's report as PDF."""
    body = render_sponsor_report(_sponsor(organiser_event(slug)))
    return download(body, "application/pdf", "report.pdf")
