"""Every page a sponsor contact uses, under /s: their company's report and its exports.

Sponsor contacts have no account: the secret token in their link is their only credential.
Access is checked in one place, ``sponsor_by_token(token)``, which answers 404 for an unknown
or re-issued token; the company shown is always the contact's own, never taken from the URL.
"""

from __future__ import annotations

import re
import secrets

from flask import Blueprint, Response, abort, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from app.extensions import db
from app.models import Event, SponsorContact
from app.services.report_exports import report_csv, report_xlsx
from app.services.report_pdf import render_sponsor_report
from app.services.reports import (
    SMALL_SAMPLE,
    STEP_LABELS,
    Measures,
    SponsorReport,
    figure_answers,
    sponsor_report,
)

bp = Blueprint("sponsor", __name__, url_prefix="/s")

# Tokens are secrets.token_urlsafe(32): 43 characters. Anything else is not worth a query.
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{32,64}")
PAGE_SHAPE = re.compile(r"[0-9]{1,6}")  # ?page= of the answers behind a figure
PAGE_KEEPS = ("rep", "company")  # the other arguments those pages read
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def sponsor_by_token(token: str) -> SponsorContact:
    """The sponsor contact whose current link carries ``token``, else 404."""
    if not TOKEN_SHAPE.fullmatch(token):
        abort(404)
    contact = db.session.scalar(select(SponsorContact).where(SponsorContact.token == token))
    if contact is None or not secrets.compare_digest(contact.token, token):
        abort(404)
    return contact


def download(body: str | bytes, mimetype: str, name: str) -> Response:
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def render_report(data: SponsorReport, token: str | None, **links: str) -> str:
    """The report page; ``token`` makes its links the sponsor's own, else ``links`` name them.

    The organiser's preview of a sponsor's report passes its own download and trace URLs.
    """
    if token is not None:
        links = {
            "csv": url_for("sponsor.report_rows_csv", token=token),
            "xlsx": url_for("sponsor.report_rows_xlsx", token=token),
            "pdf": url_for("sponsor.report_pdf", token=token),
            "answers": url_for("sponsor.report_answers", token=token, figure="FIGURE"),
        }

    def trace_url(figure: str, rep: int | None = None) -> str:
        url = links["answers"].replace("FIGURE", figure)
        if rep is None:
            return url
        return f"{url}{'&' if '?' in url else '?'}rep={rep}"

    return render_template(
        "sponsor/report.html",
        report=data,
        small_sample=SMALL_SAMPLE,
        step_labels=STEP_LABELS,
        downloads=links,
        trace_url=trace_url,
        preview_note=links.get("note"),
    )


def render_figure(
    event: Event, measures: Measures, figure: str, title: str, back_url: str, base_template: str
) -> str:
    """The answers (or meetings) behind ``figure`` of ``measures``, else 404.

    Shared by the sponsor's page (``base.html``) and the organiser's event report and preview
    (their layout, which alone gets ``event``, for its event menu).
    """
    number = request.args.get("page", "1")
    page = int(number) if PAGE_SHAPE.fullmatch(number) else 0
    rows = figure_answers(event, measures, figure, title, page) if page else None
    if rows is None:
        abort(404)
    # Only the arguments these pages know are carried over: anything else could clash with
    # the route's own (token, slug) or steer url_for (_external, _anchor).
    kept = {name: request.args[name] for name in PAGE_KEEPS if name in request.args}

    def page_url(n: int) -> str:
        """This page's URL, its ``rep`` or ``company`` kept, at page ``n``."""
        return url_for(request.endpoint or "", **(request.view_args or {}), **kept, page=n)

    return render_template(
        "reports/answers.html",
        base_template=base_template,
        back_url=back_url,
        event=event if base_template != "base.html" else None,
        page_url=page_url,
        **rows.context(),
    )


def render_answers(data: SponsorReport, figure: str, back_url: str, base_template: str) -> str:
    """The answers (or meetings) behind one figure of ``data``, ``?rep=<id>`` for one rep's."""
    measures = data.measures
    if request.args.get("rep"):
        rep = next((r for r in data.reps if str(r.attendee.id) == request.args["rep"]), None)
        if rep is None:
            abort(404)
        measures = rep.measures
    return render_figure(data.event, measures, figure, data.company, back_url, base_template)


@bp.get("/<token>")
def report(token: str) -> ResponseReturnValue:
    """The company's report page."""
    contact = sponsor_by_token(token)
    return render_report(sponsor_report(contact.event, contact.company), token)


@bp.get("/<token>/answers/<figure>")
def report_answers(token: str, figure: str) -> ResponseReturnValue:
    """The answers behind one figure of the company's report."""
    contact = sponsor_by_token(token)
    data = sponsor_report(contact.event, contact.company)
    return render_answers(data, figure, url_for("sponsor.report", token=token), "base.html")


@bp.get("/<token>/report.csv")
def report_rows_csv(token: str) -> ResponseReturnValue:
    """The answers behind the report as CSV."""
    contact = sponsor_by_token(token)
    body = report_csv(sponsor_report(contact.event, contact.company))
    return download(body.encode("utf-8"), "text/csv; charset=utf-8", "report.csv")


@bp.get("/<token>/report.xlsx")
def report_rows_xlsx(token: str) -> ResponseReturnValue:
    """The answers behind the report as an XLSX workbook."""
    contact = sponsor_by_token(token)
    return download(
        report_xlsx(sponsor_report(contact.event, contact.company)), XLSX, "report.xlsx"
    )


@bp.get("/<token>/report.pdf")
def report_pdf(token: str) -> ResponseReturnValue:
    """The report as a PDF with charts."""
    contact = sponsor_by_token(token)
    body = render_sponsor_report(sponsor_report(contact.event, contact.company))
    return download(body, "application/pdf", "report.pdf")
