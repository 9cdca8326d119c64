"""Front-end libraries from the npm registry (`make vendor`): served as static files, licence
included, and used by the pages that need them."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

from flask.testing import FlaskClient

from app.models import Event, Organiser

ROOT = Path(__file__).resolve().parents[2]
NPM = ROOT / "static" / "npm"  # the front-end pins
MISSING = "static/vendor/ is missing or stale: run `make vendor` (make test and make run do)"


def test_the_pinned_jsqr_is_the_one_served(client: FlaskClient) -> None:
    """jsQR's browser build and its Apache licence are served, at the version the lock pins."""
    lock = json.loads((NPM / "package-lock.json").read_text())
    pinned = lock["packages"]["node_modules/jsqr"]
    wanted = json.loads((NPM / "package.json").read_text())["dependencies"]["jsqr"]
    assert pinned["version"] == wanted, "package.json and package-lock.json disagree on jsqr"
    assert pinned["integrity"].startswith("sha512-")
    script = client.get("/static/vendor/jsqr/jsQR.js")
    assert script.status_code == 200, MISSING
    assert "javascript" in script.content_type
    assert 'root["jsQR"] = factory()' in script.get_data(as_text=True)  # the browser global
    licence = client.get("/static/vendor/jsqr/LICENSE")
    assert licence.status_code == 200, MISSING
    assert "Apache License" in licence.get_data(as_text=True)
    copied = (ROOT / "static/vendor/jsqr/jsQR.js").stat().st_mtime
    assert copied >= (NPM / "package-lock.json").stat().st_mtime, MISSING


def test_the_door_page_loads_jsqr_before_its_scanner(
    make_organiser: Callable[..., Organiser],
    make_event: Callable[..., Event],
    login_as: Callable[[Organiser], FlaskClient],
) -> None:
    """The door page loads jsQR, then checkin.js, and offers a photo of the badge."""
    owner = make_organiser()
    event = make_event(owner)
    html = login_as(owner).get(f"/checkin/{event.slug}").get_data(as_text=True)
    scripts = re.findall(r'<script src="([^"]+)"', html)
    assert "/static/vendor/jsqr/jsQR.js" in scripts, scripts
    assert scripts.index("/static/vendor/jsqr/jsQR.js") < scripts.index("/static/js/checkin.js")
    assert re.search(r'<input type="file" id="scan-photo" accept="image/\*"', html)
