"""The organiser's agreed-meetings page: upload, problems, how meetings are made, delete."""

from __future__ import annotations

import io

from app.services.scheduling.agreed import agreed_count
from tests.conftest import post_form


def setup(make_organiser, make_event, make_attendee, login_as):
    organiser = make_organiser()
    event = make_event(organiser, rounds=4, tables=4)
    for i in (1, 2, 3):
        make_attendee(event, f"p{i}@x.io", name=f"Person {i}", company=f"Co {i}")
    return event, login_as(organiser)


def send(client, event, data: bytes):
    url = f"/organiser/events/{event.slug}/agreed/upload"
    return post_form(
        client, url, {"file": (io.BytesIO(data), "agreed.csv")}, content_type="multipart/form-data"
    )


def test_an_upload_lists_the_meetings_and_a_bad_one_says_why(
    make_organiser, make_event, make_attendee, login_as
) -> None:
    event, client = setup(make_organiser, make_event, make_attendee, login_as)
    page = client.get(f"/organiser/events/{event.slug}/agreed").get_data(as_text=True)
    assert "0 agreed meetings" in page and "Mingle proposes the meetings" in page
    done = send(
        client, event, b"email_a,email_b,rounds,round\np1@x.io,p2@x.io,1-2,\np2@x.io,p3@x.io,,4\n"
    )
    assert done.status_code == 302
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "2 agreed meetings saved" in page
    assert "Person 1 (Co 1) and Person 2 (Co 2)" in page and "rounds 1-2" in page
    assert "round 4" in page
    bad = send(client, event, b"email_a,email_b\np1@x.io,p9@x.io\n")
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert "The file was not saved" in html
    assert '<td data-label="Row">2</td>' in html and "<code>p9@x.io</code>" in html
    assert agreed_count(event) == 2


def test_the_mode_is_chosen_and_the_meetings_can_be_deleted(
    make_organiser, make_event, make_attendee, login_as
) -> None:
    event, client = setup(make_organiser, make_event, make_attendee, login_as)
    send(client, event, b"p1@x.io,p2@x.io\n")
    url = f"/organiser/events/{event.slug}/agreed"
    done = post_form(client, f"{url}/mode", {"mode": "agreed"})
    assert done.status_code == 302 and event.meeting_mode == "agreed"
    assert post_form(client, f"{url}/mode", {"mode": "everything"}).status_code == 400
    assert event.meeting_mode == "agreed"
    done = post_form(client, f"{url}/clear", {})
    assert done.status_code == 302 and agreed_count(event) == 0
    page = client.get(url).get_data(as_text=True)
    assert "No agreed meetings yet: upload them below before you build." in page
