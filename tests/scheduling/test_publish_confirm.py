"""Publishing asks first: what changes (counts and names), and only the confirmation publishes.

Version 1 (published) and version 2 (a draft) are written by hand, so the test knows exactly
which meetings are added, removed and moved, and whose agenda changes.
"""

from __future__ import annotations

import re

import pytest

from app.extensions import db
from app.models import Event
from app.models.common import utcnow
from app.services.scheduling import edits
from app.services.scheduling.publishing import STALE, publish_preview
from app.services.scheduling.versions import BuildError, publish
from tests.conftest import post_form
from tests.scheduling.test_replanning import replan_and_confirm
from tests.scheduling.test_scheduling import build


@pytest.fixture
def two_versions(make_organiser, make_event, make_attendee, make_version, login_as):
    """v1 published: a-b r1 T1, c-d r1 T2, e-f r2 T1. v2: a-b kept, c-d moved, e-f gone, a-e new.

    Tables are named ("Booth A1", ...), so the lists must say the names.
    """
    event = make_event(make_organiser(), rounds=3, tables=3, min_meetings=0)
    event.table_names = ["Booth A1", "Booth A2", "Booth A3"]
    p = {
        k: make_attendee(event, f"{k}@{k}.example", name=f"{k.upper()}da Person",
                         company=f"{k.upper()} Systems")
        for k in "abcdefg"
    }  # fmt: skip
    v1 = make_version(event, [(1, 1, p["a"], p["b"]), (1, 2, p["c"], p["d"]),
                              (2, 1, p["e"], p["f"])], published=True)  # fmt: skip
    v2 = make_version(event, [(1, 1, p["a"], p["b"]), (3, 3, p["c"], p["d"]),
                              (2, 2, p["a"], p["e"])])  # fmt: skip
    return event, v1, v2, p, login_as(event.organiser)


def url(event: Event, number: int) -> str:
    return f"/organiser/events/{event.slug}/schedule/versions/{number}/publish"


def stamp(html: str) -> dict[str, str]:
    return dict(re.findall(r'name="(revision|published)" value="(\d+)"', html))


def published_id(event: Event) -> int | None:
    db.session.expire_all()
    return db.session.get(Event, event.id).published_version_id


def test_the_confirmation_lists_counts_names_and_tables(two_versions) -> None:
    event, v1, v2, p, client = two_versions
    schedule = client.get(f"/organiser/events/{event.slug}/schedule?version=2").text
    assert f'href="{url(event, 2)}"' in schedule  # the page's "Publish" only opens this
    html = client.get(url(event, 2)).get_data(as_text=True)
    assert "Publish version 2?" in html and "Attendees now see version 1" in html
    counts = {k: re.search(rf'id="count-{k}">(\d+)<', html).group(1)
              for k in ("added", "removed", "moved", "affected")}  # fmt: skip
    assert counts == {"added": "1", "removed": "1", "moved": "1", "affected": "5"}
    affected = re.search(r'<ul class="name-columns" id="affected">(.*?)</ul>', html, re.S).group(1)
    for k in "acdef":
        assert f'<strong>{p[k].name}</strong> <span class="muted">({p[k].company})</span>' in (
            affected
        )
    assert p["b"].name not in affected and p["g"].name not in affected
    changes = re.search(r'id="meeting-changes">(.*?)</ul>', html, re.S).group(1)
    assert "round 1, Booth A2" in changes and "round 3, Booth A3" in changes  # c-d moved
    assert "round 2, Booth A1" in changes and "round 2, Booth A2" in changes
    assert "Table " not in changes and "@" not in changes
    assert 'type="submit">Publish version 2</button>' in html and "Cancel" in html
    assert published_id(event) == v1.id  # showing it published nothing


def test_only_the_confirmation_publishes(two_versions) -> None:
    """A GET, or a POST without what the confirmation carries, publishes nothing."""
    event, v1, v2, p, client = two_versions
    html = client.get(url(event, 2)).get_data(as_text=True)
    assert published_id(event) == v1.id
    bare = post_form(client, url(event, 2))  # an old "Publish" button, a forged form
    assert bare.status_code == 200 and "Publish version 2?" in bare.get_data(as_text=True)
    assert published_id(event) == v1.id
    done = post_form(client, url(event, 2), stamp(html), follow_redirects=True)
    assert "Version 2 is published: attendees now see it." in done.get_data(as_text=True)
    assert published_id(event) == v2.id
    again = client.get(url(event, 2)).get_data(as_text=True)
    assert (
        "Version 2 is what attendees see now" in again and "Publish version 2</button>" not in again
    )


def test_a_stale_confirmation_is_refused(two_versions, make_version) -> None:
    """The draft edited, or another version published, after the confirmation: refused."""
    event, v1, v2, p, client = two_versions
    html = client.get(url(event, 2)).get_data(as_text=True)
    edits.set_pinned(event, v2.meetings[0], True)  # someone edits version 2 meanwhile
    answer = post_form(client, url(event, 2), stamp(html), follow_redirects=True)
    assert STALE in answer.get_data(as_text=True)
    assert published_id(event) == v1.id
    fresh = stamp(answer.get_data(as_text=True))  # the page shown again carries the new state
    assert fresh["revision"] != stamp(html)["revision"]

    other = make_version(event, [(1, 1, p["a"], p["g"])], published=True)  # published meanwhile
    answer = post_form(client, url(event, 2), fresh, follow_redirects=True)
    assert STALE in answer.get_data(as_text=True)
    assert published_id(event) == other.id
    now = stamp(answer.get_data(as_text=True))
    assert now["published"] == str(other.id)
    post_form(client, url(event, 2), now)
    assert published_id(event) == v2.id


def test_a_version_that_breaks_a_rule_offers_no_publish(two_versions, make_version) -> None:
    """Colleagues seated together: the confirmation names them and has no Publish button."""
    event, v1, v2, p, client = two_versions
    p["g"].company = p["a"].company
    db.session.commit()
    make_version(event, [(1, 1, p["a"], p["g"])])
    html = client.get(url(event, 3)).get_data(as_text=True)
    assert "Version 3 cannot be published:" in html
    assert "Ada Person (A Systems) and Gda Person (A Systems) both work for A Systems" in html
    assert "Publish version 3</button>" not in html
    assert publish_preview(event.latest_version()).problem
    with pytest.raises(BuildError) as refused:  # the command line's publish says the same
        publish(event.latest_version())
    assert "Ada Person (A Systems)" in str(refused.value) and "@" not in str(refused.value)


def test_the_replan_post_publishes_nothing_until_confirmed(event, login_as) -> None:
    """Re-planning stores a draft and opens its confirmation; attendees still see the old one."""
    version = build(event).version
    publish(version)
    people = sorted(event.attendees, key=lambda a: a.id)
    for a in people[2:]:
        a.checked_in_at = utcnow()
    db.session.commit()
    client = login_as(event.organiser)
    answer = post_form(client, f"/organiser/events/{event.slug}/replan", {"from_round": 2})
    assert answer.headers["Location"].endswith(url(event, 2))
    assert published_id(event) == version.id
    html = client.get(url(event, 2)).get_data(as_text=True)
    missing = [
        a for a in people[:2]
        if any(a.id in (m.attendee_a_id, m.attendee_b_id) and m.round >= 2
               for m in version.meetings)
    ]  # fmt: skip
    for a in missing:
        assert f"<strong>{a.name}</strong>" in html
    assert "Publish version 2</button>" in html
    text = replan_and_confirm(client, event)
    assert "Version 3 is published" in text
