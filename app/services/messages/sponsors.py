"""Sponsor contacts: who may read which vendor company's report, managed by the organiser.

Their links go out by e-mail through the attendee mail machinery (``store_and_send`` in
app/services/messages/mailing.py): each e-mail is an ``OutboxMessage`` of kind ``sponsor_link``.
A contact "has their current link" when an e-mail holding it was accepted by an SMTP server;
a re-issued link, a failed e-mail or no e-mail at all counts as not sent. Without
``SMTP_HOST`` nothing is composed: the sponsors page shows the links to copy instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.models import Attendee, Event, OutboxMessage, SponsorContact
from app.models.common import text_limit
from app.services.messages.mailing import SendReport, store_and_send
from app.services.reports.figures import SPONSOR_KINDS
from app.services.scheduling.vocabulary import clean_text, email_problem, too_long

SPONSOR_LINK = "sponsor_link"  # OutboxMessage.kind of these e-mails


class SponsorRefused(ValueError):
    """A contact that cannot be added, with the reason in plain words."""


def sponsor_contacts(event: Event) -> list[SponsorContact]:
    """The event's sponsor contacts, by company then email."""
    return list(
        db.session.scalars(
            select(SponsorContact)
            .where(SponsorContact.event_id == event.id)
            .order_by(SponsorContact.company, SponsorContact.email)
        )
    )


def add_sponsor_contact(event: Event, email: str, name: str, company: str) -> SponsorContact:
    """Give ``email`` a link to ``company``'s report; the company must have vendors there."""
    contact = new_sponsor_contact(event, email, name, company)
    db.session.commit()
    return contact


def new_sponsor_contact(event: Event, email: str, name: str, company: str) -> SponsorContact:
    """The checks and row of ``add_sponsor_contact``, added to the session, not committed.

    For adding many contacts in one transaction: each commit expires every loaded object.
    """
    email, name, company = clean_text(email).lower(), clean_text(name), clean_text(company)
    if not email or email_problem(email):
        raise SponsorRefused("Give the contact's email address.")
    for label, column, value in (("e-mail", "email", email), ("name", "name", name)):
        problem = too_long(value, text_limit(SponsorContact, column))
        if problem:
            raise SponsorRefused(f"The contact's {label} {problem}.")
    if not _has_sponsor_people(event, company):
        raise SponsorRefused(f"{company or 'That company'} has no vendor or distributor here.")
    taken = db.session.scalar(
        select(SponsorContact).where(
            SponsorContact.event_id == event.id, SponsorContact.email == email
        )
    )
    if taken is not None:
        raise SponsorRefused(f"{email} already reads the report of {taken.company}.")
    contact = SponsorContact(event_id=event.id, email=email, name=name or email, company=company)
    db.session.add(contact)
    return contact


def _has_sponsor_people(event: Event, company: str) -> bool:
    """True when ``company`` has a vendor or distributor at ``event`` (one query, no rows)."""
    query = select(Attendee.id).where(
        Attendee.event_id == event.id,
        Attendee.company == company,
        Attendee.kind.in_(SPONSOR_KINDS),
    )
    return db.session.scalar(query.limit(1)) is not None


def remove_sponsor_contact(contact: SponsorContact) -> None:
    """Remove the contact; their link stops working at once."""
    db.session.delete(contact)
    db.session.commit()


def reissue_sponsor_link(contact: SponsorContact) -> str:
    """Give the contact a new link; the old one stops working at once."""
    token = contact.reissue_token()
    db.session.commit()
    return token


def sponsor_url(contact: SponsorContact) -> str:
    """The contact's report link: ``PUBLIC_URL/s/<token>``."""
    return f"{current_app.config['PUBLIC_URL']}/s/{contact.token}"


# E-mailing the links


