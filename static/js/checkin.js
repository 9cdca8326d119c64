// The door page: polls the counts every few seconds and scans badge QR codes to check the
// attendee in, from the live camera or from a photo of the badge. The camera, the photo and
// the decoding are qrscan.js's (shared with the sponsor's booth scanner); this file sends
// each code read to the door's scan URL and shows the answer.
(function () {
  "use strict";
  var door = document.getElementById("door");
  if (!door) return;
  var POLL_MS = 3000;

  function showCounts(c) {
    ["expected", "present", "absent"].forEach(function (k) {
      document.getElementById("count-" + k).textContent = c[k];
    });
  }

  function poll() {
    fetch(door.getAttribute("data-counts-url"), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (c) { if (c) showCounts(c); })
      .catch(function () {})
      .then(function () { window.setTimeout(poll, POLL_MS); });
  }
  window.setTimeout(poll, POLL_MS);

  var section = document.getElementById("scanner");
  if (!section) return;
  var video = document.getElementById("scan-video");
  var result = document.getElementById("scan-result");
  var start = document.getElementById("scan-start");
  var stop = document.getElementById("scan-stop");
  var photo = document.getElementById("scan-photo");
  var cameraNote = document.getElementById("scan-camera-note");

  // --- Sending a scanned code. ----------------------------------------------------------

  // Every answer as {status, body}: body is the server's JSON, or null when it sent none.
  function answer(r) {
    return r.json().then(
      function (body) { return { status: r.status, text: r.statusText, body: body }; },
      function () { return { status: r.status, text: r.statusText, body: null }; });
  }

  function freshToken() {
    return fetch(door.getAttribute("data-csrf-url"), {
      credentials: "same-origin", headers: { Accept: "application/json" }
    }).then(answer);
  }

  // POST the scan; a token refused as expired is replaced once and the scan sent again.
  function post(code, retried) {
    var body = new FormData();
    body.append("code", code);
    body.append("csrf_token", door.getAttribute("data-csrf"));
    return fetch(door.getAttribute("data-scan-url"), {
      method: "POST", body: body, credentials: "same-origin",
      headers: { Accept: "application/json" }
    }).then(answer).then(function (a) {
      if (retried || !a.body || !a.body.csrf) return a;
      return freshToken().then(function (t) {
        if (!t.body || !t.body.csrf) return t; // e.g. 401: the session ended
        door.setAttribute("data-csrf", t.body.csrf);
        return post(code, true);
      });
    });
  }

  function say(text, kind) {
    result.textContent = text;
    result.className = "door-result" + (kind ? " door-" + kind : "");
  }

  function send(code) {
    return post(code, false).then(function (a) {
      var s = a.body;
      if (!s || typeof s.ok !== "boolean") {
        say("The server answered " + a.status + (a.text ? " " + a.text : "") +
            ": try again, or search by name.", "bad");
      } else if (!s.ok) {
        say(s.error || "Not recognised.", "bad");
      } else {
        say(s.name + (s.already ? " was already in." : " is checked in."), "good");
        showCounts(s.counts);
      }
    }, function () {
      // Only here did no answer come at all: the network, not the server.
      say("Could not reach the server: check the network and try again.", "bad");
    });
  }

  section.hidden = false;
  window.MingleScanner({
    video: video, start: start, stop: stop, photo: photo, cameraNote: cameraNote,
    say: say, send: send, otherwise: "search by name"
  });
})();
