"""Helpers shared by the attendee tests: a small published event, page text, an .ics reader."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from app.models import Attendee, Event, Meeting, ScheduleVersion

TAG = re.compile(r"<[^>]+>")
INLINE_TAG = re.compile(r"</?(a|abbr|b|em|i|small|span|strong|time)\b[^>]*>")
SPACE = re.compile(r"\s+")


@dataclass
class Forum:
    """An Amsterdam event: Ann meets Bo in round 1 at "Tulip", Cy in round 3 at table 2.

    Dee is Ann's colleague; Eve meets nobody. Rounds: 4 x 10 minutes with 5-minute breaks.
    """

    event: Event
    ann: Attendee
    bo: Attendee
    cy: Attendee
    dee: Attendee
    eve: Attendee
    version: ScheduleVersion

    @property
    def ann_bo(self) -> Meeting:
        return next(m for m in self.version.meetings if m.round == 1)

    @property
    def cy_ann(self) -> Meeting:
        return next(m for m in self.version.meetings if m.round == 3)


def make_forum(
    make_event, make_attendee, make_version, published: bool = True, **settings: Any
) -> Forum:
    """Build the Forum (see its docstring); ``settings`` override the event's."""
    values: dict[str, Any] = {
        "name": "Amsterdam Partner Forum",
        "venue": "RAI Amsterdam, Hall 1",
        "timezone": "Europe/Amsterdam",
        "starts_at": datetime(2030, 3, 4, 9, 0),
        "rounds": 4,
        "round_minutes": 10,
        "break_minutes": 5,
        "tables": 4,
        "table_names": ["Tulip"],
    }
    values.update(settings)
    event = make_event(**values)
    ann = make_attendee(
        event,
        "ann@alpha.example",
        name="Ann Alpha",
        company="Alpha Cloud",
        kind="partner",
        region="EMEA",
        offers=["cloud", "backup"],
        seeks=["security"],
        target_regions=["APAC"],
        goals=["find_partners"],
    )
    bo = make_attendee(
        event,
        "bo@beta.example",
        name="Bo Beta",
        company="Beta Security",
        kind="partner",
        region="APAC",
        offers=["security"],
        seeks=["cloud"],
        target_regions=["EMEA"],
    )
    cy = make_attendee(
        event,
        "cy@gamma.example",
        name="Cy Gamma",
        company="Gamma Software",
        kind="vendor",
        region="NA",
        offers=["crm"],
        seeks=["backup"],
        goals=["recruit_partners"],
    )
    dee = make_attendee(
        event,
        "dee@alpha.example",
        name="Dee Alpha",
        company="Alpha Cloud",
        kind="partner",
        region="EMEA",
        offers=["security"],
        seeks=["cloud"],
    )
    eve = make_attendee(
        event,
        "eve@epsilon.example",
        name="Eve Epsilon",
        company="Epsilon",
        kind="distributor",
        region="LATAM",
        offers=["logistics"],
        seeks=["security"],
    )
    version = make_version(event, [(1, 1, ann, bo), (3, 2, cy, ann)], published=published)
    return Forum(event, ann, bo, cy, dee, eve, version)


def page_text(response: Any) -> str:
    """A page's visible text, tags removed and whitespace collapsed, as a reader sees it."""
    body = response.get_data(as_text=True)
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    body = TAG.sub(" ", INLINE_TAG.sub("", body))
    return SPACE.sub(" ", html.unescape(body)).strip()


def unescape_ics(value: str) -> str:
    """An RFC 5545 TEXT value unescaped."""
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


def parse_ics(text: str) -> list[dict[str, str]]:
    """The VEVENTs of an iCalendar file as {property: raw value}, after checking its framing.

    Checks what RFC 5545 asks of the file's lines: CRLF endings, at most 75 octets each, folded
    lines continued with one space.
    """
    assert text.endswith("\r\n"), "the file ends with CRLF"
    physical = text[:-2].split("\r\n")
    assert all("\n" not in line and "\r" not in line for line in physical)
    assert all(len(line.encode("utf-8")) <= 75 for line in physical), "lines are folded"
    unfolded: list[str] = []
    for line in physical:
        if line.startswith(" "):
            unfolded[-1] += line[1:]
        else:
            unfolded.append(line)
    assert unfolded[0] == "BEGIN:VCALENDAR" and unfolded[-1] == "END:VCALENDAR"
    assert "VERSION:2.0" in unfolded
    events: list[dict[str, str]] = []
    current: dict[str, str] | None = None
    nested = 0  # depth inside a component of the VEVENT (its VALARM)
    for line in unfolded:
        if line == "BEGIN:VEVENT":
            current = {}
        elif line == "END:VEVENT":
            assert current is not None and not nested
            events.append(current)
            current = None
        elif current is not None and line.startswith("BEGIN:"):
            nested += 1
        elif current is not None and line.startswith("END:"):
            nested -= 1
        elif current is not None and not nested:
            name, _, value = line.partition(":")
            current[name] = value
    return events


def ics_time(value: str) -> datetime:
    """An RFC 5545 UTC date-time (``20300304T080000Z``) as an aware datetime."""
    assert value.endswith("Z"), f"{value} is in UTC"
    return datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=ZoneInfo("UTC"))


def local_start(minutes_ago: float, timezone: str = "Europe/Amsterdam") -> datetime:
    """A naive local start time ``minutes_ago`` minutes before now in ``timezone``."""
    now = datetime.now(ZoneInfo(timezone)).replace(tzinfo=None, second=0, microsecond=0)
    return now - timedelta(minutes=minutes_ago)