def compose_sponsor_link(contact: SponsorContact) -> OutboxMessage:
    """The e-mail with ``contact``'s link, what the report holds and why not to forward it."""
    event, company = contact.event, contact.company
    subject = " ".join(f"Your report for {company} at {event.name}".split())  # one header line
    where = f", {event.venue}" if event.venue else ""
    greeting = "Hello," if contact.name == contact.email else f"Hello {contact.name},"
    body = "\n".join(
        [
            greeting,
            "",
            f"Here is {company}'s report for {event.name}, {event.starts_at:%A %d %B %Y}{where}:",
            sponsor_url(contact),
            "",
            f"It shows {company}'s meetings with partners, their ratings and Net Promoter Score, "
            "the outcomes and pipeline your team recorded, what partners said in their own "
            "words, the figures per sales rep and compared with the whole event. You can "
            "download the rows as CSV or XLSX and the report as a PDF. It fills in as "
            "follow-ups come in, so open it again after the event.",
            "",
            "The link is personal: anyone who has it can read the report, no password needed. "
            "Please do not forward it; ask the organisers for a link of their own for "
            "colleagues.",
            "",
            f"The {event.name} team",
        ]
    )
    return OutboxMessage(
        event_id=event.id,
        attendee_id=None,
        to_address=contact.email,
        subject=subject[:300],
        body=body + "\n",
        kind=SPONSOR_LINK,
    )


def links_sent_at(event: Event) -> dict[int, datetime]:
    """contact id -> when an e-mail with their current link was last accepted by SMTP.

    Contacts missing from the result were never sent their current link.
    """
    contacts = sponsor_contacts(event)
    sent = db.session.execute(
        select(OutboxMessage.to_address, OutboxMessage.body, OutboxMessage.sent_at)
        .where(
            OutboxMessage.event_id == event.id,
            OutboxMessage.kind == SPONSOR_LINK,
            OutboxMessage.sent_at.is_not(None),
        )
        .order_by(OutboxMessage.sent_at)
    ).all()
    found: dict[int, datetime] = {}
    for contact in contacts:
        url = sponsor_url(contact)
        for address, body, sent_at in sent:  # a handful of contacts: no index needed
            if address == contact.email and url in body and sent_at is not None:
                found[contact.id] = sent_at
    return found


def send_sponsor_links(
    event: Event, contacts: Iterable[SponsorContact] | None = None, *, unsent_only: bool = False
) -> SendReport:
    """E-mail contacts their report link through the outbox, when ``SMTP_HOST`` is set.

    Args:
        contacts: whom to write to; None means every contact of the event.
        unsent_only: skip contacts already sent their current link (see the module docstring).

    Returns:
        Counts of sent, failed and skipped (``unchanged``) e-mails with the first errors;
        ``smtp`` is False, and nothing is stored, when no mail server is set.
    """
    if not current_app.config["SMTP_HOST"]:
        return SendReport(smtp=False)
    chosen = sponsor_contacts(event) if contacts is None else list(contacts)
    sent = links_sent_at(event) if unsent_only else {}
    todo = [c for c in chosen if c.id not in sent]
    return store_and_send([compose_sponsor_link(c) for c in todo], len(chosen) - len(todo))


def sending_summary(report: SendReport) -> tuple[str, str]:
    """The organiser's flash message for ``report`` and its category (success, warning, error)."""
    if not report.smtp:
        return (
            "E-mail is not configured (SMTP_HOST is not set), so no report link was sent: "
            "copy the links from the table and send them yourself.",
            "warning",
        )
    if not report.stored:
        return "Every contact already has their current link by e-mail: nothing to send.", "info"
    parts = [f"Report link sent to {_contacts(report.sent)}"]
    if report.unchanged:
        parts.append(f"{_contacts(report.unchanged)} already had their current link")
    if report.failed:
        more = report.failed - len(report.errors)
        reasons = "; ".join(report.errors) + (f"; and {more} more" if more > 0 else "")
        parts.append(f"{report.failed} failed and stay in the outbox ({reasons})")
    return ", ".join(parts) + ".", "error" if report.failed else "success"


def _contacts(count: int) -> str:
    """The count with its noun: 1 contact, 3 contacts."""
    return f"{count} contact{'s' if count != 1 else ''}"
