"""Follow-ups: each attendee's one-minute answer after each meeting, for the ROI reports.

A follow-up opens when the meeting's round ends (event local time) and can be changed until
the event's follow-ups close (when the organiser closes them, or ``FOLLOWUP_DAYS`` after the
last round: followups/closing.py). Both sides answer on their own; an answer is keyed by the
event and the two people (not the meeting row), so it survives a re-published schedule.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import Attendee, Event, FollowUp, Meeting
from app.models.followup import COMMENT_LENGTH, HELD, NEXT_STEPS, WHY_LENGTH
from app.services.events.clock import local_now
from app.services.followups.closing import is_closed
from app.services.leads import sync_followup_lead
from app.services.reports.figures import SPONSOR_KINDS
from app.services.scheduling.vocabulary import clean_text

HELD_LABELS = {
    "yes": "Yes, we met",
    "they_no_show": "No, they did not come",
    "i_no_show": "No, I could not come",
}
NEXT_STEP_LABELS = {
    "none": "None",
    "call": "Follow-up call",
    "proposal": "Proposal",
    "joint_deal": "Joint deal",
    "deal_registered": "Deal registered",
}
# ISO 4217 codes offered in the form: the currencies partner deals are usually quoted in.
CURRENCIES = (
    "EUR",
    "USD",
    "GBP",
    "CHF",
    "SEK",
    "NOK",
    "DKK",
    "PLN",
    "CZK",
    "HUF",
    "TRY",
    "ILS",
    "AED",
    "SAR",
    "ZAR",
    "INR",
    "CNY",
    "HKD",
    "JPY",
    "KRW",
    "SGD",
    "AUD",
    "NZD",
    "CAD",
    "MXN",
    "BRL",
    "ARS",
    "CLP",
    "COP",
)
# A first guess at the currency someone quotes in: by country when known, else by region.
COUNTRY_CURRENCY = {
    "united kingdom": "GBP",
    "uk": "GBP",
    "gb": "GBP",
    "switzerland": "CHF",
    "ch": "CHF",
    "sweden": "SEK",
    "norway": "NOK",
    "denmark": "DKK",
    "poland": "PLN",
    "united states": "USD",
    "usa": "USD",
    "us": "USD",
    "canada": "CAD",
    "mexico": "MXN",
    "brazil": "BRL",
    "japan": "JPY",
    "india": "INR",
    "china": "CNY",
    "australia": "AUD",
    "singapore": "SGD",
    "south africa": "ZAR",
}
REGION_CURRENCY = {
    "NA": "USD",
    "AMER": "USD",
    "AMERICAS": "USD",
    "NORTH AMERICA": "USD",
    "LATAM": "USD",
    "APAC": "USD",
    "EMEA": "EUR",
    "EU": "EUR",
    "EUROPE": "EUR",
    "UK": "GBP",
    "UKI": "GBP",
    "DACH": "EUR",
    "NORDICS": "EUR",
    "ANZ": "AUD",
    "JAPAN": "JPY",
    "INDIA": "INR",
}
DEFAULT_CURRENCY = "EUR"
MAX_PIPELINE = 10**12  # a bigger number is a typo, not a deal
MAX_WHY = WHY_LENGTH
MAX_COMMENT = COMMENT_LENGTH
THOUSANDS = re.compile(r"[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?")
AMOUNT = re.compile(r"[0-9]{1,13}(\.[0-9]{1,2})?")
SMALL_WHOLE = re.compile(r"[0-9]{1,3}")
MULTILINE = ("why", "comment")  # the free-text answers, where line breaks mean something


class FollowUpRefused(Exception):
    """A follow-up that cannot be stored: outside its window, or answers that do not validate.

    ``errors`` maps form fields to what is wrong with them (empty for a window refusal).
    """

    def __init__(self, message: str, errors: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or {}


@dataclass
class FollowUpState:
    """Where one meeting's follow-up stands for one attendee."""

    status: str  # "not_yet" (round not over), "open" (unanswered), "done", "closed"
    opens_at: datetime  # naive local: the end of the meeting's round
    answer: FollowUp | None = None

    @property
    def editable(self) -> bool:
        """Whether the attendee may answer or change the answer now."""
        return self.status in ("open", "done")


def other_side(meeting: Meeting, attendee: Attendee) -> int:
    """The id of the person ``attendee`` meets in ``meeting``."""
    if meeting.attendee_a_id == attendee.id:
        return meeting.attendee_b_id
    return meeting.attendee_a_id


def round_end(event: Event, round_number: int) -> datetime:
    """When round ``round_number`` ends, naive local time."""
    return event.round_times()[round_number - 1][1]


