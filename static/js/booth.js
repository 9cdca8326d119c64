// The sponsor's booth scanner (/s/<token>/scan): each badge code the camera or a photo reads
// (qrscan.js) is posted to the page's scan URL, which records the partner as a lead and
// answers in JSON; the answer is shown under the camera. The typed-code form needs no script.
(function () {
  "use strict";
  var booth = document.getElementById("booth");
  var section = document.getElementById("scanner");
  if (!booth || !section || !window.MingleScanner) return;
  var result = document.getElementById("scan-result");

  function say(text, kind) {
    result.textContent = text;
    result.className = "door-result" + (kind ? " door-" + kind : "");
  }

  function send(code) {
    var body = new FormData();
    body.append("code", code);
    body.append("csrf_token", booth.getAttribute("data-csrf"));
    return fetch(booth.getAttribute("data-scan-url"), {
      method: "POST", body: body, credentials: "same-origin",
      headers: { Accept: "application/json" }
    }).then(function (r) {
      return r.json().then(function (s) { return s; }, function () {
        return { ok: false, error: "The server answered " + r.status +
          ": reload the page and try again, or type the code." };
      });
    }).then(function (s) {
      say(s.ok ? s.message : (s.error || "Not recognised."), s.ok ? "good" : "bad");
    }, function () {
      say("Could not reach the server: check the network and try again.", "bad");
    });
  }

  section.hidden = false;
  window.MingleScanner({
    video: document.getElementById("scan-video"),
    start: document.getElementById("scan-start"),
    stop: document.getElementById("scan-stop"),
    photo: document.getElementById("scan-photo"),
    cameraNote: document.getElementById("scan-camera-note"),
    say: say, send: send, otherwise: "type the code below"
  });
})();
