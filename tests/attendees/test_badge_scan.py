"""Badge scans at a sponsor's booth: a lead for the scanning company, told on the partner's
agenda (cached or not), withdrawn by the partner alone; every refusal says why."""

from __future__ import annotations

import pytest
from flask import Flask

from app.extensions import db
from app.models import Attendee
from app.models.lead import BADGE_SCAN, Lead
from app.services.events.clock import from_utc
from app.services.messages.mailing import agenda_url
from tests.attendee_helpers import page_text
from tests.conftest import csrf_token
from tests.lead_helpers import Booths, build_booths, crm_import

JSON = {"Accept": "application/json"}


@pytest.fixture
def booths(app, make_organiser, make_event, make_attendee, make_version) -> Booths:
    return build_booths(make_organiser, make_event, make_attendee, make_version)


def badge(app: Flask, who: Attendee) -> str:
    """What ``who``'s badge QR code holds: their agenda link."""
    with app.test_request_context():
        return agenda_url(who)


def scan(client, token: str, code: str, json: bool = True):
    """Post a scanned code through the sponsor link ``token``'s booth page."""
    page = f"/s/{token}/scan"
    data = {"code": code, "csrf_token": csrf_token(client, page)}
    return client.post(page, data=data, headers=JSON if json else {})


def leads() -> list[tuple[str, int, str]]:
    db.session.expire_all()
    return sorted(
        (lead.company, lead.attendee_id, "withdrawn" if lead.withdrawn_at else "active")
        for lead in db.session.query(Lead)
    )


def test_a_scan_makes_one_lead_and_the_agenda_says_so(app, client, booths: Booths) -> None:
    """Nina scans Zoë's badge: a Northwind lead; Zoë's (cached) agenda names who and when;
    scanning her again keeps one lead."""
    b = booths
    before = page_text(client.get(f"/a/{b.zoe.token}"))  # the cached page, before the scan
    assert "scanned your badge" not in before
    response = scan(client, b.northwind.token, badge(app, b.zoe))
    assert response.status_code == 200
    assert response.json["ok"] is True and response.json["again"] is False
    assert "Zoë van der Berg (Fabrikam Ölwerke) is a lead" in response.json["message"]
    assert leads() == [("Northwind", b.zoe.id, "active")]
    lead = db.session.query(Lead).one()
    assert lead.source == BADGE_SCAN and lead.contact_id == b.northwind.id
    when = from_utc(b.event, lead.created_at).strftime("%H:%M")  # in Warsaw, as stored in UTC
    page = page_text(client.get(f"/a/{b.zoe.token}"))
    assert f"Northwind scanned your badge at {when} (Nina Boss): they may contact you." in page
    again = scan(client, b.northwind.token, badge(app, b.zoe))
    assert again.json["ok"] is True and again.json["again"] is True
    assert "scanned already" in again.json["message"]
    assert leads() == [("Northwind", b.zoe.id, "active")]
    rows = crm_import(client.get(f"/s/{b.northwind.token}/leads.csv").data)
    assert [r["Email"] for r in rows] == ["zoe@fabrikam.example"]
    assert f"badge scanned at the booth by Nina Boss at {when}" in rows[0]["Description"]
    # Nobody else's agenda mentions it.
    assert "scanned your badge" not in page_text(client.get(f"/a/{b.mallory.token}"))


def test_the_typed_code_records_the_lead_too(client, booths: Booths) -> None:
    """Without the camera: the token typed in the form, the page lists the scan."""
    b = booths
    response = scan(client, b.northwind.token, b.zoe.token, json=False)
    assert response.status_code == 302
    page = page_text(client.get(response.headers["Location"]))
    assert "Zoë van der Berg (Fabrikam Ölwerke) is a lead" in page
    assert "Scanned at Warsaw Partner Summit" in page and "Zoë van der Berg Fabrikam" in page
    assert leads() == [("Northwind", b.zoe.id, "active")]


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("unknown", "This is not a badge code of this event"),
        ("empty", "This is not a badge code of this event"),
        ("other_event", "This badge is for another event"),
        ("own_people", "Anna Nowak is one of Northwind's own people"),
    ],
)
def test_refused_scans_say_why_and_record_nothing(
    app, client, make_event, make_attendee, booths: Booths, case: str, message: str
) -> None:
    b = booths
    elsewhere = make_event(b.event.organiser, name="Elsewhere")
    stranger = make_attendee(elsewhere, "stranger@zeta.example", name="Sam Stranger")
    code = {
        "unknown": "https://mingle.example/a/" + "A" * 43,
        "empty": "   ",
        "other_event": badge(app, stranger),
        "own_people": badge(app, b.anna),
    }[case]
    response = scan(client, b.northwind.token, code)
    assert response.status_code == 422
    assert response.json["ok"] is False and message in response.json["error"]
    typed = scan(client, b.northwind.token, code, json=False)
    assert typed.status_code == 422 and message in page_text(typed)
    assert leads() == []


