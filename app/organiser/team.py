"""An event's team page (co-organisers, door staff, door links) and accepting an invitation.

The owner and co-organisers open the team page (it is on ``event_bp``, so its event is
access-checked once); the service refuses what only the owner may do. A new door link or
invitation link is shown once, on the page right after it is made, and never again: only its
SHA-256 is stored.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_user
from markupsafe import Markup
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError

from app.access import current_event
from app.models.team import CO_ORGANISER, DOOR, MAX_LABEL
from app.organiser.blueprint import bp, event_bp
from app.organiser.forms import ConfirmForm, MingleForm, limit
from app.services.accounts import MIN_PASSWORD_LENGTH, AccountError
from app.services.events import clock
from app.services.events.team import (
    TeamRefused,
    accept_invite,
    add_member,
    create_door_link,
    door_closes_at,
    event_team,
    invited_account,
    remove_member,
    revoke_door_link,
)
from app.services.printing.qr_svg import qr_svg

SHOWN_ONCE = "team_link_once"  # session key: (kind, label, URL) of a link to show once


class MemberForm(MingleForm):
    """Add someone to the team by e-mail."""

    email = EmailField("E-mail", validators=[DataRequired(), limit("E-mail", 254)])
    role = SelectField(
        "Role",
        choices=[
            SelectChoice(DOOR, "Door staff: check-in only"),
            SelectChoice(CO_ORGANISER, "Co-organiser: full rights on this event"),
        ],
    )


class DoorLinkForm(MingleForm):
    """A label for a new door link."""

    label = StringField("Label", validators=[DataRequired(), limit("Label", MAX_LABEL)], default="")


class InviteForm(MingleForm):
    """The invited person's new password, typed twice."""

    new = PasswordField("Password", validators=[DataRequired(), Length(max=200)])
    repeat = PasswordField("Password again", validators=[DataRequired(), Length(max=200)])

    def validate_repeat(self, field: PasswordField) -> None:
        """Both copies must match."""
        if field.data != self.new.data:
            raise ValidationError("The two passwords differ.")


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + "."


def _form_errors(form: MingleForm) -> None:
    for errors in form.errors.values():
        for error in errors:
            flash(str(error), "error")


@event_bp.get("/team")
def team() -> ResponseReturnValue:
    """The team page: co-organisers, door staff and door links, with forms to add and revoke."""
    event = current_event()
    shown = session.pop(SHOWN_ONCE, None)
    once = None
    if shown and len(shown) == 4 and shown[0] == event.id:
        _, kind, label, url = shown
        once = {"kind": kind, "label": label, "url": url, "qr": Markup(qr_svg(url, label))}
    return render_template(
        "organiser/team.html",
        event=event,
        team=event_team(event),
        is_owner=event.organiser_id == current_user.id,
        member_form=MemberForm(),
        link_form=DoorLinkForm(),
        confirm=ConfirmForm(),
        once=once,
        now=clock.utc_now().replace(tzinfo=None),
        closes_at=door_closes_at(event),
        max_label=MAX_LABEL,
    )


@event_bp.post("/team/members")
def team_add() -> ResponseReturnValue:
    """Add a co-organiser (owner only) or door staff by e-mail."""
    event = current_event()
    form = MemberForm()
    if not form.validate_on_submit():
        _form_errors(form)
        return redirect(url_for("organiser.event.team"))
    try:
        added = add_member(event, form.email.data, form.role.data, current_user)
    except TeamRefused as refused:
        flash(_sentence(str(refused)), "error")
        return redirect(url_for("organiser.event.team"))
    who = added.member.organiser.email
    role = "co-organiser" if added.member.role == CO_ORGANISER else "door staff"
    if added.invite_url:
        session[SHOWN_ONCE] = (event.id, "invite", f"Invitation for {who}", added.invite_url)
        flash(
            f"{who} is on the team as {role}. They have no account yet: send them the "
            "invitation link below (it is also in the outbox).",
            "success",
        )
    else:
        flash(f"{who} is on the team as {role}; they log in with their own password.", "success")
    return redirect(url_for("organiser.event.team"))


@event_bp.post("/team/members/<int:member_id>/remove")
def team_remove(member_id: int) -> ResponseReturnValue:
    """Take someone off the team; their access ends at once."""
    event = current_event()
    if ConfirmForm().validate_on_submit():
        try:
            email = remove_member(event, member_id, current_user)
        except TeamRefused as refused:
            flash(_sentence(str(refused)), "error")
        else:
            flash(f"{email} is off the team; their access ended.", "success")
    return redirect(url_for("organiser.event.team"))


@event_bp.post("/team/links")
def team_link_new() -> ResponseReturnValue:
    """Make a door link for a shared phone; it is shown once."""
    event = current_event()
    form = DoorLinkForm()
    if not form.validate_on_submit():
        _form_errors(form)
        return redirect(url_for("organiser.event.team"))
    try:
        link, url = create_door_link(event, form.label.data)
    except TeamRefused as refused:
        flash(_sentence(str(refused)), "error")
    else:
        session[SHOWN_ONCE] = (event.id, "door", link.label, url)
    return redirect(url_for("organiser.event.team"))


@event_bp.post("/team/links/<int:link_id>/revoke")
def team_link_revoke(link_id: int) -> ResponseReturnValue:
    """Stop a door link at once."""
    event = current_event()
    if ConfirmForm().validate_on_submit():
        try:
            link = revoke_door_link(event, link_id)
        except TeamRefused as refused:
            flash(_sentence(str(refused)), "error")
        else:
            flash(f"The door link “{link.label}” no longer works.", "success")
    return redirect(url_for("organiser.event.team"))


@bp.route("/invite/<token>", methods=["GET", "POST"])
def invite(token: str) -> ResponseReturnValue:
    """Accept an invitation: choose a password, then log in to the events one was added to."""
    account = invited_account(token)
    if account is None:
        return render_template("organiser/invite.html", account=None, form=None), 410
    form = InviteForm()
    if form.validate_on_submit():
        try:
            accept_invite(token, form.new.data)
        except AccountError as refused:
            form.new.errors = [_sentence(str(refused))]
        except TeamRefused:
            return render_template("organiser/invite.html", account=None, form=None), 410
        else:
            login_user(account)
            flash("Your password is set; you are logged in.", "success")
            return redirect(url_for("organiser.events"))
    return render_template(
        "organiser/invite.html", account=account, form=form, min_length=MIN_PASSWORD_LENGTH
    )
