"""Leads: the partners a sponsor company may contact after the event, and only those.

A lead exists only by the partner's own consent: they answered "yes" to "Would you like
<company> to contact you?" on a follow-up (``sync_followup_lead``), or let a sponsor contact
scan their badge at the booth (``record_scan``), which their agenda then tells them about,
with a button to withdraw it (``withdraw_scan``). Answering "no" later, or withdrawing, sets
``withdrawn_at``: the lead leaves the sponsor's page and downloads at once.

The downloads (``leads_export``) use the column names Salesforce's and HubSpot's lead imports
map without help (``CRM_HEADER``); every cell goes through the one formula neutraliser
(``csv_text``/``xlsx_bytes``). A lead carries the partner's contact details and what they
said they offer, seek and plan with the company, never their ratings of it (the rated side
does not see who rated it how).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import Attendee, Event, FollowUp, Meeting, SponsorContact
from app.models.common import utcnow
from app.models.lead import BADGE_SCAN, FOLLOW_UP, Lead
from app.services.attendees.checkin import token_from_scan
from app.services.events.clock import from_utc
from app.services.reports.figures import SPONSOR_KINDS
from app.services.reports.measures import STEP_LABELS
from app.services.scheduling.exports import CSV, XLSX, Export, csv_text, xlsx_bytes

CRM_HEADER = (
    "First Name",
    "Last Name",
    "Company",
    "Email",
    "Phone",
    "Title",
    "Country",
    "Lead Source",
    "Description",
)
CRM_WIDTHS = (16, 20, 24, 30, 18, 20, 14, 24, 80)
SOURCE_TEXT = {
    FOLLOW_UP: "asked to be contacted in their follow-up",
    BADGE_SCAN: "badge scanned at the booth",
}


class ScanRefused(Exception):
    """A badge scan that records no lead; the message says why, for the sponsor's phone."""


@dataclass(frozen=True)
class ScanResult:
    """A recorded badge scan: the lead, and whether it was recorded before (a re-scan)."""

    lead: Lead
    again: bool


def split_name(name: str) -> tuple[str, str]:
    """(First Name, Last Name) as CRMs want them: the last word is the last name."""
    words = name.split()
    if not words:
        return "", ""
    return " ".join(words[:-1]), words[-1]


# -- consent in a follow-up ---------------------------------------------------------------


def is_sponsor(person: Attendee) -> bool:
    """Whether ``person`` is of a sponsor company (a vendor or distributor), whom leads are for."""
    return person.kind in SPONSOR_KINDS


def sync_followup_lead(followup: FollowUp) -> None:
    """Make, keep or withdraw the follow-up lead of the answer's author for the other's company.

    The partner may have met several of the company's people: the lead stands while any of
    their answers about that company says "yes, contact me", and is withdrawn when none does.
    Called before the follow-up's commit, so the answer and its lead are stored together.
    """
    other = followup.other or db.session.get(Attendee, followup.other_id)
    author = followup.attendee or db.session.get(Attendee, followup.attendee_id)
    if other is None or author is None or not is_sponsor(other):
        return
    db.session.flush()
    consenting = db.session.scalars(
        select(FollowUp)
        .join(Attendee, Attendee.id == FollowUp.other_id)
        .where(
            FollowUp.event_id == followup.event_id,
            FollowUp.attendee_id == author.id,
            FollowUp.contact_ok.is_(True),
            Attendee.company == other.company,
        )
        .order_by(FollowUp.id)
    ).all()
    lead = _lead(followup.event_id, other.company, author.id, FOLLOW_UP)
    if consenting:
        if lead is None:
            lead = Lead(
                event_id=followup.event_id,
                company=other.company,
                attendee_id=author.id,
                source=FOLLOW_UP,
            )
            db.session.add(lead)
        lead.followup_id = consenting[-1].id
        lead.withdrawn_at = None
    elif lead is not None and lead.withdrawn_at is None:
        lead.withdrawn_at = utcnow()


def _lead(event_id: int, company: str, attendee_id: int, source: str) -> Lead | None:
    return db.session.scalar(
        select(Lead).where(
            Lead.event_id == event_id,
            Lead.company == company,
            Lead.attendee_id == attendee_id,
            Lead.source == source,
        )
    )


# -- badge scans at the booth -------------------------------------------------------------