def test_the_partner_withdraws_the_scan(app, client, booths: Booths) -> None:
    """Zoë withdraws: the lead leaves Northwind's page and files; a re-scan does not bring it
    back, and says why."""
    b = booths
    scan(client, b.northwind.token, badge(app, b.zoe))
    lead = db.session.query(Lead).one()
    agenda = f"/a/{b.zoe.token}"
    data = {"lead": lead.id, "csrf_token": csrf_token(client, agenda)}
    response = client.post(f"/a/{b.zoe.token}/scans/withdraw", data=data)
    assert response.status_code == 302 and response.headers["Location"].startswith(agenda)
    page = page_text(client.get(agenda))
    assert "Withdrawn: Northwind no longer has your badge scan as a lead." in page
    assert "scanned your badge" not in page_text(client.get(agenda))
    assert leads() == [("Northwind", b.zoe.id, "withdrawn")]
    assert crm_import(client.get(f"/s/{b.northwind.token}/leads.csv").data) == []
    report = page_text(client.get(f"/s/{b.northwind.token}"))
    assert "zoe@fabrikam.example" not in report and "No leads yet." in report
    again = scan(client, b.northwind.token, badge(app, b.zoe))
    assert again.status_code == 422 and "withdrew an earlier scan" in again.json["error"]
    assert leads() == [("Northwind", b.zoe.id, "withdrawn")]


def test_another_attendee_cannot_withdraw_it(app, client, booths: Booths) -> None:
    """Mallory posts Zoë's lead id through her own link: 404, and the lead stands."""
    b = booths
    scan(client, b.northwind.token, badge(app, b.zoe))
    lead = db.session.query(Lead).one()
    session_token = csrf_token(client, f"/a/{b.zoe.token}")  # a real one, of this session
    for token, value in ((b.mallory.token, lead.id), (b.zoe.token, lead.id + 1000)):
        data = {"lead": value, "csrf_token": session_token}
        assert client.post(f"/a/{token}/scans/withdraw", data=data).status_code == 404
    bad = {"lead": lead.id, "csrf_token": session_token}
    assert client.post(f"/a/{'A' * 43}/scans/withdraw", data=bad).status_code == 404
    # Without the CSRF token, Zoë's own link does nothing either.
    assert (
        client.post(f"/a/{b.zoe.token}/scans/withdraw", data={"lead": lead.id}).status_code == 400
    )
    assert leads() == [("Northwind", b.zoe.id, "active")]


def test_another_sponsors_token_cannot_scan_into_this_company(app, client, booths) -> None:
    """Contoso's link records Contoso's lead, never Northwind's, whatever the form says."""
    b = booths
    page = f"/s/{b.contoso.token}/scan"
    data = {
        "code": badge(app, b.zoe),
        "company": "Northwind",
        "contact": b.northwind.id,
        "csrf_token": csrf_token(client, page),
    }
    assert client.post(page, data=data, headers=JSON).json["ok"] is True
    assert leads() == [("Contoso", b.zoe.id, "active")]
    assert crm_import(client.get(f"/s/{b.northwind.token}/leads.csv").data) == []
    assert "Zoë van der Berg" not in page_text(client.get(f"/s/{b.northwind.token}/scan"))
    assert "Contoso scanned your badge" in page_text(client.get(f"/a/{b.zoe.token}"))


def test_scans_need_a_current_link_and_a_csrf_token(client, booths: Booths) -> None:
    b = booths
    assert client.get(f"/s/{'A' * 43}/scan").status_code == 404
    token = csrf_token(client, f"/s/{b.northwind.token}/scan")
    forged = client.post(f"/s/{'A' * 43}/scan", data={"code": b.zoe.token, "csrf_token": token})
    assert forged.status_code == 404
    old = b.northwind.token
    b.northwind.reissue_token()
    db.session.commit()
    assert client.get(f"/s/{old}/scan").status_code == 404
    bare = client.post(f"/s/{b.northwind.token}/scan", data={"code": b.zoe.token})
    assert bare.status_code == 400
    assert leads() == []
