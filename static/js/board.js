// The live board: asks the server for the board every few seconds and ticks the countdown and
// the clock in between. Times come from the server; this screen's own clock only measures how
// much time has passed, corrected by the offset between the two (a projector whose clock is
// wrong still shows the event's time). When the countdown reaches zero it asks at once.
(function () {
  "use strict";
  var root = document.getElementById("board");
  if (!root) return;
  var url = root.getAttribute("data-state-url");
  var pollMs = Number(root.getAttribute("data-poll-seconds")) * 1000;
  var zone = root.getAttribute("data-timezone");
  var offset = 0; // server time minus this screen's time, in ms
  var target = null; // ms since the epoch, server time
  var asking = false;
  var stopped = false;
  var pollTimer = null;
  var lastAsked = 0;
  var serverNow = Date.parse(root.getAttribute("data-now"));
  if (!isNaN(serverNow)) offset = serverNow - Date.now(); // refined by the first answer
  var t = Date.parse(root.getAttribute("data-target"));
  target = isNaN(t) ? null : t;

  var clockFormat = new Intl.DateTimeFormat("en-GB", {
    timeZone: zone, hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23"
  });

  function $(id) { return document.getElementById(id); }

  // Seconds left as M:SS, H:MM:SS from an hour, "N days" from two days, rounded up
  // (countdown_text in app/services/events/board.py).
  function countdownText(ms) {
    var left = Math.max(0, Math.ceil(ms / 1000));
    if (left >= 2 * 86400) return Math.floor(left / 86400) + " days";
    var h = Math.floor(left / 3600), m = Math.floor((left % 3600) / 60), s = left % 60;
    var ss = (s < 10 ? "0" : "") + s;
    if (h) return h + ":" + (m < 10 ? "0" : "") + m + ":" + ss;
    return m + ":" + ss;
  }

  function fillList(id, names) {
    var list = $(id);
    list.textContent = "";
    names.forEach(function (name) {
      var item = document.createElement("li");
      item.textContent = name;
      list.appendChild(item);
    });
  }

  function show(state) {
    root.className = "board board-" + state.phase;
    $("board-headline").textContent = state.headline;
    $("board-label").textContent = state.countdown_label;
    target = state.target ? Date.parse(state.target) : null;
    $("board-countdown").hidden = target === null;
    $("board-thanks").textContent = state.thanks;
    $("board-thanks").hidden = !state.thanks;
    var tables = $("board-tables");
    tables.hidden = state.tables_round === null;
    if (state.tables_round !== null) {
      $("tables-title").textContent = "Tables in round " + state.tables_round;
    }
    $("tables-unpublished").hidden = state.published;
    $("tables-lists").hidden = !state.published;
    $("tables-in-use-count").textContent = state.tables_in_use.length;
    $("tables-empty-count").textContent = state.tables_empty.length;
    fillList("tables-in-use", state.tables_in_use);
    fillList("tables-empty", state.tables_empty);
    if (state.counts) {
      ["present", "expected", "absent"].forEach(function (k) {
        $("count-" + k).textContent = state.counts[k];
      });
    }
    tick();
  }

  function status(text) {
    var line = $("board-status");
    line.textContent = text;
    line.hidden = !text;
  }

  function ask() {
    if (asking || stopped) return;
    asking = true;
    var sent = Date.now();
    lastAsked = sent;
    fetch(url, { headers: { Accept: "application/json" }, cache: "no-store" })
      .then(function (response) {
        if (response.status === 404) {
          stopped = true;
          status("This board link no longer works: ask the organiser for the current one.");
          return null;
        }
        return response.ok ? response.json() : null;
      })
      .then(function (state) {
        if (!state) return;
        var received = Date.now();
        // The server read its clock about halfway between sending and receiving.
        offset = Date.parse(state.now) - (sent + received) / 2;
        status("");
        show(state);
      })
      .catch(function () {
        status("Cannot reach Mingle: the board will catch up when the network is back.");
      })
      .then(function () {
        asking = false;
        if (!stopped) {
          window.clearTimeout(pollTimer);
          pollTimer = window.setTimeout(ask, pollMs);
        }
      });
  }

  function tick() {
    var now = Date.now() + offset;
    $("board-clock").textContent = clockFormat.format(new Date(now));
    if (target !== null) {
      var left = target - now;
      $("board-countdown").textContent = countdownText(left);
      // The round or the break is over: what comes next? (at most once a second)
      if (left <= 0 && Date.now() - lastAsked > 1000) ask();
    }
  }

  window.setInterval(tick, 250);
  tick();
  ask();
})();
