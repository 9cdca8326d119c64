"""Follow-ups: the response progress, and keying in the answers of paper forms."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from app.access import current_event, event_attendee
from app.organiser.blueprint import event_bp
from app.organiser.forms import ConfirmForm
from app.params import whole
from app.services.followups.answers import CURRENCIES, HELD_LABELS, NEXT_STEP_LABELS
from app.services.followups.closing import close_followups, reopen_followups
from app.services.followups.paper import PaperSearch, paper_rows, paper_search, save_paper_answers
from app.services.followups.progress import followup_progress
from app.services.messages.reminders import (
    remind_non_responders,
    reminder_plan,
    reminder_summary,
)


@event_bp.get("/followups")
def followups() -> ResponseReturnValue:
    """Follow-up progress: response rate per round and overall, meetings reported not held."""
    event = current_event()
    return render_template(
        "organiser/followups.html",
        event=event,
        progress=followup_progress(event),
        reminders=reminder_plan(event),
        form=ConfirmForm(),
    )


@event_bp.post("/followups/remind")
def followups_remind() -> ResponseReturnValue:
    """E-mail everyone with unanswered follow-ups, leaving out whoever was reminded today."""
    event = current_event()
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("organiser.event.followups"))
    if reminder_plan(event).closed:
        flash(
            "Follow-ups are closed: nobody can answer any more, so nobody was reminded.", "warning"
        )
    else:
        flash(*reminder_summary(remind_non_responders(event)))
    return redirect(url_for("organiser.event.followups"))


@event_bp.post("/followups/close")
def followups_close() -> ResponseReturnValue:
    """Close the follow-ups now: the reports become final, nobody can change an answer."""
    event = current_event()
    close_followups(event)
    flash(
        "Follow-ups are closed: the reports are final and answers can no longer change.", "success"
    )
    return redirect(url_for("organiser.event.dashboard"))


@event_bp.post("/followups/reopen")
def followups_reopen() -> ResponseReturnValue:
    """Re-open the follow-ups for another FOLLOWUP_DAYS days."""
    event = current_event()
    closes = reopen_followups(event)
    flash(f"Follow-ups are open again until {closes:%d %b %Y, %H:%M}.", "success")
    return redirect(url_for("organiser.event.dashboard"))


@event_bp.route("/paper", methods=["GET", "POST"])
def paper() -> ResponseReturnValue:
    """Key in paper follow-up forms: find an attendee (name or meeting reference), save all rows."""
    event = current_event()
    form = ConfirmForm()
    source = request.form if request.method == "POST" else request.args
    attendee_id = source.get("attendee", type=whole)
    attendee = event_attendee(event, attendee_id) if attendee_id else None
    query = request.args.get("q", "").strip()
    search = paper_search(event, query) if query and attendee is None else PaperSearch()
    matches = search.matches
    if len(matches) == 1 and search.found is None:
        return redirect(url_for("organiser.event.paper", attendee=matches[0].id))
    rows = paper_rows(attendee) if attendee else []
    if attendee is not None and form.validate_on_submit():
        rows, saved, cancelled = save_paper_answers(attendee, request.form.to_dict())
        if saved:
            plural = "s" if saved != 1 else ""
            flash(f"Saved {saved} answer{plural} for {attendee.name}.", "success")
            return redirect(url_for("organiser.event.paper"))
        if cancelled:  # a re-plan while the forms were being typed: nothing saved
            for sentence in cancelled:
                flash(sentence, "error")
        elif not any(row.errors for row in rows):
            flash("Nothing keyed in: nothing saved.", "warning")
        else:
            flash("Nothing saved: please check the rows marked below.", "error")
    return render_template(
        "organiser/paper.html",
        event=event,
        form=form,
        query=query,
        matches=matches,
        search=search,
        attendee=attendee,
        rows=rows,
        held_labels=HELD_LABELS,
        next_step_labels=NEXT_STEP_LABELS,
        currencies=CURRENCIES,
    )
