"""Report pages that two audiences render: a sponsor's own and the organiser's preview of it.

Neither the sponsor nor the organiser blueprint owns this module, so neither imports the
other; each passes the URLs of its own routes for downloads, traces and the back link.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from flask import Response, abort, current_app, render_template, request, url_for

from app.models import Event
from app.services.leads import active_leads
from app.services.reports.anonymity import protect_answers, quotes
from app.services.reports.figures import SponsorReport
from app.services.reports.measures import SMALL_SAMPLE, STEP_LABELS, Measures
from app.services.reports.traces import PER_PAGE, figure_answers
from app.services.scheduling.exports import Export

PAGE_SHAPE = re.compile(r"[0-9]{1,6}")  # ?page= of the answers behind a figure
PAGE_KEEPS = ("rep", "company")  # the other arguments those pages read


def download(export: Export) -> Response:
    """An export as an attachment under its file name.

    ``export.mimetype`` is sent as the whole Content-Type: passed as a media type instead,
    Werkzeug would add a second ``charset`` to a CSV's ``text/csv; charset=utf-8``.
    """
    return Response(
        export.body,
        content_type=export.mimetype,
        headers={"Content-Disposition": f'attachment; filename="{export.filename}"'},
    )


def render_report(data: SponsorReport, links: Mapping[str, str]) -> str:
    """The sponsor report page; ``links`` name its csv, xlsx, pdf and answers URLs.

    ``FIGURE`` in the answers URL stands for the figure; an optional ``note`` is shown on top;
    ``leads_csv``, ``leads_xlsx`` (and ``scan``, the sponsor's own booth scanner) go with the
    company's leads.
    """

    def trace_url(figure: str, rep: int | None = None) -> str:
        """The answers page of ``figure``, for one rep's answers when ``rep`` is given."""
        url = links["answers"].replace("FIGURE", figure)
        if rep is None:
            return url
        return f"{url}{'&' if '?' in url else '?'}rep={rep}"

    return render_template(
        "sponsor/report.html",
        report=data,
        small_sample=SMALL_SAMPLE,
        step_labels=STEP_LABELS,
        downloads=links,
        trace_url=trace_url,
        preview_note=links.get("note"),
        leads=active_leads(data.event, data.company),
        quotes=quotes(data.measures.why),
    )


def render_figure(
    event: Event,
    measures: Measures,
    figure: str,
    title: str,
    back_url: str,
    base_template: str,
    protect: tuple[str, int] | None = None,
) -> str:
    """The answers (or meetings) behind ``figure`` of ``measures``, else 404.

    Shared by the sponsor's page (``base.html``) and the organiser's event report and preview
    (their layout, which alone gets ``event``, for its event menu).
    """
    number = request.args.get("page", "1")
    page = int(number) if PAGE_SHAPE.fullmatch(number) else 0
    per_page = current_app.config.get("REPORT_ANSWERS_PER_PAGE", PER_PAGE)
    if protect is not None:  # the rated side's view lists a company's few answers on one page
        per_page = max(per_page, 100_000)
    rows = figure_answers(event, measures, figure, title, page, per_page) if page else None
    if rows is None:
        abort(404)
    protected = None
    if protect is not None:
        company, n = protect
        # A rep whose scores are withheld has none of their respondents' answers listed.
        withheld = bool(measures.withheld)
        protected = protect_answers(
            rows.answers, company, 10**9 if withheld else n, unnamed_quotes=not withheld
        )
    # Only the arguments these pages know are carried over: anything else could clash with
    # the route's own (token, slug) or steer url_for (_external, _anchor).
    kept: dict[str, Any] = {name: request.args[name] for name in PAGE_KEEPS if name in request.args}

    def page_url(n: int) -> str:
        """This page's URL, its ``rep`` or ``company`` kept, at page ``n``."""
        return url_for(request.endpoint or "", **(request.view_args or {}), **kept, page=n)

    return render_template(
        "reports/answers.html",
        base_template=base_template,
        back_url=back_url,
        event=event if base_template != "base.html" else None,
        table_label=event.table_label,
        page_url=page_url,
        protected=protected,
        min_answers=protect[1] if protect else 0,
        protect_company=protect[0] if protect else "",
        **rows.context(),
    )


def render_answers(data: SponsorReport, figure: str, back_url: str, base_template: str) -> str:
    """The answers (or meetings) behind one figure of ``data``, ``?rep=<id>`` for one rep's."""
    measures = data.measures
    if request.args.get("rep"):
        rep = next((r for r in data.reps if str(r.attendee.id) == request.args["rep"]), None)
        if rep is None:
            abort(404)
        measures = rep.measures
    return render_figure(
        data.event,
        measures,
        figure,
        data.company,
        back_url,
        base_template,
        protect=(data.company, data.min_answers),
    )
