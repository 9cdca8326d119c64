"""Forms of the organiser pages; every one carries a CSRF token (Flask-WTF)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    EmailField,
    FloatField,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from app.models import Attendee, Event
from app.models.event import EVENT_SETTINGS, valid_timezone
from app.params import whole
from app.services.attendees.importing import KNOWN_COLUMNS
from app.services.events.booths import owner_lines
from app.services.scheduling.vocabulary import (
    GOALS,
    KINDS,
    LIST_COLUMNS,
    OPTIONAL,
    REQUIRED,
    TIERS,
    clean_text,
)


def _clean_line(value: object) -> object:
    """One-line text as stored: no control characters, trimmed (None stays None)."""
    return value if value is None else clean_text(value)


def _clean_lines(value: object) -> object:
    """Multi-line text as stored: control characters gone, line breaks kept."""
    return value if value is None else clean_text(value, multiline=True)


class WholeField(IntegerField):
    """A whole number typed in ASCII digits: "١٢" or "²" is refused, where ``int()`` takes them."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        """Parse the submitted text, or leave ``data`` None with a message for the page."""
        if not valuelist or not str(valuelist[0]).strip():
            self.data = None
            return
        try:
            self.data = whole(valuelist[0])
        except ValueError as exc:
            self.data = None
            raise ValueError("Write a whole number with the digits 0-9.") from exc


class DecimalNumberField(FloatField):
    """A number such as 1 or 0.75 in ASCII digits (``float()`` would take "１" and "1e9")."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        """Parse the submitted text, or leave ``data`` None with a message for the page."""
        if not valuelist or not str(valuelist[0]).strip():
            self.data = None
            return
        text = str(valuelist[0]).strip()
        if not DECIMAL.fullmatch(text):
            self.data = None
            raise ValueError("Write a number such as 1 or 0.75 with the digits 0-9.")
        self.data = float(text)


DECIMAL = re.compile(r"[0-9]{1,6}(\.[0-9]{1,6})?")


def limit(label: str, most: int) -> Length:
    """A ``Length`` whose message names the field and its limit (and sets ``maxlength``)."""
    return Length(max=most, message=f"{label}: at most {most:,} characters, this has %(length)d.")


def _required_number(field: DecimalNumberField) -> float:
    """The number of a field whose ``InputRequired`` validator has already passed."""
    if field.data is None:
        raise ValueError(f"{field.name} has no number: validate the form first")
    return float(field.data)


class MingleForm(FlaskForm):
    """A form whose text fields are cleaned (solver/text.py) before any validator sees them.

    So NUL, vertical tabs and other control characters never reach the database or an
    export, and ``Length`` counts what will be stored. Passwords are left exactly as typed.
    """

    class Meta:
        def bind_field(self, form: Any, unbound_field: Any, options: dict[str, Any]) -> Any:
            """Add the cleaning filter to every text field but passwords."""
            field_class = unbound_field.field_class
            if issubclass(field_class, StringField) and not issubclass(field_class, PasswordField):
                cleaner = _clean_lines if issubclass(field_class, TextAreaField) else _clean_line
                filters = [cleaner, *unbound_field.kwargs.get("filters", ())]
                options = {**options, "filters": filters}
            return unbound_field.bind(form=form, **options)


def timezone_choices() -> list[str]:
    """Every IANA zone name this system knows, sorted, UTC first."""
    zones = sorted(z for z in available_timezones() if "/" in z and not z.startswith("Etc/"))
    return ["UTC", *zones]


class LoginForm(MingleForm):
    """E-mail and password."""

    email = EmailField("E-mail", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])
    next = HiddenField()


class ChangePasswordForm(MingleForm):
    """The current password, and the new one typed twice."""

    current = PasswordField("Current password", validators=[DataRequired(), Length(max=200)])
    new = PasswordField("New password", validators=[DataRequired(), Length(max=200)])
    repeat = PasswordField("New password again", validators=[DataRequired(), Length(max=200)])

    def validate_repeat(self, field: PasswordField) -> None:
        """Both copies of the new password must match."""
        if field.data != self.new.data:
            raise ValidationError("The two new passwords differ.")


class ConfirmForm(MingleForm):
    """A button that only needs the CSRF token: log out, remove, ..."""


class EventForm(MingleForm):
    """Every setting of an event."""

    name = StringField("Event name", validators=[DataRequired(), limit("Event name", 200)])
    venue = StringField("Venue", validators=[Optional(), limit("Venue", 200)])
    series = StringField("Series (optional)", validators=[Optional(), limit("Series", 200)])
    timezone = SelectField("Time zone", default="UTC")
    starts_at = DateTimeLocalField(
        "Round 1 starts (local time)", format="%Y-%m-%dT%H:%M", validators=[DataRequired()]
    )
    confirm_past = BooleanField("Save anyway: I mean a start in the past")
    rounds = WholeField("Rounds", default=8, validators=[InputRequired(), NumberRange(1, 100)])
    round_minutes = WholeField(
        "Minutes per round", default=10, validators=[InputRequired(), NumberRange(1, 240)]
    )
    break_minutes = WholeField(
        "Break between rounds (minutes)",
        default=5,
        validators=[InputRequired(), NumberRange(0, 240)],
    )
    tables = WholeField("Tables", default=20, validators=[InputRequired(), NumberRange(1, 10000)])
    table_names = TextAreaField(
        "Table names or locations (optional, one per line, first line is table 1)",
        validators=[Optional(), limit("Table names", 100_000)],
    )
    table_owners = TextAreaField(
        "Table owners (optional, one per line: table = company or e-mail)",
        validators=[Optional(), limit("Table owners", 100_000)],
    )
    min_meetings = WholeField(
        "Minimum meetings per attendee",
        default=0,
        validators=[InputRequired(), NumberRange(0, 100)],
    )
    tier_platinum = WholeField(
        "Platinum sponsors get at least", default=0, validators=[Optional(), NumberRange(0, 100)]
    )
    tier_gold = WholeField(
        "Gold sponsors get at least", default=0, validators=[Optional(), NumberRange(0, 100)]
    )
    tier_silver = WholeField(
        "Silver sponsors get at least", default=0, validators=[Optional(), NumberRange(0, 100)]
    )
    p2p_weight = DecimalNumberField(
        "Weight of partner-to-partner meetings",
        default=1.0,
        validators=[InputRequired(), NumberRange(0, 10)],
    )
    p2v_weight = DecimalNumberField(
        "Weight of partner-to-vendor meetings",
        default=1.0,
        validators=[InputRequired(), NumberRange(0, 10)],
    )
    solve_time_limit = WholeField(
        "Solver time limit (seconds)",
        default=30,
        validators=[InputRequired(), NumberRange(5, 3600)],
    )

    reminder_minutes = WholeField(
        "Remind attendees before each meeting (minutes)",
        default=5,
        validators=[Optional(), NumberRange(0, 120)],
    )

    anonymity_threshold = WholeField(
        "Fewest answers behind a score a sponsor sees",
        default=5,
        validators=[Optional(), NumberRange(3, 50)],
    )

    def __init__(self, *args: Any, stored_start: datetime | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.timezone.choices = [SelectChoice(zone) for zone in timezone_choices()]
        self.stored_start = stored_start  # the saved event's start: unchanged, it is not asked
        self.past_start = False  # set when the start is in the past and needs the tick

    def validate_starts_at(self, field: DateTimeLocalField) -> None:
        """A new start in the past is saved only with the confirm tick."""
        zone = self.timezone.data or "UTC"
        if field.data is None or field.data == self.stored_start or not valid_timezone(zone):
            return
        if field.data >= datetime.now(ZoneInfo(zone)).replace(tzinfo=None):
            return
        self.past_start = True
        if not self.confirm_past.data:
            raise ValidationError(
                f"This start is in the past ({field.data:%Y-%m-%d %H:%M} {zone}). "
                "Save anyway? Tick the box below to keep it."
            )

    def validate_table_names(self, field: TextAreaField) -> None:
        """No more names than tables."""
        names = _lines(field.data)
        if self.tables.data and len(names) > self.tables.data:
            raise ValidationError(f"{len(names)} names for {self.tables.data} tables")

    def validate_min_meetings(self, field: IntegerField) -> None:
        """A minimum above the number of rounds can never be met."""
        if self.rounds.data and field.data and field.data > self.rounds.data:
            raise ValidationError("cannot be more than the number of rounds")

    def settings(self) -> dict[str, Any]:
        """The event fields this form sets, as the events service takes them."""
        tiers = {
            tier: value for tier in TIERS if (value := getattr(self, f"tier_{tier}").data or 0) > 0
        }
        shaped = {  # the settings whose box holds something else than the value itself
            "name": self.name.data.strip(),
            "venue": (self.venue.data or "").strip(),
            "table_names": _lines(self.table_names.data),
            "table_owners": _lines(self.table_owners.data),
            "tier_minimums": tiers,
            "p2p_weight": _required_number(self.p2p_weight),
            "p2v_weight": _required_number(self.p2v_weight),
            "reminder_minutes": 5
            if self.reminder_minutes.data is None
            else self.reminder_minutes.data,
            "anonymity_threshold": 5
            if self.anonymity_threshold.data is None
            else self.anonymity_threshold.data,
        }
        return {
            name: shaped[name] if name in shaped else getattr(self, name).data
            for name in EVENT_SETTINGS
        }

    def fill_from(self, event: Event) -> None:
        """Show an existing event's settings."""
        for name in EVENT_SETTINGS:
            if name == "table_names":
                self.table_names.data = "\n".join(event.table_names or [])
            elif name == "table_owners":
                self.table_owners.data = "\n".join(owner_lines(event))
            elif name == "tier_minimums":
                for tier in TIERS:
                    getattr(self, f"tier_{tier}").data = (event.tier_minimums or {}).get(tier, 0)
            else:
                getattr(self, name).data = getattr(event, name)


