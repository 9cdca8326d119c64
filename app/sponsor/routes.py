"""Every page a sponsor contact uses, under /s: their company's report and its exports.

Sponsor contacts have no account: the secret token in their link is their only credential.
Access is checked in one place, ``sponsor_by_token(token)``, which answers 404 for an unknown
or re-issued token; the company shown is always the contact's own, never taken from the URL.
The booth scanner (``/s/<token>/scan``) records leads for that company only, from badges of
the contact's own event (CSRFProtect guards its POST as every other).
"""

from __future__ import annotations

import re
import secrets

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from app.extensions import db
from app.models import SponsorContact
from app.report_views import download, render_answers, render_report
from app.services.leads import (
    ScanRefused,
    company_scans,
    leads_export,
    record_scan,
    scanned_at,
)
from app.services.reports.exports import sponsor_report_export
from app.services.reports.figures import sponsor_report

bp = Blueprint("sponsor", __name__, url_prefix="/s")

# Tokens are secrets.token_urlsafe(32): 43 characters. Anything else is not worth a query.
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{32,64}")


def sponsor_by_token(token: str) -> SponsorContact:
    """The sponsor contact whose current link carries ``token``, else 404."""
    if not TOKEN_SHAPE.fullmatch(token):
        abort(404)
    contact = db.session.scalar(select(SponsorContact).where(SponsorContact.token == token))
    if contact is None or not secrets.compare_digest(contact.token, token):
        abort(404)
    return contact


def own_links(token: str) -> dict[str, str]:
    """The report page's download and trace URLs under the sponsor's own link."""
    return (
        {
            fmt: url_for("sponsor.report_download", token=token, fmt=fmt)
            for fmt in ("csv", "xlsx", "pdf")
        }
        | {"answers": url_for("sponsor.report_answers", token=token, figure="FIGURE")}
        | {
            f"leads_{fmt}": url_for("sponsor.leads_download", token=token, fmt=fmt)
            for fmt in ("csv", "xlsx")
        }
        | {"scan": url_for("sponsor.scan", token=token)}
    )


@bp.get("/<token>")
def report(token: str) -> ResponseReturnValue:
    """The company's report page."""
    contact = sponsor_by_token(token)
    return render_report(sponsor_report(contact.event, contact.company), own_links(token))


@bp.get("/<token>/answers/<figure>")
def report_answers(token: str, figure: str) -> ResponseReturnValue:
    """The answers behind one figure of the company's report."""
    contact = sponsor_by_token(token)
    data = sponsor_report(contact.event, contact.company)
    return render_answers(data, figure, url_for("sponsor.report", token=token), "base.html")


@bp.get("/<token>/report.<fmt>")
def report_download(token: str, fmt: str) -> ResponseReturnValue:
    """The answers behind the report as CSV or XLSX, or the report as a PDF with charts."""
    contact = sponsor_by_token(token)
    export = sponsor_report_export(sponsor_report(contact.event, contact.company), fmt)
    if export is None:
        abort(404)
    return download(export)


# Leads: the partners who agreed to be contacted


@bp.get("/<token>/leads.<fmt>")
def leads_download(token: str, fmt: str) -> ResponseReturnValue:
    """The company's standing leads as a CRM import file (CSV or XLSX)."""
    contact = sponsor_by_token(token)
    export = leads_export(contact.event, contact.company, fmt)
    if export is None:
        abort(404)
    return download(export)


@bp.route("/<token>/scan", methods=["GET", "POST"])
def scan(token: str) -> ResponseReturnValue:
    """The booth scanner: the phone's camera reads a partner's badge and records a lead.

    The page's script posts each code read and wants JSON; the typed code of the fallback
    form gets the page again, with the answer on top.
    """
    contact = sponsor_by_token(token)
    wants_json = request.accept_mimetypes.best == "application/json"
    if request.method == "POST":
        try:
            done = record_scan(contact, request.form.get("code", ""))
        except ScanRefused as refused:
            if wants_json:
                return jsonify(ok=False, error=str(refused)), 422
            return _scan_page(contact, token, error=str(refused)), 422
        person = done.lead.attendee
        who = f"{person.name} ({person.company})"
        message = (
            f"{who} was scanned already: still one lead."
            if done.again
            else f"{who} is a lead. Their agenda tells them you scanned their badge."
        )
        if wants_json:
            return jsonify(
                ok=True,
                again=done.again,
                message=message,
                name=person.name,
                company=person.company,
                at=f"{scanned_at(done.lead, contact.event):%H:%M}",
            )
        flash(message, "success")
        return redirect(url_for("sponsor.scan", token=token))
    return _scan_page(contact, token)


def _scan_page(contact: SponsorContact, token: str, error: str = "") -> str:
    """The booth scanner page, with the company's standing badge scans, newest first."""
    event = contact.event
    scans = [(lead, scanned_at(lead, event)) for lead in company_scans(event, contact.company)]
    return render_template(
        "sponsor/scan.html",
        contact=contact,
        event=event,
        token=token,
        scans=scans,
        error=error,
        report_url=url_for("sponsor.report", token=token),
    )
