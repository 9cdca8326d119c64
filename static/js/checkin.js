// The door page: polls the counts every few seconds and, where the browser has its own
// BarcodeDetector and a camera, scans badge QR codes and checks the attendee in.
(function () {
  "use strict";
  var door = document.getElementById("door");
  if (!door) return;
  var POLL_MS = 3000;
  var SAME_CODE_MS = 4000; // the same badge held in view is one check-in, not many

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

  if (!("BarcodeDetector" in window) || !navigator.mediaDevices ||
      !navigator.mediaDevices.getUserMedia) return;
  var section = document.getElementById("scanner");
  var video = document.getElementById("scan-video");
  var result = document.getElementById("scan-result");
  section.hidden = false;
  var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
  var last = { code: "", at: 0 };

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

  function bad(text) {
    result.textContent = text;
    result.className = "door-result door-bad";
  }

  function send(code) {
    return post(code, false).then(function (a) {
      var s = a.body;
      if (!s || typeof s.ok !== "boolean") {
        bad("The server answered " + a.status + (a.text ? " " + a.text : "") +
            ": try again, or search by name.");
      } else if (!s.ok) {
        bad(s.error || "Not recognised.");
      } else {
        result.textContent = s.name + (s.already ? " was already in." : " is checked in.");
        result.className = "door-result door-good";
        showCounts(s.counts);
      }
    }, function () {
      // Only here did no answer come at all: the network, not the server.
      bad("Could not reach the server: check the network and try again.");
    });
  }

  function tick() {
    detector.detect(video).then(function (codes) {
      var now = Date.now();
      if (codes.length && (codes[0].rawValue !== last.code || now - last.at > SAME_CODE_MS)) {
        last = { code: codes[0].rawValue, at: now };
        send(last.code);
      }
    }).catch(function () {}).then(function () {
      window.setTimeout(tick, 250);
    });
  }

  document.getElementById("scan-start").addEventListener("click", function (e) {
    e.target.disabled = true;
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (stream) {
        video.srcObject = stream;
        video.hidden = false;
        return video.play();
      })
      .then(tick)
      .catch(function () {
        result.textContent = "No camera: search by name instead.";
        e.target.disabled = false;
      });
  });
})();
