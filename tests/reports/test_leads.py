"""Leads with consent: a follow-up's "yes, contact me" makes a lead the sponsor can import.

The downloads are read the way a CRM import reads them (UTF-8 with a BOM, exact header names);
a lead exists only after "yes", leaves at "no", and only its own company sees it.
"""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from app.extensions import db
from app.models import Meeting
from app.models.lead import Lead
from app.services.followups.answers import record_followup
from app.services.leads import CRM_HEADER, active_leads
from tests.attendee_helpers import page_text
from tests.lead_helpers import ANSWER, Booths, answer, build_booths, crm_import, meeting_ref
from tests.web.test_team_access import FreshContextClient


@pytest.fixture
def booths(app, make_organiser, make_event, make_attendee, make_version) -> Booths:
    return build_booths(make_organiser, make_event, make_attendee, make_version)


def test_the_question_is_asked_about_sponsors_only(client, booths: Booths) -> None:
    """Zoë is asked whether Northwind may contact her, with nothing chosen; Pia about Piet not."""
    b = booths
    form = client.get(f"/a/{b.zoe.token}/followup/{meeting_ref(b.zoe, b.anna)}").get_data(
        as_text=True
    )
    assert "Would you like Northwind to contact you?" in form
    assert 'name="contact_ok" value="yes"' in form and " checked" not in form.split("contact_ok")[1]
    p2p = client.get(f"/a/{b.pia.token}/followup/{meeting_ref(b.pia, b.piet)}").get_data(
        as_text=True
    )
    assert "to contact you?" not in p2p


