"""Every report figure traces to the answers behind it, and only to the reader's own answers."""

from __future__ import annotations

import gc
import io

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from app.extensions import db
from app.models import FollowUp
from app.services.reports import exports as report_exports
from app.services.reports import figures as reports
from app.services.reports import measures
from tests.report_helpers import add_bosses, build


@pytest.fixture
def cast(event, make_attendee, make_version):
    """The hand-built event of ``report_helpers.build``."""
    return build(event, make_attendee, make_version)


@pytest.fixture
def tokens(event, cast) -> dict[str, str]:
    """Report link tokens of one Acme contact and one Globex contact."""
    return {company: contact.token for company, contact in add_bosses(event).items()}


def answer_of(who, other, round_: int) -> FollowUp:
    """The answer ``who`` gave about meeting ``other`` in ``round_``."""
    return db.session.scalars(
        select(FollowUp).where(
            FollowUp.attendee_id == who.id, FollowUp.other_id == other.id, FollowUp.round == round_
        )
    ).one()


def shown(html: str) -> set[int]:
    """The answer ids a trace page lists."""
    return {int(part.split('"')[0]) for part in html.split('id="answer-')[1:]}


def test_sponsor_figures_link_to_their_answers(client, cast, tokens) -> None:
    html = client.get(f"/s/{tokens['Acme']}").get_data(as_text=True)
    for figure in ("held", "no-shows", "nps", "promoters", "detractors", "rating", "pipeline-EUR"):
        assert f"/s/{tokens['Acme']}/answers/{figure}" in html


def partner_lines(html: str) -> list[str]:
    """The anonymous partners' answers a sponsor's trace page lists, in order."""
    block = html.split('id="partner-answers"')[1].split("</ol>")[0]
    return [" ".join(li.split("</li>")[0].split()) for li in block.split("<li>")[1:]]


def test_nps_trace_lists_exactly_the_three_recommendations(client, cast, tokens) -> None:
    html = client.get(f"/s/{tokens['Acme']}/answers/nps").get_data(as_text=True)
    # Anonymous, ordered by value: no answer number, name, company or round.
    assert partner_lines(html) == [
        "Met · rating 3/5 · recommend 6/10",
        "Met · rating 4/5 · recommend 8/10",
        "Met · rating 5/5 · recommend 10/10",
    ]
    assert shown(html) == set() and "Partner " not in html and "· round" not in html
    assert "3 answers" in html and "=great demo" in html  # quoted with consent, without a name


def test_promoters_and_pipeline_traces(client, cast, tokens) -> None:
    p, v1, v2 = cast.p, cast.v1, cast.v2
    promoters = client.get(f"/s/{tokens['Acme']}/answers/promoters").get_data(as_text=True)
    # One promoter: too few to list even anonymously (the sponsor knows whom its reps met).
    assert 'id="partners-withheld">1 answer' in " ".join(promoters.split()) or (
        "1 answer from partners is not listed" in " ".join(promoters.split())
    )
    assert partner_lines(promoters) == ["None listed."]
    # Pipeline comes from Acme's own people: their answers stay named.
    eur = client.get(f"/s/{tokens['Acme']}/answers/pipeline-EUR").get_data(as_text=True)
    assert shown(eur) == {answer_of(v1, p[1], 1).id, answer_of(v2, p[4], 2).id}
    assert "EUR 2,000" in eur and "EUR 1,000" in eur


def test_rep_trace_shows_only_that_reps_meetings(client, cast, tokens) -> None:
    """Walt has 1 answer, Vera 2: both are withheld (Vera's would give Walt's away)."""
    p, v1 = cast.p, cast.v1
    base = f"/s/{tokens['Acme']}/answers"
    assert client.get(f"{base}/answered?rep={cast.v2.id}").status_code == 404
    assert client.get(f"{base}/nps?rep={v1.id}").status_code == 404
    held = client.get(f"{base}/held?rep={v1.id}").get_data(as_text=True)
    assert shown(held) == {answer_of(v1, p[1], 1).id}  # Vera's own answer, named
    assert partner_lines(held) == ["None listed."]


