"""The rated side never sees who gave which score: every sponsor page and download is attacked.

Acme's two reps each met five partners who all answered (the default threshold, 5); Globex's
one rep met two of them. Every respondent has a name, e-mail and company of their own, so any
of them on a sponsor's page, CSV, XLSX or PDF is a leak, unless they let their words be quoted
with their name.
"""

from __future__ import annotations

import csv
import io
import re

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import Attendee, Event, FollowUp, SponsorContact
from app.services.reports.anonymity import hidden_reps
from app.services.reports.measures import FIGURES
from tests.report_helpers import answer

RATINGS = [5, 4, 4, 3, 2, 5, 5, 4, 1, 3]  # of partners 1-10 (1-5 met Vera, 6-10 Walt)
RECOMMENDS = [10, 9, 7, 6, 2, 10, 8, 8, 0, 5]


def respondent(i: int) -> tuple[str, str, str]:
    """Partner ``i``'s name, e-mail and company: each unmistakable in a page."""
    return (f"Zofia Respondent{i:02d}", f"resp{i:02d}@hidden.example", f"Respco{i:02d} Ltd")


@pytest.fixture
def forum(make_organiser, make_event, make_attendee, make_version) -> dict[str, object]:
    event = make_event(make_organiser(), name="Forum", rounds=6, tables=4, min_meetings=1)
    vera = make_attendee(
        event, "vera@acme.example", name="Vera Acme", company="Acme", kind="vendor"
    )
    walt = make_attendee(
        event, "walt@acme.example", name="Walt Acme", company="Acme", kind="vendor"
    )
    gil = make_attendee(
        event, "gil@globex.example", name="Gil Globex", company="Globex", kind="vendor"
    )
    partners = [
        make_attendee(event, email, name=name, company=company, region="EMEA")
        for name, email, company in (respondent(i) for i in range(1, 11))
    ]
    meetings = [(r + 1, 1, vera, partners[r]) for r in range(5)]
    meetings += [(r + 1, 2, walt, partners[5 + r]) for r in range(5)]
    meetings += [(2, 3, gil, partners[0]), (3, 3, gil, partners[1])]
    make_version(event, meetings, published=True)
    for i, (round_, _, rep, partner) in enumerate(meetings[:10]):
        answer(
            event, partner, rep, round_, held="yes", rating=RATINGS[i], recommend=RECOMMENDS[i],
            why=f"secret reason {i + 1}", quote_ok=i == 0, quote_name=i == 0,
        )  # fmt: skip
        answer(event, rep, partner, round_, held="yes", next_step="call")
    answer(event, partners[0], gil, 2, held="yes", rating=1, recommend=0, why="globex secret")
    answer(
        event, partners[1], gil, 3, held="yes", rating=2, recommend=3, why="quote me", quote_ok=True
    )
    contacts = {
        company: SponsorContact(
            event_id=event.id, email=f"boss@{company.lower()}.example", name="Boss", company=company
        )
        for company in ("Acme", "Globex")
    }
    db.session.add_all(contacts.values())
    db.session.commit()
    return {"event": event, "vera": vera, "walt": walt, "contacts": contacts}


def leaks(text: str, allowed: tuple[int, ...] = ()) -> list[str]:
    """Any respondent's name, e-mail or company in ``text`` (except those of ``allowed``)."""
    found = []
    for i in range(1, 11):
        if i in allowed:
            continue
        found += [part for part in respondent(i) if part in text]
    return found


def sponsor_texts(client, token: str, reps: list[Attendee]) -> dict[str, str]:
    """Every page and download a sponsor's link opens, as text, by URL."""
    base = f"/s/{token}"
    texts = {base: client.get(base).get_data(as_text=True)}
    figures = [*FIGURES, "step-call", "pipeline-EUR"]
    queries = ["", "?page=1", "?sort=name", "?order=round"] + [f"?rep={r.id}" for r in reps]
    for figure in figures:
        for query in queries:
            response = client.get(f"{base}/answers/{figure}{query}")
            assert response.status_code in (200, 404), (figure, query)
            texts[f"{base}/answers/{figure}{query}"] = response.get_data(as_text=True)
    texts[f"{base}/report.csv"] = client.get(f"{base}/report.csv").data.decode("utf-8-sig")
    sheet = load_workbook(io.BytesIO(client.get(f"{base}/report.xlsx").data)).active
    texts[f"{base}/report.xlsx"] = "\n".join(
        str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None
    )
    pdf = PdfReader(io.BytesIO(client.get(f"{base}/report.pdf").data))
    texts[f"{base}/report.pdf"] = "\n".join(page.extract_text() for page in pdf.pages)
    return texts


def test_no_sponsor_page_or_download_names_a_respondent_without_consent(client, forum) -> None:
    reps = [forum["vera"], forum["walt"]]
    for company, contact in forum["contacts"].items():
        for url, text in sponsor_texts(client, contact.token, reps).items():
            # Partner 1 let Acme quote them by name; that quote alone may name them.
            allowed = (1,) if company == "Acme" else ()
            assert leaks(text, allowed) == [], url
            for i in range(2, 11):  # the reasons nobody let be quoted
                assert f"secret reason {i}" not in text, url
            assert "globex secret" not in text, url


