"""The door scanner where the browser has no BarcodeDetector (iOS Safari, Firefox, Chromium on
Linux): jsQR decodes a photo of the badge and live camera frames, and the attendee is in.

The QR codes are the badges' own: the attendee's agenda link drawn by the printing's QR helper
(app/services/printing/qr.py). The live camera is a canvas stream showing the badge, handed
to the page in place of getUserMedia's, so the page's frame loop runs as with a real camera.
"""

from __future__ import annotations

import base64
import io
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, Request, expect

from app.extensions import db
from app.models import Attendee, Organiser
from app.services.attendees.importing import apply_import, preview_import
from app.services.events.editing import create_event
from app.services.messages.mailing import agenda_url
from app.services.printing.qr import qr_matrix
from tests.browser.conftest import (
    CHROMIUM,
    CHROMIUM_ARGS,
    PHONE,
    TIMEOUT_MS,
    Account,
    LiveServer,
    attendees_csv,
    log_in,
    record_problems,
    screenshot,
)

pytestmark = pytest.mark.browser

NO_DETECTOR = "delete window.BarcodeDetector;"


@dataclass
class Door:
    """An event of PEOPLE attendees nobody has checked in yet."""

    account: Account
    slug: str
    event_id: int
    attendees: dict[str, int]  # name -> id

    def checked_in(self, live_server: LiveServer, name: str) -> bool:
        with live_server.app.app_context():
            return db.session.get(Attendee, self.attendees[name]).checked_in_at is not None

    def badge(self, live_server: LiveServer, name: str) -> str:
        """What ``name``'s badge QR code holds: their agenda link."""
        with live_server.app.test_request_context():
            return agenda_url(db.session.get(Attendee, self.attendees[name]))


@pytest.fixture(scope="module")
def door(live_server: LiveServer) -> Door:
    account = live_server.organiser()
    with live_server.app.app_context():
        organiser = db.session.get(Organiser, account.id)
        event = create_event(
            organiser,
            {"name": "Scanner Day Lyon", "rounds": 3, "tables": 6, "min_meetings": 1,
             "starts_at": datetime(2030, 6, 3, 9, 0)},
        )  # fmt: skip
        apply_import(event, preview_import(event, attendees_csv(), "attendees.csv"))
        people = db.session.query(Attendee).filter_by(event_id=event.id)
        return Door(account, event.slug, event.id, {a.name: a.id for a in people})