def test_trace_never_reaches_another_sponsors_answers(client, cast, tokens) -> None:
    acme = client.get(f"/s/{tokens['Acme']}/answers/why").get_data(as_text=True)
    assert "Globex secret" not in acme and "=great demo" in acme
    globex = client.get(f"/s/{tokens['Globex']}/answers/why").get_data(as_text=True)
    # Globex's scores rest on 2 answers: an unnamed quote could be told apart, so none is shown.
    assert "Globex secret" not in globex and "=great demo" not in globex
    # Globex's rep is not one of Acme's, so asking for him as a rep of Acme finds nothing.
    assert client.get(f"/s/{tokens['Acme']}/answers/nps?rep={cast.g1.id}").status_code == 404
    assert client.get(f"/s/{tokens['Acme']}/answers/not-a-figure").status_code == 404
    assert client.get(f"/s/{tokens['Acme']}/answers/pipeline-GBP").status_code == 404


def test_attendee_token_cannot_open_a_trace(client, cast, tokens) -> None:
    assert client.get(f"/s/{cast.v1.token}/answers/nps").status_code == 404


def test_meeting_nobody_answered_is_counted_and_listed(client, event, cast, tokens) -> None:
    db.session.delete(answer_of(cast.v2, cast.p[4], 2))  # the only answer about that meeting
    db.session.commit()
    html = client.get(f"/s/{tokens['Acme']}").get_data(as_text=True)
    assert 'id="scheduled">5<' in html and 'id="held">3<' in html
    assert 'id="unanswered">1<' in html
    listed = client.get(f"/s/{tokens['Acme']}/answers/unanswered").get_data(as_text=True)
    assert "Round 2 · Table 2 · Walt Acme (Acme)" in listed and "Partner 4" in listed
    assert "1 meeting." in listed


def test_event_report_figures_trace_per_column(event, cast, login_as) -> None:
    staff = login_as(event.organiser)
    base = f"/organiser/events/{event.slug}/report"
    page = staff.get(base).get_data(as_text=True)
    assert f"{base}/answers/p2p/held" in page and f"{base}/answers/sponsors/nps" in page
    sponsors = staff.get(f"{base}/answers/sponsors/nps").get_data(as_text=True)
    assert len(shown(sponsors)) == 5  # 3 about Acme, 2 about Globex
    p2p = staff.get(f"{base}/answers/p2p/nps").get_data(as_text=True)
    assert shown(p2p) == {
        answer_of(cast.p[1], cast.p[2], 3).id,
        answer_of(cast.p[2], cast.p[1], 3).id,
    }
    assert staff.get(f"{base}/answers/nobody/nps").status_code == 404
    assert staff.get(f"{base}/answers/p2p/nonsense").status_code == 404


def test_event_report_lists_each_sponsor_with_its_figures(event, cast, login_as) -> None:
    staff = login_as(event.organiser)
    html = staff.get(f"/organiser/events/{event.slug}/report").get_data(as_text=True)
    table = html.split('id="by-sponsor"')[1].split("</table>")[0]
    assert "company=Acme" in table and "company=Globex" in table
    assert "EUR 3,000; USD 500" in table


def test_organiser_previews_a_sponsors_report(event, cast, login_as) -> None:
    staff = login_as(event.organiser)
    base = f"/organiser/events/{event.slug}/sponsor-report"
    html = staff.get(f"{base}?company=Acme").get_data(as_text=True)
    assert 'id="held">4<' in html and "Preview" in html
    assert f"{base}/answers/nps?company=Acme" in html
    assert f"{base}/answers/held?company=Acme&amp;rep={cast.v1.id}" in html
    rep = staff.get(f"{base}/answers/held?company=Acme&rep={cast.v1.id}")
    # The preview shows what the sponsor sees: Vera's own answer, no partner's.
    assert rep.status_code == 200 and len(shown(rep.get_data(as_text=True))) == 1
    preview_csv = staff.get(f"{base}.csv?company=Acme").get_data(as_text=True)
    assert "Partner 1" not in preview_csv.split("Vera Acme,")[0]
    assert staff.get(f"{base}.pdf?company=Acme").data.startswith(b"%PDF")
    assert staff.get(f"{base}?company=Nobody").status_code == 404
    assert staff.get(f"{base}?company=Partner%201").status_code == 404  # not a sponsor


