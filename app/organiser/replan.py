"""Re-planning around no-shows: who is missing, what is at risk, and the new rounds."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from app.access import current_event
from app.organiser.blueprint import event_bp
from app.organiser.forms import ConfirmForm
from app.params import whole
from app.services.messages.notices import told
from app.services.scheduling.replanning import (
    ReplanRefused,
    next_round,
    replan_event,
    replan_plan,
)


@event_bp.route("/replan", methods=["GET", "POST"])
def replan() -> ResponseReturnValue:
    """Who has not checked in and which meetings are at risk; POST re-plans rounds N..end."""
    event = current_event()
    form = ConfirmForm()
    source = request.form if request.method == "POST" else request.args
    from_round = source.get("from_round", type=whole) or next_round(event)
    from_round = min(max(from_round, 1), event.rounds)
    if form.validate_on_submit():
        try:
            report = replan_event(event, from_round)
        except ReplanRefused as refused:
            flash(str(refused), "error")
            return redirect(url_for("organiser.event.replan", from_round=from_round))
        flash(report.summary(), "success")
        heard = told(report.publication)
        if heard is not None:
            flash(*heard.summary())
        return redirect(url_for("organiser.event.schedule_changes", new=report.version.number))
    try:
        plan = replan_plan(event, from_round)
    except ReplanRefused as refused:
        flash(f"{str(refused).capitalize()}.", "warning")
        return redirect(url_for("organiser.event.dashboard"))
    return render_template("organiser/replan.html", event=event, plan=plan, form=form)
