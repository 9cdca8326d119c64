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
      if (s.ok && !s.again) listed(s);
    }, function () {
      say("Could not reach the server: check the network and try again.", "bad");
    });
  }

  // A new lead goes on top of the page's list of scans, as a reload would show it.
  function listed(s) {
    var list = document.getElementById("scans");
    var none = document.getElementById("no-scans");
    if (!list) return;
    var item = document.createElement("li");
    var box = document.createElement("div");
    var name = document.createElement("strong");
    var more = document.createElement("span");
    name.textContent = s.name;
    more.className = "muted";
    more.textContent = s.company + " · " + s.at;
    box.appendChild(name);
    box.appendChild(document.createElement("br"));
    box.appendChild(more);
    item.appendChild(box);
    list.insertBefore(item, list.firstChild);
    list.hidden = false;
    if (none) none.hidden = true;
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