def record_scan(contact: SponsorContact, code: str) -> ScanResult:
    """Record a lead for ``contact``'s company from a scanned (or typed) badge code.

    Args:
        contact: the sponsor contact whose link the scan came through.
        code: the QR code's text (the agenda link ``.../a/<token>``) or the token itself.

    Returns:
        The lead, and whether this partner's badge had been scanned for the company before.

    Raises:
        ScanRefused: an unknown code, another event's badge, one of the company's own people,
            or a partner who withdrew an earlier scan.
    """
    token = token_from_scan(code)
    partner = None
    if token:
        partner = db.session.scalar(select(Attendee).where(Attendee.token == token))
    if partner is None:
        raise ScanRefused("This is not a badge code of this event: try again, or type the code.")
    if partner.event_id != contact.event_id:
        raise ScanRefused("This badge is for another event: no lead recorded.")
    if partner.company.strip().casefold() == contact.company.strip().casefold():
        raise ScanRefused(f"{partner.name} is one of {contact.company}'s own people: no lead.")
    lead = _lead(contact.event_id, contact.company, partner.id, BADGE_SCAN)
    if lead is not None:
        if lead.withdrawn_at is not None:
            raise ScanRefused(
                f"{partner.name} withdrew an earlier scan of their badge: no lead recorded. "
                "Please ask them before contacting them."
            )
        return ScanResult(lead, again=True)
    lead = Lead(
        event_id=contact.event_id,
        company=contact.company,
        attendee_id=partner.id,
        source=BADGE_SCAN,
        contact_id=contact.id,
    )
    db.session.add(lead)
    try:
        db.session.commit()
    except IntegrityError:  # the same badge scanned on two phones at once
        db.session.rollback()
        lead = _lead(contact.event_id, contact.company, partner.id, BADGE_SCAN)
        assert lead is not None
        return ScanResult(lead, again=True)
    return ScanResult(lead, again=False)


def badge_scans(attendee: Attendee) -> list[Lead]:
    """The standing badge scans of ``attendee``, for the notices on their agenda."""
    return list(
        db.session.scalars(
            select(Lead)
            .where(
                Lead.attendee_id == attendee.id,
                Lead.source == BADGE_SCAN,
                Lead.withdrawn_at.is_(None),
            )
            .order_by(Lead.created_at, Lead.id)
        )
    )


def company_scans(event: Event, company: str) -> list[Lead]:
    """The standing badge scans of ``company`` at ``event``, newest first (its booth page)."""
    return list(
        db.session.scalars(
            select(Lead)
            .where(
                Lead.event_id == event.id,
                Lead.company == company,
                Lead.source == BADGE_SCAN,
                Lead.withdrawn_at.is_(None),
            )
            .order_by(Lead.created_at.desc(), Lead.id.desc())
        )
    )


@dataclass(frozen=True)
class ScanNotice:
    """What a partner's agenda says of one badge scan: who, when (local), and how to undo it."""

    lead_id: int
    company: str
    contact_name: str  # "" when the scanning contact has since been removed
    at: datetime  # naive local time in the event's zone


def scan_notices(attendee: Attendee) -> list[ScanNotice]:
    """The notices of ``attendee``'s standing badge scans, oldest first."""
    event = attendee.event
    return [
        ScanNotice(
            lead.id,
            lead.company,
            lead.contact.name if lead.contact else "",
            scanned_at(lead, event),
        )
        for lead in badge_scans(attendee)
    ]


def withdraw_scan(attendee: Attendee, lead_id: int) -> Lead | None:
    """Withdraw the badge scan ``lead_id`` of ``attendee``; None when it is not theirs."""
    lead = db.session.get(Lead, lead_id)
    if lead is None or lead.attendee_id != attendee.id or lead.source != BADGE_SCAN:
        return None
    if lead.withdrawn_at is None:
        lead.withdrawn_at = utcnow()
        db.session.commit()
    return lead


def scanned_at(lead: Lead, event: Event) -> datetime:
    """When the lead was made, naive local time in the event's zone."""
    return from_utc(event, lead.created_at)


# -- the sponsor's leads ------------------------------------------------------------------


@dataclass(frozen=True)
class LeadRow:
    """One standing lead as the sponsor's page and downloads show it."""

    lead: Lead
    person: Attendee
    source: str  # "follow-up", "badge scan" or both, joined
    description: str

    def crm_values(self, event: Event) -> list[object]:
        """The cells of ``CRM_HEADER``."""
        first, last = split_name(self.person.name)
        return [
            first,
            last,
            self.person.company,
            self.person.email,
            self.person.phone or "",
            self.person.title or "",
            self.person.country or "",
            event.name,
            self.description,
        ]