def _lines(text: str | None) -> list[str]:
    """Trimmed lines without trailing blank ones; a blank line in between keeps numbering."""
    lines = [line.strip() for line in (text or "").splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    return lines


class UploadForm(MingleForm):
    """An attendees file."""

    file = FileField(
        "Attendees file (CSV or XLSX)",
        validators=[
            FileRequired("Choose a file."),
            FileAllowed(["csv", "xlsx", "xlsm"], "Use a .csv or .xlsx file."),
        ],
    )


class AgreedUploadForm(MingleForm):
    """An agreed-meetings file (FORMATS.md section 6)."""

    file = FileField(
        "Agreed meetings file (CSV or XLSX)",
        validators=[
            FileRequired("Choose a file."),
            FileAllowed(["csv", "xlsx", "xlsm"], "Use a .csv or .xlsx file."),
        ],
    )


class MeetingModeForm(MingleForm):
    """How an event's meetings are made (Event.meeting_mode)."""

    mode = RadioField("How meetings are made", choices=[], validators=[DataRequired()])


class ConfirmImportForm(MingleForm):
    """Confirms a previewed upload, named by its signed token."""

    token = HiddenField(validators=[DataRequired()])


class MultiCheckboxField(SelectMultipleField):
    """Several choices as a list of checkboxes (friendlier on phones than a multi-select)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class AttendeeForm(MingleForm):
    """One attendee, with the columns of the import file."""

    email = EmailField("E-mail", validators=[DataRequired(), limit("E-mail", 254)])
    name = StringField("Name (as on the badge)", validators=[DataRequired(), limit("Name", 200)])
    company = StringField("Company", validators=[DataRequired(), limit("Company", 200)])
    kind = SelectField("Kind", choices=[SelectChoice(k, k.capitalize()) for k in KINDS])
    region = StringField("Region", validators=[DataRequired(), limit("Region", 100)])
    offers = StringField("Offers (separate with ;)", validators=[Optional(), limit("Offers", 5000)])
    seeks = StringField("Seeks (separate with ;)", validators=[Optional(), limit("Seeks", 5000)])
    target_regions = StringField(
        "Target regions (separate with ;)", validators=[Optional(), limit("Target regions", 5000)]
    )
    goals = MultiCheckboxField(
        "Goals", choices=[SelectChoice(g, g.replace("_", " ")) for g in GOALS]
    )
    available_rounds = StringField(
        "Available rounds (e.g. 1-4;6, empty = all)",
        validators=[Optional(), limit("Available rounds", 200)],
    )
    must_meet = TextAreaField(
        "Must meet (e-mails, separate with ;)", validators=[Optional(), limit("Must meet", 25_500)]
    )
    avoid = TextAreaField(
        "Avoid (e-mails, separate with ;)", validators=[Optional(), limit("Avoid", 25_500)]
    )
    tier = SelectField(
        "Sponsor tier",
        choices=[SelectChoice("", "None"), *[SelectChoice(t, t.capitalize()) for t in TIERS]],
    )
    phone = StringField("Phone", validators=[Optional(), limit("Phone", 50)])
    country = StringField("Country", validators=[Optional(), limit("Country", 100)])
    title = StringField("Job title", validators=[Optional(), limit("Job title", 200)])
    language = StringField("Language", validators=[Optional(), limit("Language", 50)])
    custom = TextAreaField(
        "Other fields (one per line: name: value)",
        validators=[Optional(), limit("Other fields", 20_000)],
    )

    def validate_custom(self, field: TextAreaField) -> None:
        """Each line is ``name: value`` and names no standard column."""
        for line in (field.data or "").splitlines():
            if not line.strip():
                continue
            key, sep, _value = line.partition(":")
            if not sep or not key.strip():
                raise ValidationError(f"{line.strip()!r}: write it as name: value")
            if key.strip().lower() in KNOWN_COLUMNS:
                raise ValidationError(f"{key.strip()!r} is a standard field: use its own box")

    def record(self) -> dict[str, str]:
        """The attendee as column -> text, the shape of one row of an import file."""
        record = {
            name: (getattr(self, name).data or "").strip()
            for name in (*REQUIRED, *OPTIONAL)
            if name != "goals"  # checkboxes, joined below
        }
        for column in ("must_meet", "avoid"):  # people paste lists one per line
            record[column] = ";".join(record[column].replace(",", ";").split())
        record["goals"] = ";".join(self.goals.data or [])
        for line in (self.custom.data or "").splitlines():
            key, _sep, value = line.partition(":")
            if key.strip() and value.strip():
                record[key.strip().lower()] = value.strip()
        return record

    def fill_from(self, attendee: Attendee) -> None:
        """Show an existing attendee."""
        for name in (*REQUIRED, *OPTIONAL):
            value = getattr(attendee, name)
            if name == "goals":
                self.goals.data = list(value or [])
            elif name in LIST_COLUMNS:
                getattr(self, name).data = "; ".join(value or [])
            else:
                getattr(self, name).data = value or ""
        self.custom.data = "\n".join(f"{k}: {v}" for k, v in (attendee.custom or {}).items())
