"""An event's attendees: search, add, edit, remove one, and import a whole file."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import IntegrityError

from app.access import current_event, event_attendee
from app.organiser.blueprint import event_bp
from app.organiser.forms import AttendeeForm, ConfirmForm, ConfirmImportForm, UploadForm
from app.params import whole
from app.services.attendees.editing import removal_plan, remove_attendee, save_attendee
from app.services.attendees.importing import (
    ImportRefused,
    UploadExpired,
    commit_import,
    stage_import,
)
from app.services.attendees.search import search_attendees


@event_bp.get("/attendees")
def attendees() -> ResponseReturnValue:
    """Search and filter the event's attendees."""
    event = current_event()
    args = request.args
    found = search_attendees(
        event,
        q=args.get("q", ""),
        region=args.get("region", ""),
        kind=args.get("kind", ""),
        company=args.get("company", ""),
        page=args.get("page", 1, type=whole),
    )
    return render_template("organiser/attendees.html", event=event, found=found, args=args)


@event_bp.route("/attendees/new", methods=["GET", "POST"])
def attendee_new() -> ResponseReturnValue:
    """Add one attendee by hand."""
    event = current_event()
    form = AttendeeForm()
    problems = []
    if form.validate_on_submit():
        result = save_attendee(event, form.record())
        if result.ok and result.attendee is not None:
            flash(f"Added {result.attendee.name}.", "success")
            return redirect(url_for("organiser.event.attendees"))
        problems = result.problems
    return render_template(
        "organiser/attendee_form.html", event=event, form=form, attendee=None, problems=problems
    )


@event_bp.route("/attendees/<int:attendee_id>", methods=["GET", "POST"])
def attendee_edit(attendee_id: int) -> ResponseReturnValue:
    """Change one attendee; meetings the change makes illegal are removed from the draft."""
    event = current_event()
    attendee = event_attendee(event, attendee_id)
    form = AttendeeForm()
    if request.method == "GET":
        form.fill_from(attendee)
    problems = []
    if form.validate_on_submit():
        result = save_attendee(event, form.record(), attendee)
        if result.ok:
            flash(f"Saved {attendee.name}.", "success")
            for conflict in result.impact.removed:
                flash(f"Removed from the draft schedule: {conflict}", "warning")
            for conflict in result.impact.published:
                flash(
                    f"The published schedule still has: {conflict}. Rebuild and publish again.",
                    "error",
                )
            return redirect(url_for("organiser.event.attendees"))
        problems = result.problems
    return render_template(
        "organiser/attendee_form.html",
        event=event,
        form=form,
        attendee=attendee,
        problems=problems,
    )


@event_bp.route("/attendees/<int:attendee_id>/remove", methods=["GET", "POST"])
def attendee_remove(attendee_id: int) -> ResponseReturnValue:
    """Confirm, then remove one attendee and their meetings."""
    event = current_event()
    attendee = event_attendee(event, attendee_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        name = attendee.name
        removed = remove_attendee(attendee)
        flash(f"Removed {name} and {removed} meeting(s).", "success")
        return redirect(url_for("organiser.event.attendees"))
    return render_template(
        "organiser/attendee_remove.html",
        event=event,
        attendee=attendee,
        form=form,
        plan=removal_plan(attendee),
    )


@event_bp.route("/import", methods=["GET", "POST"])
def import_upload() -> ResponseReturnValue:
    """Upload an attendees file and preview what importing it would change."""
    event = current_event()
    form = UploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        staged = stage_import(event, upload.read(), upload.filename or "attendees.csv")
        confirm = ConfirmImportForm(token=staged.token)
        return render_template(
            "organiser/import_preview.html",
            event=event,
            preview=staged.preview,
            confirm=confirm,
            form=UploadForm(formdata=None),
        )
    return render_template("organiser/import_upload.html", event=event, form=form)


@event_bp.post("/import/confirm")
def import_confirm() -> ResponseReturnValue:
    """Import the previewed file, all or nothing."""
    event = current_event()
    form = ConfirmImportForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        result = commit_import(event, form.token.data)
    except UploadExpired:
        flash("That upload has expired or was already imported: upload the file again.", "error")
        return redirect(url_for("organiser.event.import_upload"))
    except ImportRefused as refused:
        return render_template(
            "organiser/import_preview.html",
            event=event,
            preview=refused.preview,
            confirm=None,
            form=UploadForm(formdata=None),
        )
    except IntegrityError:
        flash("The attendees changed while importing: upload the file again.", "error")
        return redirect(url_for("organiser.event.import_upload"))
    flash(f"Imported: {result.summary()}.", "success")
    if result.removed_meetings:
        flash(
            f"Removed {len(result.removed_meetings)} meeting(s) from the draft schedule that "
            "the changes made impossible.",
            "warning",
        )
    if result.published_conflicts:
        flash(
            f"The published schedule has {len(result.published_conflicts)} meeting(s) that now "
            "break a rule: build and publish a new version.",
            "error",
        )
    return redirect(url_for("organiser.event.attendees"))