def active_leads(event: Event, company: str) -> list[LeadRow]:
    """The standing leads of ``company`` at ``event``, one row per partner, oldest first.

    A partner who both asked in a follow-up and had their badge scanned is one row, saying
    both; withdrawn leads are left out.
    """
    leads = db.session.scalars(
        select(Lead)
        .where(Lead.event_id == event.id, Lead.company == company, Lead.withdrawn_at.is_(None))
        .order_by(Lead.created_at, Lead.id)
    ).all()
    by_partner: dict[int, list[Lead]] = {}
    for lead in leads:
        by_partner.setdefault(lead.attendee_id, []).append(lead)
    meetings = _meetings_with(event, company, list(by_partner))
    rows = []
    for partner_leads in by_partner.values():
        person = partner_leads[0].attendee
        rows.append(
            LeadRow(
                partner_leads[0],
                person,
                " + ".join(lead.source for lead in partner_leads),
                _description(event, person, partner_leads, meetings.get(person.id, [])),
            )
        )
    return rows


def _meetings_with(
    event: Event, company: str, partner_ids: list[int]
) -> dict[int, list[tuple[Meeting, Attendee]]]:
    """Each partner's published meetings with ``company``'s people: (meeting, their person)."""
    out: dict[int, list[tuple[Meeting, Attendee]]] = {}
    if not partner_ids or event.published_version_id is None:
        return out
    reps = {
        a.id: a
        for a in db.session.scalars(
            select(Attendee).where(Attendee.event_id == event.id, Attendee.company == company)
        )
    }
    found = db.session.scalars(
        select(Meeting)
        .where(
            Meeting.version_id == event.published_version_id,
            or_(Meeting.attendee_a_id.in_(partner_ids), Meeting.attendee_b_id.in_(partner_ids)),
        )
        .order_by(Meeting.round)
    )
    for meeting in found:
        for partner, rep in (
            (meeting.attendee_a_id, meeting.attendee_b_id),
            (meeting.attendee_b_id, meeting.attendee_a_id),
        ):
            if partner in partner_ids and rep in reps:
                out.setdefault(partner, []).append((meeting, reps[rep]))
    return out


def _description(
    event: Event, person: Attendee, leads: list[Lead], meetings: list[tuple[Meeting, Attendee]]
) -> str:
    """The CRM's Description: what they offer and seek, what they planned, the meeting, how."""
    parts = []
    if person.offers:
        parts.append(f"Offers: {', '.join(person.offers)}.")
    if person.seeks:
        parts.append(f"Seeks: {', '.join(person.seeks)}.")
    if person.region:
        parts.append(f"Region: {person.region}.")
    times = event.round_times()
    for meeting, rep in meetings:
        start = times[meeting.round - 1][0] if meeting.round <= len(times) else None
        when = f" at {start:%H:%M, %d %b}" if start else ""
        parts.append(
            f"Met {rep.name} in round {meeting.round}{when} ({event.timezone}), "
            f"{event.table_label(meeting.table)}."
        )
    for lead in leads:
        if lead.source == FOLLOW_UP and lead.followup is not None:
            # Only what the partner stated as their plan: never their ratings.
            answer = lead.followup
            if answer.next_step in STEP_LABELS:
                parts.append(f"Next step they stated: {STEP_LABELS[answer.next_step]}.")
            if answer.pipeline_value is not None:
                amount = f"{answer.currency or ''} {answer.pipeline_value:,.0f}".strip()
                parts.append(f"Pipeline they estimated: {amount}.")
        how = SOURCE_TEXT[lead.source]
        if lead.source == BADGE_SCAN:
            who = f" by {lead.contact.name}" if lead.contact else ""
            how = f"badge scanned at the booth{who} at {scanned_at(lead, event):%H:%M, %d %b}"
        parts.append(f"Lead: {how}.")
    return " ".join(parts)


def leads_rows(event: Event, company: str) -> list[list[object]]:
    """The CRM cells of every standing lead of ``company``."""
    return [row.crm_values(event) for row in active_leads(event, company)]


def leads_export(event: Event, company: str, fmt: str) -> Export | None:
    """The company's leads as a CRM import file (csv or xlsx); None for other formats."""
    filename = f"{event.slug}-leads.{fmt}"
    if fmt == "csv":
        body = csv_text(CRM_HEADER, leads_rows(event, company)).encode("utf-8")
        return Export(body, CSV, filename)
    if fmt == "xlsx":
        book = xlsx_bytes(CRM_HEADER, leads_rows(event, company), "Leads", CRM_WIDTHS)
        return Export(book, XLSX, filename)
    return None