def qr_png(text: str, module: int = 6, canvas: tuple[int, int] | None = None) -> bytes:
    """``text``'s QR code as a PNG, ``module`` pixels a module, with the 4-module quiet zone.

    With ``canvas=(w, h)`` the code sits off-centre on a grey picture that size, as in a
    photo of a badge held up to a phone.
    """
    modules = qr_matrix(text)
    size = modules.shape[0] + 8
    code = Image.new("L", (size, size), 255)
    for (row, col), dark in zip(
        ((r, c) for r in range(modules.shape[0]) for c in range(modules.shape[1])),
        modules.flat,
        strict=True,
    ):
        if dark:
            code.putpixel((col + 4, row + 4), 0)
    code = code.resize((size * module, size * module), Image.Resampling.NEAREST)
    if canvas:
        picture = Image.new("L", canvas, 170)
        picture.paste(code, (canvas[0] // 3, canvas[1] // 4))
        code = picture
    buffer = io.BytesIO()
    code.convert("RGB").save(buffer, "PNG")
    return buffer.getvalue()


def scans(page: Page) -> list[Request]:
    """The scan POSTs the page makes from now on."""
    made: list[Request] = []
    page.on("request", lambda r: made.append(r) if r.url.endswith("/scan") else None)
    return made


def open_door(page: Page, door: Door, init_script: str = "") -> None:
    page.add_init_script(NO_DETECTOR + init_script)
    log_in(page, door.account)
    page.goto(f"/checkin/{door.slug}")
    assert page.evaluate("'BarcodeDetector' in window") is False
    assert page.evaluate("typeof window.jsQR") == "function"


def present(page: Page) -> int:
    return int(page.locator("#count-present").inner_text())


def test_a_photo_of_the_badge_checks_the_attendee_in(
    live_server: LiveServer, door: Door, phone: Page, tmp_path: Path
) -> None:
    """On a 375 px phone without BarcodeDetector: a photo of a badge checks its holder in."""
    page = phone
    name = "Ieva Kalniņa"
    open_door(page, door)
    before = present(page)
    photo = tmp_path / "badge.png"
    photo.write_bytes(qr_png(door.badge(live_server, name), canvas=(1600, 1200)))
    sent = scans(page)
    page.get_by_label("Or take a photo of the badge").set_input_files(photo)
    expect(page.locator("#scan-result")).to_have_text(f"{name} is checked in.")
    expect(page.locator("#count-present")).to_have_text(str(before + 1))
    assert door.checked_in(live_server, name)
    assert len(sent) == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "door-scan-photo")

    # The same photo again says so instead of counting twice.
    page.get_by_label("Or take a photo of the badge").set_input_files(photo)
    expect(page.locator("#scan-result")).to_have_text(f"{name} was already in.")
    expect(page.locator("#count-present")).to_have_text(str(before + 1))

    # A picture without a QR code, and a file that is no picture, say what to do.
    blank = tmp_path / "blank.png"
    Image.new("RGB", (800, 600), (200, 200, 200)).save(blank)
    page.get_by_label("Or take a photo of the badge").set_input_files(blank)
    expect(page.locator("#scan-result")).to_contain_text("No QR code found in the photo")
    text = tmp_path / "notes.png"
    text.write_text("not a picture")
    page.get_by_label("Or take a photo of the badge").set_input_files(text)
    expect(page.locator("#scan-result")).to_contain_text("could not be read as a picture")


# getUserMedia answers with a canvas stream showing ``BADGE`` (a data: URL) on a grey
# background, repainted ten times a second; window.__camera keeps the streams handed out.
FAKE_CAMERA = """
window.__camera = { streams: [] };
navigator.mediaDevices.getUserMedia = function (constraints) {
  var image = new Image();
  image.src = BADGE;
  return image.decode().then(function () {
    var canvas = document.createElement("canvas");
    canvas.width = 1280; canvas.height = 720;
    var g = canvas.getContext("2d");
    var paint = function () {
      g.fillStyle = "#9a9a9a"; g.fillRect(0, 0, 1280, 720);
      g.drawImage(image, 420, 140, 440, 440);
    };
    paint();
    window.setInterval(paint, 100);
    var stream = canvas.captureStream(10);
    window.__camera.streams.push(stream);
    return stream;
  });
};
"""


def fake_camera(png: bytes) -> str:
    data = "data:image/png;base64," + base64.b64encode(png).decode()
    return f'var BADGE = "{data}";' + FAKE_CAMERA


def test_the_live_camera_checks_the_attendee_in_once(
    live_server: LiveServer, door: Door, phone: Page
) -> None:
    """Camera frames decoded by jsQR check the attendee in; a badge kept in view is sent once
    in a few seconds, and Stop or hiding the page turns the camera off."""
    page = phone
    name = "Mateo Fernández"
    open_door(page, door, fake_camera(qr_png(door.badge(live_server, name))))
    before = present(page)
    sent = scans(page)
    page.get_by_role("button", name="Start the camera").click()
    expect(page.locator("#scan-result")).to_have_text(f"{name} is checked in.")
    expect(page.locator("#count-present")).to_have_text(str(before + 1))
    assert door.checked_in(live_server, name)
    expect(page.locator("#scan-video")).to_be_visible()
    screenshot(page, "door-scan-camera")
    time.sleep(2)  # ten more decoded frames of the same badge, within SAME_CODE_MS
    assert len(sent) == 1, [r.url for r in sent]

    page.get_by_role("button", name="Stop the camera").click()
    assert page.evaluate("window.__camera.streams[0].getTracks()[0].readyState") == "ended"
    expect(page.locator("#scan-video")).to_be_hidden()
    expect(page.locator("#scan-camera-note")).to_have_text("The camera is off.")

    # Started again, then the phone locks or the tab goes to the background: the camera stops.
    page.get_by_role("button", name="Start the camera").click()
    expect(page.locator("#scan-video")).to_be_visible()
    page.evaluate(
        "Object.defineProperty(document, 'hidden', {value: true, configurable: true});"
        "document.dispatchEvent(new Event('visibilitychange'))"
    )
    assert page.evaluate("window.__camera.streams[1].getTracks()[0].readyState") == "ended"
    expect(page.locator("#scan-camera-note")).to_contain_text("paused")
    expect(page.get_by_role("button", name="Start the camera")).to_be_visible()


@pytest.mark.parametrize(
    ("error", "message"),
    [
        ("NotAllowedError", "Camera access was refused"),
        ("NotFoundError", "No camera found on this device"),
    ],
)
def test_a_refused_or_missing_camera_says_what_to_do(
    door: Door, phone: Page, error: str, message: str
) -> None:
    """When the browser gives no camera, the page says why and offers the photo instead."""
    page = phone
    open_door(
        page,
        door,
        "navigator.mediaDevices.getUserMedia = function () {"
        f"  return Promise.reject(new DOMException('no', '{error}')); }};",
    )
    page.get_by_role("button", name="Start the camera").click()
    expect(page.locator("#scan-camera-note")).to_contain_text(message)
    expect(page.locator("#scan-camera-note")).to_contain_text("take a photo of the badge")
    expect(page.locator("#scan-camera-note")).to_have_class("door-result door-bad")
    expect(page.get_by_role("button", name="Start the camera")).to_be_enabled()
    expect(page.locator("#scan-video")).to_be_hidden()
    if error == "NotAllowedError":
        screenshot(page, "door-camera-refused")


def test_without_a_live_camera_the_photo_is_offered(door: Door, phone: Page) -> None:
    """A browser without getUserMedia (plain http, not localhost) offers no Start button that
    must then fail: it says why and keeps the photo."""
    page = phone
    open_door(page, door, "Object.defineProperty(navigator, 'mediaDevices', {value: undefined});")
    expect(page.locator("#scan-camera-note")).to_contain_text("take a photo of the badge")
    expect(page.get_by_role("button", name="Start the camera")).to_be_hidden()
    expect(page.get_by_label("Or take a photo of the badge")).to_be_visible()


def test_the_desktop_door_scans_a_photo(
    live_server: LiveServer, door: Door, desktop: Page, tmp_path: Path
) -> None:
    """At 1280 px, a large photo with the badge small in it is read on the second, larger try."""
    page = desktop
    name = "Wei Chen"
    open_door(page, door)
    photo = tmp_path / "badge.png"
    photo.write_bytes(qr_png(door.badge(live_server, name), module=2, canvas=(2400, 1800)))
    page.get_by_label("Or take a photo of the badge").set_input_files(photo)
    expect(page.locator("#scan-result")).to_have_text(f"{name} is checked in.")
    assert door.checked_in(live_server, name)
    screenshot(page, "door-scan-desktop")


def y4m(png: bytes, size: tuple[int, int] = (640, 480)) -> bytes:
    """One frame of a YUV4MPEG2 video (4:2:0) showing ``png`` centred on grey: what Chromium's
    fake camera (--use-file-for-fake-video-capture) plays in a loop."""
    w, h = size
    frame = Image.new("RGB", size, (150, 150, 150))
    code = Image.open(io.BytesIO(png)).convert("RGB")
    frame.paste(code, ((w - code.width) // 2, (h - code.height) // 2))
    y, cb, cr = frame.convert("YCbCr").split()
    half = (w // 2, h // 2)
    planes = [y, cb.resize(half, Image.Resampling.BOX), cr.resize(half, Image.Resampling.BOX)]
    header = f"YUV4MPEG2 W{w} H{h} F10:1 Ip A1:1 C420jpeg\n".encode()
    return header + b"FRAME\n" + b"".join(p.tobytes() for p in planes)


def test_chromiums_own_camera_checks_the_attendee_in(
    live_server: LiveServer, door: Door, browser: Browser, tmp_path: Path
) -> None:
    """Through getUserMedia unchanged: Chromium's fake camera device plays a badge, the page's
    video shows it, and jsQR reads it from the frames."""
    name = "Aiko Tanaka"
    video = tmp_path / "badge.y4m"
    video.write_bytes(y4m(qr_png(door.badge(live_server, name), module=5)))
    camera = browser.browser_type.launch(
        executable_path=str(CHROMIUM),
        headless=True,
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )
    try:
        context = camera.new_context(
            base_url=live_server.url, viewport=PHONE, is_mobile=True, has_touch=True
        )
        context.set_default_timeout(TIMEOUT_MS)
        context.grant_permissions(["camera"], origin=live_server.url)
        page = context.new_page()
        problems = record_problems(page)
        open_door(page, door)
        before = present(page)
        page.get_by_role("button", name="Start the camera").click()
        expect(page.locator("#scan-result")).to_have_text(f"{name} is checked in.")
        expect(page.locator("#count-present")).to_have_text(str(before + 1))
        assert door.checked_in(live_server, name)
        assert page.evaluate("document.getElementById('scan-video').videoWidth") == 640
        page.get_by_role("button", name="Stop the camera").click()
        expect(page.locator("#scan-video")).to_be_hidden()
        assert not problems, problems
    finally:
        camera.close()
