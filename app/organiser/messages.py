"""E-mail to attendees: send agenda links, the outbox, the links CSV, re-issuing one link."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from app.access import current_event, event_attendee, event_row
from app.models import OutboxMessage
from app.organiser.blueprint import event_bp
from app.organiser.forms import ConfirmForm
from app.params import whole
from app.report_views import download
from app.services.messages.mailing import (
    links_export,
    links_plan,
    message_status,
    outbox_page,
    reissue_link,
    send_links,
)
from app.services.messages.notices import told
from app.services.scheduling.publications import latest_publication


@event_bp.route("/links/send", methods=["GET", "POST"])
def links_send() -> ResponseReturnValue:
    """Show how many agenda e-mails would go out (everyone or the changed ones), then send."""
    event = current_event()
    form = ConfirmForm()
    if form.validate_on_submit():
        scope = request.form.get("scope")
        if scope not in ("all", "changed"):
            abort(400)
        report = send_links(event, changed_only=scope == "changed")
        flash(report.summary(), "error" if report.failed else "success")
        for error in report.errors:
            flash(f"Not sent: {error}", "error")
        return redirect(url_for("organiser.event.outbox"))
    return render_template(
        "organiser/links_send.html", event=event, form=form, plan=links_plan(event)
    )


@event_bp.get("/outbox")
def outbox() -> ResponseReturnValue:
    """Every e-mail composed for the event, newest first, filtered by sent, failed or unsent."""
    event = current_event()
    found = outbox_page(
        event, request.args.get("status", ""), request.args.get("page", 1, type=whole)
    )
    return render_template(
        "organiser/outbox.html",
        event=event,
        found=found,
        status_of=message_status,
        heard=told(latest_publication(event)),
    )


@event_bp.get("/outbox/<int:message_id>")
def outbox_message(message_id: int) -> ResponseReturnValue:
    """One e-mail as composed, with its delivery status."""
    event = current_event()
    message = event_row(OutboxMessage, event, message_id)
    return render_template(
        "organiser/outbox_message.html",
        event=event,
        message=message,
        status=message_status(message),
    )


@event_bp.get("/links.csv")
def links_download() -> ResponseReturnValue:
    """Download everyone's e-mail, name, company and agenda link as CSV for mail-merge."""
    return download(links_export(current_event()))


@event_bp.post("/attendees/<int:attendee_id>/reissue-link")
def attendee_reissue_link(attendee_id: int) -> ResponseReturnValue:
    """Give one attendee a new agenda link; the old one stops working at once."""
    attendee = event_attendee(current_event(), attendee_id)
    reissue_link(attendee)
    flash(
        f"{attendee.name} has a new agenda link; the old one no longer works. Send it with "
        '"Send agenda links" to the changed ones, or copy it from the links CSV.',
        "success",
    )
    return redirect(url_for("organiser.event.attendee_edit", attendee_id=attendee.id))