def followup_state(
    event: Event, meeting: Meeting, answer: FollowUp | None, now: datetime | None = None
) -> FollowUpState:
    """Whether the follow-up of ``meeting`` is not open yet, open, answered or closed."""
    opens = round_end(event, meeting.round)
    if is_closed(event, now):
        status = "closed"
    elif local_now(event, now) < opens:
        status = "not_yet"
    else:
        status = "done" if answer is not None else "open"
    return FollowUpState(status, opens, answer)


def find_followup(event: Event, attendee: Attendee, other_id: int) -> FollowUp | None:
    """The attendee's answer about meeting ``other_id`` at ``event``, if any."""
    return db.session.scalar(
        select(FollowUp).where(
            FollowUp.event_id == event.id,
            FollowUp.attendee_id == attendee.id,
            FollowUp.other_id == other_id,
        )
    )


def guess_currency(attendee: Attendee) -> str:
    """The currency the attendee most likely quotes in: by country, then region, else EUR."""
    country = (attendee.country or "").strip().lower()
    if country in COUNTRY_CURRENCY:
        return COUNTRY_CURRENCY[country]
    return REGION_CURRENCY.get(attendee.region.strip().upper(), DEFAULT_CURRENCY)


# -- validation -------------------------------------------------------------------------------


@dataclass
class Answers:
    """Validated answers, ready to store."""

    held: str
    rating: int | None
    recommend: int | None
    why: str
    next_step: str
    pipeline_value: float | None
    currency: str | None
    comment: str
    errors: dict[str, str] = field(default_factory=dict)
    # Yes to "Would you like <company> to contact you?"; None when the form did not ask (a
    # paper form keyed in by the organiser), which keeps the stored answer.
    contact_ok: bool | None = None
    # "You may quote me to <company>" and "with my name" (both None when not asked, as above).
    quote_ok: bool | None = None
    quote_name: bool | None = None


def _text(answers: Mapping[str, str], name: str) -> str:
    """A submitted field as clean text: comments keep their line breaks, nothing else does."""
    return clean_text(answers.get(name), multiline=name in MULTILINE)


def _whole(value: str, low: int, high: int) -> int | None:
    """``value`` as a whole number within [low, high] in ASCII digits ("²" is not 2), else None."""
    if not SMALL_WHOLE.fullmatch(value):
        return None
    number = int(value)
    return number if low <= number <= high else None


def parse_amount(value: str) -> float | None:
    """An amount such as ``25000``, ``25 000``, ``25,000`` or ``25000.50``; None if not one."""
    value = value.replace(" ", "").replace("\u00a0", "").replace("'", "").replace("_", "")
    if THOUSANDS.fullmatch(value):
        value = value.replace(",", "")
    if not AMOUNT.fullmatch(value):  # ASCII only: float() would take "１２" and "1e9"
        return None
    amount = float(value)
    return amount if math.isfinite(amount) else None


def validate_answers(answers: Mapping[str, str], other: Attendee) -> Answers:
    """Check a submitted follow-up form; ``errors`` says, per field, what to fix.

    Rating and the recommendation question are required when the meeting happened and are
    dropped when it did not (a meeting that did not take place is not rated); the next step,
    pipeline and comment stay, since a no-show may still lead to a call.
    """
    errors: dict[str, str] = {}
    held = _text(answers, "held")
    if held not in HELD:
        errors["held"] = "Say whether the meeting happened."
    happened = held == "yes"
    rating = recommend = None
    why = _text(answers, "why")
    if happened:
        rating = _whole(_text(answers, "rating"), 1, 5)
        if rating is None:
            errors["rating"] = "Rate the meeting from 1 (poor) to 5 (excellent)."
        recommend = _whole(_text(answers, "recommend"), 0, 10)
        if recommend is None:
            errors["recommend"] = (
                f"Choose from 0 to 10 how likely you are to recommend {other.company}."
            )
        if len(why) > MAX_WHY:
            errors["why"] = f"Keep the reason under {MAX_WHY} characters."
    else:
        why = ""
    next_step = _text(answers, "next_step") or "none"
    if next_step not in NEXT_STEPS:
        errors["next_step"] = "Choose one of the next steps listed."
    amount_text = _text(answers, "pipeline_value")
    pipeline = currency = None
    if amount_text:
        pipeline = parse_amount(amount_text)
        if pipeline is None or pipeline < 0 or pipeline > MAX_PIPELINE:
            errors["pipeline_value"] = "Write the estimated value as a number, e.g. 25000."
            pipeline = None
        currency = _text(answers, "currency").upper()
        if currency not in CURRENCIES:
            errors["currency"] = "Choose the currency of the estimate."
    comment = _text(answers, "comment")
    if len(comment) > MAX_COMMENT:
        errors["comment"] = f"Keep the comment under {MAX_COMMENT} characters."
    valid = Answers(held, rating, recommend, why, next_step, pipeline, currency, comment, errors)
    # Asked only about a sponsor's people (the form then sends ``contact_asked``); anything
    # but an explicit "yes", nothing chosen included, is no.
    if _text(answers, "contact_asked"):
        sponsor = other.kind in SPONSOR_KINDS
        valid.contact_ok = sponsor and _text(answers, "contact_ok") == "yes"
        # The reason may be quoted to the company only when ticked; the name only with both.
        valid.quote_ok = sponsor and bool(valid.why) and _text(answers, "quote_ok") == "yes"
        valid.quote_name = valid.quote_ok and _text(answers, "quote_name") == "yes"
    return valid