def test_preview_is_404_for_another_organiser(event, cast, login_as, make_organiser) -> None:
    stranger = login_as(make_organiser())
    base = f"/organiser/events/{event.slug}"
    assert stranger.get(f"{base}/sponsor-report?company=Acme").status_code == 404
    assert stranger.get(f"{base}/report/answers/sponsors/nps").status_code == 404
    for kind in ("csv", "xlsx", "pdf"):
        assert stranger.get(f"{base}/report.{kind}").status_code == 404
        assert stranger.get(f"{base}/sponsor-report.{kind}?company=Acme").status_code == 404


def test_event_report_downloads(event, cast, login_as) -> None:
    staff = login_as(event.organiser)
    base = f"/organiser/events/{event.slug}/report"
    page = staff.get(base).get_data(as_text=True)
    for kind in ("csv", "xlsx", "pdf"):
        assert f'href="{base}.{kind}"' in page
    csv_text = staff.get(f"{base}.csv").data.decode("utf-8-sig")
    assert csv_text.count("\r\n") == 12  # header and the 11 answers
    assert "'=great demo" in csv_text and "partner-to-partner" in csv_text
    pdf = staff.get(f"{base}.pdf")
    assert pdf.data.startswith(b"%PDF") and pdf.mimetype == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    per_sponsor = text.split("Per sponsor")[1].split("Teaming")[0]
    assert "Acme" in per_sponsor and "Globex" in per_sponsor
    per_sponsor = " ".join(per_sponsor.split())  # right-aligned lines: spaces vary
    assert "EUR 3,000 USD 500" in per_sponsor and "-100 (small sample)" in per_sponsor
    preview = f"/organiser/events/{event.slug}/sponsor-report"
    for other in ("doc", "CSV", "json"):  # formats not offered: no file
        assert staff.get(f"{base}.{other}").status_code == 404
        assert staff.get(f"{preview}.{other}?company=Acme").status_code == 404


def test_a_sponsors_trace_is_one_page_whatever_the_page_size(app, client, cast, tokens) -> None:
    """Paging would order the answers: a sponsor's few come on one page (organisers page)."""
    app.config["REPORT_ANSWERS_PER_PAGE"] = 2
    base = f"/s/{tokens['Acme']}/answers/nps"
    first = client.get(base).get_data(as_text=True)
    assert len(partner_lines(first)) == 3 and "Page 1 of" not in first
    for page in ("2", "0", "x", "-1"):
        assert client.get(f"{base}?page={page}").status_code == 404


def test_odd_page_arguments_are_404_or_ignored_never_an_error(app, client, cast, tokens):
    app.config["REPORT_ANSWERS_PER_PAGE"] = 2
    base = f"/s/{tokens['Acme']}/answers/nps"
    for page in ("%C2%B2", "1" * 5000, "1.0", ""):
        assert client.get(f"{base}?page={page}").status_code == 404
    odd = client.get(f"{base}?page=1&token=x&figure=y&_external=1&_anchor=z")
    assert odd.status_code == 200
    html = odd.get_data(as_text=True)
    assert len(partner_lines(html)) == 3 and "_external" not in html and "#z" not in html


def test_event_report_traces_come_in_pages(app, event, cast, login_as) -> None:
    app.config["REPORT_ANSWERS_PER_PAGE"] = 1
    staff = login_as(event.organiser)
    base = f"/organiser/events/{event.slug}/report/answers/overall/held"
    first = staff.get(base).get_data(as_text=True)
    assert len(shown(first)) == 1 and f'href="{base}?page=2"' in first
    assert len(shown(staff.get(f"{base}?page=2").get_data(as_text=True))) == 1


def test_reports_are_built_with_the_collector_held(event, cast, monkeypatch) -> None:
    """The figures, and the event's answer rows for the downloads, come with the collector held."""
    seen = []

    def spy(original):
        def watched(*args):
            seen.append(gc.isenabled())
            return original(*args)

        return watched

    monkeypatch.setattr(reports, "measure", spy(measures.measure))
    monkeypatch.setattr(report_exports, "published_rows", spy(report_exports.published_rows))
    reports.sponsor_report(event, "Acme")
    reports.event_report(event)
    report_exports.event_rows(event)
    assert len(seen) > 3 and not any(seen)
    assert gc.isenabled()
