"""Sponsor contacts: who may read their company's report, and e-mailing them their links."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from app.access import current_event, event_row
from app.models import SponsorContact
from app.organiser.blueprint import event_bp
from app.services.messages.sponsors import (
    SponsorRefused,
    add_sponsor_contact,
    links_sent_at,
    reissue_sponsor_link,
    remove_sponsor_contact,
    send_sponsor_links,
    sending_summary,
    sponsor_contacts,
    sponsor_url,
)
from app.services.reports.figures import sponsor_companies


@event_bp.route("/sponsors", methods=["GET", "POST"])
def sponsors() -> ResponseReturnValue:
    """Sponsor contacts: list, add one (POST), each with the link to their company's report."""
    event = current_event()
    if request.method == "POST":
        try:
            contact = add_sponsor_contact(
                event,
                request.form.get("email", ""),
                request.form.get("name", ""),
                request.form.get("company", ""),
            )
        except SponsorRefused as refused:
            flash(str(refused), "error")
        else:
            flash(f"{contact.email} can now read {contact.company}'s report.", "success")
            if request.form.get("send_link"):
                flash(*sending_summary(send_sponsor_links(event, [contact])))
        return redirect(url_for("organiser.event.sponsors"))
    return render_template(
        "organiser/sponsors.html",
        event=event,
        contacts=sponsor_contacts(event),
        companies=sponsor_companies(event),
        sponsor_url=sponsor_url,
        sent_at=links_sent_at(event),
        smtp_host=current_app.config["SMTP_HOST"],
    )


@event_bp.post("/sponsors/send")
def sponsor_send_links() -> ResponseReturnValue:
    """E-mail every contact their report link, or only those not sent their current one."""
    scope = request.form.get("scope")
    if scope not in ("all", "unsent"):
        abort(400)
    report = send_sponsor_links(current_event(), unsent_only=scope == "unsent")
    flash(*sending_summary(report))
    return redirect(url_for("organiser.event.sponsors"))


@event_bp.post("/sponsors/<int:contact_id>/send")
def sponsor_send_link(contact_id: int) -> ResponseReturnValue:
    """E-mail one contact their current report link."""
    event = current_event()
    contact = event_row(SponsorContact, event, contact_id)
    flash(*sending_summary(send_sponsor_links(event, [contact])))
    return redirect(url_for("organiser.event.sponsors"))


@event_bp.post("/sponsors/<int:contact_id>/remove")
def sponsor_remove(contact_id: int) -> ResponseReturnValue:
    """Remove a sponsor contact; their link stops working."""
    contact = event_row(SponsorContact, current_event(), contact_id)
    remove_sponsor_contact(contact)
    flash(f"{contact.email} can no longer read the report.", "success")
    return redirect(url_for("organiser.event.sponsors"))


@event_bp.post("/sponsors/<int:contact_id>/reissue-link")
def sponsor_reissue_link(contact_id: int) -> ResponseReturnValue:
    """Give a sponsor contact a new link; the old one stops working."""
    contact = event_row(SponsorContact, current_event(), contact_id)
    reissue_sponsor_link(contact)
    flash(f"{contact.email} has a new link; the old one no longer works.", "success")
    return redirect(url_for("organiser.event.sponsors"))