# -- storing ----------------------------------------------------------------------------------


def record_followup(
    meeting: Meeting, attendee: Attendee, answers: Mapping[str, str], now: datetime | None = None
) -> FollowUp:
    """Store (or change) ``attendee``'s answer about ``meeting``.

    Args:
        meeting: a meeting of the event's published schedule that ``attendee`` was in.
        answers: the submitted form fields (held, rating, recommend, why, next_step,
            pipeline_value, currency, comment).
        now: aware "now" (default: the clock), for the answering window.

    Returns:
        The stored follow-up, one per event, attendee and other person (an upsert).

    Raises:
        FollowUpRefused: not this attendee's meeting, outside the window, or invalid answers
            (``errors`` by field).
    """
    event = attendee.event
    if attendee.id not in (meeting.attendee_a_id, meeting.attendee_b_id) or (
        meeting.version_id != event.published_version_id
    ):
        raise FollowUpRefused("You were not in this meeting.")
    other_id = other_side(meeting, attendee)
    state = followup_state(event, meeting, None, now)
    if state.status == "closed":
        raise FollowUpRefused("The event is closed: follow-ups can no longer be changed.")
    if state.status == "not_yet":
        raise FollowUpRefused(
            f"This follow-up opens at {state.opens_at:%H:%M} on {state.opens_at:%d %b}, "
            f"when round {meeting.round} ends."
        )
    other = db.session.get(Attendee, other_id)
    assert other is not None
    valid = validate_answers(answers, other)
    if valid.errors:
        raise FollowUpRefused("Please check the answers marked below.", valid.errors)
    followup = find_followup(event, attendee, other_id)
    if followup is None:
        followup = FollowUp(event_id=event.id, attendee_id=attendee.id, other_id=other_id)
        db.session.add(followup)
    _fill(followup, meeting, valid)
    sync_followup_lead(followup)
    try:
        db.session.commit()
    except IntegrityError:
        # Two submissions raced to create the row: update the one that won.
        db.session.rollback()
        followup = find_followup(event, attendee, other_id)
        assert followup is not None
        _fill(followup, meeting, valid)
        sync_followup_lead(followup)
        db.session.commit()
    return followup


def _fill(followup: FollowUp, meeting: Meeting, valid: Answers) -> None:
    """Copy validated answers onto the row."""
    followup.round = meeting.round
    followup.meeting_id = meeting.id
    followup.held = valid.held
    followup.rating = valid.rating
    followup.recommend = valid.recommend
    followup.why = valid.why
    followup.next_step = valid.next_step
    followup.pipeline_value = valid.pipeline_value
    followup.currency = valid.currency
    followup.comment = valid.comment
    if valid.contact_ok is not None:
        followup.contact_ok = valid.contact_ok
    if valid.quote_ok is not None:
        followup.quote_ok = valid.quote_ok
        followup.quote_name = bool(valid.quote_name)


def form_values(
    attendee: Attendee, answer: FollowUp | None, submitted: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The follow-up form's values: as submitted, else the stored answer, else defaults."""
    if submitted is not None:
        keys = ("held", "rating", "recommend", "why", "next_step", "pipeline_value", "currency")
        values = {k: _text(submitted, k) for k in (*keys, "comment")}
        values["currency"] = values["currency"] or guess_currency(attendee)
        for name in ("contact_ok", "quote_ok", "quote_name"):
            values[name] = _text(submitted, name)
        return values
    if answer is None:
        return {"held": "", "next_step": "none", "currency": guess_currency(attendee)}
    amount = answer.pipeline_value
    return {
        "held": answer.held,
        "rating": "" if answer.rating is None else str(answer.rating),
        "recommend": "" if answer.recommend is None else str(answer.recommend),
        "why": answer.why,
        "next_step": answer.next_step,
        "pipeline_value": "" if amount is None else _amount_text(amount),
        "currency": answer.currency or guess_currency(attendee),
        "comment": answer.comment,
        "contact_ok": "yes" if answer.contact_ok else "no",
        "quote_ok": "yes" if answer.quote_ok else "",
        "quote_name": "yes" if answer.quote_name else "",
    }


def _amount_text(amount: float) -> str:
    """An amount as the form shows it: ``25000`` or ``25000.50``."""
    return str(int(amount)) if amount.is_integer() else f"{amount:.2f}"
