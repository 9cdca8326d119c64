"""The sponsor's report page and exports: known figures, safe cells, and access by token only."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from app.extensions import db
from app.models import FollowUp, SponsorContact
from tests.report_helpers import add_bosses, build


@pytest.fixture
def cast(event, make_attendee, make_version):
    """The hand-built event of ``report_helpers.build``."""
    return build(event, make_attendee, make_version)


@pytest.fixture
def contacts(event, cast) -> dict[str, SponsorContact]:
    """One contact for Acme, one for Globex."""
    return add_bosses(event)


def test_page_shows_the_known_figures(client, contacts) -> None:
    html = client.get(f"/s/{contacts['Acme'].token}").get_data(as_text=True)
    assert 'id="scheduled">5<' in html
    assert 'id="held">4<' in html
    assert 'id="no-shows">1<' in html
    assert 'id="nps">+0<' in html
    assert 'id="asked">4<' in html and 'id="answered">3<' in html
    assert 'id="response-rate">75%<' in html
    assert 'id="small-sample"' in html
    assert 'id="avg-rating">4.0<' in html
    assert "EUR 3,000" in html and "USD 500" in html
    assert 'id="step-proposal">1<' in html
    assert "Ünïcödé ça marche" in html
    assert "Globex secret" not in html
    assert "Vera Acme" in html and "Walt Acme" in html


def test_csv_has_one_row_per_answer_neutralised_and_unicode(client, contacts) -> None:
    response = client.get(f"/s/{contacts['Acme'].token}/report.csv")
    assert response.status_code == 200
    body = response.get_data()
    assert body.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    # Acme's own 3 answers, the partners' 4 without identity, and the 2 quoted reasons.
    assert len(rows) == 9
    assert all(r["answered_by"] in ("Vera Acme", "Walt Acme", "") for r in rows)
    whys = {r["why"] for r in rows}
    assert "'=great demo" in whys and "Ünïcödé ça marche" in whys
    assert "Globex secret" not in whys
    eur = sum(float(r["pipeline_value"]) for r in rows if r["currency"] == "EUR")
    assert eur == 3000.0
    recommends = sorted(int(r["recommend"]) for r in rows if r["recommend"])
    assert recommends == [6, 8, 10]


def test_xlsx_neutralises_formulas_and_keeps_unicode(client, contacts) -> None:
    response = client.get(f"/s/{contacts['Acme'].token}/report.xlsx")
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    values = [c.value for row in sheet.iter_rows() for c in row]
    assert "'=great demo" in values and "Ünïcödé ça marche" in values
    assert not any(isinstance(v, str) and v[:1] in "=+-@" for v in values)


@pytest.mark.parametrize("start", ["=", "+", "-", "@"])
def test_every_formula_start_is_neutralised(client, event, contacts, cast, start) -> None:
    answer = cast.p[1]
    row = db.session.query(FollowUp).filter_by(attendee_id=answer.id, other_id=cast.v1.id).one()
    row.why = f"{start}HYPERLINK(1)"
    db.session.commit()
    body = client.get(f"/s/{contacts['Acme'].token}/report.csv").get_data().decode("utf-8-sig")
    assert f"'{start}HYPERLINK(1)" in body


def test_other_sponsor_sees_only_its_own(client, contacts) -> None:
    html = client.get(f"/s/{contacts['Globex'].token}").get_data(as_text=True)
    assert 'id="scheduled">2<' in html
    assert "Ünïcödé" not in html and "Vera Acme" not in html


def test_unknown_reissued_or_attendee_tokens_get_404(client, contacts, cast) -> None:
    acme = contacts["Acme"]
    old = acme.token
    for suffix in ("", "/report.csv", "/report.xlsx", "/report.pdf"):
        assert (
            client.get(f"/s/{old[:-1]}{'A' if old[-1] != 'A' else 'B'}{suffix}").status_code == 404
        )
        assert client.get(f"/s/{cast.v1.token}{suffix}").status_code == 404
        assert client.get(f"/s/{cast.p[1].token}{suffix}").status_code == 404
        assert client.get(f"/s/short{suffix}").status_code == 404
    acme.reissue_token()
    db.session.commit()
    assert client.get(f"/s/{old}").status_code == 404
    assert client.get(f"/s/{acme.token}").status_code == 200


def test_pdf_text_has_the_known_figures(client, contacts) -> None:
    response = client.get(f"/s/{contacts['Acme'].token}/report.pdf")
    assert response.mimetype == "application/pdf"
    pages = PdfReader(io.BytesIO(response.get_data())).pages
    text = " ".join(" ".join(p.extract_text() for p in pages).split())
    assert "Acme at" in text
    assert "Meetings scheduled 5" in text and "Meetings held 4" in text
    assert "No-shows 1" in text and "Response rate 75%" in text
    assert "NPS +0" in text and "Small sample" in text
    assert "Pipeline EUR 3,000" in text and "Pipeline USD 500" in text
    assert "Ünïcödé ça marche" in text
    assert "Globex secret" not in text
    assert client.get(f"/s/{contacts['Acme'].token}/report.doc").status_code == 404