def test_a_quote_shows_as_consented_and_never_beside_its_scores(client, forum) -> None:
    token = forum["contacts"]["Acme"].token
    page = " ".join(client.get(f"/s/{token}").get_data(as_text=True).split())
    assert '“secret reason 1” <span class="trace">(Zofia Respondent01, Respco01 Ltd)</span>' in page
    rows = list(
        csv.DictReader(io.StringIO(client.get(f"/s/{token}/report.csv").data.decode("utf-8-sig")))
    )
    quoted = [r for r in rows if r["why"] == "secret reason 1"]
    assert len(quoted) == 1 and quoted[0]["answered_by"] == "Zofia Respondent01"
    assert quoted[0]["rating"] == quoted[0]["recommend"] == quoted[0]["round"] == ""
    # Partners' rows: values only, no answer number, round, person, company or rep.
    partners = [r for r in rows if r["recommend"]]
    assert len(partners) == 10
    assert {r["answer_id"] + r["round"] + r["answered_by"] + r["about"] for r in partners} == {""}
    values = [(r["held"], int(r["recommend"]), int(r["rating"])) for r in partners]
    assert values == sorted(values)  # by value, not by round or answer


def test_a_score_on_too_few_answers_reads_fewer_than(client, forum) -> None:
    token = forum["contacts"]["Globex"].token  # 2 answers about Gil
    page = " ".join(client.get(f"/s/{token}").get_data(as_text=True).split())
    assert re.search(r'id="nps"><span class="withheld">fewer than 5 answers', page)
    assert re.search(r'id="avg-rating"><span class="withheld">fewer than 5 answers', page)
    assert "quote me" not in page  # unnamed, on 2 answers: it could be told whose
    assert client.get(f"/s/{token}/answers/nps").status_code == 404
    assert client.get(f"/s/{token}/answers/rating").status_code == 404
    pdf = PdfReader(io.BytesIO(client.get(f"/s/{token}/report.pdf").data))
    assert "fewer than 5 answers" in " ".join(p.extract_text() for p in pdf.pages)


def test_per_rep_figures_link_to_anonymous_answers(client, forum) -> None:
    token = forum["contacts"]["Acme"].token
    page = client.get(f"/s/{token}").get_data(as_text=True)
    rows = page.split("Per sales rep")[1].split("</table>")[0]
    vera = forum["vera"]
    assert f"/answers/nps?rep={vera.id}" in rows and f"/answers/rating?rep={vera.id}" in rows
    assert 'id="nps">+' in page or 'id="nps">-' in page or 'id="nps">0' in page
    answers = client.get(f"/s/{token}/answers/nps?rep={vera.id}").get_data(as_text=True)
    listed = answers.split('id="partner-answers"')[1].split("</ol>")[0]
    assert sorted(int(n) for n in re.findall(r"recommend (\d+)/10", listed)) == sorted(
        RECOMMENDS[:5]
    )
    assert leaks(answers, allowed=(1,)) == []


def test_a_small_rep_is_hidden_with_the_next_smallest(client, forum) -> None:
    """Walt with 2 answers: hiding only his would let Acme's total minus Vera's give them."""
    walt = forum["walt"]
    gone = db.session.query(FollowUp).filter(FollowUp.other_id == walt.id).limit(3).all()
    for row in gone:
        db.session.delete(row)
    db.session.commit()
    token = forum["contacts"]["Acme"].token
    page = " ".join(client.get(f"/s/{token}").get_data(as_text=True).split())
    rows = page.split("Per sales rep")[1].split("</table>")[0]
    assert rows.count("fewer than 5 answers") == 4  # NPS and rating of both reps
    assert client.get(f"/s/{token}/answers/nps?rep={forum['vera'].id}").status_code == 404
    assert 'id="nps">' in page and 'id="nps"><span class="withheld">' not in page  # 7 in all


def test_hidden_reps_suppress_until_the_hidden_rest_on_enough() -> None:
    assert hidden_reps({1: 9, 2: 7}, 5) == set()
    assert hidden_reps({1: 9, 2: 2}, 5) == {1, 2}  # 2 alone would be 11 - 9
    assert hidden_reps({1: 9, 2: 2, 3: 4}, 5) == {2, 3}  # together 6: enough
    assert hidden_reps({1: 9, 2: 0}, 5) == {2}  # nothing to give away
    assert hidden_reps({1: 3, 2: 2, 3: 1}, 5) == {1, 2, 3}


def test_the_organiser_keeps_every_answer_named(forum, login_as) -> None:
    event: Event = forum["event"]
    staff = login_as(event.organiser)
    base = f"/organiser/events/{event.slug}/report"
    traced = staff.get(f"{base}/answers/sponsors/nps").get_data(as_text=True)
    assert len(leaks(traced)) >= 20  # all ten respondents, by name and company
    assert "secret reason 7" in traced
    exported = staff.get(f"{base}.csv").data.decode("utf-8-sig")
    assert "Zofia Respondent05" in exported and "secret reason 5" in exported


def test_the_threshold_is_never_below_three(forum, login_as) -> None:
    event: Event = forum["event"]
    event.anonymity_threshold = 2
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    staff = login_as(event.organiser)
    form = staff.get(f"/organiser/events/{event.slug}/edit").get_data(as_text=True)
    assert 'name="anonymity_threshold"' in form
