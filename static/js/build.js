// Progress of a schedule build: polls the job's JSON once a second and fills the bar.
// Without JavaScript the page refreshes itself (see the <noscript> meta refresh).
(function () {
  "use strict";
  var box = document.getElementById("build");
  if (!box) return;
  var url = box.getAttribute("data-status-url");
  var bar = document.getElementById("build-bar");
  var fields = {};
  ["phase", "elapsed", "objective", "bound", "gap", "percent"].forEach(function (k) {
    fields[k] = document.getElementById("build-" + k);
  });
  var done = document.getElementById("build-done");
  var version = document.getElementById("build-version");
  var failed = document.getElementById("build-failed");
  var error = document.getElementById("build-error");

  function number(x, digits) {
    return x === null || x === undefined ? "–" : Number(x).toLocaleString(undefined, {
      minimumFractionDigits: digits, maximumFractionDigits: digits
    });
  }

  function show(s) {
    bar.value = s.percent;
    bar.textContent = s.percent + "%";
    fields.percent.textContent = Math.round(s.percent) + "%";
    fields.phase.textContent = s.status === "running" ? s.phase : s.status;
    fields.elapsed.textContent = number(s.elapsed, 1) + " s of " + number(s.time_limit, 0) + " s";
    fields.objective.textContent = number(s.objective, 1);
    fields.bound.textContent = number(s.bound, 1);
    fields.gap.textContent = s.gap === null ? "–" : number(100 * s.gap, 2) + "%";
    box.setAttribute("data-status", s.status);
    if (s.status === "done") {
      version.textContent = s.version;
      done.hidden = false;
      window.setTimeout(function () { window.location.assign(s.schedule_url); }, 1500);
      return true;
    }
    if (s.status === "failed") {
      failed.hidden = false;
      error.textContent = s.error || "unknown error";
      return true;
    }
    return false;
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (s) { if (!show(s)) window.setTimeout(poll, 1000); })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  poll();
})();