def test_a_yes_makes_a_lead_a_crm_imports(client, booths: Booths) -> None:
    """Zoë says yes: Northwind's leads.csv imports as one lead, every column as a CRM maps it."""
    b = booths
    answer(
        client,
        b.zoe,
        b.anna,
        contact_ok="yes",
        next_step="proposal",
        pipeline_value="25 000",
        currency="EUR",
    )
    response = client.get(f"/s/{b.northwind.token}/leads.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = crm_import(response.data)
    assert len(rows) == 1
    lead = rows[0]
    assert lead["First Name"] == "Zoë van der"
    assert lead["Last Name"] == "Berg"
    assert lead["Company"] == "Fabrikam Ölwerke"
    assert lead["Email"] == "zoe@fabrikam.example"
    # A leading "+" starts a formula in a spreadsheet: neutralised like every export's cells.
    assert lead["Phone"] == "'+31 20 555 0101"
    assert lead["Title"] == "Head of Alliances"
    assert lead["Country"] == "Netherlands"
    assert lead["Lead Source"] == "Warsaw Partner Summit"
    description = lead["Description"]
    assert "Offers: erp, cloud." in description and "Seeks: security." in description
    assert "Next step they stated: Proposal." in description
    assert "Pipeline they estimated: EUR 25,000." in description
    start = b.event.round_times()[0][0]
    assert f"Met Anna Nowak in round 1 at {start:%H:%M, %d %b} (Europe/Warsaw)" in description
    assert "asked to be contacted in their follow-up" in description
    # Her ratings of Northwind are not part of the lead.
    assert "Slow demo" not in description and "3" not in description.split("Pipeline")[0][-5:]
    assert "recommend" not in description.lower()


def test_the_xlsx_holds_the_same_lead(client, booths: Booths) -> None:
    b = booths
    answer(client, b.zoe, b.anna, contact_ok="yes")
    response = client.get(f"/s/{b.northwind.token}/leads.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert tuple(rows[0]) == CRM_HEADER
    assert len(rows) == 2
    assert rows[1][:8] == [
        "Zoë van der",
        "Berg",
        "Fabrikam Ölwerke",
        "zoe@fabrikam.example",
        "'+31 20 555 0101",
        "Head of Alliances",
        "Netherlands",
        "Warsaw Partner Summit",
    ]


def test_no_consent_no_lead(client, booths: Booths) -> None:
    """Zoë answers without choosing, Mallory says no: Northwind has no lead, and says so."""
    b = booths
    answer(client, b.zoe, b.anna)
    answer(client, b.mallory, b.anna, contact_ok="no")
    assert db.session.query(Lead).count() == 0
    assert crm_import(client.get(f"/s/{b.northwind.token}/leads.csv").data) == []
    page = page_text(client.get(f"/s/{b.northwind.token}"))
    assert "No leads yet." in page
    assert "zoe@fabrikam.example" not in page


def test_a_made_up_consent_value_is_no(client, booths: Booths) -> None:
    b = booths
    answer(client, b.zoe, b.anna, contact_ok="YES please")
    assert active_leads(b.event, "Northwind") == []


def test_answering_no_withdraws_the_lead(client, booths: Booths) -> None:
    """Yes, then no: the lead leaves the page and both downloads; yes again brings it back."""
    b = booths
    answer(client, b.zoe, b.anna, contact_ok="yes")
    page = page_text(client.get(f"/s/{b.northwind.token}"))
    assert "Zoë van der Berg" in page and "zoe@fabrikam.example" in page
    answer(client, b.zoe, b.anna, contact_ok="no")
    assert crm_import(client.get(f"/s/{b.northwind.token}/leads.csv").data) == []
    sheet = load_workbook(io.BytesIO(client.get(f"/s/{b.northwind.token}/leads.xlsx").data))
    assert sheet.active.max_row == 1
    page = page_text(client.get(f"/s/{b.northwind.token}"))
    assert "zoe@fabrikam.example" not in page and "No leads yet." in page
    lead = db.session.query(Lead).one()
    assert lead.withdrawn_at is not None
    # Her form remembers the "no".
    form = client.get(f"/a/{b.zoe.token}/followup/{meeting_ref(b.zoe, b.anna)}").get_data(
        as_text=True
    )
    assert 'value="no" checked' in form
    answer(client, b.zoe, b.anna, contact_ok="yes")
    assert len(crm_import(client.get(f"/s/{b.northwind.token}/leads.csv").data)) == 1


def test_another_sponsor_sees_none_of_them(client, booths: Booths) -> None:
    """Zoë says yes to Northwind, no to Contoso: Contoso's link shows and exports nothing of her."""
    b = booths
    answer(client, b.zoe, b.anna, contact_ok="yes")
    answer(client, b.zoe, b.carl, contact_ok="no")
    contoso = client.get(f"/s/{b.contoso.token}/leads.csv").data
    assert crm_import(contoso) == []
    assert "zoe@" not in contoso.decode("utf-8-sig")
    page = page_text(client.get(f"/s/{b.contoso.token}"))
    assert "zoe@fabrikam.example" not in page and "No leads yet." in page
    xlsx = load_workbook(io.BytesIO(client.get(f"/s/{b.contoso.token}/leads.xlsx").data))
    assert xlsx.active.max_row == 1
    # A yes to Contoso is Contoso's, and Northwind's stays one lead.
    answer(client, b.zoe, b.carl, contact_ok="yes")
    assert [r["Email"] for r in crm_import(client.get(f"/s/{b.contoso.token}/leads.csv").data)] == [
        "zoe@fabrikam.example"
    ]
    assert len(crm_import(client.get(f"/s/{b.northwind.token}/leads.csv").data)) == 1


def test_unknown_links_and_formats_get_404(client, booths: Booths) -> None:
    b = booths
    assert client.get(f"/s/{'A' * 43}/leads.csv").status_code == 404
    assert client.get(f"/s/{b.northwind.token}/leads.pdf").status_code == 404


def test_formula_cells_are_neutralised(client, booths: Booths) -> None:
    """Mallory's name and company would run as formulas: both files show them as text."""
    b = booths
    answer(client, b.mallory, b.anna, contact_ok="yes")
    lead = crm_import(client.get(f"/s/{b.northwind.token}/leads.csv").data)[0]
    assert lead["Company"] == "'@SUM(1+1)"
    assert lead["First Name"].startswith("'=")
    sheet = load_workbook(io.BytesIO(client.get(f"/s/{b.northwind.token}/leads.xlsx").data)).active
    cells = [c.value for c in sheet[2]]
    assert cells[2] == "'@SUM(1+1)" and str(cells[0]).startswith("'=")
    assert all(c.data_type != "f" for c in sheet[2])


def test_the_organisers_preview_shows_the_same_leads(app, login_as, booths: Booths) -> None:
    b = booths
    app.test_client_class = FreshContextClient  # the organiser's log-in stays in its client
    client = app.test_client()
    answer(client, b.zoe, b.anna, contact_ok="yes")
    organiser = login_as(b.event.organiser)
    slug = b.event.slug
    page = page_text(organiser.get(f"/organiser/events/{slug}/sponsor-report?company=Northwind"))
    assert "Zoë van der Berg" in page and "zoe@fabrikam.example" in page
    body = organiser.get(f"/organiser/events/{slug}/sponsor-report/leads.csv?company=Northwind")
    assert body.status_code == 200
    assert body.data == client.get(f"/s/{b.northwind.token}/leads.csv").data
    other = organiser.get(f"/organiser/events/{slug}/sponsor-report?company=Contoso")
    assert "zoe@fabrikam.example" not in page_text(other)


def test_a_paper_answer_keeps_the_consent_given_online(booths: Booths) -> None:
    """The organiser keys in Zoë's paper form (it has no consent question): her online "yes"
    stands; the web form, which asks, changes it."""
    b = booths
    meeting = db.session.get(Meeting, meeting_ref(b.zoe, b.anna))
    record_followup(meeting, b.zoe, {**ANSWER, "contact_ok": "yes"})
    paper = {k: v for k, v in ANSWER.items() if k != "contact_asked"}
    record_followup(meeting, b.zoe, {**paper, "rating": "4"})
    assert [row.person.email for row in active_leads(b.event, "Northwind")] == [b.zoe.email]
    record_followup(meeting, b.zoe, ANSWER)  # the form asked; nothing chosen is no
    assert active_leads(b.event, "Northwind") == []
