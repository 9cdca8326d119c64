"""Hand edits on the schedule page offer only what the service accepts, and keep the place.

Each schedule here is written by hand (``make_version``), so the test knows which tables are
free, who must meet whom and who is at their minimum.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Meeting
from tests.conftest import post_form


def meetings_of(version) -> list[tuple[int, int, int, int]]:
    db.session.expire_all()
    rows = db.session.scalars(select(Meeting).where(Meeting.version_id == version.id))
    return sorted((m.round, m.table, m.attendee_a_id, m.attendee_b_id) for m in rows)


@pytest.fixture
def small(make_organiser, make_event, make_attendee, make_version, login_as):
    """Three rounds, two tables, everyone at least one meeting; ``b`` must meet ``a``.

    Round 1 is full (a-b, c-d), round 2 has one free table (a-c), round 3 is full (e-f, g-b);
    ``g`` works for a's company; ``d`` has one meeting only.
    """
    event = make_event(make_organiser(), rounds=3, tables=2, min_meetings=1)
    people = {}
    for key in "abcdefg":
        people[key] = make_attendee(
            event,
            f"{key}.person@{key}-corp.example",
            name=f"{key.upper()}nne Person",
            company="A Corp" if key == "g" else f"{key.upper()} Corp",
            offers=["cloud"],
            seeks=["cloud"],
        )
    people["b"].must_meet = [people["a"].email]
    db.session.commit()
    p = people
    version = make_version(event, [(1, 1, p["a"], p["b"]), (1, 2, p["c"], p["d"]),
                                   (2, 1, p["a"], p["c"]),
                                   (3, 1, p["e"], p["f"]), (3, 2, p["g"], p["b"])])  # fmt: skip
    return event, version, p, login_as(event.organiser)


def page(client, event, query: str = "") -> str:
    return client.get(f"/organiser/events/{event.slug}/schedule{query}").get_data(as_text=True)


def test_no_add_meeting_in_a_round_without_a_free_table(small) -> None:
    """Round 1 is full: no "Add meeting" there (but in round 2); a forged add is refused."""
    event, version, p, client = small
    html = page(client, event, f"?attendee={p['e'].id}")
    row1 = re.search(r'<tr id="slot-1">(.*?)</tr>', html, re.S).group(1)
    row2 = re.search(r'<tr id="slot-2">(.*?)</tr>', html, re.S).group(1)
    assert "Add meeting" not in row1 and "Round 1 has no free table." in row1
    assert "Add meeting" in row2 and p["d"].name in row2 and p["g"].name in row2
    assert p["a"].name not in row2 and p["f"].name not in row2  # a is busy, f met already
    before = meetings_of(version)
    answer = post_form(
        client,
        f"/organiser/events/{event.slug}/schedule/meetings/add",
        {"a": p["e"].id, "b": p["g"].id, "round": 1},
        follow_redirects=True,
    )
    assert "Not changed: round 1 has no free table" in answer.get_data(as_text=True)
    assert meetings_of(version) == before


def test_add_offers_only_people_who_may_meet(small) -> None:
    """Colleagues and a pair that already meets are not offered, and refused by name."""
    event, version, p, client = small
    html = page(client, event, f"?attendee={p['b'].id}")
    row2 = re.search(r'<tr id="slot-2">(.*?)</tr>', html, re.S).group(1)
    assert "Add meeting" in row2
    offered = set(re.findall(r'<option value="(\d+)"', row2))
    assert offered == {str(p[k].id) for k in "def"}  # a and g met already, c busy
    before = meetings_of(version)
    base = f"/organiser/events/{event.slug}/schedule/meetings/add"
    text = post_form(client, base, {"a": p["g"].id, "b": p["a"].id, "round": 2},
                     follow_redirects=True).get_data(as_text=True)  # fmt: skip
    assert "Not changed: Gnne Person and Anne Person both work for A Corp" in text
    text = post_form(client, base, {"a": p["g"].id, "b": p["c"].id, "round": 2},
                     follow_redirects=True).get_data(as_text=True)  # fmt: skip
    assert "Not changed: Cnne Person (C Corp) already has a meeting in round 2" in text
    text = post_form(client, base, {"a": p["g"].id, "b": p["e"].id, "round": 2},
                     follow_redirects=True).get_data(as_text=True)  # fmt: skip
    assert "added in round 2" in text and "Gnne Person (A Corp)" in text
    assert len(meetings_of(version)) == len(before) + 1


def test_no_swap_that_breaks_a_must_meet(small) -> None:
    """a must meet b: a's round-1 meeting offers no swap, and a forged one is refused."""
    event, version, p, client = small
    html = page(client, event, f"?attendee={p['a'].id}")
    row1 = re.search(r'<tr id="slot-1">(.*?)</tr>', html, re.S).group(1)
    assert "Swap places" not in row1 and "No swap keeps every rule." in row1
    before = meetings_of(version)
    text = post_form(
        client,
        f"/organiser/events/{event.slug}/schedule/swap",
        {"x": p["a"].id, "y": p["c"].id, "round": 1},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Not changed: Anne Person (A Corp) must meet Bnne Person (B Corp)" in text
    assert "@" not in re.search(r'role="status".*?</div>', text, re.S).group(0)
    assert meetings_of(version) == before


def test_remove_only_where_every_rule_still_holds(small) -> None:
    """d has one meeting (the minimum): no Remove on c-d, nor on the must-meet a-b; a-c can go."""
    event, version, p, client = small
    html = page(client, event)
    by_pair = {(m.attendee_a_id, m.attendee_b_id): m.id for m in version.meetings}
    cd, ac, ab = (by_pair[(p[x].id, p[y].id)] for x, y in ("cd", "ac", "ab"))
    assert f"/meetings/{cd}/remove" not in html
    assert f"/meetings/{ab}/remove" not in html  # a must-meet
    assert f"/meetings/{ac}/remove" in html
    before = meetings_of(version)
    text = post_form(client, f"/organiser/events/{event.slug}/schedule/meetings/{cd}/remove",
                     follow_redirects=True).get_data(as_text=True)  # fmt: skip
    assert "Not changed: Dnne Person (D Corp) would have 0 meetings" in text
    assert "d.person@" not in text.split("<main", 1)[1].split("</h1>", 1)[0]
    assert meetings_of(version) == before


def test_messages_name_people_not_e_mails(small) -> None:
    """A swap seating colleagues is refused naming both by name and company, not e-mail."""
    event, version, p, client = small
    extra = Meeting(round=2, table=2, attendee_a_id=p["g"].id, attendee_b_id=p["e"].id)
    version.meetings.append(extra)
    db.session.commit()
    text = post_form(
        client,
        f"/organiser/events/{event.slug}/schedule/swap",
        {"x": p["a"].id, "y": p["e"].id, "round": 2},  # would seat a with g, colleagues
        follow_redirects=True,
    ).get_data(as_text=True)
    status = re.search(r'role="status".*?</div>', text, re.S).group(0)
    assert "Anne Person and Gnne Person both work for A Corp" in status
    assert "@" not in status
    pin = post_form(client, f"/organiser/events/{event.slug}/schedule/meetings/{extra.id}/pin",
                    {"pinned": "1"}, follow_redirects=True).get_data(as_text=True)  # fmt: skip
    assert "Meeting of Gnne Person (A Corp) and Enne Person (E Corp) in round 2 pinned." in pin


def test_an_edit_returns_to_the_round_it_was_made_in_with_the_filters(small) -> None:
    """The redirect keeps the query string and adds the edited meeting's or round's anchor."""
    event, version, p, client = small
    ac = next(m for m in version.meetings if m.round == 2)
    query = "?version=1&region=EMEA&company=corp"
    html = page(client, event, query)
    assert f'id="meeting-2-{ac.table}"' in html and 'id="round-2"' in html
    assert f'name="at" value="meeting-2-{ac.table}"' in html
    answer = post_form(
        client,
        f"/organiser/events/{event.slug}/schedule/meetings/{ac.id}/pin",
        {"pinned": "1", "next": f"/organiser/events/{event.slug}/schedule{query}",
         "at": f"meeting-2-{ac.table}"},
    )  # fmt: skip
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith(f"{query}#meeting-2-{ac.table}")
    refused = post_form(
        client,
        f"/organiser/events/{event.slug}/schedule/swap",
        {"x": p["a"].id, "y": p["c"].id, "round": 1, "at": "slot-1",
         "next": f"/organiser/events/{event.slug}/schedule?attendee={p['a'].id}"},
    )  # fmt: skip
    assert refused.headers["Location"].endswith(f"?attendee={p['a'].id}#slot-1")
    odd = post_form(
        client,
        f"/organiser/events/{event.slug}/schedule/meetings/{ac.id}/pin",
        {"pinned": "0", "at": '"><script>'},
    )
    assert "#" not in odd.headers["Location"] and "script" not in odd.headers["Location"]


def test_scores_are_labelled_and_explained(small) -> None:
    """Cells say "match score N" with the reasons, and the page says what a score counts."""
    event, version, p, client = small
    html = page(client, event)
    assert re.search(r"match score \d", html)
    assert not re.search(r'<span class="small"[^>]*>\d+\.\d</span>', html)  # no bare "11.0"
    assert 'id="score-legend"' in html and "offers that the other seeks" in html
    assert 'aria-describedby="score-legend"' in html


def test_every_round_is_on_the_page(make_organiser, make_event, make_attendee, make_version,
                                    login_as) -> None:  # fmt: skip
    """Eight rounds: each is a section of its own with its times, none behind another."""
    event = make_event(make_organiser(), rounds=8, tables=2, min_meetings=0)
    people = [make_attendee(event) for _ in range(4)]
    make_version(event, [(r, 1, people[r % 2], people[2 + r % 2]) for r in range(1, 9)])
    html = login_as(event.organiser).get(f"/organiser/events/{event.slug}/schedule").text
    for r in range(1, 9):
        assert f'<section class="card round-card" id="round-{r}"' in html
    assert "Round 8 <span" in html and "grid-scroll" not in html


def test_the_page_and_the_service_agree_on_what_is_legal(event, login_as) -> None:
    """Over a built schedule, each offered swap or partner is one the service's check allows."""
    from app.services.scheduling.builds import start_build
    from app.services.scheduling.legal import legality  # new with this test

    start_build(event, keep_pinned=False)
    db.session.expire_all()
    legal = legality(event.latest_version())
    for person in event.attendees:
        for r in range(1, event.rounds + 1):
            swaps = {a.id for a in legal.swaps(r, person.id)}
            expected = {
                a.id
                for a in event.attendees
                if (r, a.id) in legal.busy and legal.swap_refusal(r, person.id, a.id) is None
            }
            assert swaps == expected, (person.name, r)
            adds = {a.id for a in legal.partners_to_add(person.id, r)}
            expected = {
                a.id
                for a in event.attendees
                if a.id != person.id and legal.add_refusal(person.id, a.id, r) is None
            }
            if (r, person.id) in legal.busy or not legal.free_tables(r):
                expected = set()
            assert adds == expected, (person.name, r)
