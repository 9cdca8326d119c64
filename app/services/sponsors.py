"""Sponsor contacts: who may read which vendor company's report, managed by the organiser."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.models import Event, SponsorContact
from app.services.reports import sponsor_companies


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
    email, name, company = email.strip().lower(), name.strip(), company.strip()
    if not email or "@" not in email:
        raise SponsorRefused("Give the contact's email address.")
    if company not in sponsor_companies(event):
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
    db.session.commit()
    return contact


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
