"""Agreed meetings: how the event's meetings are made, and the upload of agreed meetings."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue

from app.access import current_event
from app.organiser.blueprint import event_bp
from app.organiser.forms import AgreedUploadForm, ConfirmForm, MeetingModeForm
from app.services.scheduling.agreed import (
    MODE_LABELS,
    agreed_count,
    agreed_meetings,
    clear_agreed,
    set_mode,
    upload_agreed,
)

SHOWN = 200  # agreed meetings listed on the page


def _mode_form() -> MeetingModeForm:
    form = MeetingModeForm()
    form.mode.choices = list(MODE_LABELS.items())
    return form


def _page(upload: AgreedUploadForm | None = None, problems: list | None = None, status: int = 200):
    event = current_event()
    mode = _mode_form()
    mode.mode.data = mode.mode.data or event.meeting_mode
    return (
        render_template(
            "organiser/agreed.html",
            event=event,
            mode_form=mode,
            upload=upload or AgreedUploadForm(formdata=None),
            clear=ConfirmForm(formdata=None),
            count=agreed_count(event),
            meetings=agreed_meetings(event, limit=SHOWN),
            shown=SHOWN,
            problems=problems or [],
        ),
        status,
    )


@event_bp.get("/agreed")
def agreed() -> ResponseReturnValue:
    """The event's agreed meetings, how meetings are made, and the upload."""
    return _page()


@event_bp.post("/agreed/mode")
def agreed_mode() -> ResponseReturnValue:
    """Choose how meetings are made: proposed, agreed, or both."""
    event = current_event()
    form = _mode_form()
    if not form.validate_on_submit():
        return _page(status=400)
    set_mode(event, form.mode.data)
    flash(f"{MODE_LABELS[form.mode.data]}. The next build follows it.", "success")
    return redirect(url_for("organiser.event.agreed", slug=event.slug))


@event_bp.post("/agreed/upload")
def agreed_upload() -> ResponseReturnValue:
    """Replace the agreed meetings by a file's, all or nothing."""
    event = current_event()
    form = AgreedUploadForm()
    if not form.validate_on_submit():
        return _page(upload=form, status=400)
    upload = form.file.data
    done = upload_agreed(event, upload.read(), upload.filename or "agreed.csv")
    if done.problems:
        return _page(upload=form, problems=done.problems, status=422)
    flash(f"{done.stored} agreed meetings saved; the next build places them.", "success")
    return redirect(url_for("organiser.event.agreed", slug=event.slug))


@event_bp.post("/agreed/clear")
def agreed_clear() -> ResponseReturnValue:
    """Delete every agreed meeting of the event."""
    event = current_event()
    if not ConfirmForm().validate_on_submit():
        return _page(status=400)
    gone = clear_agreed(event)
    flash(f"{gone} agreed meetings deleted.", "success")
    return redirect(url_for("organiser.event.agreed", slug=event.slug))
